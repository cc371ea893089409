"""The benchmark_report and benchmark_slo_check modules run through main().

Check mode writes nothing, a re-run is not changed, the SLO is validated once and its verdict
returned, the gate fails with one message. Expected values are worked out by hand in the comments.
"""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eks_llm.inference.plugins.modules import benchmark_report, benchmark_slo_check
from tests.support.module_exits import ExitJson, FailJson, patch_module_exits


@pytest.fixture
def module_exits(monkeypatch):
    patch_module_exits(monkeypatch)


RECORDS = [
    {
        "tool": "aiperf",
        "tool_version": "0.13.0",
        "model": "m",
        "concurrency": c,
        "request_count": 8 * c,
        "error_count": 0,
        "request_throughput_rps": 2.4 * c,
        "output_token_throughput_tps": 75.0 * c,
        "ttft_ms": {"avg": 40.0 + c, "p50": 40.0, "p90": 41.0, "p99": 42.0 + c},
        "itl_ms": {"avg": 12.0, "p50": 12.0, "p90": 12.1, "p99": 12.5},
        "request_latency_ms": {"avg": 412.0, "p50": 410.0, "p90": 420.0, "p99": 430.0 + c},
        "input_tokens": {"avg": 16.0},
        "output_tokens": {"avg": 32.0},
    }
    for c in (2, 4, 8)
]


def _run(module, args):
    with patch_module_args(args):
        try:
            module.main()
        except (ExitJson, FailJson) as exc:
            return exc.__class__, exc.args[0]
    raise AssertionError("module did not exit")


def test_report_module_check_mode_then_write_then_unchanged(tmp_path, module_exits):
    args = {
        "records": RECORDS,
        "output_dir": str(tmp_path / "out"),
        "metadata": {"scenario": "unit"},
        "slo": {"ttft_ms_p99": 48},
    }
    kind, result = _run(benchmark_report, dict(args, _ansible_check_mode=True))
    assert kind is ExitJson and result["changed"] is True and not (tmp_path / "out").exists()
    kind, result = _run(benchmark_report, args)
    assert kind is ExitJson and result["changed"] is True
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        [
            "results.json",
            "report.md",
            "throughput_vs_concurrency.png",
            "ttft_itl_vs_concurrency.png",
            "throughput_vs_p99_latency.png",
        ]
    )
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["headline"]["max_concurrency_meeting_slo"] == 4  # p99 TTFT 44, 46 <= 48 < 50
    assert result["headline"]["max_concurrency_meeting_slo"] == 4
    kind, again = _run(benchmark_report, args)
    assert kind is ExitJson and again["changed"] is False and again["changed_files"] == []


def test_report_module_rejects_unknown_objective(tmp_path, module_exits):
    kind, result = _run(benchmark_report, {"records": RECORDS, "output_dir": str(tmp_path), "slo": {"ttft_p99": 1}})
    assert (
        kind is FailJson and "unknown objective 'ttft_p99'" in result["msg"] and "Allowed objectives" in result["msg"]
    )


def test_slo_check_module_both_ways(module_exits):
    kind, result = _run(benchmark_slo_check, {"records": RECORDS, "slo": {"ttft_ms_p99": 100, "itl_ms_avg": 13}})
    assert kind is ExitJson and result["passed"] is True and result["changed"] is False
    kind, result = _run(
        benchmark_slo_check, {"records": RECORDS, "slo": {"ttft_ms_p99": 45, "itl_ms_p99": 12}, "concurrencies": [4, 8]}
    )
    assert kind is FailJson
    assert result["msg"] == (
        # p99 TTFT = 42 + c: 46 at c=4 and 50 at c=8, both above 45; p99 ITL 12.5 > 12 at both
        "SLO gate failed: 4 objective(s) violated at concurrency 4, 8: "
        "concurrency 4: itl_ms_p99 = 12.50 ms, objective <= 12 ms; "
        "concurrency 4: ttft_ms_p99 = 46 ms, objective <= 45 ms; "
        "concurrency 8: itl_ms_p99 = 12.50 ms, objective <= 12 ms; "
        "concurrency 8: ttft_ms_p99 = 50 ms, objective <= 45 ms"
    )


def test_report_module_checks_the_slo_once_and_returns_the_gate(tmp_path, module_exits, monkeypatch):
    # the namespaces of the module_utils the module itself runs (another test may have re-imported the collection)
    analysis = benchmark_report.build_results.__globals__
    slo = analysis["evaluate_record"].__globals__

    calls = []
    real = slo["validate_slo"]

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setitem(slo, "validate_slo", counting)
    monkeypatch.setitem(analysis, "validate_slo", counting)
    args = {
        "records": RECORDS,
        "output_dir": str(tmp_path),
        "slo": {"ttft_ms_p99": 45, "itl_ms_p99": 12.5},
        "slo_concurrencies": [2, 4],
        "plots": False,
    }
    kind, result = _run(benchmark_report, args)
    assert kind is ExitJson and len(calls) == 1
    # p99 TTFT = 42 + c: 44 at c=2 (ok), 46 at c=4 (> 45); p99 ITL 12.5 <= 12.5 everywhere
    assert result["slo_gate"] == {
        "passed": False,
        "evaluated": [2, 4],
        "violations": [
            {
                "concurrency": 4,
                "objective": "ttft_ms_p99",
                "limit": 45.0,
                "measured": 46.0,
                "unit": "ms",
                "reason": "46 > 45",
            }
        ],
        "message": "SLO gate failed: 1 objective(s) violated at concurrency 2, 4: "
        "concurrency 4: ttft_ms_p99 = 46 ms, objective <= 45 ms",
    }
    kind, result = _run(benchmark_report, dict(args, slo_concurrencies=[2]))
    assert result["slo_gate"]["passed"] is True
    assert result["slo_gate"]["message"] == "SLO met at concurrency 2: itl_ms_p99=12.50, ttft_ms_p99=45"
    kind, result = _run(benchmark_report, dict(args, slo_concurrencies=[16]))
    assert kind is FailJson and "benchmark_slo_concurrencies [16] were not swept" in result["msg"]


def test_report_module_fails_when_a_sweep_point_has_no_result(tmp_path, module_exits):
    args = {"records": RECORDS[:2], "output_dir": str(tmp_path / "out"), "concurrencies": [2, 4, 8]}
    kind, result = _run(benchmark_report, args)
    assert kind is FailJson
    assert "records for concurrency [2, 4], expected one for each of [2, 4, 8]" in result["msg"]
    assert not (tmp_path / "out").exists()
    kind, result = _run(benchmark_report, dict(args, records=RECORDS, plots=False))
    assert kind is ExitJson


def test_report_module_counts_goodput_from_per_request_samples(tmp_path, module_exits):
    good = {"ttft_ms": 40.0, "itl_ms": 12.0, "request_latency_ms": 400.0, "output_tokens": 32.0, "error": False}
    samples = [good] * 60 + [dict(good, ttft_ms=60.0)] * 4  # c=8: 64 requests, 4 above ttft 50
    per_request = [
        {"concurrency": 8, "run": "/a/c8/x.json", "source": "/a/c8/profile_export.jsonl", "samples": samples}
    ]
    args = {
        "records": RECORDS,
        "output_dir": str(tmp_path),
        "slo": {"ttft_ms_avg": 50},
        "per_request": per_request,
        "plots": False,
    }
    kind, result = _run(benchmark_report, args)
    head = result["headline"]
    # c=8 meets ttft avg 48 <= 50; duration = 64 requests / 19.2 rps = 3.333 s; 60 good requests => 18 req/s
    assert head["max_concurrency_meeting_slo"] == 8 and head["goodput_source"] == "per-request"
    assert head["goodput_rps"] == pytest.approx(18.0)
    kind, result = _run(benchmark_report, dict(args, per_request=per_request * 2))
    assert kind is FailJson and "two runs at concurrency 8" in result["msg"]


def test_report_module_prices_the_serving_nodes(tmp_path, module_exits):
    # 2 x g5.8xlarge at $2.448/h (AWS on-demand list price, us-east-1) = $4.896/h.
    # c=4: 75 * 4 = 300 tok/s -> 1,080,000 tok/h -> 4.896 / 1.08 = $4.5333 per million output tokens.
    # SLO ttft p99 <= 48: p99 TTFT 44 (c=2), 46 (c=4) pass, 50 (c=8) fails -> the headline cost is c=4's.
    args = {
        "records": RECORDS,
        "output_dir": str(tmp_path),
        "slo": {"ttft_ms_p99": 48},
        "serving_nodes": [{"instance_type": "g5.8xlarge", "count": 2}],
    }
    kind, result = _run(benchmark_report, args)
    assert kind is ExitJson
    cost = result["results"]["cost"]
    assert cost["usd_per_hour"] == pytest.approx(4.896)
    assert cost["at_max_concurrency_meeting_slo"]["concurrency"] == 4
    assert cost["at_max_concurrency_meeting_slo"]["usd_per_million_output_tokens"] == pytest.approx(4.5333, abs=1e-4)
    report = (tmp_path / "report.md").read_text()
    assert "2 \u00d7 g5.8xlarge at $2.448/h = **$4.896 per hour**" in report
    assert json.loads((tmp_path / "results.json").read_text())["cost"]["usd_per_hour"] == pytest.approx(4.896)
    kind, result = _run(benchmark_report, dict(args, serving_nodes=[{"instance_type": "x9.huge", "count": 1}]))
    assert kind is FailJson and "Failed to price the serving nodes" in result["msg"] and "x9.huge" in result["msg"]


def test_report_module_drops_the_ttft_figure_of_a_non_streaming_run(tmp_path, module_exits):
    out = tmp_path / "out"
    _run(benchmark_report, {"records": RECORDS, "output_dir": str(out)})
    assert (out / "ttft_itl_vs_concurrency.png").exists()
    flat = [dict(r, ttft_ms={"avg": None, "p50": None, "p90": None, "p99": None},
                 itl_ms={"avg": None, "p50": None, "p90": None, "p99": None}) for r in RECORDS]
    kind, result = _run(benchmark_report, {"records": flat, "output_dir": str(out), "_ansible_check_mode": True})
    assert kind is ExitJson and str(out / "ttft_itl_vs_concurrency.png") in result["changed_files"]
    assert (out / "ttft_itl_vs_concurrency.png").exists()  # check mode removes nothing
    kind, result = _run(benchmark_report, {"records": flat, "output_dir": str(out)})
    assert kind is ExitJson and result["changed"] is True
    assert not (out / "ttft_itl_vs_concurrency.png").exists()
    assert "ttft_itl_vs_concurrency.png" not in (out / "report.md").read_text()
    kind, again = _run(benchmark_report, {"records": flat, "output_dir": str(out)})
    assert again["changed"] is False


def test_report_module_draws_replicas_when_given(tmp_path, module_exits):
    replicas = [{"concurrency": 2, "replicas": 1}, {"concurrency": 4, "replicas": 1}, {"concurrency": 8, "replicas": 2}]
    kind, result = _run(benchmark_report, {"records": RECORDS, "output_dir": str(tmp_path), "replicas": replicas})
    assert kind is ExitJson
    assert [r["replicas"] for r in result["results"]["records"]] == [1, 1, 2]
    assert (tmp_path / "replicas_vs_concurrency.png").exists()
    kind, result = _run(
        benchmark_report,
        {"records": RECORDS, "output_dir": str(tmp_path), "replicas": [{"concurrency": 3, "replicas": 1}]},
    )
    assert kind is FailJson and "replicas names concurrencies [3]" in result["msg"]
