# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""inference-perf (kubernetes-sigs) lifecycle metrics.

``stage_<N>_lifecycle_metrics.json`` is one load step; ``summary_lifecycle_metrics.json`` spans
all stages. Latencies are in SECONDS (inference-perf's schema has no unit fields); p50 is the
``median`` key. The files carry no model, tool version or concurrency (load is rate-based).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .errors import BenchmarkParseError
from .record import count, dig, load_json, new_record, number

INFERENCE_PERF = "inference-perf"
LAYOUT = "inference-perf lifecycle metrics (load_summary, successes.{count,latency,throughput}, failures)"

_LATENCIES = (
    ("ttft_ms", "time_to_first_token"),
    ("itl_ms", "inter_token_latency"),
    ("request_latency_ms", "request_latency"),
)


def parse_inference_perf(path, warnings):
    data = load_json(path, "inference-perf lifecycle metrics file")
    successes = data.get("successes")
    if not isinstance(data.get("load_summary"), dict) or not isinstance(successes, dict) or "count" not in successes:
        raise BenchmarkParseError(
            "Failed to parse inference-perf lifecycle metrics file %s: no load_summary or successes.count; "
            "expected %s" % (path, LAYOUT),
            path,
        )
    record = new_record(INFERENCE_PERF)
    record["request_count"] = count(successes["count"], path, "successes.count")
    failures = data.get("failures")
    if isinstance(failures, dict):
        record["error_count"] = count(failures.get("count"), path, "failures.count")
    throughput = successes.get("throughput") or {}
    record["request_throughput_rps"] = number(
        throughput.get("requests_per_sec"), path, "successes.throughput.requests_per_sec"
    )
    record["output_token_throughput_tps"] = number(
        throughput.get("output_tokens_per_sec"), path, "successes.throughput.output_tokens_per_sec"
    )
    for key, name in _LATENCIES:
        stat_obj = dig(successes, ("latency", name))
        if stat_obj is None:
            continue
        if not isinstance(stat_obj, dict):
            raise BenchmarkParseError(
                "Failed to read successes.latency.%s in %s: expected a statistics object (mean, median, p90, p99)"
                % (name, path),
                path,
            )
        record[key] = dict(
            (stat, _seconds_to_ms(stat_obj.get(source), path, "successes.latency.%s.%s" % (name, source)))
            for stat, source in (("avg", "mean"), ("p50", "median"), ("p90", "p90"), ("p99", "p99"))
        )
    for key, name in (("input_tokens", "prompt_len"), ("output_tokens", "output_len")):
        record[key]["avg"] = number(dig(successes, (name, "mean")), path, "successes.%s.mean" % name)
    return [record]


def _seconds_to_ms(value, path, where):
    value = number(value, path, where)
    return None if value is None else value * 1000.0
