#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: benchmark_facts
short_description: Read LLM benchmark results of genai-perf, aiperf, llmperf, vLLM, guidellm or inference-perf as facts
version_added: 1.0.0
description:
  - Reads the files an LLM inference benchmark tool wrote and sets
    RV(ansible_facts.benchmark_results), one normalized record per benchmark run, sorted by concurrency,
    and returns the per-request samples the tool wrote next to each run in RV(per_request).
  - "Supported: genai-perf C(profile_export_genai_perf.json)/C(.csv) (0.0.16 nested and older flat layouts),
    aiperf C(profile_export_aiperf.json)/C(.csv) (+ C(profile_export.jsonl); its per-phase copies under
    C(phases/) are left out), llmperf C(*_summary.json) with C(*_individual_responses.json), vLLM
    C(vllm bench serve --save-result) JSON, guidellm C(benchmarks.json) and inference-perf
    C(stage_<N>_lifecycle_metrics.json)/C(summary_lifecycle_metrics.json)."
  - Runs without streaming have null TTFT and ITL.
options:
  format:
    description:
      - The tool that wrote the results. V(auto) detects it per file from the file name, then from
        marker keys at the top of other C(*.json) files.
      - With a named format and a directory, only that tool's files are read.
    type: str
    default: auto
    choices: [auto, genai-perf, aiperf, llmperf, vllm, guidellm, inference-perf]
seealso:
  - module: eks_llm.inference.genai_perf_facts
  - module: eks_llm.inference.llmperf_facts
  - module: eks_llm.inference.benchmark_report
extends_documentation_fragment: [eks_llm.inference.benchmark, eks_llm.inference.benchmark.facts]
"""

EXAMPLES = r"""
- name: Read every benchmark run under the artifacts directory
  eks_llm.inference.benchmark_facts:
    path: "{{ playbook_dir }}/artifacts"

- name: Read one vLLM bench serve result file
  eks_llm.inference.benchmark_facts:
    path: /tmp/results/vllm-inf-qps-concurrency16.json
    format: vllm

- name: Show the p99 time to first token per concurrency
  ansible.builtin.debug:
    msg: "{{ item.concurrency }}: {{ item.ttft_ms.p99 }} ms"
  loop: "{{ ansible_facts.benchmark_results }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    benchmark_results:
      description:
        - One normalized record per benchmark run (one concurrency level or load stage), sorted by
          RV(ansible_facts.benchmark_results[].concurrency), records without a concurrency last.
        - Times are milliseconds, throughputs per second. A value the tool does not report is V(null), never V(0).
        - Statistics are the tool's own; percentiles of C(itl_ms) are not comparable across tools
          (per request for genai-perf, aiperf, guidellm; per token gap for vLLM and inference-perf).
      returned: always
      type: list
      elements: dict
      sample:
        - tool: aiperf
          tool_version: 0.13.0
          model: mock/llama-3-8b-instruct
          concurrency: 8
          request_count: 64
          error_count: 0
          request_throughput_rps: 8.354
          output_token_throughput_tps: 547.06
          ttft_ms: {avg: 76.5, p50: 73.12, p90: 80.3, p99: 190.16}
          itl_ms: {avg: 12.4, p50: 12.38, p90: 13.08, p99: 14.17}
          request_latency_ms: {avg: 876.11, p50: 879.92, p90: 1015.99, p99: 1210.71}
          input_tokens: {avg: 126.625}
          output_tokens: {avg: 65.484}
      contains:
        tool:
          description: The tool that wrote the results.
          returned: always
          type: str
          sample: genai-perf
        tool_version:
          description:
            - The tool's version as written in the results.
            - V(null) for genai-perf, vLLM and inference-perf, which do not write it.
          returned: always
          type: str
          sample: 0.13.0
        model:
          description: The model name the benchmark targeted; V(null) when the results do not name it.
          returned: always
          type: str
          sample: mock/llama-3-8b-instruct
        concurrency:
          description:
            - Concurrent requests of the run, from the results (or, for CSV exports, an artifact directory
              named C(...-concurrency<N>)).
            - V(null) for rate-based load or when not recorded.
          returned: always
          type: int
          sample: 8
        request_count:
          description: Successfully completed requests.
          returned: always
          type: int
          sample: 64
        error_count:
          description: Failed requests; V(null) when the tool does not report failures (genai-perf).
          returned: always
          type: int
          sample: 0
        request_throughput_rps:
          description: Completed requests per second.
          returned: always
          type: float
          sample: 8.354
        output_token_throughput_tps:
          description: Output tokens per second over the whole run.
          returned: always
          type: float
          sample: 547.06
        ttft_ms:
          description: Time to first token in milliseconds; all V(null) for runs without streaming.
          returned: always
          type: dict
          contains:
            avg:
              description: Mean.
              returned: always
              type: float
            p50:
              description: Median.
              returned: always
              type: float
            p90:
              description: 90th percentile.
              returned: always
              type: float
            p99:
              description: 99th percentile.
              returned: always
              type: float
        itl_ms:
          description:
            - Inter-token latency in milliseconds, as the tool defines it.
            - Same keys as RV(ansible_facts.benchmark_results[].ttft_ms).
          returned: always
          type: dict
        request_latency_ms:
          description:
            - End-to-end request latency in milliseconds.
            - Same keys as RV(ansible_facts.benchmark_results[].ttft_ms).
          returned: always
          type: dict
        input_tokens:
          description: Input (prompt) tokens per request.
          returned: always
          type: dict
          contains:
            avg:
              description: Mean.
              returned: always
              type: float
        output_tokens:
          description:
            - Output tokens per request.
            - Same keys as RV(ansible_facts.benchmark_results[].input_tokens).
          returned: always
          type: dict
sources:
  description: The result file each record was read from, in the order of RV(ansible_facts.benchmark_results).
  returned: always
  type: list
  elements: str
  sample:
    - /tmp/artifacts/llama-openai-chat-concurrency8/profile_export_aiperf.json
per_request:
  description:
    - One entry per run whose tool wrote a per-request file next to its summary, in the order of
      RV(ansible_facts.benchmark_results); empty when O(per_request=false) or when the tools wrote none
      (genai-perf, vLLM, guidellm and inference-perf per-request files are not read).
    - Warm-up requests (aiperf) are left out.
  returned: always
  type: list
  elements: dict
  contains:
    concurrency:
      description: Concurrency of the run, as in its record.
      returned: always
      type: int
      sample: 8
    run:
      description: The run summary the samples belong to (an entry of RV(sources)).
      returned: always
      type: str
    source:
      description: The per-request file read.
      returned: always
      type: str
      sample: /tmp/artifacts/c8/profile_export.jsonl
    samples:
      description:
        - One dict per request with C(ttft_ms), C(itl_ms), C(request_latency_ms), C(output_tokens) (V(null) when
          not written for that request) and C(error) (bool).
        - C(itl_ms) is the tool's per-request value (llmperf's includes the time to first token).
      returned: always
      type: list
      elements: dict
      sample:
        - {ttft_ms: 63.59, itl_ms: 10.37, request_latency_ms: 581.02, output_tokens: 51, error: false}
"""

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.modules import (
    facts_argument_spec,
    run_facts_module,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.registry import FORMATS


def argument_spec():
    return facts_argument_spec(FORMATS)


def main():
    run_facts_module(argument_spec(), FORMATS)


if __name__ == "__main__":
    main()
