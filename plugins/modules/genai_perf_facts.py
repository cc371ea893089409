#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: genai_perf_facts
short_description: Read genai-perf and aiperf benchmark results as facts
version_added: 1.0.0
description:
  - Reads NVIDIA genai-perf C(profile_export_genai_perf.json)/C(.csv) and its successor aiperf's
    C(profile_export_aiperf.json)/C(.csv) and sets C(ansible_facts.benchmark_results) (keys described in
    RV(eks_llm.inference.benchmark_facts#module:ansible_facts.benchmark_results)), one normalized record per
    run (one concurrency level), sorted by concurrency; aiperf's per-request C(profile_export.jsonl) goes to
    RV(per_request).
  - genai-perf layouts read are 0.0.16 (nested C(input_config.perf_analyzer.stimulus)) and older releases (flat
    C(input_config.concurrency)).
  - When the JSON and the CSV export of one run sit in the same directory, the JSON is read (full precision, run
    settings). A CSV read alone has null model and tool version (the CSV does not record them) and takes the
    concurrency from an artifact directory named C(...-concurrency<N>), as genai-perf names it.
  - genai-perf records no error count and no tool version (V(null)). Runs without streaming have null TTFT and ITL.
  - M(eks_llm.inference.benchmark_facts) with O(eks_llm.inference.benchmark_facts#module:format=genai-perf) or
    V(aiperf), over the same code; its return values are described there.
extends_documentation_fragment: [eks_llm.inference.benchmark, eks_llm.inference.benchmark.facts]
"""

EXAMPLES = r"""
- name: Read the genai-perf runs of every concurrency
  eks_llm.inference.genai_perf_facts:
    path: /workspace/artifacts

- name: Fail when request throughput at concurrency 128 is below 20 per second
  ansible.builtin.assert:
    that:
      - __c128.request_throughput_rps >= 20
    fail_msg: Throughput at concurrency 128 below 20 requests/s
  vars:
    __c128: "{{ ansible_facts.benchmark_results | selectattr('concurrency', 'equalto', 128) | first }}"
"""

# The keys are those of eks_llm.inference.benchmark_facts, documented there once.
RETURN = r"""
ansible_facts: {description: "C(benchmark_results), the genai-perf and aiperf records.", returned: always, type: dict}
sources: {description: The result file of each record., returned: always, type: list, elements: str}
per_request: {description: "Samples of aiperf's C(profile_export.jsonl) per run.", returned: always, type: list, elements: dict}
"""

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.genai_perf import AIPERF, GENAI_PERF
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.modules import (
    facts_argument_spec,
    run_facts_module,
)


def argument_spec():
    return facts_argument_spec()


def main():
    run_facts_module(argument_spec(), (GENAI_PERF, AIPERF))


if __name__ == "__main__":
    main()
