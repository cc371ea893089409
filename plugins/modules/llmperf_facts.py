#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: llmperf_facts
short_description: Read llmperf benchmark results as facts
version_added: 1.0.0
description:
  - Reads ray-project llmperf C(token_benchmark_ray.py) results, C(<model>_<in>_<out>_summary.json), and sets
    C(ansible_facts.benchmark_results) (keys described in
    RV(eks_llm.inference.benchmark_facts#module:ansible_facts.benchmark_results)), one normalized record per
    summary, sorted by concurrency (C(num_concurrent_requests)).
  - llmperf writes latencies in seconds (C(_s) keys) and request throughput per minute; they are converted to
    milliseconds and requests per second.
  - When C(<model>_<in>_<out>_individual_responses.json) sits next to the summary it is read too (its samples go
    to RV(per_request)), and the task fails if its request and error counts disagree with the summary; an
    individual responses file without its summary fails the task.
  - llmperf's inter-token latency is per request and includes the time to first token; it is copied as reported.
  - M(eks_llm.inference.benchmark_facts) with O(eks_llm.inference.benchmark_facts#module:format=llmperf), over the
    same code; its return values are described there.
extends_documentation_fragment: [eks_llm.inference.benchmark, eks_llm.inference.benchmark.facts]
"""

EXAMPLES = r"""
- name: Read the llmperf results directory
  eks_llm.inference.llmperf_facts:
    path: /app/llmperf/outputs

- name: Report completed and failed requests
  ansible.builtin.debug:
    msg: "{{ item.request_count }} completed, {{ item.error_count }} failed at concurrency {{ item.concurrency }}"
  loop: "{{ ansible_facts.benchmark_results }}"
"""

# The keys are those of eks_llm.inference.benchmark_facts, documented there once.
RETURN = r"""
ansible_facts: {description: "C(benchmark_results), the llmperf records.", returned: always, type: dict}
sources: {description: The summary file of each record., returned: always, type: list, elements: str}
per_request: {description: Samples of the individual responses file per run., returned: always, type: list, elements: dict}
"""

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.llmperf import LLMPERF
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.modules import (
    facts_argument_spec,
    run_facts_module,
)


def argument_spec():
    return facts_argument_spec()


def main():
    run_facts_module(argument_spec(), (LLMPERF,))


if __name__ == "__main__":
    main()
