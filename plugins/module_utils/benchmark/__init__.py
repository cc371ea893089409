# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark results as normalized records (pure Python, no Ansible imports).

Entry points: ``discovery.parse_path`` (records from a file or a directory) and
``discovery.facts_result`` (what the ``*_facts`` modules return). Record keys:
``record.RECORD_KEYS``. Errors: ``errors.BenchmarkParseError``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
