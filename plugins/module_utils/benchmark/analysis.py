# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Analysis of a sweep: headline, knee of the throughput-latency curve, goodput, results.json.

Pure functions over normalized records (one per concurrency level). Definitions (also in
roles/benchmark/README.md):

* Headline "max concurrency meeting the SLOs": the highest swept concurrency whose record meets
  every objective (not necessarily every lower one; ``slo_monotonic`` says whether all lower ones
  pass too).
* Goodput: requests per second that met every per-request objective. With per-request samples
  (aiperf ``profile_export.jsonl``, llmperf individual responses) it is counted exactly, in the
  DistServe/aiperf sense: a request counts when its own TTFT, ITL and latency are within every
  latency objective, whatever the statistic named in the objective, divided by the profiling
  duration (request_count / request_throughput_rps). Without per-request samples it is
  approximated as ``request_throughput_rps`` when the point meets every objective and 0 otherwise
  (an upper bound: a p99 objective that holds still lets up to 1% of requests exceed it);
  ``goodput_source`` says which.
* Knee of the throughput-latency curve: walking the sweep in concurrency order, the elasticity of
  each step is (relative output-throughput gain) / (relative latency increase), latency being
  p99 request latency (avg when p99 is missing). A step that does not increase latency has
  infinite elasticity; one that does not increase throughput has elasticity <= 0. The knee is the
  last point before the first step whose elasticity is below ``knee_threshold`` (default 1.0:
  past the knee each extra percent of latency buys less than one percent of throughput). When no step
  falls below the threshold (or the sweep has one point) there is no knee within the sweep:
  ``within_sweep`` is false and ``concurrency`` names the last point, where throughput was still scaling.

The SLO given to these functions is validated (``slo.validate_slo``) by ``build_results`` only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from .errors import BenchmarkReportError
from .slo import evaluate_record, request_passes, validate_slo

DEFAULT_KNEE_THRESHOLD = 1.0


def latency_for_knee(record):
    """p99 request latency of a record, its average when p99 is missing."""
    block = record.get("request_latency_ms") or {}
    value = block.get("p99")
    return value if value is not None else block.get("avg")


def knee(records, threshold=DEFAULT_KNEE_THRESHOLD):
    """The knee of the throughput-latency curve (see module docstring); None without usable points.

    Returns ``{"concurrency", "within_sweep", "output_token_throughput_tps", "latency_ms", "latency_metric",
    "threshold", "steps", "reason"}`` where ``steps`` holds one entry per step (an infinite elasticity is
    written as the string ``"inf"`` in JSON).
    """
    points = [
        r
        for r in sorted(records, key=lambda r: (r.get("concurrency") is None, r.get("concurrency")))
        if r.get("output_token_throughput_tps") is not None and latency_for_knee(r) is not None
    ]
    if not points:
        return None
    steps = []
    knee_index = len(points) - 1
    reason = "every step kept elasticity >= %s" % threshold
    for i in range(1, len(points)):
        prev, cur = points[i - 1], points[i]
        tps0, tps1 = prev["output_token_throughput_tps"], cur["output_token_throughput_tps"]
        lat0, lat1 = latency_for_knee(prev), latency_for_knee(cur)
        gain = (tps1 - tps0) / tps0 if tps0 else float("inf")
        cost = (lat1 - lat0) / lat0 if lat0 else float("inf")
        if gain <= 0:
            elasticity = gain if cost > 0 else 0.0
        elif cost <= 0:
            elasticity = float("inf")
        else:
            elasticity = gain / cost
        steps.append(
            {
                "from": prev.get("concurrency"),
                "to": cur.get("concurrency"),
                "throughput_gain": gain,
                "latency_increase": cost,
                "elasticity": elasticity,
            }
        )
        if elasticity < threshold and knee_index == len(points) - 1 and reason.startswith("every"):
            knee_index = i - 1
            reason = "step %s -> %s: +%.1f%% throughput for +%.1f%% latency (elasticity %.2f < %s)" % (
                prev.get("concurrency"),
                cur.get("concurrency"),
                gain * 100,
                cost * 100,
                elasticity,
                threshold,
            )
    if len(points) == 1:
        reason = "one point: no step to measure"
    point = points[knee_index]
    return {
        "concurrency": point.get("concurrency"),
        "within_sweep": knee_index < len(points) - 1,
        "output_token_throughput_tps": point["output_token_throughput_tps"],
        "latency_ms": latency_for_knee(point),
        "latency_metric": (
            "request_latency_ms.p99"
            if (point.get("request_latency_ms") or {}).get("p99") is not None
            else "request_latency_ms.avg"
        ),
        "threshold": threshold,
        "steps": steps,
        "reason": reason,
    }


def goodput(record, slo, per_request=None):
    """(goodput_rps, source) for one record; see the module docstring."""
    if not slo:
        return None, None
    rps = record.get("request_throughput_rps")
    if per_request:
        count = record.get("request_count") or 0
        if rps and count:
            duration_s = count / rps
            good = sum(1 for r in per_request if request_passes(r, slo))
            return good / duration_s, "per-request"
    if rps is None:
        return None, None
    return (rps if not evaluate_record(record, slo) else 0.0), "aggregate-approximation"


def headline(records, slo, per_request=None, knee_threshold=DEFAULT_KNEE_THRESHOLD):
    """Headline numbers of a sweep under the validated ``slo``: best concurrency, its goodput, peak, knee."""
    per_request = per_request or {}
    ordered = sorted(records, key=lambda r: (r.get("concurrency") is None, r.get("concurrency")))
    result = {
        "slo": slo,
        "max_concurrency_meeting_slo": None,
        "goodput_rps": None,
        "goodput_source": None,
        "slo_monotonic": None,
        "peak_output_token_throughput_tps": None,
        "peak_concurrency": None,
        "knee": knee(ordered, knee_threshold),
    }
    with_tps = [r for r in ordered if r.get("output_token_throughput_tps") is not None]
    if with_tps:
        peak = max(with_tps, key=lambda r: r["output_token_throughput_tps"])
        result["peak_output_token_throughput_tps"] = peak["output_token_throughput_tps"]
        result["peak_concurrency"] = peak.get("concurrency")
    if slo:
        passing = [r for r in ordered if not evaluate_record(r, slo)]
        if passing:
            best = passing[-1]
            result["max_concurrency_meeting_slo"] = best.get("concurrency")
            result["slo_monotonic"] = all(
                not evaluate_record(r, slo) for r in ordered if r.get("concurrency") <= best.get("concurrency")
            )
            rate, source = goodput(best, slo, per_request.get(best.get("concurrency")))
            result["goodput_rps"], result["goodput_source"] = rate, source
    return result


def sweep_warnings(records):
    """Warnings a reader must see: runs without streaming (no TTFT/ITL), errors, missing points."""
    warnings = []
    no_stream = [
        r.get("concurrency")
        for r in records
        if (r.get("ttft_ms") or {}).get("avg") is None and (r.get("itl_ms") or {}).get("avg") is None
    ]
    if no_stream:
        warnings.append(
            "concurrency %s ran without streaming: no TTFT or ITL was measured (seed 004 fell into this); "
            "enable streaming to get them" % ", ".join(str(c) for c in no_stream)
        )
    errored = [(r.get("concurrency"), r.get("error_count")) for r in records if r.get("error_count")]
    if errored:
        warnings.append("failed requests: %s" % ", ".join("%d at concurrency %s" % (n, c) for c, n in errored))
    return warnings


def build_results(
    records, metadata=None, slo=None, published=None, per_request=None, knee_threshold=DEFAULT_KNEE_THRESHOLD
):
    """The results.json document: ``{"metadata", "records", "headline", "slo", "warnings", "published"}``."""
    if not records:
        raise BenchmarkReportError("no benchmark records: the sweep produced no parseable results")
    ordered = sorted(records, key=lambda r: (r.get("concurrency") is None, r.get("concurrency")))
    slo = validate_slo(slo)
    evaluation = []
    for record in ordered:
        evaluation.append({"concurrency": record.get("concurrency"), "violations": evaluate_record(record, slo)})
    return {
        "metadata": dict(metadata or {}),
        "records": ordered,
        "headline": headline(ordered, slo, per_request, knee_threshold),
        "slo": {"objectives": slo, "evaluation": evaluation},
        "warnings": sweep_warnings(ordered),
        "published": published or None,
    }


def to_json(results):
    """Stable JSON text (sorted keys, infinities as strings) so unchanged results write identical bytes."""
    return json.dumps(_json_safe(results), indent=2, sort_keys=True) + "\n"


def _json_safe(value):
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return str(value)
    if isinstance(value, dict):
        return dict((k, _json_safe(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
