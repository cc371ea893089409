"""Bad input to the benchmark role fails before anything runs, naming the variable and what is allowed.

No server is needed: the target URL points nowhere, and the checks must stop the play before any
request or any file is made.
"""

import os

import pytest

from tests.support.playbook import run_playbook

pytestmark = [pytest.mark.bench]

PLAYBOOK = "tests/integration/bench/playbooks/rehearsal.yml"
GOOD_SWEEP = {"concurrency": [1, 2], "input_tokens_mean": 16, "output_tokens_mean": 8}


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"benchmark_tool": "locust"}, ["benchmark_tool", "genai-perf", "llmperf", "aiperf"]),
        ({"benchmark_mode": "staging"}, ["benchmark_mode", "production", "rehearsal"]),
        (
            {"benchmark_sweep": dict(GOOD_SWEEP, concurrency=[])},
            ["benchmark_sweep.concurrency must be a non-empty list of distinct integers >= 1", "got []"],
        ),
        ({"benchmark_sweep": dict(GOOD_SWEEP, concurrency=[4, 0])}, ["benchmark_sweep.concurrency", "got [4, 0]"]),
        (
            {"benchmark_sweep": dict(GOOD_SWEEP, input_tokens_mean=-5)},
            ["benchmark_sweep token counts", "input_tokens_mean >= 1", "got input -5"],
        ),
        (
            {"benchmark_sweep": dict(GOOD_SWEEP, output_tokens_stddev=-1)},
            ["benchmark_sweep token counts", "output 8 ± -1"],
        ),
        ({"benchmark_slo": {"ttft_p99": 100}}, ["benchmark_slo", "ttft_p99"]),
        ({"benchmark_slo": {"itl_ms_p99": -3}}, ["benchmark_slo", "number >= 0", '"itl_ms_p99": -3']),
        (
            {"benchmark_slo_concurrencies": [64]},
            ["benchmark_slo_concurrencies [64] are not in benchmark_sweep.concurrency [1, 2]"],
        ),
        (
            # production with the test step on but its client unset: refused before any Kubernetes call
            {
                "benchmark_mode": "production",
                "benchmark_tool": "aiperf",
                "benchmark_kubeconfig": "/nonexistent/kubeconfig",
                "benchmark_test_enabled": True,
                "benchmark_test_image": "python:latest",
                "benchmark_test_prompts": ["Hello"],
            },
            ["benchmark_test_enabled needs a pinned benchmark_test_image", "got 'python:latest'", "benchmark_test_client_url"],
        ),
    ],
)
def test_bad_input_fails_before_anything_runs(tmp_path, overrides, expected):
    out = str(tmp_path / "out")
    extra = {
        "benchmark_mode": "rehearsal",
        "benchmark_model": "m",
        "benchmark_target_url": "http://127.0.0.1:9",
        "benchmark_output_dir": out,
        "benchmark_sweep": GOOD_SWEEP,
    }
    extra.update(overrides)
    result = run_playbook(PLAYBOOK, extra_vars=extra, timeout=300)
    assert result.returncode != 0
    text = " ".join(result.output.split())
    for fragment in expected:
        assert fragment in text, (fragment, result.output[-3000:])
    assert "Ask the target which models it serves" not in result.stdout  # stopped in preflight
    assert not os.path.exists(out)
