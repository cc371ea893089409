#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: benchmark_report
short_description: Write results.json, report.md and throughput/latency plots for a benchmark sweep
version_added: 1.0.0
description:
  - Takes the normalized records of M(eks_llm.inference.benchmark_facts) (one per concurrency level) and writes
    into O(output_dir) a C(results.json) (C(metadata), C(records) by concurrency, C(headline), C(slo),
    C(warnings), C(published)), a C(report.md) (a table per concurrency, the throughput-latency curve, the
    headline, the SLO evaluation and, when given, published seed numbers beside ours) and three PNG plots
    (output tokens/s vs concurrency, TTFT and ITL p50/p99 vs concurrency, output tokens/s vs p99 latency,
    the knee marked).
  - "Headline: the highest concurrency that meets every objective of O(slo), its goodput (requests/s meeting
    every objective, counted per request when O(per_request_files) are given, otherwise approximated from the
    aggregate and labelled so), the peak throughput and the knee of the throughput-latency curve: the last
    point before the first step whose elasticity (relative throughput gain / relative p99 latency increase)
    is below O(knee_threshold)."
  - Warns when a sweep ran without streaming (no TTFT/ITL measured).
  - Files are rewritten only when their content changes, so a re-run on the same records reports
    C(changed=false). In check mode everything is computed and nothing is written.
  - This module does not fail on SLO violations; use M(eks_llm.inference.benchmark_slo_check) for the gate.
options:
  records:
    description: Normalized benchmark records, for example C(ansible_facts.benchmark_results).
    type: list
    elements: dict
    required: true
  output_dir:
    description: Directory for C(results.json), C(report.md) and the plots; created if missing.
    type: path
    required: true
  metadata:
    description:
      - Run metadata stored as C(metadata) in C(results.json) and shown in C(report.md) (scenario, mode,
        instance type, accelerator, replicas, image tags, model, TP/PP, tool and version, start/end time).
    type: dict
    default: {}
  slo:
    description:
      - Service level objectives. Keys C(<metric>_<stat>) with metric C(ttft_ms), C(itl_ms) or
        C(request_latency_ms) and stat C(avg), C(p50), C(p90) or C(p99) are upper bounds in ms;
        C(min_output_token_throughput_tps) and C(min_request_throughput_rps) are lower bounds;
        C(max_error_rate) is an upper bound on errors / (successes + errors), a fraction.
      - An unknown key or a negative value fails the task and names the allowed keys.
    type: dict
    default: {}
  published:
    description:
      - Published reference numbers to show beside ours, C({source, note, points}); each point has
        C(concurrency) and any of C(output_token_throughput_tps), C(request_throughput_rps), C(ttft_ms_avg),
        C(itl_ms_avg), C(request_latency_ms_avg).
    type: dict
  per_request_files:
    description:
      - Map of concurrency to an aiperf C(profile_export.jsonl), used to count goodput per request.
        Warm-up requests in the file are ignored.
    type: dict
    default: {}
  knee_threshold:
    description: Elasticity below which a step of the sweep is past the knee.
    type: float
    default: 1.0
  plots:
    description: Whether to render the PNG plots (matplotlib, Agg backend).
    type: bool
    default: true
requirements:
  - matplotlib >= 3.5 (when O(plots=true))
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: eks_llm.inference.benchmark_facts
  - module: eks_llm.inference.benchmark_slo_check
author:
  - eks_llm.inference contributors (@eks-llm)
"""

EXAMPLES = r"""
- name: Read the sweep
  eks_llm.inference.benchmark_facts:
    path: /tmp/bench/artifacts

- name: Write the report
  eks_llm.inference.benchmark_report:
    records: "{{ ansible_facts.benchmark_results }}"
    output_dir: /tmp/bench
    metadata:
      scenario: triton_vllm
      instance_type: g4dn.xlarge
    slo:
      ttft_ms_p99: 200
      itl_ms_p99: 50
      max_error_rate: 0.01
  register: report

- name: Show the headline
  ansible.builtin.debug:
    msg: "max concurrency under SLO {{ report.headline.max_concurrency_meeting_slo }}, knee {{ report.headline.knee.concurrency }}"
"""

RETURN = r"""
results:
  description: The document written to C(results.json).
  returned: always
  type: dict
  contains:
    metadata:
      description: Run metadata as given in O(metadata).
      returned: always
      type: dict
    records:
      description: The records sorted by concurrency.
      returned: always
      type: list
      elements: dict
    headline:
      description: Same as RV(headline).
      returned: always
      type: dict
    slo:
      description: C(objectives) (validated O(slo)) and C(evaluation) (violations per concurrency).
      returned: always
      type: dict
    warnings:
      description: Same as RV(sweep_warnings).
      returned: always
      type: list
      elements: str
    published:
      description: O(published) as given, or V(null).
      returned: always
      type: dict
headline:
  description: Headline numbers of the sweep.
  returned: always
  type: dict
  sample:
    slo: {ttft_ms_p99: 200.0}
    max_concurrency_meeting_slo: 32
    goodput_rps: 9.71
    goodput_source: per-request
    slo_monotonic: true
    peak_output_token_throughput_tps: 3076.65
    peak_concurrency: 128
    knee: {concurrency: 64, threshold: 1.0, reason: "step 64 -> 128: ..."}
sweep_warnings:
  description: Warnings about the sweep (non-streaming runs, failed requests); also emitted as task warnings.
  returned: always
  type: list
  elements: str
files:
  description: Paths of the files the report consists of (written, or that would be written in check mode).
  returned: always
  type: list
  elements: str
  sample: [/tmp/bench/results.json, /tmp/bench/report.md, /tmp/bench/throughput_vs_concurrency.png]
changed_files:
  description: The subset of RV(files) whose content changed (or would change in check mode).
  returned: always
  type: list
  elements: str
"""

import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark_report import (
    BenchmarkReportError,
    build_results,
    load_aiperf_per_request,
    render_markdown,
    render_plots,
    to_json,
)

try:
    import matplotlib  # noqa: F401 pylint: disable=unused-import

    HAS_MATPLOTLIB = True
    MATPLOTLIB_IMPORT_ERROR = None
except ImportError:
    HAS_MATPLOTLIB = False
    MATPLOTLIB_IMPORT_ERROR = traceback.format_exc()


def argument_spec():
    return dict(
        records=dict(type="list", elements="dict", required=True),
        output_dir=dict(type="path", required=True),
        metadata=dict(type="dict", default={}),
        slo=dict(type="dict", default={}),
        published=dict(type="dict"),
        per_request_files=dict(type="dict", default={}),
        knee_threshold=dict(type="float", default=1.0),
        plots=dict(type="bool", default=True),
    )


def _read_per_request(files):
    per_request = {}
    for concurrency, path in (files or {}).items():
        try:
            key = int(concurrency)
        except (TypeError, ValueError):
            raise BenchmarkReportError(
                "per_request_files keys must be concurrencies (integers), got %r" % (concurrency,)
            )
        try:
            with open(path, "r", encoding="utf-8") as handle:
                per_request[key] = load_aiperf_per_request(handle.read())
        except (OSError, ValueError) as exc:
            raise BenchmarkReportError(
                "Failed to read per-request results %s: %s; expected an aiperf "
                "profile_export.jsonl" % (path, to_native(exc))
            )
    return per_request


def plan_report(params):
    """(results, {path: bytes}) for the given module parameters; nothing is written."""
    built = build_results(
        params["records"],
        metadata=params["metadata"],
        slo=params["slo"],
        published=params["published"],
        per_request=_read_per_request(params["per_request_files"]),
        knee_threshold=params["knee_threshold"],
    )
    text = to_json(built)
    results = json.loads(text)  # JSON-safe (infinite elasticities become strings)
    out = params["output_dir"]
    contents = {
        os.path.join(out, "results.json"): text.encode("utf-8"),
        os.path.join(out, "report.md"): render_markdown(results).encode("utf-8"),
    }
    if params["plots"]:
        for name, data in render_plots(results).items():
            contents[os.path.join(out, name)] = data
    return results, contents


def _differs(path, data):
    try:
        with open(path, "rb") as handle:
            return handle.read() != data
    except OSError:
        return True


def write_report(module):
    params = module.params
    results, contents = plan_report(params)
    changed_files = [path for path in sorted(contents) if _differs(path, contents[path])]
    if changed_files and not module.check_mode:
        try:
            os.makedirs(params["output_dir"], exist_ok=True)
        except OSError as exc:
            raise BenchmarkReportError("Failed to create the report directory %s: %s" % (params["output_dir"], exc))
        for path in changed_files:
            tmp = path + ".tmp"
            with open(tmp, "wb") as handle:
                handle.write(contents[path])
            module.set_mode_if_different(tmp, "0644", False)
            os.replace(tmp, path)
    return dict(
        changed=bool(changed_files),
        results=results,
        headline=results["headline"],
        sweep_warnings=results["warnings"],
        files=sorted(contents),
        changed_files=changed_files,
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params["plots"] and not HAS_MATPLOTLIB:
        module.fail_json(msg=missing_required_lib("matplotlib"), exception=MATPLOTLIB_IMPORT_ERROR)
    try:
        result = write_report(module)
    except BenchmarkReportError as exc:
        module.fail_json(msg=to_native(exc))
    except (OSError, ValueError) as exc:
        module.fail_json(
            msg="Failed to write the benchmark report to %s: %s" % (module.params["output_dir"], to_native(exc)),
            exception=traceback.format_exc(),
        )
    for warning in result["sweep_warnings"]:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
