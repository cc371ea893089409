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
    headline, the SLO evaluation, the cost of the serving nodes and, when given, published seed numbers beside
    ours) and PNG figures at 150 dpi (output tokens/s vs concurrency; TTFT and ITL avg/p50/p99 vs concurrency,
    one subplot each, only when the sweep streamed; output tokens/s vs p99 latency; serving replicas vs
    concurrency when O(replicas) are given), the knee and the highest concurrency meeting O(slo) marked. The
    concurrency axis is log2 when the sweep doubles. A figure a run no longer has (the TTFT/ITL figure of a
    non-streaming run) is removed from O(output_dir).
  - "Headline: the highest concurrency that meets every objective of O(slo), its goodput (requests/s meeting
    every objective, counted per request when O(per_request) samples are given, otherwise approximated from the
    aggregate and labelled so), the peak throughput and the knee of the throughput-latency curve: the last
    point before the first step whose elasticity (relative throughput gain / relative p99 latency increase)
    is below O(knee_threshold). When no step falls below it, the report says there is no knee within the
    sweep."
  - "Cost: with O(serving_nodes), the nodes' on-demand list price per hour (the collection's price table,
    its region and date named in the report) and the cost of one million output tokens at each concurrency
    and at the highest concurrency meeting O(slo): $/hour / (output tokens/s * 3600) * 10^6."
  - Also checks O(slo) at O(slo_concurrencies) and returns the verdict in RV(slo_gate), so a play can gate on
    it without checking the objectives a second time.
  - Warns when a sweep ran without streaming (no TTFT/ITL measured).
  - Files are rewritten only when their content changes, so a re-run on the same records reports
    C(changed=false). In check mode everything is computed and nothing is written.
  - This module does not fail on SLO violations; fail on RV(slo_gate) (or use
    M(eks_llm.inference.benchmark_slo_check)) for the gate.
options:
  output_dir:
    description: Directory for C(results.json), C(report.md) and the plots; created if missing.
    type: path
    required: true
  concurrencies:
    description:
      - The concurrencies the sweep ran. When given, the task fails (before writing anything) unless
        O(records) hold exactly one record for each of them, so a sweep point without a result is an error.
    type: list
    elements: int
    default: []
  metadata:
    description:
      - Run metadata stored as C(metadata) in C(results.json) and shown in C(report.md) (scenario, mode,
        instance type, accelerator, replicas, image tags, model, TP/PP, tool and version, start/end time).
    type: dict
    default: {}
  slo:
    default: {}
  published:
    description:
      - Published reference numbers to show beside ours, C({source, note, points}); each point has
        C(concurrency) and any of C(output_token_throughput_tps), C(request_throughput_rps), C(ttft_ms_avg),
        C(itl_ms_avg), C(request_latency_ms_avg).
    type: dict
  slo_concurrencies:
    description:
      - The concurrencies at which RV(slo_gate) checks O(slo); empty means every record.
      - A concurrency that was not swept fails the task.
    type: list
    elements: int
    default: []
  per_request:
    description:
      - Per-request samples as M(eks_llm.inference.benchmark_facts) returns them in
        RV(eks_llm.inference.benchmark_facts#module:per_request) (entries with C(concurrency) and C(samples)),
        used to count goodput per request.
    type: list
    elements: dict
    default: []
  knee_threshold:
    description: Elasticity below which a step of the sweep is past the knee.
    type: float
    default: 1.0
  plots:
    description: Whether to render the PNG plots (matplotlib, Agg backend).
    type: bool
    default: true
  serving_nodes:
    description:
      - The nodes the model server runs on, paid for at every concurrency (e.g. the GPU node group at its
        desired size). Empty leaves the cost out of the report.
    type: list
    elements: dict
    default: []
    suboptions:
      instance_type:
        description: EC2 instance type; it must have an on-demand price in the collection's price table.
        type: str
        required: true
      count:
        description: Number of nodes of that type.
        type: int
        required: true
  replicas:
    description:
      - The serving replicas observed at each concurrency (e.g. the HPA's current replicas at the end of the
        point). Stored as C(replicas) in the records and drawn as a replicas-vs-concurrency figure.
    type: list
    elements: dict
    default: []
    suboptions:
      concurrency:
        description: A swept concurrency.
        type: int
        required: true
      replicas:
        description: Replicas serving at that concurrency.
        type: int
        required: true
requirements:
  - matplotlib >= 3.5 (when O(plots=true))
extends_documentation_fragment: [eks_llm.inference.benchmark, eks_llm.inference.benchmark.slo]
seealso:
  - module: eks_llm.inference.benchmark_facts
  - module: eks_llm.inference.benchmark_slo_check
"""

EXAMPLES = r"""
- name: Read the sweep
  eks_llm.inference.benchmark_facts:
    path: /tmp/bench/artifacts
  register: sweep

- name: Write the report
  eks_llm.inference.benchmark_report:
    records: "{{ ansible_facts.benchmark_results }}"
    per_request: "{{ sweep.per_request }}"
    output_dir: /tmp/bench
    metadata:
      scenario: triton_vllm
      instance_type: g4dn.xlarge
    serving_nodes:
      - instance_type: g4dn.xlarge
        count: 4
    slo:
      ttft_ms_p99: 200
      itl_ms_p99: 50
      max_error_rate: 0.01
    slo_concurrencies: [32]
  register: report

- name: Show the headline
  ansible.builtin.debug:
    msg: "max concurrency under SLO {{ report.headline.max_concurrency_meeting_slo }}, knee {{ report.headline.knee.concurrency }}"

- name: Fail unless concurrency 32 meets the SLO
  ansible.builtin.fail:
    msg: "{{ report.slo_gate.message }}"
  when: not report.slo_gate.passed
"""

RETURN = r"""
cost:
  description:
    - The serving nodes' cost (C(results.cost) of C(results.json)); empty when O(serving_nodes) is empty.
    - A top-level copy because Ansible renames a module's C(results) key in a task's registered result.
  returned: always
  type: dict
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
    cost:
      description:
        - V(null) without O(serving_nodes). Otherwise C(price_region), C(price_date), C(pricing),
          C(serving_nodes) (C(instance_type), C(count), C(usd_per_hour_each), C(usd_per_hour)),
          C(usd_per_hour) (all serving nodes), C(per_concurrency) (C(concurrency), C(output_token_throughput_tps),
          C(usd_per_hour), C(usd_per_million_output_tokens)) and C(at_max_concurrency_meeting_slo) (the entry of
          that concurrency, or V(null)).
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
    knee: {concurrency: 64, within_sweep: true, threshold: 1.0, reason: "step 64 -> 128: ..."}
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
  description:
    - The subset of RV(files) whose content changed (or would change in check mode), plus figures of an
      earlier report that this one no longer has, removed (or that would be removed in check mode).
  returned: always
  type: list
  elements: str
slo_gate:
  description:
    - O(slo) checked at O(slo_concurrencies), the same result M(eks_llm.inference.benchmark_slo_check) returns
      (C(passed), C(evaluated), C(violations), C(message)).
    - C(passed) is V(true), and the message says C(no objectives set), when O(slo) is empty.
  returned: always
  type: dict
  sample:
    passed: false
    evaluated: [4]
    violations: [{concurrency: 4, objective: ttft_ms_avg, limit: 1.0, measured: 41.2, unit: ms, reason: 41.20 > 1}]
    message: "SLO gate failed: 1 objective(s) violated at concurrency 4: concurrency 4: ttft_ms_avg = 41.20 ms, objective <= 1 ms"
"""

import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.analysis import build_results, to_json
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.errors import BenchmarkReportError
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.render import (
    ALL_PLOT_FILES,
    render_markdown,
    render_plots,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.slo import gate
from ansible_collections.eks_llm.inference.plugins.module_utils.prices import PriceError, sweep_cost

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
        concurrencies=dict(type="list", elements="int", default=[]),
        metadata=dict(type="dict", default={}),
        slo=dict(type="dict", default={}),
        slo_concurrencies=dict(type="list", elements="int", default=[]),
        published=dict(type="dict"),
        per_request=dict(type="list", elements="dict", default=[]),
        knee_threshold=dict(type="float", default=1.0),
        plots=dict(type="bool", default=True),
        serving_nodes=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(instance_type=dict(type="str", required=True), count=dict(type="int", required=True)),
        ),
        replicas=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(concurrency=dict(type="int", required=True), replicas=dict(type="int", required=True)),
        ),
    )


def with_replicas(records, observed):
    """Copies of ``records`` carrying ``replicas`` from ``observed`` ([{concurrency, replicas}])."""
    by_concurrency = {}
    for entry in observed or []:
        if entry["concurrency"] in by_concurrency:
            raise BenchmarkReportError("replicas holds concurrency %d twice" % entry["concurrency"])
        by_concurrency[entry["concurrency"]] = entry["replicas"]
    swept = set(r.get("concurrency") for r in records)
    unknown = sorted(set(by_concurrency) - swept)
    if unknown:
        raise BenchmarkReportError(
            "replicas names concurrencies %s that have no record; swept concurrencies: %s"
            % (unknown, sorted(c for c in swept if c is not None))
        )
    out = []
    for record in records:
        record = dict(record)
        if record.get("concurrency") in by_concurrency:
            record["replicas"] = by_concurrency[record["concurrency"]]
        out.append(record)
    return out


def samples_by_concurrency(entries):
    """{concurrency: samples} from benchmark_facts' per_request entries (runs without a concurrency left out)."""
    by_concurrency = {}
    for index, entry in enumerate(entries or []):
        if "samples" not in entry or "concurrency" not in entry:
            raise BenchmarkReportError(
                "per_request[%d] has keys %s; expected the entries benchmark_facts returns in per_request "
                "(concurrency, samples, ...)" % (index, sorted(entry))
            )
        if entry["concurrency"] is None:
            continue
        concurrency = int(entry["concurrency"])
        if concurrency in by_concurrency:
            raise BenchmarkReportError(
                "per_request holds two runs at concurrency %d (%s); expected one run per concurrency"
                % (concurrency, ", ".join(str(e.get("source")) for e in entries if e.get("concurrency") == concurrency))
            )
        by_concurrency[concurrency] = entry["samples"]
    return by_concurrency


def check_sweep(records, concurrencies):
    """Fail unless ``records`` hold exactly one record per swept concurrency (nothing to check when none given)."""
    if not concurrencies:
        return
    found = sorted((r.get("concurrency") for r in records), key=lambda c: (c is None, c or 0))
    if found != sorted(concurrencies):
        raise BenchmarkReportError(
            "The results hold records for concurrency %s, expected one for each of %s (concurrencies): "
            "a sweep point produced no result, or one produced two" % (found, sorted(concurrencies))
        )


def plan_report(params):
    """(results, slo gate, {path: bytes}) for the given module parameters; nothing is written."""
    check_sweep(params["records"], params["concurrencies"])
    built = build_results(
        with_replicas(params["records"], params["replicas"]),
        metadata=params["metadata"],
        slo=params["slo"],
        published=params["published"],
        per_request=samples_by_concurrency(params["per_request"]),
        knee_threshold=params["knee_threshold"],
    )
    verdict = gate(built["records"], built["slo"]["objectives"], params["slo_concurrencies"])
    try:
        built["cost"] = sweep_cost(
            params["serving_nodes"], built["records"], built["headline"]["max_concurrency_meeting_slo"]
        )
    except PriceError as exc:
        raise BenchmarkReportError("Failed to price the serving nodes (serving_nodes): %s" % exc)
    text = to_json(built)
    results = json.loads(text)  # JSON-safe (infinite elasticities become strings)
    out = params["output_dir"]
    contents = {
        os.path.join(out, "results.json"): text.encode("utf-8"),
        os.path.join(out, "report.md"): render_markdown(results, params["plots"]).encode("utf-8"),
    }
    if params["plots"]:
        for name, data in render_plots(results).items():
            contents[os.path.join(out, name)] = data
    return results, verdict, contents


def _differs(path, data):
    try:
        with open(path, "rb") as handle:
            return handle.read() != data
    except OSError:
        return True


def write_report(module):
    params = module.params
    results, verdict, contents = plan_report(params)
    changed_files = [path for path in sorted(contents) if _differs(path, contents[path])]
    stale = [
        path
        for path in (os.path.join(params["output_dir"], name) for name in ALL_PLOT_FILES)
        if path not in contents and os.path.exists(path)
    ]
    if stale and not module.check_mode:
        for path in stale:
            os.remove(path)
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
        changed=bool(changed_files or stale),
        results=results,
        headline=results["headline"],
        cost=results.get("cost") or {},
        sweep_warnings=results["warnings"],
        files=sorted(contents),
        changed_files=sorted(changed_files + stale),
        slo_gate=verdict,
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
