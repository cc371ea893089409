"""benchmark_facts, genai_perf_facts and llmperf_facts run through main().

Arguments go in with ansible.module_utils.testing.patch_module_args; exit_json/fail_json are
patched to raise so the result can be inspected. Expected facts are the fixtures' expected.json.
"""

import os
import shutil

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eks_llm.inference.plugins.modules import benchmark_facts, genai_perf_facts, llmperf_facts


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture(autouse=True)
def module_calls(monkeypatch):
    """Capture exit/fail/warn of every AnsibleModule built in a test."""
    warnings = []

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise FailJson(kwargs)

    monkeypatch.setattr(AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, warning: warnings.append(warning))
    return warnings


def run_ok(module, args):
    with patch_module_args(args):
        with pytest.raises(ExitJson) as info:
            module.main()
    return info.value.args[0]


def run_fail(module, args):
    with patch_module_args(args):
        with pytest.raises(FailJson) as info:
            module.main()
    return info.value.args[0]


def _expected_by_source(result, expected_for):
    """The expected.json of the case directory each record came from."""
    return [expected_for(os.path.dirname(source)) for source in result["sources"]]


def test_benchmark_facts_reads_every_fixture_case(bench_fixtures, bench_case_dirs, expected_for, record_matches):
    result = run_ok(benchmark_facts, {"path": bench_fixtures})
    assert result["changed"] is False
    assert list(result["ansible_facts"]) == ["benchmark_results"]
    records = result["ansible_facts"]["benchmark_results"]
    assert len(records) == len(bench_case_dirs) == len(result["sources"])
    for record, expected in zip(records, _expected_by_source(result, expected_for)):
        record_matches(record, expected)
    assert sorted(os.path.dirname(s) for s in result["sources"]) == sorted(c.rstrip("/") for c in bench_case_dirs)


def test_benchmark_facts_returns_per_request_samples_of_each_run(bench_fixtures, expected_for):
    result = run_ok(benchmark_facts, {"path": bench_fixtures})
    entries = result["per_request"]
    # the fixtures' runs with per-request files: aiperf (profile_export.jsonl) and llmperf (individual responses)
    assert sorted(os.path.relpath(os.path.dirname(e["source"]), bench_fixtures) for e in entries) == [
        "aiperf/c32",
        "aiperf/c8",
        "llmperf/bedrock-13b",
        "llmperf/fireworks-7b",
    ]
    for entry in entries:
        expected = expected_for(os.path.dirname(entry["source"]))
        assert entry["run"] in result["sources"] and entry["concurrency"] == expected["concurrency"]
        assert len(entry["samples"]) == expected["request_count"] + expected["error_count"]
    assert run_ok(benchmark_facts, {"path": bench_fixtures, "per_request": False})["per_request"] == []
    thin = run_ok(llmperf_facts, {"path": bench_fixtures})["per_request"]
    assert [e["source"] for e in thin] == [e["source"] for e in entries if "/llmperf/" in e["source"]]


def test_benchmark_facts_check_mode_gives_the_same_facts(bench_fixtures):
    normal = run_ok(benchmark_facts, {"path": bench_fixtures})
    checked = run_ok(benchmark_facts, {"path": bench_fixtures, "_ansible_check_mode": True})
    assert checked["ansible_facts"] == normal["ansible_facts"]
    assert checked["changed"] is False


@pytest.mark.parametrize("fmt", ["genai-perf", "aiperf", "llmperf", "vllm", "guidellm", "inference-perf"])
def test_benchmark_facts_named_format_reads_only_that_tool(bench_fixtures, fmt):
    result = run_ok(benchmark_facts, {"path": bench_fixtures, "format": fmt})
    tools = [r["tool"] for r in result["ansible_facts"]["benchmark_results"]]
    assert tools == [fmt] * len(os.listdir(os.path.join(bench_fixtures, fmt)))


def test_genai_perf_facts_reads_genai_perf_and_aiperf(bench_fixtures, expected_for, record_matches):
    result = run_ok(genai_perf_facts, {"path": bench_fixtures})
    records = result["ansible_facts"]["benchmark_results"]
    assert sorted(set(r["tool"] for r in records)) == ["aiperf", "genai-perf"]
    assert len(records) == len(os.listdir(os.path.join(bench_fixtures, "genai-perf"))) + len(
        os.listdir(os.path.join(bench_fixtures, "aiperf"))
    )
    for record, expected in zip(records, _expected_by_source(result, expected_for)):
        record_matches(record, expected)
    assert [r["concurrency"] for r in records] == sorted(r["concurrency"] for r in records)


def test_llmperf_facts_reads_llmperf_only(bench_fixtures, expected_for, record_matches):
    result = run_ok(llmperf_facts, {"path": bench_fixtures})
    records = result["ansible_facts"]["benchmark_results"]
    assert [r["tool"] for r in records] == ["llmperf"] * len(os.listdir(os.path.join(bench_fixtures, "llmperf")))
    for record, expected in zip(records, _expected_by_source(result, expected_for)):
        record_matches(record, expected)


def test_missing_path_fails_naming_it(tmp_path):
    missing = str(tmp_path / "artifacts")
    result = run_fail(benchmark_facts, {"path": missing})
    assert missing in result["msg"] and "does not exist" in result["msg"]
    assert "path" not in result  # a "path" key makes Ansible add file attributes to the failure


def test_empty_directory_fails(tmp_path):
    result = run_fail(genai_perf_facts, {"path": str(tmp_path)})
    assert str(tmp_path) in result["msg"] and "empty" in result["msg"]


def test_truncated_export_fails_naming_the_file(bench_fixtures, tmp_path):
    src = os.path.join(bench_fixtures, "genai-perf", "c4", "profile_export_genai_perf.json")
    target = tmp_path / "profile_export_genai_perf.json"
    with open(src, "rb") as handle:
        target.write_bytes(handle.read()[:700])
    result = run_fail(genai_perf_facts, {"path": str(tmp_path)})
    assert str(target) in result["msg"] and "invalid JSON" in result["msg"]
    assert "Traceback" in result["exception"]


def test_llmperf_facts_on_genai_perf_results_fails(bench_fixtures):
    path = os.path.join(bench_fixtures, "genai-perf")
    result = run_fail(llmperf_facts, {"path": path})
    assert path in result["msg"] and "No llmperf results" in result["msg"] and "genai-perf" in result["msg"]


def test_invalid_format_choice_is_rejected(bench_fixtures):
    result = run_fail(benchmark_facts, {"path": bench_fixtures, "format": "locust"})
    assert "format" in result["msg"] and "locust" in result["msg"]


def test_path_is_required():
    result = run_fail(llmperf_facts, {})
    assert "path" in result["msg"]


def test_warnings_reach_the_module(bench_fixtures, tmp_path, module_calls):
    for rel in ("vllm-stage0/stage_0_lifecycle_metrics.json", "vllm-summary/summary_lifecycle_metrics.json"):
        shutil.copy(os.path.join(bench_fixtures, "inference-perf", rel), str(tmp_path))
    result = run_ok(benchmark_facts, {"path": str(tmp_path), "format": "inference-perf"})
    assert len(result["ansible_facts"]["benchmark_results"]) == 1
    assert len(module_calls) == 1 and "summary_lifecycle_metrics.json" in module_calls[0]
