# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs shared by the benchmark modules (argument specs: plugins/module_utils/benchmark/modules.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every benchmark module: works on files of the host it runs on, full check mode, no diff.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
author:
  - eks_llm.inference contributors (@eks-llm)
"""

    # The facts modules: benchmark_facts, genai_perf_facts, llmperf_facts.
    FACTS = r"""
options:
  path:
    description:
      - A result file, or a directory searched recursively for result files (one record per run found),
        for example the artifacts directory of a sweep.
      - Files that are not benchmark results (plots, inputs, configs) are ignored; every result file
        found is parsed, and one that cannot be read fails the task.
    type: path
    required: true
  per_request:
    description:
      - Also read the per-request file each run has next to its summary (aiperf C(profile_export.jsonl),
        llmperf C(*_individual_responses.json)) and return its samples in RV(per_request), for example to
        count goodput with M(eks_llm.inference.benchmark_report).
      - The summary statistics in the records never come from these files.
    type: bool
    default: true
attributes:
  facts:
    description: Action returns an C(ansible_facts) dictionary that will update existing host facts.
    support: full
notes:
  - Never changes anything; read-only, so check mode behaves like a normal run.
  - Units are read from the results and converted to milliseconds and per-second rates; an unknown unit or
    layout fails the task with the file name and the layout expected. Statistics are the tool's own summary,
    never recomputed from per-request data; a value the tool does not report is V(null).
  - See C(docs/benchmark_formats.md) in the collection for how each format is found and read.
"""

    # The modules that take records: benchmark_report, benchmark_slo_check (each adds the default of slo).
    SLO = r"""
options:
  records:
    description: Normalized benchmark records, for example C(ansible_facts.benchmark_results) of M(eks_llm.inference.benchmark_facts).
    type: list
    elements: dict
    required: true
  slo:
    description:
      - Service level objectives. Keys C(<metric>_<stat>) with metric C(ttft_ms), C(itl_ms) or C(request_latency_ms)
        and stat C(avg), C(p50), C(p90) or C(p99) are upper bounds in ms; C(min_output_token_throughput_tps) and
        C(min_request_throughput_rps) are lower bounds; C(max_error_rate) is an upper bound on
        errors / (successes + errors), a fraction within [0, 1].
      - A metric the run did not measure (TTFT or ITL of a non-streaming run) violates its objective.
      - An unknown key or a negative value fails the task and names the allowed keys.
    type: dict
"""
