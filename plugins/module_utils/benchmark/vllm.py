# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vLLM ``vllm bench serve`` / vLLM's ``benchmark_serving.py`` results (``--save-result``).

A flat JSON object. Keys ending in ``_ms`` are milliseconds (the unit is in the key name);
throughputs are per second. p50 is ``p50_<m>_ms`` when requested, else ``median_<m>_ms``;
p90 and e2e latency exist only when requested on the command line (else null).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .errors import BenchmarkParseError
from .record import count, load_json, new_record, number

VLLM = "vllm"
LAYOUT = "vLLM bench serve --save-result JSON (model_id, completed, request_throughput, <stat>_<metric>_ms)"

_METRICS = (("ttft_ms", "ttft"), ("itl_ms", "itl"), ("request_latency_ms", "e2el"))


def parse_vllm(path, warnings):
    data = load_json(path, "vLLM bench serve result")
    missing = [key for key in ("completed", "request_throughput") if key not in data]
    if missing or not ("model_id" in data or "backend" in data):
        raise BenchmarkParseError(
            "Failed to parse vLLM bench serve result %s: missing %s; expected a %s"
            % (path, ", ".join(missing or ["model_id/backend"]), LAYOUT),
            path,
        )
    record = new_record(VLLM)
    record["model"] = data.get("model_id")
    # max_concurrency is null when unbounded (and absent in old files): concurrency unknown.
    record["concurrency"] = count(data.get("max_concurrency"), path, "max_concurrency")
    completed = count(data["completed"], path, "completed")
    record["request_count"] = completed
    if "failed" in data:
        record["error_count"] = count(data["failed"], path, "failed")
    elif data.get("num_prompts") is not None:
        record["error_count"] = count(data["num_prompts"], path, "num_prompts") - completed
    record["request_throughput_rps"] = number(data["request_throughput"], path, "request_throughput")
    record["output_token_throughput_tps"] = number(data.get("output_throughput"), path, "output_throughput")
    for key, metric in _METRICS:
        p50_key = "p50_%s_ms" % metric
        if p50_key not in data:
            p50_key = "median_%s_ms" % metric
        record[key] = {
            "avg": _ms(data, "mean_%s_ms" % metric, path),
            "p50": _ms(data, p50_key, path),
            "p90": _ms(data, "p90_%s_ms" % metric, path),
            "p99": _ms(data, "p99_%s_ms" % metric, path),
        }
    # vLLM writes totals only; the averages are total / completed requests.
    for key, total_key in (("input_tokens", "total_input_tokens"), ("output_tokens", "total_output_tokens")):
        total = number(data.get(total_key), path, total_key)
        record[key]["avg"] = None if total is None or not completed else total / completed
    return [record]


def _ms(data, key, path):
    return number(data.get(key), path, key)
