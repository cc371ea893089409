# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service level objectives: the accepted objectives, their validation and the check of a sweep.

Pure Python over normalized records (see ``record.RECORD_KEYS``). Definitions (also in
roles/benchmark/README.md): ``<metric>_<stat>`` objectives are upper bounds for ``ttft_ms``,
``itl_ms`` and ``request_latency_ms`` with stat ``avg|p50|p90|p99`` (e.g. ``ttft_ms_p99: 200``);
``min_output_token_throughput_tps`` and ``min_request_throughput_rps`` are lower bounds and
``max_error_rate`` is an upper bound on errors / (successes + errors), a fraction. A metric the
run did not measure (TTFT/ITL of a non-streaming run) violates its objective: it cannot be shown
to hold.

An SLO is validated once (``validate_slo``); every other function here takes the validated SLO.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from .errors import BenchmarkReportError

LATENCY_METRICS = ("ttft_ms", "itl_ms", "request_latency_ms")
STATS = ("avg", "p50", "p90", "p99")
SCALAR_OBJECTIVES = {
    "min_output_token_throughput_tps": ("output_token_throughput_tps", ">=", "tokens/s"),
    "min_request_throughput_rps": ("request_throughput_rps", ">=", "requests/s"),
    "max_error_rate": ("error_rate", "<=", ""),
}


def slo_objectives():
    """Every SLO key accepted, mapped to (record metric, statistic or None, comparison, unit)."""
    objectives = {}
    for metric in LATENCY_METRICS:
        for stat in STATS:
            objectives["%s_%s" % (metric, stat)] = (metric, stat, "<=", "ms")
    for key, (metric, op, unit) in SCALAR_OBJECTIVES.items():
        objectives[key] = (metric, None, op, unit)
    return objectives


def validate_slo(slo, name="benchmark_slo"):
    """Raise BenchmarkReportError naming every bad objective; return the SLO as floats."""
    if slo is None:
        return {}
    if not isinstance(slo, dict):
        raise BenchmarkReportError("%s must be a dict of objective: number, got %s" % (name, type(slo).__name__))
    allowed = slo_objectives()
    problems = []
    clean = {}
    for key in sorted(slo):
        value = slo[key]
        if key not in allowed:
            problems.append("unknown objective %r" % key)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                problems.append("%s must be a number, got %r" % (key, value))
                continue
        if value < 0 or (isinstance(value, float) and math.isnan(value)):
            problems.append("%s must be >= 0, got %r" % (key, value))
            continue
        if key == "max_error_rate" and value > 1:
            problems.append("max_error_rate is a fraction within [0, 1], got %r" % value)
            continue
        clean[key] = float(value)
    if problems:
        raise BenchmarkReportError(
            "%s: %s. Allowed objectives: %s" % (name, "; ".join(problems), ", ".join(sorted(allowed)))
        )
    return clean


def error_rate(record):
    ok = record.get("request_count")
    errors = record.get("error_count")
    if ok is None or errors is None:
        return None
    total = ok + errors
    return float(errors) / total if total else None


def measured(record, objective):
    """The value of ``objective`` (a key of slo_objectives()) measured in ``record``, or None."""
    metric, stat, _op, _unit = slo_objectives()[objective]
    if metric == "error_rate":
        return error_rate(record)
    if stat is None:
        return record.get(metric)
    block = record.get(metric) or {}
    return block.get(stat)


def evaluate_record(record, slo):
    """List of violations of ``slo`` (validated) by one record, in objective order."""
    objectives = slo_objectives()
    violations = []
    for key in sorted(slo):
        limit = slo[key]
        _metric, _stat, op, unit = objectives[key]
        value = measured(record, key)
        if value is None:
            violations.append(
                {
                    "concurrency": record.get("concurrency"),
                    "objective": key,
                    "limit": limit,
                    "measured": None,
                    "unit": unit,
                    "reason": "not measured (a non-streaming run has no TTFT/ITL)",
                }
            )
        elif (op == "<=" and value > limit) or (op == ">=" and value < limit):
            violations.append(
                {
                    "concurrency": record.get("concurrency"),
                    "objective": key,
                    "limit": limit,
                    "measured": value,
                    "unit": unit,
                    "reason": "%s %s %s" % (format_number(value), ">" if op == "<=" else "<", format_number(limit)),
                }
            )
    return violations


def gate(records, slo, concurrencies=None):
    """Check the validated ``slo`` at the given concurrencies (all records when empty).

    Returns ``{"passed", "evaluated", "violations", "message"}``; ``message`` lists every
    violated objective with its measured value in one line per violation.
    """
    wanted = set(concurrencies or [])
    available = set(r.get("concurrency") for r in records)
    missing = sorted(wanted - available)
    if missing:
        raise BenchmarkReportError(
            "benchmark_slo_concurrencies %s were not swept; swept concurrencies: %s"
            % (missing, sorted(c for c in available if c is not None))
        )
    selected = [r for r in records if not wanted or r.get("concurrency") in wanted]
    if not selected:
        raise BenchmarkReportError("no benchmark records to check the SLO against")
    violations = []
    for record in selected:
        violations.extend(evaluate_record(record, slo))
    evaluated = [r.get("concurrency") for r in selected]
    if not violations:
        message = "SLO met at concurrency %s: %s" % (
            ", ".join(str(c) for c in evaluated),
            ", ".join("%s=%s" % (k, format_number(v)) for k, v in sorted(slo.items())) or "no objectives set",
        )
    else:
        lines = [
            "concurrency %s: %s = %s%s, objective %s %s%s"
            % (
                v["concurrency"],
                v["objective"],
                "not measured" if v["measured"] is None else format_number(v["measured"]),
                _unit(v["unit"]),
                "<=" if slo_objectives()[v["objective"]][2] == "<=" else ">=",
                format_number(v["limit"]),
                _unit(v["unit"]),
            )
            for v in violations
        ]
        message = "SLO gate failed: %d objective(s) violated at concurrency %s: %s" % (
            len(violations),
            ", ".join(str(c) for c in evaluated),
            "; ".join(lines),
        )
    return {"passed": not violations, "evaluated": evaluated, "violations": violations, "message": message}


def slo_gate(records, slo, concurrencies=None):
    """``gate`` for an SLO that is not validated yet (raises BenchmarkReportError naming bad objectives)."""
    return gate(records, validate_slo(slo), concurrencies)


def request_passes(request, slo):
    """Whether one per-request sample (ttft_ms, itl_ms, request_latency_ms, error) meets every latency objective."""
    if request.get("error"):
        return False
    for key, limit in slo.items():
        metric, stat, op, _unit = slo_objectives()[key]
        if stat is None:
            continue  # throughput and error-rate objectives apply to the run, not to one request
        value = request.get(metric)
        if value is None:
            if metric == "itl_ms" and request.get("output_tokens") in (0, 1):
                continue  # single-token answers have no inter-token gap
            return False
        if value > limit:
            return False
    return True


def format_number(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return "%d" % value
        return "%.4g" % value if abs(value) < 1 else "%.2f" % value
    return str(value)


def _unit(unit):
    return " " + unit if unit else ""
