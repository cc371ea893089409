"""What a reader sees in report.md and its figures (plugins/module_utils/benchmark/render.py).

Figure size and resolution are read from the PNG bytes (IHDR and pHYs chunks, parsed here with struct);
axes, legends and text positions from the matplotlib figures. Seed numbers come from scenarios.md
(seed 000 §Results), expected values are worked out by hand in the comments.
"""

import re
import struct
import zlib

import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils import prices
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark import analysis, render
from tests.support.markdown import parse_markdown_table

# scenarios.md: seed 000 §Results: avg output tok/s, TTFT p99 / avg, ITL avg, request latency p99 (the
# truncated cells "2,14…" etc. read as their kept digits), replicas under the HPA (n/s at 16)
SEED_000 = [
    # c, tok/s, ttft p99, ttft avg, itl avg, latency p99, replicas
    (8, 545.56, 46.98, 32.75, 14.66, 2140.0, 1),
    (16, 904.34, 67.93, 30.27, 17.46, 2580.0, 1),
    (32, 1339.56, 136.0, 58.75, 23.31, 3510.0, 2),
    (64, 2409.03, 208.0, 60.04, 26.01, 4740.0, 3),
    (128, 3076.65, 444.0, 119.71, 39.82, 7650.0, 4),
]
PUBLISHED_000 = {
    "source": "scenarios.md: seed 000 §Results",
    "note": "",
    "points": [
        {
            "concurrency": 8,
            "output_token_throughput_tps": 545.56,
            "request_throughput_rps": 4.03,
            "ttft_ms_avg": 32.75,
            "itl_ms_avg": 14.66,
            "request_latency_ms_avg": "1,971\u2026",
            "replicas": 1,
        },
        {
            "concurrency": 16,
            "output_token_throughput_tps": 904.34,
            "request_throughput_rps": 6.62,
            "ttft_ms_avg": 30.27,
            "itl_ms_avg": 17.46,
            "request_latency_ms_avg": "2,382\u2026",
            "replicas": "n/s",
        },
        {
            "concurrency": 32,
            "output_token_throughput_tps": 1339.56,
            "request_throughput_rps": 9.71,
            "ttft_ms_avg": 58.75,
            "itl_ms_avg": 23.31,
            "request_latency_ms_avg": "3,241\u2026",
            "replicas": 2,
        },
        {
            "concurrency": 64,
            "output_token_throughput_tps": 2409.03,
            "request_throughput_rps": 17.62,
            "ttft_ms_avg": 60.04,
            "itl_ms_avg": 26.01,
            "request_latency_ms_avg": "3,568\u2026",
            "replicas": 3,
        },
        {
            "concurrency": 128,
            "output_token_throughput_tps": 3076.65,
            "request_throughput_rps": 22.58,
            "ttft_ms_avg": 119.71,
            "itl_ms_avg": 39.82,
            "request_latency_ms_avg": "5,477\u2026",
            "replicas": 4,
        },
    ],
}


def _record(c, tps, ttft_p99, ttft_avg, itl_avg, lat_p99, replicas=None, streaming=True):
    record = {
        "tool": "aiperf",
        "tool_version": "0.13.0",
        "model": "m",
        "concurrency": c,
        "request_count": 100,
        "error_count": 0,
        "request_throughput_rps": tps / 136.0,
        "output_token_throughput_tps": tps,
        "ttft_ms": {"avg": ttft_avg, "p50": ttft_avg, "p90": None, "p99": ttft_p99},
        "itl_ms": {"avg": itl_avg, "p50": itl_avg, "p90": None, "p99": itl_avg * 1.5},
        "request_latency_ms": {"avg": lat_p99 * 0.9, "p50": None, "p90": None, "p99": lat_p99},
        "input_tokens": {"avg": 128.0},
        "output_tokens": {"avg": 136.0},
    }
    if not streaming:
        record["ttft_ms"] = {"avg": None, "p50": None, "p90": None, "p99": None}
        record["itl_ms"] = {"avg": None, "p50": None, "p90": None, "p99": None}
    if replicas is not None:
        record["replicas"] = replicas
    return record


def _results(streaming=True, replicas=False, slo=None, points=None, serving_nodes=None):
    points = SEED_000 if points is None else points
    records = [
        _record(c, tps, tp99, tavg, itl, lat, rep if replicas else None, streaming)
        for c, tps, tp99, tavg, itl, lat, rep in points
    ]
    if slo is None:
        slo = {"ttft_ms_p99": 300} if streaming else {"request_latency_ms_p99": 5000}
    results = analysis.build_results(
        records, {"scenario": "unit", "server_is_simulator": True, "tool": "aiperf"}, slo, PUBLISHED_000
    )
    results["cost"] = prices.sweep_cost(
        serving_nodes, results["records"], results["headline"]["max_concurrency_meeting_slo"]
    )
    return results


def _png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.setdefault(kind.decode(), body)
        pos += 12 + length
    return chunks


@pytest.fixture
def figures():
    from matplotlib import pyplot as plt

    made = []

    def build(results):
        with plt.rc_context(render.FONT_SIZES):
            figs = render.build_figures(results)
        made.extend(figs.values())
        return figs

    yield build
    for fig in made:
        plt.close(fig)


def test_pngs_are_at_least_120_dpi_and_1000_px_wide():
    plots = render.render_plots(_results(replicas=True))
    assert sorted(plots) == sorted(render.ALL_PLOT_FILES)
    for name, data in plots.items():
        chunks = _png_chunks(data)
        width, height = struct.unpack(">II", chunks["IHDR"][:8])
        x_ppu, y_ppu, unit = struct.unpack(">IIB", chunks["pHYs"])
        assert unit == 1, name  # pixels per metre
        assert x_ppu * 0.0254 >= 120 and y_ppu * 0.0254 >= 120, (name, x_ppu)
        assert width >= 1000 and height >= 600, (name, width, height)


def test_doubling_sweep_gets_a_log2_axis_and_others_a_linear_one(figures):
    figs = figures(_results())
    for name in (render.THROUGHPUT_PLOT, render.TTFT_ITL_PLOT):
        for ax in figs[name].axes:
            assert ax.get_xscale() == "log" and ax.xaxis.get_transform().base == 2, name
            assert [t.get_text() for t in ax.get_xticklabels()] == ["8", "16", "32", "64", "128"]
    # 3, 6, 9, 12: not doubling -> linear
    linear = [
        (3, 500.0, 40.0, 30.0, 15.0, 2000.0, 1),
        (6, 800.0, 50.0, 30.0, 15.0, 2100.0, 1),
        (9, 900.0, 60.0, 30.0, 15.0, 2600.0, 1),
        (12, 950.0, 70.0, 30.0, 15.0, 3400.0, 1),
    ]
    figs = figures(_results(points=linear))
    assert figs[render.THROUGHPUT_PLOT].axes[0].get_xscale() == "linear"
    assert render.is_doubling([8, 16, 32]) and render.is_doubling([16, 8])
    assert not render.is_doubling([8]) and not render.is_doubling([10, 20, 40, 80, 120, 200])


def test_ttft_and_itl_have_separate_axes_with_the_seed_averages(figures):
    fig = figures(_results())[render.TTFT_ITL_PLOT]
    axes = fig.axes
    assert len(axes) == 2
    assert [ax.get_ylabel() for ax in axes] == ["TTFT (ms)", "ITL (ms)"]
    seed = dict((line.get_label(), list(line.get_ydata())) for line in axes[0].get_lines())
    assert seed["seed avg (published)"] == [32.75, 30.27, 58.75, 60.04, 119.71]  # seed 000 TTFT avg
    seed = dict((line.get_label(), list(line.get_ydata())) for line in axes[1].get_lines())
    assert seed["seed avg (published)"] == [14.66, 17.46, 23.31, 26.01, 39.82]  # seed 000 ITL avg
    assert "ours p99" in seed and "ours avg" in seed


def test_non_streaming_run_has_no_ttft_figure_and_no_link():
    results = _results(streaming=False)
    plots = render.render_plots(results)
    assert render.TTFT_ITL_PLOT not in plots
    md = render.render_markdown(results)
    assert render.TTFT_ITL_PLOT not in md
    assert "TTFT avg (ms)" not in parse_markdown_table(md, "Concurrency")[0]
    assert "without streaming" in md
    streaming_md = render.render_markdown(_results())
    assert "](%s)" % render.TTFT_ITL_PLOT in streaming_md
    assert "](%s)" % render.TTFT_ITL_PLOT not in render.render_markdown(_results(), plots=False)


def _legend(ax):
    legend = ax.get_legend()
    return dict((text.get_text(), handle) for text, handle in zip(legend.get_texts(), legend.legend_handles))


def test_knee_and_slo_markers_differ_and_are_in_the_legend(figures):
    # knee by hand (p99 latency): 64 -> 128: +27.7% tok/s for +61.4% latency, elasticity 0.45 < 1, every
    # earlier step >= 1 (8->16: 65.8%/20.6%, 16->32: 48.1%/36.0%, 32->64: 79.8%/35.0%) => knee 64.
    # SLO TTFT p99 <= 300: 208 at 64 passes, 444 at 128 fails => 64. Same point: both must show.
    results = _results()
    assert results["headline"]["knee"]["concurrency"] == 64 and results["headline"]["max_concurrency_meeting_slo"] == 64
    figs = figures(results)
    for name in (render.THROUGHPUT_PLOT, render.LATENCY_PLOT):
        entries = _legend(figs[name].axes[0])
        knee = entries["knee (concurrency 64)"]
        ring = entries["highest concurrency meeting the SLOs (64)"]
        assert knee.get_marker() != ring.get_marker()
        assert knee.get_markerfacecolor() != ring.get_markerfacecolor()


def test_no_text_is_clipped(figures):
    # every drawn artist (titles, axis labels, tick labels, "c=<N>" annotations, legends) inside the figure
    figs = figures(_results(replicas=True))
    for name, fig in figs.items():
        fig.canvas.draw()
        box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
        width, height = fig.get_size_inches()
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, (name, box, width, height)
        annotations = [t.get_text() for t in fig.axes[0].texts]
        if name == render.LATENCY_PLOT:
            assert annotations == ["c=8", "c=16", "c=32", "c=64", "c=128"]


def test_knee_at_the_last_point_is_no_knee():
    # 8 -> 16: +100% tok/s for +0% latency (elasticity inf): no step below 1, no knee within the sweep
    points = [(8, 400.0, 40.0, 30.0, 15.0, 2000.0, 1), (16, 800.0, 40.0, 30.0, 15.0, 2000.0, 1)]
    results = _results(points=points)
    assert results["headline"]["knee"]["within_sweep"] is False
    md = render.render_markdown(results)
    head = dict((r["Headline"], r["Value"]) for r in parse_markdown_table(md, "Headline"))
    assert head["Knee (elasticity threshold 1.0)"].startswith("no knee within the sweep")
    plots_legend = render.build_figures(results)
    try:
        labels = list(_legend(plots_legend[render.THROUGHPUT_PLOT].axes[0]))
        assert "no knee within the sweep" in labels and not any(label.startswith("knee") for label in labels)
    finally:
        from matplotlib import pyplot as plt

        for fig in plots_legend.values():
            plt.close(fig)
    # a knee inside the sweep keeps its wording
    head = dict(
        (r["Headline"], r["Value"]) for r in parse_markdown_table(render.render_markdown(_results()), "Headline")
    )
    assert head["Knee (elasticity threshold 1.0)"].startswith("concurrency 64 (step 64 -> 128")


UNITLESS = {"Concurrency", "Key", "Value", "Headline"}
UNIT = re.compile(r"\((ms|tokens|count|fraction|\$/h|\$)\)|tok/s|req/s", re.IGNORECASE)


def test_every_table_header_names_its_unit():
    md = render.render_markdown(_results(replicas=True, serving_nodes=[{"instance_type": "g4dn.xlarge", "count": 4}]))
    headers = [
        line
        for i, line in enumerate(md.splitlines())
        if line.startswith("| ") and md.splitlines()[i + 1].startswith("|---")
    ]
    assert len(headers) == 7  # run, results, curve, headline, SLO, cost, seed
    for line in headers:
        for cell in [c.strip() for c in line.strip("|").split("|")]:
            assert cell in UNITLESS or UNIT.search(cell), (cell, line)


def test_seed_cells_are_numbers_and_truncation_is_noted_once():
    md = render.render_markdown(_results())
    rows = parse_markdown_table(md.split("## Published seed numbers")[1], "Concurrency")
    assert [r["Seed latency avg (ms)\u2020"] for r in rows] == ["1971", "2382", "3241", "3568", "5477"]
    for row in rows:
        for key, cell in row.items():
            if key.startswith("Seed"):
                assert cell == "n/a" or float(cell) >= 0, (key, cell)
    assert "\u2026" not in md.split("## Published seed numbers")[1].split("\n\n", 2)[2].split("\u2020 ")[0]
    assert md.count("\u2020") == 2  # the column mark and its one note
    assert render.seed_number("1,971\u2026") == (1971.0, True)
    assert render.seed_number("2,14\u2026") == (2140.0, True)  # integer digits cut: read as 2140
    assert render.seed_number("154.\u2026") == (154.0, True)
    assert render.seed_number("5,043.38") == (5043.38, False)
    assert render.seed_number("n/s") == (None, False) and render.seed_number(12) == (12.0, False)


def test_replicas_panel_only_when_the_run_records_replicas(figures):
    assert render.REPLICAS_PLOT not in render.plot_files(_results())
    figs = figures(_results(replicas=True))
    ax = figs[render.REPLICAS_PLOT].axes[0]
    lines = dict((line.get_label(), list(line.get_ydata())) for line in ax.get_lines())
    assert lines["ours"] == [1, 1, 2, 3, 4]
    seed = lines["seed (published)"]
    assert seed[0] == 1 and seed[2:] == [2, 3, 4] and seed[1] != seed[1]  # n/s at 16 is a gap (NaN)


def test_cost_section_per_concurrency_and_at_the_slo():
    # 4 x g4dn.xlarge at $0.526/h (AWS on-demand list price, us-east-1) = $2.104/h.
    # c=64: 2409.03 tok/s * 3600 = 8,672,508 tok/h -> 2.104 / 8.672508 = $0.2426 per million.
    # c=8: 545.56 * 3600 = 1,964,016 tok/h -> 2.104 / 1.964016 = $1.0713 per million.
    md = render.render_markdown(_results(serving_nodes=[{"instance_type": "g4dn.xlarge", "count": 4}]))
    rows = parse_markdown_table(md.split("## Cost of the serving nodes")[1], "Concurrency")
    by_c = dict((r["Concurrency"].split(" ")[0], r) for r in rows)
    assert by_c["8"]["Serving nodes ($/h)"] == "2.104"
    assert by_c["8"]["Ours $ per 1M output tokens ($)"] == "1.07"
    assert by_c["64"]["Ours $ per 1M output tokens ($)"] == "0.24"
    assert rows[3]["Concurrency"] == "64 (max meeting the SLO)"
    head = dict((r["Headline"], r["Value"]) for r in parse_markdown_table(md, "Headline"))
    assert head["Serving nodes ($/h)"] == "$2.104 (4 \u00d7 g4dn.xlarge at $0.526/h)"
    assert head["$ per 1M output tokens at the max concurrency meeting the SLO"] == "$0.24 at concurrency 64"
    assert "us-east-1 as of" in md
    without = render.render_markdown(_results())
    assert "n/a: the serving nodes were not given" in without
