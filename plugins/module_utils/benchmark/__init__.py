# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark pipeline: results as normalized records, SLO checks, analysis and the report.

* ``registry``: one entry per result format (file names, marker keys, summary and per-request parsers);
  ``discovery.parse_path`` / ``discovery.facts_result`` apply it to a file or an artifacts directory.
  Record keys: ``record.RECORD_KEYS``. Errors: ``errors.BenchmarkParseError``.
* ``slo`` (objectives, validation, the gate), ``analysis`` (headline, knee, goodput, results.json),
  ``render`` (report.md, plots). Errors: ``errors.BenchmarkReportError``.
* ``modules``: the shared ``main()`` of the facts modules, the one file here that imports Ansible.

See docs/benchmark_formats.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
