# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""guidellm ``benchmarks.json`` (guidellm 0.8.x, report schema ``metadata.version`` 2).

One record per entry of ``benchmarks[]`` (a sweep writes several). Statistics come from each
metric's ``successful`` distribution. Units are fixed by the schema and the metric names:
``request_latency`` is in SECONDS, ``*_ms`` metrics in milliseconds, ``*_per_second`` per second.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .errors import BenchmarkParseError
from .record import count, dig, load_json, new_record, number

GUIDELLM = "guidellm"
SCHEMA_VERSIONS = (2,)
LAYOUT = "guidellm 0.8.x benchmarks.json (metadata.version 2, benchmarks[].metrics.*.successful)"

# record key -> (metric name, factor to ms)
_LATENCIES = (
    ("ttft_ms", "time_to_first_token_ms", 1.0),
    ("itl_ms", "inter_token_latency_ms", 1.0),
    ("request_latency_ms", "request_latency", 1000.0),  # seconds
)


def parse_guidellm(path, warnings):
    data = load_json(path, "guidellm benchmarks file")
    schema = dig(data, ("metadata", "version"))
    if schema not in SCHEMA_VERSIONS or not isinstance(data.get("benchmarks"), list):
        raise BenchmarkParseError(
            "Failed to parse guidellm benchmarks file %s: report schema version %r%s; expected %s"
            % (path, schema, "" if isinstance(data.get("benchmarks"), list) else " and no 'benchmarks' list", LAYOUT),
            path,
        )
    if not data["benchmarks"]:
        raise BenchmarkParseError(
            "Failed to parse guidellm benchmarks file %s: 'benchmarks' is empty; the run recorded no benchmark" % path,
            path,
        )
    version = dig(data, ("metadata", "guidellm_version"))
    top_model = dig(data, ("config", "spec", "backend", "model"))
    records = []
    for index, bench in enumerate(data["benchmarks"]):
        where = "benchmarks[%d]" % index
        metrics = bench.get("metrics") if isinstance(bench, dict) else None
        if not isinstance(metrics, dict) or not isinstance(metrics.get("request_totals"), dict):
            raise BenchmarkParseError(
                "Failed to parse guidellm benchmarks file %s: %s has no metrics.request_totals; expected %s"
                % (path, where, LAYOUT),
                path,
            )
        record = new_record(GUIDELLM)
        record["tool_version"] = version
        model = dig(bench, ("config", "backend", "model"))
        record["model"] = model if model is not None else top_model
        record["concurrency"] = _concurrency(dig(bench, ("config", "strategy")), path, where)
        totals = metrics["request_totals"]
        record["request_count"] = count(totals.get("successful"), path, where + ".metrics.request_totals.successful")
        record["error_count"] = count(totals.get("errored"), path, where + ".metrics.request_totals.errored")
        record["request_throughput_rps"] = _mean(metrics, "requests_per_second", path, where)
        record["output_token_throughput_tps"] = _mean(metrics, "output_tokens_per_second", path, where)
        for key, name, factor in _LATENCIES:
            dist = _successful(metrics, name, path, where)
            if dist is None:
                continue
            pct = dist.get("percentiles") or {}
            p50 = pct.get("p50", dist.get("median"))
            values = {"avg": dist.get("mean"), "p50": p50, "p90": pct.get("p90"), "p99": pct.get("p99")}
            record[key] = dict(
                (stat, _scaled(value, factor, path, "%s.metrics.%s.successful.%s" % (where, name, stat)))
                for stat, value in values.items()
            )
        record["input_tokens"]["avg"] = _mean(metrics, "prompt_token_count", path, where)
        record["output_tokens"]["avg"] = _mean(metrics, "output_token_count", path, where)
        stream = dig(bench, ("config", "backend", "stream"))
        if stream is False:
            warnings.append(
                "%s: %s ran without streaming; time to first token was not measured, ttft_ms and itl_ms are "
                "reported as null" % (path, where)
            )
            record["ttft_ms"] = dict((stat, None) for stat in record["ttft_ms"])
            record["itl_ms"] = dict((stat, None) for stat in record["itl_ms"])
        records.append(record)
    return records


def _concurrency(strategy, path, where):
    """Concurrent strategy: its stream count; synchronous: 1 by definition; rate-based: unknown."""
    if not isinstance(strategy, dict):
        return None
    kind = strategy.get("type_")
    if kind == "concurrent":
        return count(strategy.get("streams"), path, where + ".config.strategy.streams")
    if kind == "synchronous":
        return 1
    return None


def _successful(metrics, name, path, where):
    metric = metrics.get(name)
    if metric is None:
        return None
    if not isinstance(metric, dict) or not isinstance(metric.get("successful", {}), (dict, type(None))):
        raise BenchmarkParseError(
            "Failed to read %s.metrics.%s in %s: expected an object with a 'successful' distribution; expected %s"
            % (where, name, path, LAYOUT),
            path,
        )
    return metric.get("successful")


def _mean(metrics, name, path, where):
    dist = _successful(metrics, name, path, where)
    if dist is None:
        return None
    return number(dist.get("mean"), path, "%s.metrics.%s.successful.mean" % (where, name))


def _scaled(value, factor, path, where):
    value = number(value, path, where)
    return None if value is None else value * factor
