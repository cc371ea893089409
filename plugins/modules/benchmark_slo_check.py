#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: benchmark_slo_check
short_description: Gate a benchmark sweep on service level objectives
version_added: 1.0.0
description:
  - Checks normalized benchmark records (from M(eks_llm.inference.benchmark_facts)) against service level
    objectives and fails with ONE message that lists every violated objective, at every checked
    concurrency, with its measured value and the objective.
  - Read-only; C(changed) is always V(false) and check mode behaves like a normal run.
  - M(eks_llm.inference.benchmark_report) returns the same verdict (its C(slo_gate)) while writing the report;
    this module is for records read some other way.
options:
  slo:
    required: true
  concurrencies:
    description:
      - The concurrencies at which the objectives must hold; empty means every record.
      - A concurrency that was not swept fails the task.
    type: list
    elements: int
    default: []
extends_documentation_fragment: [eks_llm.inference.benchmark, eks_llm.inference.benchmark.slo]
seealso:
  - module: eks_llm.inference.benchmark_report
"""

EXAMPLES = r"""
- name: Fail the play unless concurrency 32 meets the SLO
  eks_llm.inference.benchmark_slo_check:
    records: "{{ ansible_facts.benchmark_results }}"
    slo:
      ttft_ms_p99: 200
      itl_ms_p99: 40
      min_output_token_throughput_tps: 1000
      max_error_rate: 0.01
    concurrencies: [32]
"""

RETURN = r"""
passed:
  description: Whether every objective held at every checked concurrency (always V(true) when the task succeeds).
  returned: always
  type: bool
evaluated:
  description: The concurrencies checked.
  returned: always
  type: list
  elements: int
violations:
  description: One entry per violated objective, with C(concurrency), C(objective), C(limit), C(measured) (V(null) when not measured), C(unit), C(reason).
  returned: always
  type: list
  elements: dict
message:
  description: One-line summary; on failure the same text is the task's C(msg).
  returned: always
  type: str
  sample: "SLO gate failed: 2 objective(s) violated at concurrency 8, 16: concurrency 16: ttft_ms_p99 = 61.20 ms, objective <= 50 ms; ..."
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.errors import BenchmarkReportError
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.slo import slo_gate


def argument_spec():
    return dict(
        records=dict(type="list", elements="dict", required=True),
        slo=dict(type="dict", required=True),
        concurrencies=dict(type="list", elements="int", default=[]),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        gate = slo_gate(module.params["records"], module.params["slo"], module.params["concurrencies"])
    except BenchmarkReportError as exc:
        module.fail_json(msg=to_native(exc), passed=False, evaluated=[], violations=[], message=to_native(exc))
    if not gate["passed"]:
        module.fail_json(msg=gate["message"], changed=False, **gate)
    module.exit_json(changed=False, **gate)


if __name__ == "__main__":
    main()
