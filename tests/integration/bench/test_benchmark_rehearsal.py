"""Benchmark truth: the benchmark role in rehearsal mode measures what the simulator was told to do.

aiperf (a real client) runs against the inference simulator (a TEST DOUBLE whose TTFT and ITL are
configured), through ansible-playbook and eks_llm.inference.benchmark. Expected values come from the
simulator's settings and from results.json, never from the code under test.
"""

import json
import os
import re
import shutil

import pytest

from tests.integration.bench.conftest import SIM_SETTINGS
from tests.support.markdown import parse_markdown_table
from tests.support.playbook import run_playbook

pytestmark = [pytest.mark.bench, pytest.mark.slow]

PLAYBOOK = "tests/integration/bench/playbooks/rehearsal.yml"
CONCURRENCY = [2, 4, 8]  # all below max_batch 16: throughput should follow concurrency
PER_CONCURRENCY = 10  # requests per point = 10 x concurrency
PASSING_SLO = {"ttft_ms_p99": 1000, "itl_ms_p99": 100, "max_error_rate": 0.0}


def rehearsal_vars(simulator, output_dir, **extra):
    base = {
        "benchmark_mode": "rehearsal",
        "benchmark_scenario": "bench_test",
        "benchmark_model": SIM_SETTINGS["model"],
        "benchmark_target_url": simulator.url,
        "benchmark_output_dir": output_dir,
        "benchmark_sweep": {
            "concurrency": CONCURRENCY,
            "input_tokens_mean": 16,
            "input_tokens_stddev": 0,
            "output_tokens_mean": 32,
            "output_tokens_stddev": 0,
            "streaming": True,
            "endpoint_type": "chat",
        },
        "benchmark_request_count_per_concurrency": PER_CONCURRENCY,
        "benchmark_warmup_requests_per_concurrency": 1,
        "benchmark_slo": PASSING_SLO,
    }
    base.update(extra)
    return base


@pytest.fixture(scope="module")
def rehearsal(simulator, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("bench") / "run")
    result = run_playbook(PLAYBOOK, extra_vars=rehearsal_vars(simulator, out), timeout=900)
    print(result.stdout[-2500:])
    assert result.returncode == 0, result.output[-6000:]
    with open(os.path.join(out, "results.json")) as handle:
        results = json.load(handle)
    print(
        "[stand-in] measured against the inference simulator (test double): "
        + "; ".join(
            "c=%s ttft_avg=%.2f ms itl_avg=%.2f ms tok/s=%.1f"
            % (r["concurrency"], r["ttft_ms"]["avg"], r["itl_ms"]["avg"], r["output_token_throughput_tps"])
            for r in results["records"]
        )
    )
    server_ttft = _server_mean(simulator.metrics(), "vllm:time_to_first_token_seconds")
    print("[stand-in] simulator-side mean TTFT over all requests (incl. warm-up): %.2f ms" % (server_ttft * 1000))
    return {"result": result, "dir": out, "results": results}


def _server_mean(metrics_text, histogram):
    total = float(re.search(r"^%s_sum\{[^}]*\} (\S+)$" % re.escape(histogram), metrics_text, re.M).group(1))
    count = float(re.search(r"^%s_count\{[^}]*\} (\S+)$" % re.escape(histogram), metrics_text, re.M).group(1))
    return total / count


def _within(measured, configured):
    """The simulator never answers sooner than configured (jitter 1 ms): a hard lower bound. The client's own
    overhead on a loaded 2-core machine only adds time: a generous upper bound that still catches a wrong unit
    or field (TTFT 40 ms read as ITL 12 ms, seconds read as ms)."""
    return configured - 0.03 * configured - 1.0 <= measured <= 1.25 * configured + 5.0


def test_sweep_covers_every_concurrency_without_warmup(rehearsal):
    records = rehearsal["results"]["records"]
    assert [r["concurrency"] for r in records] == CONCURRENCY
    for record in records:
        # warm-up requests (1 x concurrency) are sent but must not be counted
        assert record["request_count"] == PER_CONCURRENCY * record["concurrency"]
        assert record["error_count"] == 0
        assert record["output_tokens"]["avg"] == pytest.approx(32)  # the rehearsal tokenizer counts words exactly
    meta = rehearsal["results"]["metadata"]
    assert meta["server_is_simulator"] is True and meta["tool"] == "aiperf" and meta["mode"] == "rehearsal"
    assert meta["started_at"] <= meta["finished_at"]


def test_measured_ttft_and_itl_match_the_simulator(rehearsal):
    for record in rehearsal["results"]["records"]:
        ttft, itl = record["ttft_ms"]["avg"], record["itl_ms"]["avg"]
        assert _within(ttft, SIM_SETTINGS["ttft_ms"]), "c=%s: TTFT avg %.2f ms vs configured %s ms" % (
            record["concurrency"],
            ttft,
            SIM_SETTINGS["ttft_ms"],
        )
        assert _within(itl, SIM_SETTINGS["itl_ms"]), "c=%s: ITL avg %.2f ms vs configured %s ms" % (
            record["concurrency"],
            itl,
            SIM_SETTINGS["itl_ms"],
        )


def test_throughput_follows_concurrency_below_max_batch(rehearsal):
    tps = dict((r["concurrency"], r["output_token_throughput_tps"]) for r in rehearsal["results"]["records"])
    for low, high in zip(CONCURRENCY, CONCURRENCY[1:]):
        ratio = tps[high] / tps[low]
        # Hard above: with fixed simulated latencies and free batch slots, doubling the concurrency can at most
        # double the tokens/s (2.2 leaves room for the sweep's window edges). Generous below: on a loaded 2-core
        # machine the client's own overhead grows with concurrency, but tokens/s must still clearly grow.
        assert 1.3 <= ratio <= 2.2, "tokens/s c=%s -> c=%s ratio %.2f" % (low, high, ratio)


def test_report_and_plots(rehearsal):
    out, results = rehearsal["dir"], rehearsal["results"]
    for name in ("throughput_vs_concurrency.png", "ttft_itl_vs_concurrency.png", "throughput_vs_p99_latency.png"):
        path = os.path.join(out, name)
        with open(path, "rb") as handle:
            data = handle.read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert len(data) > 1024, name
    with open(os.path.join(out, "report.md")) as handle:
        report = handle.read()
    rows = parse_markdown_table(report, "Concurrency")
    assert [int(r["Concurrency"]) for r in rows] == CONCURRENCY
    for row, record in zip(rows, results["records"]):
        assert float(row["Output tok/s"]) == pytest.approx(record["output_token_throughput_tps"], abs=0.006)
        assert float(row["Req/s"]) == pytest.approx(record["request_throughput_rps"], abs=0.006)
        assert float(row["TTFT avg (ms)"]) == pytest.approx(record["ttft_ms"]["avg"], abs=0.006)
        assert float(row["TTFT p99 (ms)"]) == pytest.approx(record["ttft_ms"]["p99"], abs=0.006)
        assert float(row["ITL avg (ms)"]) == pytest.approx(record["itl_ms"]["avg"], abs=0.006)
        assert float(row["Latency p99 (ms)"]) == pytest.approx(record["request_latency_ms"]["p99"], abs=0.006)
        assert int(row["Requests (count)"]) == record["request_count"]
    head = results["headline"]
    assert head["knee"]["concurrency"] in CONCURRENCY
    peak = max(results["records"], key=lambda r: r["output_token_throughput_tps"])
    assert head["peak_concurrency"] == peak["concurrency"]
    assert "TEST DOUBLE" in report


def test_slo_gate_passes(rehearsal):
    result, results = rehearsal["result"], rehearsal["results"]
    assert "SLO met at concurrency 2, 4, 8" in result.stdout
    head = results["headline"]
    assert head["max_concurrency_meeting_slo"] == CONCURRENCY[-1]
    assert head["goodput_source"] == "per-request"
    top = results["records"][-1]
    # every request met the generous SLO: goodput equals the request rate of that point
    assert head["goodput_rps"] == pytest.approx(top["request_throughput_rps"], rel=1e-6)


def test_slo_gate_fails_naming_each_violation(rehearsal, simulator, tmp_path):
    out = str(tmp_path / "rerun")
    shutil.copytree(os.path.join(rehearsal["dir"], "artifacts"), os.path.join(out, "artifacts"))
    strict = {"ttft_ms_avg": 1, "itl_ms_p99": 2, "max_error_rate": 0.5}
    result = run_playbook(
        PLAYBOOK,
        extra_vars=rehearsal_vars(simulator, out, benchmark_slo=strict, benchmark_slo_concurrencies=[4]),
        args=["--tags", "benchmark_preflight,benchmark_report,benchmark_slo"],
        timeout=300,
    )
    assert result.returncode != 0
    record = [r for r in rehearsal["results"]["records"] if r["concurrency"] == 4][0]
    messages = re.findall(r"^\s*msg: (.*SLO gate failed.*)$", result.stdout, re.M)
    assert len(messages) == 1, result.stdout[-3000:]
    text = " ".join(result.stdout.split())  # the YAML callback folds long lines
    assert "2 objective(s) violated" in text
    assert "concurrency 4: ttft_ms_avg = %.2f ms, objective <= 1 ms" % record["ttft_ms"]["avg"] in text
    assert "concurrency 4: itl_ms_p99 = %.2f ms, objective <= 2 ms" % record["itl_ms"]["p99"] in text
    assert "max_error_rate" not in text.split("SLO gate failed")[1].split("PLAY RECAP")[0]
    assert result.total("failed") == 1
