"""SLO checks, analysis (knee, headline, goodput) and rendering of plugins/module_utils/benchmark/.

Expected values are computed by hand in the comments (or taken from scenarios.md's published seed
tables), never copied from the code's output.
"""

import json
import math
import os

import pytest
import yaml

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark import analysis, render, slo
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.errors import BenchmarkReportError
from tests.support.markdown import parse_markdown_table

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
)
ROLE = os.path.join(REPO_ROOT, "roles", "benchmark")


def rec(c, tps, p99, rps=None, ttft_p99=None, itl_p99=None, ok=100, errors=0, ttft_avg=None, avg=None):
    return {
        "tool": "aiperf",
        "tool_version": "0.13.0",
        "model": "m",
        "concurrency": c,
        "request_count": ok,
        "error_count": errors,
        "request_throughput_rps": rps,
        "output_token_throughput_tps": tps,
        "ttft_ms": {"avg": ttft_avg, "p50": None, "p90": None, "p99": ttft_p99},
        "itl_ms": {"avg": None, "p50": None, "p90": None, "p99": itl_p99},
        "request_latency_ms": {"avg": avg, "p50": None, "p90": None, "p99": p99},
        "input_tokens": {"avg": 128.0},
        "output_tokens": {"avg": 128.0},
    }


# scenarios.md: seed 004 §Results (avg output token throughput, request latency p99 in ms)
SEED_004 = [
    rec(10, 236.62, 9903.36, 1.91, avg=5043.38),
    rec(20, 554.70, 5345.23, 4.42, avg=4305.56),
    rec(40, 766.65, 9274.37, 6.15, avg=6090.43),
    rec(80, 828.76, 20922.32, 6.58, avg=9580.24),
    rec(120, 1007.91, 19997.09, 7.80, avg=9945.11),
    rec(200, 771.25, 30231.19, 6.14, avg=17846.00),
]


def test_knee_on_seed_004_is_concurrency_20():
    k = analysis.knee(SEED_004)
    # 10 -> 20: latency fell (9903 -> 5345) while throughput rose: infinite elasticity.
    # 20 -> 40: gain 211.95/554.70 = 0.38210, cost 3929.14/5345.23 = 0.73507, elasticity 0.5198 < 1.
    assert k["concurrency"] == 20
    assert math.isinf(k["steps"][0]["elasticity"])
    assert k["steps"][1]["elasticity"] == pytest.approx(0.5198, abs=5e-4)
    assert k["latency_ms"] == 5345.23 and k["latency_metric"] == "request_latency_ms.p99"


def test_knee_synthetic_and_threshold():
    records = [rec(1, 100.0, 1000.0), rec(2, 200.0, 1000.0), rec(4, 300.0, 1100.0), rec(8, 310.0, 2000.0)]
    # steps: 1->2 cost 0 => inf; 2->4 gain .5 / cost .1 = 5; 4->8 gain .0333 / cost .8182 = .0407
    assert analysis.knee(records)["concurrency"] == 4
    assert analysis.knee(records)["steps"][1]["elasticity"] == pytest.approx(5.0)
    assert analysis.knee(records)["steps"][2]["elasticity"] == pytest.approx((10 / 300) / (900 / 1100))
    assert analysis.knee(records, threshold=6.0)["concurrency"] == 2  # 5 < 6 ends the range one step earlier
    assert analysis.knee(records, threshold=0.01)["concurrency"] == 8  # no step below 0.01: the last point
    assert analysis.knee([rec(4, 50.0, 10.0)])["concurrency"] == 4
    assert analysis.knee([rec(4, None, 10.0)]) is None


def test_knee_falls_back_to_average_latency():
    records = [rec(1, 100.0, None, avg=100.0), rec(2, 110.0, None, avg=200.0)]
    k = analysis.knee(records)
    # gain .1 / cost 1.0 = .1 < 1 => knee at the first point
    assert k["concurrency"] == 1 and k["latency_metric"] == "request_latency_ms.avg"


def test_headline_max_concurrency_and_aggregate_goodput():
    records = [
        rec(1, 100.0, 500.0, rps=1.0, ttft_p99=50.0),
        rec(2, 190.0, 520.0, rps=1.9, ttft_p99=60.0),
        rec(4, 350.0, 600.0, rps=3.5, ttft_p99=90.0),
        rec(8, 400.0, 1200.0, rps=4.0, ttft_p99=200.0),
    ]
    head = analysis.headline(records, {"ttft_ms_p99": 100})
    assert head["max_concurrency_meeting_slo"] == 4
    assert head["slo_monotonic"] is True
    assert head["goodput_rps"] == 3.5 and head["goodput_source"] == "aggregate-approximation"
    assert head["peak_concurrency"] == 8 and head["peak_output_token_throughput_tps"] == 400.0


def test_headline_non_monotonic_and_no_slo():
    records = [
        rec(1, 100.0, 500.0, rps=1.0, ttft_p99=50.0),
        rec(2, 190.0, 520.0, rps=1.9, ttft_p99=150.0),
        rec(4, 350.0, 600.0, rps=3.5, ttft_p99=90.0),
    ]
    head = analysis.headline(records, {"ttft_ms_p99": 100})
    assert head["max_concurrency_meeting_slo"] == 4 and head["slo_monotonic"] is False
    none = analysis.headline(records, {})
    assert none["max_concurrency_meeting_slo"] is None and none["goodput_rps"] is None


def test_goodput_from_per_request_samples():
    record = rec(4, 350.0, 600.0, rps=5.0, ttft_p99=90.0, ok=10)
    good = {"ttft_ms": 80.0, "itl_ms": 10.0, "request_latency_ms": 500.0, "output_tokens": 10, "error": False}
    slow = dict(good, ttft_ms=120.0)
    failed = dict(good, error=True)
    samples = [good] * 7 + [slow] * 2 + [failed]
    # duration = 10 requests / 5 rps = 2 s; 7 requests meet ttft <= 100 and itl <= 20 => 3.5 req/s
    rate, source = analysis.goodput(
        record, {"ttft_ms_p99": 100, "itl_ms_avg": 20, "min_output_token_throughput_tps": 1}, samples
    )
    assert source == "per-request" and rate == pytest.approx(3.5)


def test_validate_slo_names_every_problem():
    with pytest.raises(BenchmarkReportError) as err:
        slo.validate_slo({"ttft_p99": 1, "itl_ms_p99": -2, "max_error_rate": 2, "request_latency_ms_p99": "x"})
    text = str(err.value)
    assert text.startswith("benchmark_slo: ")
    assert "unknown objective 'ttft_p99'" in text
    assert "itl_ms_p99 must be >= 0, got -2" in text
    assert "max_error_rate is a fraction within [0, 1], got 2" in text
    assert "request_latency_ms_p99 must be a number" in text
    assert "Allowed objectives: itl_ms_avg" in text and "ttft_ms_p99" in text
    assert slo.validate_slo({"ttft_ms_p99": 5}) == {"ttft_ms_p99": 5.0}


def test_error_rate_and_scalar_objectives():
    record = rec(8, 400.0, 900.0, rps=3.0, ok=90, errors=10)
    assert slo.error_rate(record) == pytest.approx(0.1)  # 10 / (90 + 10)
    violations = slo.evaluate_record(
        record,
        slo.validate_slo(
            {"max_error_rate": 0.05, "min_output_token_throughput_tps": 500, "min_request_throughput_rps": 2}
        ),
    )
    assert [(v["objective"], v["measured"]) for v in violations] == [
        ("max_error_rate", pytest.approx(0.1)),
        ("min_output_token_throughput_tps", 400.0),
    ]


def test_slo_gate_one_message_lists_every_violation():
    records = [
        rec(8, 400.0, 900.0, rps=3.0, ttft_p99=120.5, itl_p99=30.25),
        rec(16, 700.0, 1900.0, rps=5.0, ttft_p99=80.0, itl_p99=45.0),
    ]
    gate = slo.slo_gate(records, {"ttft_ms_p99": 100, "itl_ms_p99": 40, "request_latency_ms_p99": 2000})
    assert gate["passed"] is False and gate["evaluated"] == [8, 16]
    assert gate["message"] == (
        "SLO gate failed: 2 objective(s) violated at concurrency 8, 16: "
        "concurrency 8: ttft_ms_p99 = 120.50 ms, objective <= 100 ms; "
        "concurrency 16: itl_ms_p99 = 45 ms, objective <= 40 ms"
    )
    only_8 = slo.slo_gate(records, {"itl_ms_p99": 40}, concurrencies=[8])
    assert only_8["passed"] is True and only_8["evaluated"] == [8]
    assert only_8["message"] == "SLO met at concurrency 8: itl_ms_p99=40"
    with pytest.raises(BenchmarkReportError, match=r"benchmark_slo_concurrencies \[32\] were not swept"):
        slo.slo_gate(records, {"itl_ms_p99": 40}, concurrencies=[32])


def test_not_measured_metric_violates_and_non_streaming_warns():
    record = rec(10, 236.62, 9903.36, 1.91)  # seed 004: no streaming, no TTFT
    gate = slo.slo_gate([record], {"ttft_ms_p99": 500})
    assert gate["passed"] is False
    assert "concurrency 10: ttft_ms_p99 = not measured ms" in gate["message"]
    warnings = analysis.sweep_warnings([record])
    assert len(warnings) == 1 and "without streaming" in warnings[0] and "seed 004" in warnings[0]


def test_results_json_and_markdown_round_trip():
    records = [
        rec(8, 545.56, 2140.0, rps=4.03, ttft_p99=46.98, ttft_avg=32.75, avg=1971.0),
        rec(16, 904.34, 2580.0, rps=6.62, ttft_p99=67.93, ttft_avg=30.27, avg=2382.0),
    ]
    published = {
        "source": "scenarios.md: seed 000 §Results",
        "points": [{"concurrency": 8, "output_token_throughput_tps": 545.56, "request_latency_ms_avg": "1,971…"}],
    }
    results = analysis.build_results(
        list(reversed(records)), {"scenario": "triton_vllm"}, {"ttft_ms_p99": 50}, published
    )
    assert [r["concurrency"] for r in results["records"]] == [8, 16]
    text = analysis.to_json(results)
    assert json.loads(text)["headline"]["knee"]["steps"][0]["elasticity"] is not None
    assert analysis.to_json(results) == text  # stable bytes
    md = render.render_markdown(results)
    rows = parse_markdown_table(md, "Concurrency")
    assert [r["Output tok/s"] for r in rows] == ["545.56", "904.34"]
    assert [r["TTFT avg (ms)"] for r in rows] == ["32.75", "30.27"]
    assert [r["TTFT p99 (ms)"] for r in rows] == ["46.98", "67.93"]
    seed_rows = parse_markdown_table(md.split("## Published seed numbers")[1], "Concurrency")
    # the seed's "1,971…" is the number 1971, its truncation marked once (header mark + one note)
    assert seed_rows[0]["Seed tok/s"] == "545.56" and seed_rows[0]["Seed latency avg (ms)†"] == "1971"
    assert md.count("†") == 2
    assert "scenarios.md: seed 000 §Results" in md
    slo_rows = parse_markdown_table(md.split("## SLO")[1], "Concurrency")
    assert slo_rows == [
        {"Concurrency": "8", "ttft_ms_p99 ≤ 50 (ms)": "ok 46.98"},
        {"Concurrency": "16", "ttft_ms_p99 ≤ 50 (ms)": "FAIL 67.93"},
    ]
    with pytest.raises(BenchmarkReportError, match="no benchmark records"):
        analysis.build_results([], {}, {})


def test_plots_are_png():
    results = analysis.build_results(SEED_004, {"scenario": "vllm_karpenter"}, {})
    plots = render.render_plots(results)
    # seed 004 ran without streaming: no TTFT/ITL figure
    assert sorted(plots) == sorted(["throughput_vs_concurrency.png", "throughput_vs_p99_latency.png"])
    for data in plots.values():
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1024
    assert render.render_plots(results) == plots  # deterministic bytes => idempotent writes


def test_role_lists_the_same_objectives():
    with open(os.path.join(ROLE, "vars", "main.yml")) as handle:
        role_vars = yaml.safe_load(handle)
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert sorted(role_vars["__benchmark_slo_objectives"]) == sorted(slo.slo_objectives())
    assert sorted(spec["benchmark_slo"]["options"]) == sorted(slo.slo_objectives())
