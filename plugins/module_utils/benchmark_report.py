# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark report logic: SLO evaluation, headline, knee, results.json, report.md, plots.

Pure functions over the normalized records of ``eks_llm.inference.benchmark_facts`` (one dict per
concurrency level: ``concurrency``, ``request_count``, ``error_count``, ``request_throughput_rps``,
``output_token_throughput_tps``, ``ttft_ms``/``itl_ms``/``request_latency_ms`` ``{avg,p50,p90,p99}``,
``input_tokens``/``output_tokens`` ``{avg}``; ``null`` where not measured). No Ansible calls;
matplotlib is imported only by :func:`render_plots`.

Definitions (also in roles/benchmark/README.md):

* SLO objectives: ``<metric>_<stat>`` upper bounds for ``ttft_ms``, ``itl_ms`` and
  ``request_latency_ms`` with stat ``avg|p50|p90|p99`` (e.g. ``ttft_ms_p99: 200``), lower bounds
  ``min_output_token_throughput_tps`` and ``min_request_throughput_rps``, and ``max_error_rate``
  (a fraction, errors / (successes + errors)). A metric the run did not measure (TTFT/ITL of a
  non-streaming run) violates its objective: it cannot be shown to hold.
* Headline "max concurrency meeting the SLOs": the highest swept concurrency whose record meets
  every objective (not necessarily every lower one; ``slo_monotonic`` says whether all lower ones
  pass too).
* Goodput: requests per second that met every per-request objective. With per-request data
  (aiperf ``profile_export.jsonl``) it is counted exactly, in the DistServe/aiperf sense: a request
  counts when its own TTFT, ITL and latency are within every latency objective, whatever the
  statistic named in the objective, divided by the profiling duration (request_count /
  request_throughput_rps). Without per-request data it is approximated as
  ``request_throughput_rps`` when the point meets every objective and 0 otherwise (an upper bound:
  a p99 objective that holds still lets up to 1% of requests exceed it); ``goodput_source`` says which.
* Knee of the throughput-latency curve: walking the sweep in concurrency order, the elasticity of
  each step is (relative output-throughput gain) / (relative latency increase), latency being
  p99 request latency (avg when p99 is missing). A step that does not increase latency has
  infinite elasticity; one that does not increase throughput has elasticity <= 0. The knee is the
  last point before the first step whose elasticity is below ``knee_threshold`` (default 1.0:
  past the knee each extra percent of latency buys less than one percent of throughput).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

LATENCY_METRICS = ("ttft_ms", "itl_ms", "request_latency_ms")
STATS = ("avg", "p50", "p90", "p99")
SCALAR_OBJECTIVES = {
    "min_output_token_throughput_tps": ("output_token_throughput_tps", ">=", "tokens/s"),
    "min_request_throughput_rps": ("request_throughput_rps", ">=", "requests/s"),
    "max_error_rate": ("error_rate", "<=", ""),
}
DEFAULT_KNEE_THRESHOLD = 1.0
PLOT_FILES = (
    "throughput_vs_concurrency.png",
    "ttft_itl_vs_concurrency.png",
    "throughput_vs_p99_latency.png",
)


class BenchmarkReportError(Exception):
    """Bad input to the report (unknown SLO metric, empty records, ...)."""


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
                    "reason": "%s %s %s" % (_num(value), ">" if op == "<=" else "<", _num(limit)),
                }
            )
    return violations


def slo_gate(records, slo, concurrencies=None):
    """Evaluate ``slo`` at the given concurrencies (all records when empty).

    Returns ``{"passed", "evaluated", "violations", "message"}``; ``message`` lists every
    violated objective with its measured value in one line per violation.
    """
    slo = validate_slo(slo)
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
            ", ".join("%s=%s" % (k, _num(v)) for k, v in sorted(slo.items())) or "no objectives set",
        )
    else:
        lines = [
            "concurrency %s: %s = %s%s, objective %s %s%s"
            % (
                v["concurrency"],
                v["objective"],
                "not measured" if v["measured"] is None else _num(v["measured"]),
                _unit(v["unit"]),
                "<=" if slo_objectives()[v["objective"]][2] == "<=" else ">=",
                _num(v["limit"]),
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


def _num(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return "%d" % value
        return "%.4g" % value if abs(value) < 1 else "%.2f" % value
    return str(value)


def _unit(unit):
    return " " + unit if unit else ""


def _latency_for_knee(record):
    block = record.get("request_latency_ms") or {}
    value = block.get("p99")
    return value if value is not None else block.get("avg")


def knee(records, threshold=DEFAULT_KNEE_THRESHOLD):
    """The knee of the throughput-latency curve (see module docstring); None without usable points.

    Returns ``{"concurrency", "index", "threshold", "elasticities", "reason"}`` where
    ``elasticities`` holds one entry per step (``null`` = infinite, written as a string in JSON).
    """
    points = [
        r
        for r in sorted(records, key=lambda r: (r.get("concurrency") is None, r.get("concurrency")))
        if r.get("output_token_throughput_tps") is not None and _latency_for_knee(r) is not None
    ]
    if not points:
        return None
    steps = []
    knee_index = len(points) - 1
    reason = "every step kept elasticity >= %s" % threshold
    for i in range(1, len(points)):
        prev, cur = points[i - 1], points[i]
        tps0, tps1 = prev["output_token_throughput_tps"], cur["output_token_throughput_tps"]
        lat0, lat1 = _latency_for_knee(prev), _latency_for_knee(cur)
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
    point = points[knee_index]
    return {
        "concurrency": point.get("concurrency"),
        "output_token_throughput_tps": point["output_token_throughput_tps"],
        "latency_ms": _latency_for_knee(point),
        "latency_metric": (
            "request_latency_ms.p99"
            if (point.get("request_latency_ms") or {}).get("p99") is not None
            else "request_latency_ms.avg"
        ),
        "threshold": threshold,
        "steps": steps,
        "reason": reason,
    }


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
    """Headline numbers of a sweep: best concurrency under the SLO, its goodput, peak, knee."""
    slo = validate_slo(slo)
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


def _cell(value, digits=2):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return "%.*f" % (digits, value)
    return str(value)


def _stat(record, metric, stat):
    return (record.get(metric) or {}).get(stat)


TABLE_COLUMNS = (
    ("Concurrency", lambda r: r.get("concurrency")),
    ("Requests", lambda r: r.get("request_count")),
    ("Errors", lambda r: r.get("error_count")),
    ("Req/s", lambda r: r.get("request_throughput_rps")),
    ("Output tok/s", lambda r: r.get("output_token_throughput_tps")),
    ("TTFT avg (ms)", lambda r: _stat(r, "ttft_ms", "avg")),
    ("TTFT p50 (ms)", lambda r: _stat(r, "ttft_ms", "p50")),
    ("TTFT p99 (ms)", lambda r: _stat(r, "ttft_ms", "p99")),
    ("ITL avg (ms)", lambda r: _stat(r, "itl_ms", "avg")),
    ("ITL p50 (ms)", lambda r: _stat(r, "itl_ms", "p50")),
    ("ITL p99 (ms)", lambda r: _stat(r, "itl_ms", "p99")),
    ("Latency avg (ms)", lambda r: _stat(r, "request_latency_ms", "avg")),
    ("Latency p99 (ms)", lambda r: _stat(r, "request_latency_ms", "p99")),
    ("ISL avg", lambda r: _stat(r, "input_tokens", "avg")),
    ("OSL avg", lambda r: _stat(r, "output_tokens", "avg")),
)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_markdown(results):
    """report.md: metadata, warnings, one table row per concurrency, headline, knee, SLO, seed comparison."""
    meta = results.get("metadata") or {}
    head = results.get("headline") or {}
    lines = ["# Benchmark report: %s" % (meta.get("scenario") or "benchmark"), ""]
    if meta.get("server_is_simulator"):
        lines += [
            "> Rehearsal against the eks-llm-inference-simulator, a TEST DOUBLE: the numbers describe "
            "the simulator's configured timing, not a model or a GPU.",
            "",
        ]
    lines += ["## Run", ""]
    lines += _table(
        ("Key", "Value"),
        [
            (k, "`%s`" % json.dumps(meta[k]) if isinstance(meta[k], (dict, list)) else str(meta[k]))
            for k in sorted(meta)
        ],
    )
    lines.append("")
    if results.get("warnings"):
        lines += ["## Warnings", ""] + ["- %s" % w for w in results["warnings"]] + [""]
    lines += ["## Results per concurrency", ""]
    lines += _table(
        [c[0] for c in TABLE_COLUMNS],
        [[_cell(getter(r)) for _name, getter in TABLE_COLUMNS] for r in results.get("records", [])],
    )
    lines.append("")
    lines += ["## Throughput-latency curve", ""]
    curve = [
        (str(r.get("concurrency")), _cell(r.get("output_token_throughput_tps")), _cell(_latency_for_knee(r)))
        for r in results.get("records", [])
    ]
    lines += _table(("Concurrency", "Output tok/s", "Latency p99 (ms)"), curve)
    lines += [
        "",
        "![output tokens/s vs concurrency](%s)" % PLOT_FILES[0],
        "![TTFT and ITL vs concurrency](%s)" % PLOT_FILES[1],
        "![output tokens/s vs p99 latency](%s)" % PLOT_FILES[2],
        "",
    ]
    lines += ["## Headline", ""]
    k = head.get("knee")
    rows = [
        (
            "Peak output tokens/s",
            "%s at concurrency %s"
            % (_cell(head.get("peak_output_token_throughput_tps")), head.get("peak_concurrency")),
        ),
        (
            "Knee (elasticity threshold %s)" % (k or {}).get("threshold", DEFAULT_KNEE_THRESHOLD),
            "concurrency %s (%s)" % (k["concurrency"], k["reason"]) if k else "n/a",
        ),
    ]
    if head.get("slo"):
        rows.append(("Max concurrency meeting the SLO", _cell(head.get("max_concurrency_meeting_slo"))))
        rows.append(
            (
                "Goodput at that concurrency (req/s)",
                "%s (%s)" % (_cell(head.get("goodput_rps")), head.get("goodput_source") or "n/a"),
            )
        )
        rows.append(("Every lower concurrency meets the SLO", _cell(head.get("slo_monotonic"))))
    else:
        rows.append(("Max concurrency meeting the SLO", "n/a (no SLO set)"))
    lines += _table(("Headline", "Value"), rows)
    lines.append("")
    slo = (results.get("slo") or {}).get("objectives") or {}
    if slo:
        lines += ["## SLO", ""]
        header = ["Concurrency"] + sorted(slo)
        body = []
        for entry, record in zip(results["slo"]["evaluation"], results.get("records", [])):
            bad = dict((v["objective"], v) for v in entry["violations"])
            body.append(
                [str(entry["concurrency"])]
                + [
                    ("FAIL %s" % _cell(measured(record, key)) if key in bad else "ok %s" % _cell(measured(record, key)))
                    for key in sorted(slo)
                ]
            )
        lines += ["Objectives: " + ", ".join("%s = %s" % (k, _num(v)) for k, v in sorted(slo.items())), ""]
        lines += _table(header, body)
        lines.append("")
    published = results.get("published")
    if published and published.get("points"):
        lines += [
            "## Published seed numbers beside ours",
            "",
            ("Source: %s. %s" % (published.get("source", "n/s"), published.get("note", ""))).rstrip(),
            "",
        ]
        ours = dict((r.get("concurrency"), r) for r in results.get("records", []))
        body = []
        for point in published["points"]:
            mine = ours.get(point.get("concurrency")) or {}
            body.append(
                [
                    str(point.get("concurrency")),
                    _cell(point.get("output_token_throughput_tps")),
                    _cell(mine.get("output_token_throughput_tps")),
                    _cell(point.get("request_throughput_rps")),
                    _cell(mine.get("request_throughput_rps")),
                    _cell(point.get("ttft_ms_avg")),
                    _cell(_stat(mine, "ttft_ms", "avg")),
                    _cell(point.get("itl_ms_avg")),
                    _cell(_stat(mine, "itl_ms", "avg")),
                    _cell(point.get("request_latency_ms_avg")),
                    _cell(_stat(mine, "request_latency_ms", "avg")),
                ]
            )
        lines += _table(
            (
                "Concurrency",
                "Seed tok/s",
                "Ours tok/s",
                "Seed req/s",
                "Ours req/s",
                "Seed TTFT avg",
                "Ours TTFT avg",
                "Seed ITL avg",
                "Ours ITL avg",
                "Seed latency avg",
                "Ours latency avg",
            ),
            body,
        )
        lines.append("")
    return "\n".join(lines)


def parse_markdown_table(text, first_header):
    """Rows (dicts) of the first markdown table in ``text`` whose first header cell is ``first_header``."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            if header is not None and rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            if cells and cells[0] == first_header:
                header = cells
            continue
        if set(line.replace("|", "").strip()) <= set("-: "):
            continue
        rows.append(dict(zip(header, cells)))
    return rows


def render_plots(results, dpi=80):
    """{file name: PNG bytes} for the three plots; matplotlib (Agg) imported here only."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    records = results.get("records", [])
    head = results.get("headline") or {}
    k = head.get("knee") or {}
    title = (results.get("metadata") or {}).get("scenario") or "benchmark"
    conc = [r.get("concurrency") for r in records]
    files = {}

    def finish(fig, name):
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        plt.close(fig)
        files[name] = buf.getvalue()

    fig, ax = plt.subplots(figsize=(7, 4.5))
    tps = [r.get("output_token_throughput_tps") for r in records]
    ax.plot(conc, tps, marker="o", label="ours")
    pub = (results.get("published") or {}).get("points") or []
    if pub:
        ax.plot(
            [p.get("concurrency") for p in pub],
            [p.get("output_token_throughput_tps") for p in pub],
            marker="s",
            linestyle="--",
            label="seed (published)",
        )
    if k.get("concurrency") is not None:
        ax.axvline(k["concurrency"], color="grey", linestyle=":", label="knee (c=%s)" % k["concurrency"])
    if head.get("max_concurrency_meeting_slo") is not None:
        ax.axvline(
            head["max_concurrency_meeting_slo"],
            color="green",
            linestyle="--",
            label="max c meeting SLO (%s)" % head["max_concurrency_meeting_slo"],
        )
    ax.set_xlabel("concurrency")
    ax.set_ylabel("output tokens/s")
    ax.ticklabel_format(axis="both", style="plain", useOffset=False)
    ax.set_title("%s: output tokens/s vs concurrency" % title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    finish(fig, PLOT_FILES[0])

    fig, ax = plt.subplots(figsize=(7, 4.5))
    plotted = False
    for metric, label in (("ttft_ms", "TTFT"), ("itl_ms", "ITL")):
        for stat, style in (("p50", "-"), ("p99", "--")):
            values = [_stat(r, metric, stat) for r in records]
            if any(v is not None for v in values):
                ax.plot(
                    conc,
                    [v if v is not None else float("nan") for v in values],
                    marker="o",
                    linestyle=style,
                    label="%s %s" % (label, stat),
                )
                plotted = True
    if not plotted:
        ax.text(
            0.5, 0.5, "no TTFT/ITL: the sweep ran without streaming", ha="center", va="center", transform=ax.transAxes
        )
    ax.set_xlabel("concurrency")
    ax.set_ylabel("ms")
    ax.ticklabel_format(axis="both", style="plain", useOffset=False)
    ax.set_title("%s: TTFT and ITL (p50, p99) vs concurrency" % title)
    ax.grid(True, alpha=0.3)
    if plotted:
        ax.legend()
    finish(fig, PLOT_FILES[1])

    fig, ax = plt.subplots(figsize=(7, 4.5))
    lat = [_latency_for_knee(r) for r in records]
    ax.plot(lat, tps, marker="o")
    for c, x, y in zip(conc, lat, tps):
        if x is not None and y is not None:
            ax.annotate("c=%s" % c, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    if k.get("concurrency") is not None:
        ax.plot(
            [k["latency_ms"]],
            [k["output_token_throughput_tps"]],
            marker="*",
            markersize=16,
            color="red",
            linestyle="none",
            label="knee (c=%s)" % k["concurrency"],
        )
        ax.legend()
    ax.set_xlabel("p99 request latency (ms)")
    ax.set_ylabel("output tokens/s")
    ax.ticklabel_format(axis="both", style="plain", useOffset=False)
    ax.set_title("%s: output tokens/s vs p99 latency" % title)
    ax.grid(True, alpha=0.3)
    finish(fig, PLOT_FILES[2])
    return files


def load_aiperf_per_request(text):
    """Per-request samples from an aiperf ``profile_export.jsonl`` (profiling phase only).

    Each sample: ``ttft_ms``, ``itl_ms``, ``request_latency_ms``, ``output_tokens``, ``error`` (bool).
    """
    samples = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        row = json.loads(line)
        meta = row.get("metadata") or {}
        if meta.get("benchmark_phase") not in (None, "profiling"):
            continue
        metrics = row.get("metrics") or {}
        samples.append(
            {
                "ttft_ms": _metric_value(metrics, "time_to_first_token"),
                "itl_ms": _metric_value(metrics, "inter_token_latency"),
                "request_latency_ms": _metric_value(metrics, "request_latency"),
                "output_tokens": _metric_value(metrics, "output_sequence_length"),
                "error": bool(row.get("error")),
            }
        )
    return samples


def _metric_value(metrics, name):
    entry = metrics.get(name)
    return entry.get("value") if isinstance(entry, dict) else entry
