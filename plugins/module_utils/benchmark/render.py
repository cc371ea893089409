# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendering of results.json: report.md and the three PNG plots.

Pure functions over the document ``analysis.build_results`` returns; matplotlib (Agg) is
imported only by ``render_plots``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from .analysis import DEFAULT_KNEE_THRESHOLD, latency_for_knee
from .slo import format_number, measured

PLOT_FILES = (
    "throughput_vs_concurrency.png",
    "ttft_itl_vs_concurrency.png",
    "throughput_vs_p99_latency.png",
)


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
        (str(r.get("concurrency")), _cell(r.get("output_token_throughput_tps")), _cell(latency_for_knee(r)))
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
        lines += ["Objectives: " + ", ".join("%s = %s" % (k, format_number(v)) for k, v in sorted(slo.items())), ""]
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
    lat = [latency_for_knee(r) for r in records]
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
