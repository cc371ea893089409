# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendering of results.json: report.md and its PNG figures.

Pure functions over the document ``analysis.build_results`` returns (plus the ``cost`` block of
``prices.sweep_cost``); matplotlib (Agg) is imported only by ``render_plots``.

Figures: ``PLOT_DPI`` dots per inch, at least 1500 px wide; the concurrency axis is log2 when the sweep
doubles (8, 16, 32 ...); TTFT and ITL have one subplot each with the seed's averages beside ours; the knee
(a red star) and the highest concurrency meeting the SLOs (a green ring and a dashed line) have their own
legend entries. A sweep without streaming has no TTFT/ITL figure (and report.md no link to one); a run whose
records carry ``replicas`` gets a replicas-vs-concurrency figure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from .analysis import DEFAULT_KNEE_THRESHOLD, latency_for_knee
from .slo import format_number, measured, slo_objectives

THROUGHPUT_PLOT = "throughput_vs_concurrency.png"
TTFT_ITL_PLOT = "ttft_itl_vs_concurrency.png"
LATENCY_PLOT = "throughput_vs_p99_latency.png"
REPLICAS_PLOT = "replicas_vs_concurrency.png"
# The figures every sweep with throughput and latency gets (TTFT/ITL only when streaming).
PLOT_FILES = (THROUGHPUT_PLOT, TTFT_ITL_PLOT, LATENCY_PLOT)
# Every figure this module may write (the report module removes the ones a new run no longer has).
ALL_PLOT_FILES = PLOT_FILES + (REPLICAS_PLOT,)

PLOT_DPI = 150
FIGURE_SIZE = (10, 6)  # inches: 1500 x 900 px at PLOT_DPI
WIDE_FIGURE_SIZE = (13, 5.5)  # two subplots side by side: 1950 x 825 px
FONT_SIZES = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10.5,
}
TRUNCATION_MARK = "\u2020"  # dagger: a seed cell the seed's console table cut short


def _cell(value, digits=2):
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%.*f" % (digits, value)
    return str(value)


def _stat(record, metric, stat):
    return (record.get(metric) or {}).get(stat)


def seed_number(value):
    """(number or None, truncated) of a published seed cell.

    Numbers are taken as they are. Strings are read as the seed prints them: thousands separators
    (``"2,382"``) and a trailing ``…`` where the console table cut the cell (``"1,971…"`` is 1971, a lower
    bound of the true value; ``"2,14…"`` lost digits of its integer part and reads 2140). Anything else
    (``"n/s"``) is None.
    """
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        return float(value), False
    text = str(value).strip()
    truncated = text.endswith(("\u2026", "..."))
    text = text.rstrip("\u2026.").strip()
    groups = text.split(",")
    if truncated and len(groups) > 1 and "." not in groups[-1] and len(groups[-1]) < 3:
        groups[-1] = groups[-1].ljust(3, "0")
    try:
        return float("".join(groups)), truncated
    except ValueError:
        return None, False


def is_streaming(results):
    """Whether any record of the sweep measured TTFT or ITL (a non-streaming run measures neither)."""
    return any(
        _stat(r, metric, stat) is not None
        for r in results.get("records", [])
        for metric in ("ttft_ms", "itl_ms")
        for stat in ("avg", "p50", "p99")
    )


def _published_points(results):
    return (results.get("published") or {}).get("points") or []


def has_replicas(results):
    """Whether the run recorded the serving replicas at each concurrency (records' ``replicas``)."""
    return any(isinstance(r.get("replicas"), int) for r in results.get("records", []))


def plot_files(results):
    """The figures ``render_plots`` writes for ``results``, in report order."""
    names = [THROUGHPUT_PLOT]
    if is_streaming(results):
        names.append(TTFT_ITL_PLOT)
    names.append(LATENCY_PLOT)
    if has_replicas(results):
        names.append(REPLICAS_PLOT)
    return names


def knee_within_sweep(knee):
    """The knee dict when the sweep has a knee inside it, else None (no knee, or throughput still scaling)."""
    if not knee:
        return None
    if knee.get("within_sweep") is False:
        return None
    return knee


def knee_text(knee):
    """The headline's wording of the knee."""
    if not knee:
        return "n/a (no point with both throughput and latency)"
    if knee_within_sweep(knee):
        return "concurrency %s (%s)" % (knee["concurrency"], knee["reason"])
    return "no knee within the sweep (%s; throughput still scaling at the highest concurrency, %s)" % (
        knee.get("reason"),
        knee.get("concurrency"),
    )


TABLE_COLUMNS = (
    ("Concurrency", lambda r: r.get("concurrency"), False),
    ("Requests (count)", lambda r: r.get("request_count"), False),
    ("Errors (count)", lambda r: r.get("error_count"), False),
    ("Req/s", lambda r: r.get("request_throughput_rps"), False),
    ("Output tok/s", lambda r: r.get("output_token_throughput_tps"), False),
    ("TTFT avg (ms)", lambda r: _stat(r, "ttft_ms", "avg"), True),
    ("TTFT p50 (ms)", lambda r: _stat(r, "ttft_ms", "p50"), True),
    ("TTFT p99 (ms)", lambda r: _stat(r, "ttft_ms", "p99"), True),
    ("ITL avg (ms)", lambda r: _stat(r, "itl_ms", "avg"), True),
    ("ITL p50 (ms)", lambda r: _stat(r, "itl_ms", "p50"), True),
    ("ITL p99 (ms)", lambda r: _stat(r, "itl_ms", "p99"), True),
    ("Latency avg (ms)", lambda r: _stat(r, "request_latency_ms", "avg"), False),
    ("Latency p99 (ms)", lambda r: _stat(r, "request_latency_ms", "p99"), False),
    ("ISL avg (tokens)", lambda r: _stat(r, "input_tokens", "avg"), False),
    ("OSL avg (tokens)", lambda r: _stat(r, "output_tokens", "avg"), False),
)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _objective_header(key, limit):
    _metric, _stat_name, op, unit = slo_objectives()[key]
    return "%s %s %s (%s)" % (key, "\u2264" if op == "<=" else "\u2265", format_number(limit), unit or "fraction")


def _run_section(results):
    meta = results.get("metadata") or {}
    lines = ["## Run", ""]
    lines += _table(
        ("Key", "Value"),
        [
            (k, "`%s`" % json.dumps(meta[k], sort_keys=True) if isinstance(meta[k], (dict, list)) else str(meta[k]))
            for k in sorted(meta)
        ],
    )
    return lines + [""]


def _results_section(results, streaming):
    columns = [c for c in TABLE_COLUMNS if streaming or not c[2]]
    lines = ["## Results per concurrency", ""]
    if not streaming:
        lines += ["TTFT and ITL: not measured, the sweep ran without streaming.", ""]
    lines += _table(
        [c[0] for c in columns],
        [[_cell(getter(r)) for _name, getter, _s in columns] for r in results.get("records", [])],
    )
    return lines + [""]


def _curve_section(results, figures):
    lines = ["## Throughput-latency curve", ""]
    curve = [
        (str(r.get("concurrency")), _cell(r.get("output_token_throughput_tps")), _cell(latency_for_knee(r)))
        for r in results.get("records", [])
    ]
    lines += _table(("Concurrency", "Output tok/s", "Latency p99 (ms)"), curve)
    lines.append("")
    captions = {
        THROUGHPUT_PLOT: "output tokens/s vs concurrency",
        TTFT_ITL_PLOT: "TTFT and ITL vs concurrency",
        LATENCY_PLOT: "output tokens/s vs p99 latency",
        REPLICAS_PLOT: "serving replicas vs concurrency",
    }
    lines += ["![%s](%s)" % (captions[name], name) for name in figures]
    if figures:
        lines.append("")
    return lines


def _usd(value, digits=2):
    return "n/a" if value is None else "$%.*f" % (digits, value)


def _headline_section(results):
    head = results.get("headline") or {}
    cost = results.get("cost") or {}
    k = head.get("knee")
    rows = [
        (
            "Peak output tokens/s",
            "%s at concurrency %s"
            % (_cell(head.get("peak_output_token_throughput_tps")), head.get("peak_concurrency")),
        ),
        ("Knee (elasticity threshold %s)" % (k or {}).get("threshold", DEFAULT_KNEE_THRESHOLD), knee_text(k)),
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
    if cost:
        rows.append(("Serving nodes ($/h)", "%s (%s)" % (_usd(cost.get("usd_per_hour"), 3), _fleet(cost))))
        at = cost.get("at_max_concurrency_meeting_slo")
        rows.append(
            (
                "$ per 1M output tokens at the max concurrency meeting the SLO",
                "%s at concurrency %s" % (_usd(at.get("usd_per_million_output_tokens")), at.get("concurrency"))
                if at
                else "n/a (no concurrency meets the SLO, or no SLO set)",
            )
        )
    return ["## Headline", ""] + _table(("Headline", "Value"), rows) + [""]


def _slo_section(results):
    slo = (results.get("slo") or {}).get("objectives") or {}
    if not slo:
        return []
    lines = ["## SLO", ""]
    header = ["Concurrency"] + [_objective_header(key, slo[key]) for key in sorted(slo)]
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
    lines += _table(header, body)
    return lines + [""]


def _price(value):
    """A list price as AWS writes it (0.526, 2.448, 12.98127): up to 5 decimals, no trailing zeros."""
    return ("%.5f" % value).rstrip("0").rstrip(".")


def _fleet(cost):
    return " + ".join(
        "%d \u00d7 %s at $%s/h" % (n["count"], n["instance_type"], _price(n["usd_per_hour_each"]))
        for n in cost.get("serving_nodes") or []
    )


def _cost_section(results):
    cost = results.get("cost")
    lines = ["## Cost of the serving nodes", ""]
    if not cost:
        return lines + [
            "n/a: the serving nodes were not given (`benchmark_serving_nodes`: the instance type and count of the "
            "node groups the model server runs on).",
            "",
        ]
    usd_h = cost["usd_per_hour"]
    lines += [
        "On-demand list prices, Linux, %s as of %s (plugins/module_utils/prices.py): %s = **$%.3f per hour**, "
        "paid at every concurrency whatever the number of replicas in use. "
        "$ per 1M output tokens = $/h \u00f7 (output tok/s \u00d7 3600) \u00d7 10^6.%s"
        % (
            cost.get("price_region"),
            cost.get("price_date"),
            _fleet(cost),
            usd_h,
            " The seed's columns price the seed's published throughput on the same nodes."
            if _published_points(results)
            else "",
        ),
        "",
    ]
    ours = dict((e["concurrency"], e) for e in cost.get("per_concurrency") or [])
    seed = dict(
        (p.get("concurrency"), seed_number(p.get("output_token_throughput_tps"))[0]) for p in _published_points(results)
    )
    slo_best = (results.get("headline") or {}).get("max_concurrency_meeting_slo")
    body = []
    for c in sorted(set(ours) | set(seed), key=lambda c: (c is None, c)):
        mine = ours.get(c) or {}
        seed_tps = seed.get(c)
        seed_cost = usd_h / (seed_tps * 3600.0) * 1e6 if seed_tps else None
        row = [
            "%s%s" % (c, " (max meeting the SLO)" if c == slo_best and c is not None else ""),
            _cell(mine.get("output_token_throughput_tps")),
            "%.3f" % usd_h,
            _cell(mine.get("usd_per_million_output_tokens")),
        ]
        body.append(row + ([_cell(seed_tps), _cell(seed_cost)] if seed else []))
    header = ["Concurrency", "Ours output tok/s", "Serving nodes ($/h)", "Ours $ per 1M output tokens ($)"]
    if seed:
        header += ["Seed output tok/s", "Seed $ per 1M output tokens ($)"]
    lines += _table(header, body)
    return lines + [""]


SEED_COLUMNS = (
    # (header, published key, our value)
    ("tok/s", "output_token_throughput_tps", lambda r: r.get("output_token_throughput_tps")),
    ("req/s", "request_throughput_rps", lambda r: r.get("request_throughput_rps")),
    ("TTFT avg (ms)", "ttft_ms_avg", lambda r: _stat(r, "ttft_ms", "avg")),
    ("ITL avg (ms)", "itl_ms_avg", lambda r: _stat(r, "itl_ms", "avg")),
    ("latency avg (ms)", "request_latency_ms_avg", lambda r: _stat(r, "request_latency_ms", "avg")),
)


def _seed_section(results):
    published = results.get("published")
    if not (published and published.get("points")):
        return []
    lines = [
        "## Published seed numbers beside ours",
        "",
        ("Source: %s. %s" % (published.get("source", "n/s"), published.get("note", ""))).rstrip(),
        "",
    ]
    ours = dict((r.get("concurrency"), r) for r in results.get("records", []))
    columns = list(SEED_COLUMNS)
    if any("replicas" in p for p in published["points"]) or has_replicas(results):
        columns.append(("replicas (count)", "replicas", lambda r: r.get("replicas")))
    parsed = [[seed_number(p.get(key)) for _h, key, _g in columns] for p in published["points"]]
    truncated_columns = set(i for row in parsed for i, (_v, cut) in enumerate(row) if cut)
    header = ["Concurrency"]
    for i, (name, _key, _getter) in enumerate(columns):
        header += ["Seed %s%s" % (name, TRUNCATION_MARK if i in truncated_columns else ""), "Ours %s" % name]
    body = []
    for point, row in zip(published["points"], parsed):
        mine = ours.get(point.get("concurrency")) or {}
        cells = [str(point.get("concurrency"))]
        for (name, _key, getter), (value, cut) in zip(columns, row):
            digits = 0 if cut or name.startswith("replicas") else 2
            cells += [_cell(value, digits), _cell(getter(mine), 0 if name.startswith("replicas") else 2)]
        body.append(cells)
    lines += _table(header, body)
    if truncated_columns:
        lines += [
            "",
            "%s The seed's console table cut these cells short (`1,971\u2026`): the number shown is the digits it kept, "
            "a lower bound of the true value." % TRUNCATION_MARK,
        ]
    return lines + [""]


def _banner(meta):
    if not meta.get("server_is_simulator"):
        return []
    tool = " ".join(str(meta[k]) for k in ("tool", "tool_version") if meta.get(k))
    return [
        "> Rehearsal against the eks-llm-inference-simulator, a TEST DOUBLE%s: the numbers describe the "
        "simulator's configured timing, not a model or a GPU. Costs are what the scenario's serving nodes would "
        "cost at the measured throughput." % (", measured by %s" % tool if tool else ""),
        "",
    ]


def render_markdown(results, plots=True):
    """report.md: metadata, warnings, tables per concurrency, figures, headline, SLO, cost, seed comparison.

    ``plots``: whether the figures are written (their links are left out otherwise).
    """
    meta = results.get("metadata") or {}
    streaming = is_streaming(results)
    lines = [
        "# Benchmark report: %s%s"
        % (
            meta.get("scenario") or "benchmark",
            " (rehearsal on a test double)" if meta.get("server_is_simulator") else "",
        ),
        "",
    ]
    lines += _banner(meta)
    lines += _run_section(results)
    if results.get("warnings"):
        lines += ["## Warnings", ""] + ["- %s" % w for w in results["warnings"]] + [""]
    lines += _results_section(results, streaming)
    lines += _curve_section(results, plot_files(results) if plots else [])
    lines += _headline_section(results)
    lines += _slo_section(results)
    lines += _cost_section(results)
    lines += _seed_section(results)
    return "\n".join(lines)


def is_doubling(values):
    """Whether the sorted distinct ``values`` (two or more, all positive) double from one to the next."""
    ordered = sorted(set(v for v in values if v is not None))
    return len(ordered) >= 2 and ordered[0] > 0 and all(b == 2 * a for a, b in zip(ordered, ordered[1:]))


def _plot_seed(ax, concurrencies, values, linestyle="--", label="seed (published)"):
    """The seed's published points (orange squares) beside ours; nothing when the seed published none."""
    if any(v is not None for v in values):
        ax.plot(
            concurrencies,
            [float("nan") if v is None else v for v in values],
            marker="s",
            linestyle=linestyle,
            color="tab:orange",
            label=label,
        )


def _concurrency_axis(ax, values):
    """Log2 x axis for a doubling sweep (ticks at the swept values), linear otherwise."""
    from matplotlib.ticker import FixedLocator, NullLocator

    ticks = sorted(set(v for v in values if v is not None))
    if is_doubling(ticks):
        ax.set_xscale("log", base=2)
        label = "concurrency (requests in flight, log2 scale)"
        low, high = ticks[0] / 1.4, ticks[-1] * 1.4
    else:
        label = "concurrency (requests in flight)"
        pad = (ticks[-1] - ticks[0]) * 0.06 if len(ticks) > 1 else 1
        low, high = ticks[0] - pad, ticks[-1] + pad
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(t) for t in ticks])
    if ticks:
        ax.set_xlim(low, high)
    ax.set_xlabel(label)


def _title(results, what):
    meta = results.get("metadata") or {}
    title = "%s: %s" % (meta.get("scenario") or "benchmark", what)
    if meta.get("server_is_simulator"):
        title += "\nrehearsal on the inference simulator (a test double)"
    return title


def render_plots(results, dpi=PLOT_DPI):
    """{file name: PNG bytes} for ``plot_files(results)``; matplotlib (Agg) imported here only."""
    import io

    from matplotlib import pyplot as plt

    files = {}
    with plt.rc_context(FONT_SIZES):
        for name, fig in build_figures(results).items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            plt.close(fig)
            files[name] = buf.getvalue()
    return files


def build_figures(results):
    """{file name: matplotlib Figure} for ``plot_files(results)``; the caller saves and closes them."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    records = results.get("records", [])
    head = results.get("headline") or {}
    k = knee_within_sweep(head.get("knee"))
    slo_c = head.get("max_concurrency_meeting_slo")
    conc = [r.get("concurrency") for r in records]
    tps = [r.get("output_token_throughput_tps") for r in records]
    by_c = dict((r.get("concurrency"), r) for r in records)
    pub = _published_points(results)
    pub_conc = [p.get("concurrency") for p in pub]
    all_conc = conc + pub_conc
    wanted = plot_files(results)
    figures = {}

    def nan(values):
        return [v if v is not None else float("nan") for v in values]

    def finish(fig, name):
        figures[name] = fig

    def mark_knee_and_slo(ax, x_of, y_of):
        """Green ring (+ dashed line when ``line``) at the max concurrency meeting the SLOs, red star at the knee."""
        if slo_c is not None and slo_c in by_c and x_of(by_c[slo_c]) is not None:
            ax.plot(
                [x_of(by_c[slo_c])],
                [y_of(by_c[slo_c])],
                marker="o",
                markersize=22,
                markerfacecolor="none",
                markeredgecolor="tab:green",
                markeredgewidth=2.5,
                linestyle="none",
                zorder=4,
                label="highest concurrency meeting the SLOs (%s)" % slo_c,
            )
        if k is not None and k.get("concurrency") in by_c:
            ax.plot(
                [x_of(by_c[k["concurrency"]])],
                [y_of(by_c[k["concurrency"]])],
                marker="*",
                markersize=17,
                color="tab:red",
                markeredgecolor="black",
                linestyle="none",
                zorder=5,
                label="knee (concurrency %s)" % k["concurrency"],
            )
        elif head.get("knee"):
            ax.plot([], [], linestyle="none", label="no knee within the sweep")

    with plt.rc_context(FONT_SIZES):
        # 1. output tokens/s vs concurrency, seed beside ours
        fig, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
        ax.plot(conc, nan(tps), marker="o", color="tab:blue", linewidth=2, label="ours")
        if pub:
            _plot_seed(ax, pub_conc, [seed_number(p.get("output_token_throughput_tps"))[0] for p in pub])
        if slo_c is not None:
            ax.axvline(slo_c, color="tab:green", linestyle="--", linewidth=1.2, zorder=1)
        mark_knee_and_slo(ax, lambda r: r.get("concurrency"), lambda r: r.get("output_token_throughput_tps"))
        _concurrency_axis(ax, all_conc)
        ax.set_ylabel("output tokens/s")
        ax.set_ylim(bottom=0)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.set_title(_title(results, "output tokens/s vs concurrency"))
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best")
        finish(fig, THROUGHPUT_PLOT)

        # 2. TTFT and ITL, one subplot each, seed averages beside ours (streaming runs only)
        if TTFT_ITL_PLOT in wanted:
            fig, axes = plt.subplots(1, 2, figsize=WIDE_FIGURE_SIZE, layout="constrained")
            for ax, metric, seed_key, label in (
                (axes[0], "ttft_ms", "ttft_ms_avg", "TTFT"),
                (axes[1], "itl_ms", "itl_ms_avg", "ITL"),
            ):
                for stat, style, marker, color in (
                    ("avg", "-", "o", "tab:blue"),
                    ("p50", ":", "^", "tab:cyan"),
                    ("p99", "--", "v", "tab:purple"),
                ):
                    values = [_stat(r, metric, stat) for r in records]
                    if any(v is not None for v in values):
                        ax.plot(conc, nan(values), marker=marker, linestyle=style, color=color, label="ours %s" % stat)
                seed_values = [seed_number(p.get(seed_key))[0] for p in pub]
                _plot_seed(ax, pub_conc, seed_values, linestyle="-.", label="seed avg (published)")
                _concurrency_axis(ax, all_conc)
                ax.set_ylabel("%s (ms)" % label)
                ax.set_ylim(bottom=0)
                ax.set_title("%s vs concurrency" % label)
                ax.grid(True, alpha=0.3)
                ax.legend(loc="best")
            fig.suptitle(_title(results, "time to first token and inter-token latency"))
            finish(fig, TTFT_ITL_PLOT)

        # 3. output tokens/s vs p99 request latency, every point named by its concurrency
        fig, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
        lat = [latency_for_knee(r) for r in records]
        ax.plot(nan(lat), nan(tps), marker="o", color="tab:blue", linewidth=2, label="ours")
        xs = [x for x in lat if x is not None]
        mid = (min(xs) + max(xs)) / 2.0 if xs else 0
        for c, x, y in zip(conc, lat, tps):
            if x is not None and y is not None:
                right = x > mid
                ax.annotate(
                    "c=%s" % c,
                    (x, y),
                    textcoords="offset points",
                    xytext=(-10 if right else 10, -16),
                    ha="right" if right else "left",
                    fontsize=11,
                )
        mark_knee_and_slo(ax, latency_for_knee, lambda r: r.get("output_token_throughput_tps"))
        ax.margins(x=0.12, y=0.15)
        ax.set_xlabel("p99 request latency (ms)")
        ax.set_ylabel("output tokens/s")
        ax.ticklabel_format(axis="both", style="plain", useOffset=False)
        ax.set_title(_title(results, "output tokens/s vs p99 latency"))
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best")
        finish(fig, LATENCY_PLOT)

        # 4. serving replicas at each concurrency (when the run recorded them)
        if REPLICAS_PLOT in wanted:
            fig, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
            ax.plot(conc, nan([r.get("replicas") for r in records]), marker="o", color="tab:blue", label="ours")
            seed_replicas = [seed_number(p.get("replicas"))[0] for p in pub]
            _plot_seed(ax, pub_conc, seed_replicas)
            _concurrency_axis(ax, all_conc)
            ax.set_ylabel("serving replicas (count)")
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(_title(results, "serving replicas vs concurrency"))
            ax.grid(True, alpha=0.3)
            ax.legend(loc="best")
            finish(fig, REPLICAS_PLOT)
    return figures
