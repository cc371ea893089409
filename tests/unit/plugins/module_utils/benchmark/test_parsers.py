"""Benchmark parsers against real tool outputs and their independently computed expected.json.

Expected values come from the shared fixtures (../shared/fixtures/bench, see FORMATS.md and each
case's README.md), never from this code's output. Error tests corrupt copies in tmp_path.
"""

import json
import os
import shutil

import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.discovery import FORMATS, parse_path
from ansible_collections.eks_llm.inference.plugins.module_utils.benchmark.errors import BenchmarkParseError

TOOLS = {"genai-perf", "aiperf", "llmperf", "vllm", "guidellm", "inference-perf"}
CSV_ROUNDING = 0.005 + 1e-9  # the CSV exports write two decimals


def _copy_case(case, dest):
    shutil.copytree(case, str(dest))
    for root, _dirs, files in os.walk(str(dest)):
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)  # the shared fixtures are read-only
    return str(dest)


def _case(fixtures, rel):
    return os.path.join(fixtures, rel)


def _load(path):
    with open(path) as handle:
        return json.load(handle)


def _dump(data, path):
    with open(path, "w") as handle:
        json.dump(data, handle)


def _raises(path, *needles, **kwargs):
    with pytest.raises(BenchmarkParseError) as info:
        parse_path(str(path), **kwargs)
    msg = info.value.msg
    assert str(path) in msg or (info.value.path and info.value.path in msg), msg
    for needle in needles:
        assert needle in msg, "%r not in %r" % (needle, msg)
    return info.value


# --- every fixture case ------------------------------------------------------------------------


def test_fixture_cases_are_found(bench_case_dirs, expected_for):
    assert bench_case_dirs, "no fixture case (directory with expected.json) found"
    tools = set(expected_for(case)["tool"] for case in bench_case_dirs)
    assert tools == TOOLS, "fixture cases cover %s, expected every supported tool %s" % (tools, TOOLS)
    assert set(FORMATS) == TOOLS


def test_case_directory_parses_to_expected(bench_case, expected_for, record_matches):
    result = parse_path(bench_case)
    assert len(result.records) == 1, result.sources
    record_matches(result.records[0], expected_for(bench_case))
    assert len(result.sources) == 1 and os.path.dirname(result.sources[0]) == bench_case.rstrip("/")


def test_case_run_file_with_named_format(bench_case, expected_for, record_matches):
    expected = expected_for(bench_case)
    run_file = parse_path(bench_case).sources[0]
    record_matches(parse_path(run_file, fmt=expected["tool"]).records[0], expected)
    record_matches(parse_path(run_file).records[0], expected)  # auto on a single file
    record_matches(parse_path(bench_case, fmt=expected["tool"]).records[0], expected)


def test_whole_fixture_tree_sorted_by_concurrency(bench_fixtures, bench_case_dirs):
    result = parse_path(bench_fixtures)
    assert len(result.records) == len(bench_case_dirs)
    known = [r["concurrency"] for r in result.records if r["concurrency"] is not None]
    assert known == sorted(known)
    nulls = [i for i, r in enumerate(result.records) if r["concurrency"] is None]
    assert nulls == list(range(len(known), len(result.records))), "unknown concurrency must sort last"


# --- CSV exports ---------------------------------------------------------------------------------


def _csv_cases(fixtures):
    found = []
    for tool in ("genai-perf", "aiperf"):
        for case in sorted(os.listdir(os.path.join(fixtures, tool))):
            name = "profile_export_%s.csv" % tool.replace("-", "_")
            if os.path.exists(os.path.join(fixtures, tool, case, name)):
                found.append((tool, case, name))
    return found


def test_csv_exports_match_expected_to_two_decimals(bench_fixtures, tmp_path, expected_for, record_matches):
    cases = _csv_cases(bench_fixtures)
    assert len(cases) >= 4
    for tool, case, name in cases:
        expected = expected_for(os.path.join(bench_fixtures, tool, case))
        # The CSV records no settings: concurrency comes from a genai-perf style artifact directory name.
        artifact_dir = tmp_path / ("%s-%s-openai-chat-concurrency%d" % (tool, case, expected["concurrency"]))
        artifact_dir.mkdir()
        shutil.copy(os.path.join(bench_fixtures, tool, case, name), str(artifact_dir / name))
        result = parse_path(str(artifact_dir))
        assert result.sources == [str(artifact_dir / name)]
        csv_expected = dict(expected, model=None, tool_version=None)
        record_matches(result.records[0], csv_expected, rel=0, abs_tol=CSV_ROUNDING, where="%s/%s" % (tool, case))


def test_csv_without_concurrency_directory_has_null_concurrency(bench_fixtures, tmp_path):
    shutil.copy(_case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.csv"), str(tmp_path))
    record = parse_path(str(tmp_path / "profile_export_genai_perf.csv")).records[0]
    assert record["concurrency"] is None and record["model"] is None


def test_csv_thousands_separator_and_na(bench_fixtures, tmp_path):
    src = _case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.csv")
    with open(src, newline="") as handle:
        text = handle.read()
    text = text.replace("Request Latency (ms),854.85,", 'Request Latency (ms),"1,234.56",')
    text = text.replace("Time To First Token (ms),68.29,", "Time To First Token (ms),N/A,")
    path = tmp_path / "profile_export_genai_perf.csv"
    path.write_bytes(text.encode())
    record = parse_path(str(path)).records[0]
    assert record["request_latency_ms"]["avg"] == pytest.approx(1234.56)
    assert record["ttft_ms"]["avg"] is None
    assert record["ttft_ms"]["p99"] == pytest.approx(79.43)


def test_json_preferred_over_csv_of_the_same_run(bench_fixtures):
    result = parse_path(_case(bench_fixtures, "aiperf/c8"))
    assert [os.path.basename(s) for s in result.sources] == ["profile_export_aiperf.json"]


# --- units and layouts -----------------------------------------------------------------------------


def test_genai_perf_nanosecond_units_are_converted(bench_fixtures, tmp_path, expected_for, record_matches):
    case = _case(bench_fixtures, "genai-perf/c16")
    data = _load(os.path.join(case, "profile_export_genai_perf.json"))
    for name in ("time_to_first_token", "inter_token_latency", "request_latency"):
        metric = data[name]
        assert metric["unit"] == "ms"
        metric["unit"] = "ns"
        for key, value in list(metric.items()):
            if key != "unit":
                metric[key] = value * 1e6
    _dump(data, str(tmp_path / "profile_export_genai_perf.json"))
    record_matches(parse_path(str(tmp_path)).records[0], expected_for(case))


@pytest.mark.parametrize(
    "rel, name, metric",
    [
        ("genai-perf/c4", "profile_export_genai_perf.json", "time_to_first_token"),
        ("genai-perf/c4", "profile_export_genai_perf.json", "request_throughput"),
        ("aiperf/c8", "profile_export_aiperf.json", "inter_token_latency"),
        ("aiperf/c8", "profile_export_aiperf.json", "output_token_throughput"),
    ],
)
def test_unknown_unit_is_an_error(bench_fixtures, tmp_path, rel, name, metric):
    data = _load(os.path.join(_case(bench_fixtures, rel), name))
    data[metric]["unit"] = "fortnights"
    path = tmp_path / name
    _dump(data, str(path))
    _raises(path, metric, "'fortnights'", "expected one of")


def test_unknown_unit_in_csv_is_an_error(bench_fixtures, tmp_path):
    src = _case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.csv")
    with open(src, newline="") as handle:
        text = handle.read().replace("Request Latency (ms)", "Request Latency (min)")
    path = tmp_path / "profile_export_genai_perf.csv"
    path.write_bytes(text.encode())
    _raises(path, "'min'", "Request Latency")


def test_unknown_genai_perf_layout_names_expected_layouts(bench_fixtures, tmp_path):
    data = _load(_case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.json"))
    data["input_config"] = {"settings": {"load": 4}}
    path = tmp_path / "profile_export_genai_perf.json"
    _dump(data, str(path))
    _raises(path, "0.0.16", "flat")


def test_genai_perf_without_input_config_is_an_error(bench_fixtures, tmp_path):
    data = _load(_case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.json"))
    del data["input_config"]
    path = tmp_path / "profile_export_genai_perf.json"
    _dump(data, str(path))
    _raises(path, "input_config", "0.0.16")


@pytest.mark.parametrize(
    "rel, name, fmt, mutate, needle",
    [
        ("guidellm/c4", "benchmarks.json", "guidellm", lambda d: d["metadata"].update(version=99), "schema version"),
        ("llmperf/fireworks-7b", "x_summary.json", "llmperf", lambda d: d.pop("num_concurrent_requests"), "2023-08-31"),
        ("vllm/c4", "shared-c4.json", "vllm", lambda d: d.pop("completed"), "completed"),
        ("aiperf/c8", "profile_export_aiperf.json", "aiperf", lambda d: d.pop("aiperf_version"), "aiperf 0.13"),
        (
            "inference-perf/vllm-stage0",
            "stage_0_lifecycle_metrics.json",
            "inference-perf",
            lambda d: d.pop("successes"),
            "successes",
        ),
    ],
)
def test_unknown_layout_is_an_error(bench_fixtures, tmp_path, rel, name, fmt, mutate, needle):
    case = _case(bench_fixtures, rel)
    source = [f for f in os.listdir(case) if f.endswith(".json") and f != "expected.json" and "individual" not in f]
    data = _load(os.path.join(case, source[0]))
    mutate(data)
    path = tmp_path / name
    _dump(data, str(path))
    _raises(path, needle, fmt=fmt)


def test_aiperf_export_read_as_genai_perf_says_which_format(bench_fixtures):
    path = _case(bench_fixtures, "aiperf/c8/profile_export_aiperf.json")
    _raises(path, "aiperf", fmt="genai-perf")


# --- truncated files ---------------------------------------------------------------------------------


def _run_files(fixtures):
    files = []
    for case in sorted(os.path.join(r) for r, _d, f in os.walk(fixtures) if "expected.json" in f):
        for name in sorted(os.listdir(case)):
            if name.endswith(".json") and name != "expected.json":
                files.append(os.path.join(case, name))
    return files


def test_truncated_json_is_an_error_naming_the_file(bench_fixtures, tmp_path):
    files = _run_files(bench_fixtures)
    assert len(files) >= 13
    for index, src in enumerate(files):
        case_copy = tmp_path / str(index)
        case_copy.mkdir()
        for name in os.listdir(os.path.dirname(src)):
            if name != "expected.json" and name != "README.md":
                shutil.copy(os.path.join(os.path.dirname(src), name), str(case_copy / name))
        target = case_copy / os.path.basename(src)
        with open(src, "rb") as handle:
            raw = handle.read()
        target.write_bytes(raw[: len(raw) // 2])
        error = _raises(target, "invalid JSON", "truncated")
        assert error.path == str(target)
        # the same error when the directory is searched
        with pytest.raises(BenchmarkParseError) as info:
            parse_path(str(case_copy))
        assert str(target) in info.value.msg


def test_truncated_csv_is_an_error(bench_fixtures, tmp_path):
    src = _case(bench_fixtures, "aiperf/c32/profile_export_aiperf.csv")
    with open(src, "rb") as handle:
        raw = handle.read()
    for cut in (len(raw) // 3, raw.index(b"Metric,Value") - 5):
        path = tmp_path / ("cut%d" % cut) / "profile_export_aiperf.csv"
        path.parent.mkdir()
        path.write_bytes(raw[:cut])
        _raises(path, "profile_export")


# --- paths ----------------------------------------------------------------------------------------------


def test_missing_path_is_an_error(tmp_path):
    _raises(tmp_path / "no-such-dir", "does not exist")


def test_empty_directory_is_an_error(tmp_path):
    _raises(tmp_path, "is empty")


def test_directory_without_results_is_an_error(tmp_path):
    (tmp_path / "llm_inputs.json").write_text('{"data": []}')
    (tmp_path / "plot.png").write_bytes(b"\x89PNG")
    _raises(tmp_path, "No benchmark results found", "profile_export_genai_perf")


def test_directory_of_other_tool_names_what_was_found(bench_fixtures):
    case = _case(bench_fixtures, "llmperf/bedrock-13b")
    _raises(case, "No genai-perf or aiperf results", "found llmperf output", allowed=("genai-perf", "aiperf"))


def test_undetectable_single_file_is_an_error(bench_fixtures):
    _raises(_case(bench_fixtures, "vllm/c4/expected.json"), "Cannot detect the format")


def test_unknown_format_name_is_an_error(bench_fixtures):
    _raises(bench_fixtures, "'locust'", "inference-perf", fmt="locust")


def test_several_runs_in_artifact_tree_sorted(bench_fixtures, tmp_path):
    for conc in (16, 4):
        _copy_case(_case(bench_fixtures, "genai-perf/c%d" % conc), tmp_path / "artifacts" / ("m-concurrency%d" % conc))
    result = parse_path(str(tmp_path / "artifacts"))
    assert [r["concurrency"] for r in result.records] == [4, 16]


# --- per-tool rules from FORMATS.md ----------------------------------------------------------------------


def test_genai_perf_without_streaming_reports_no_ttft(bench_fixtures, tmp_path):
    data = _load(_case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.json"))
    data["input_config"]["endpoint"]["streaming"] = False
    del data["inter_token_latency"]
    _dump(data, str(tmp_path / "profile_export_genai_perf.json"))
    result = parse_path(str(tmp_path))
    record = result.records[0]
    assert record["ttft_ms"] == {"avg": None, "p50": None, "p90": None, "p99": None}
    assert record["itl_ms"] == {"avg": None, "p50": None, "p90": None, "p99": None}
    assert record["request_latency_ms"]["avg"] == pytest.approx(data["request_latency"]["avg"])
    assert len(result.warnings) == 1 and "streaming" in result.warnings[0]


def test_genai_perf_csv_without_itl_row_reports_no_ttft(bench_fixtures, tmp_path):
    src = _case(bench_fixtures, "genai-perf/c4/profile_export_genai_perf.csv")
    with open(src, newline="") as handle:
        lines = [line for line in handle.read().split("\r\n") if not line.startswith("Inter Token Latency")]
    path = tmp_path / "profile_export_genai_perf.csv"
    path.write_bytes("\r\n".join(lines).encode())
    result = parse_path(str(path))
    assert result.records[0]["ttft_ms"]["avg"] is None and result.warnings


def test_llmperf_individual_responses_must_agree_with_summary(bench_fixtures, tmp_path):
    case = _copy_case(_case(bench_fixtures, "llmperf/bedrock-13b"), tmp_path / "run")
    individual = [os.path.join(case, f) for f in os.listdir(case) if f.endswith("_individual_responses.json")][0]
    responses = _load(individual)
    _dump(responses[:-1], individual)
    _raises(individual, "results_num_requests_started=150", "same run", fmt="llmperf")


def test_llmperf_individual_without_summary_is_an_error(bench_fixtures, tmp_path):
    case = _copy_case(_case(bench_fixtures, "llmperf/fireworks-7b"), tmp_path / "run")
    os.remove([os.path.join(case, f) for f in os.listdir(case) if f.endswith("_summary.json")][0])
    error = _raises(case, "without its summary")
    assert error.path.endswith("_individual_responses.json")


def test_llmperf_individual_file_resolves_its_summary(bench_fixtures, expected_for, record_matches):
    case = _case(bench_fixtures, "llmperf/bedrock-13b")
    individual = [os.path.join(case, f) for f in os.listdir(case) if f.endswith("_individual_responses.json")][0]
    record_matches(parse_path(individual).records[0], expected_for(case))


def test_aiperf_per_request_export_alone_is_an_error(bench_fixtures, tmp_path):
    shutil.copy(_case(bench_fixtures, "aiperf/c8/profile_export.jsonl"), str(tmp_path))
    _raises(tmp_path, "per-request export", "profile_export_aiperf.json")


def test_vllm_older_file_without_failed_counts_errors_from_num_prompts(bench_fixtures, tmp_path):
    data = _load(_case(bench_fixtures, "vllm/c4/shared-c4.json"))
    del data["failed"]
    data["num_prompts"] = data["completed"] + 3
    data.pop("max_concurrency")
    _dump(data, str(tmp_path / "vllm-inf-qps.json"))
    record = parse_path(str(tmp_path)).records[0]
    assert record["error_count"] == 3
    assert record["concurrency"] is None


def test_inference_perf_stages_preferred_over_summary(bench_fixtures, tmp_path):
    shutil.copy(_case(bench_fixtures, "inference-perf/vllm-stage0/stage_0_lifecycle_metrics.json"), str(tmp_path))
    shutil.copy(_case(bench_fixtures, "inference-perf/vllm-summary/summary_lifecycle_metrics.json"), str(tmp_path))
    result = parse_path(str(tmp_path))
    assert [os.path.basename(s) for s in result.sources] == ["stage_0_lifecycle_metrics.json"]
    assert len(result.warnings) == 1 and "summary_lifecycle_metrics.json" in result.warnings[0]


def test_guidellm_sweep_gives_one_record_per_benchmark(bench_fixtures, tmp_path):
    c4 = _load(_case(bench_fixtures, "guidellm/c4/benchmarks.json"))
    c16 = _load(_case(bench_fixtures, "guidellm/c16/benchmarks.json"))
    c4["benchmarks"] = c16["benchmarks"] + c4["benchmarks"]
    _dump(c4, str(tmp_path / "benchmarks.json"))
    result = parse_path(str(tmp_path))
    assert [r["concurrency"] for r in result.records] == [4, 16]


def test_genai_perf_without_streaming_setting_uses_itl_presence(bench_fixtures, tmp_path, expected_for, record_matches):
    case = _case(bench_fixtures, "genai-perf/flat-c100-streaming")
    data = _load(os.path.join(case, "profile_export_genai_perf.json"))
    del data["input_config"]["streaming"]
    _dump(data, str(tmp_path / "profile_export_genai_perf.json"))
    record_matches(parse_path(str(tmp_path)).records[0], expected_for(case))  # ITL written: streaming run
    del data["inter_token_latency"]
    _dump(data, str(tmp_path / "profile_export_genai_perf.json"))
    result = parse_path(str(tmp_path))
    assert result.records[0]["ttft_ms"]["p99"] is None and result.warnings


# --- per-request samples -----------------------------------------------------------------------------------


def _mean(values):
    return sum(values) / len(values)


@pytest.mark.parametrize("rel", ["aiperf/c8", "aiperf/c32", "llmperf/bedrock-13b", "llmperf/fireworks-7b"])
def test_per_request_samples_agree_with_the_tools_own_summary(bench_fixtures, expected_for, rel):
    """The tool computed its summary averages from these requests: counts and means must agree."""
    case = _case(bench_fixtures, rel)
    expected = expected_for(case)
    result = parse_path(case, per_request=True)
    assert len(result.per_request) == 1
    entry = result.per_request[0]
    assert entry["run"] == result.sources[0] and entry["concurrency"] == expected["concurrency"]
    samples = entry["samples"]
    ok = [s for s in samples if not s["error"]]
    assert len(ok) == expected["request_count"]
    assert len(samples) - len(ok) == expected["error_count"]
    for key in ("ttft_ms", "request_latency_ms"):
        assert _mean([s[key] for s in ok]) == pytest.approx(expected[key]["avg"], rel=1e-9), key
    if expected["tool"] == "aiperf":  # aiperf's ITL is per request; llmperf's includes the TTFT
        assert _mean([s["itl_ms"] for s in ok]) == pytest.approx(expected["itl_ms"]["avg"], rel=1e-9)
    assert set(samples[0]) == {"ttft_ms", "itl_ms", "request_latency_ms", "output_tokens", "error"}


def test_per_request_not_read_unless_asked_and_none_for_other_tools(bench_fixtures):
    assert parse_path(_case(bench_fixtures, "aiperf/c8")).per_request == []
    for rel in ("genai-perf/c4", "vllm/c4", "guidellm/c4", "inference-perf/vllm-stage0"):
        assert parse_path(_case(bench_fixtures, rel), per_request=True).per_request == [], rel


def test_aiperf_per_request_skips_warmup_and_converts_units(tmp_path, bench_fixtures):
    shutil.copy(_case(bench_fixtures, "aiperf/c8/profile_export_aiperf.json"), str(tmp_path))
    lines = [
        {"metadata": {"benchmark_phase": "warmup"}, "metrics": {"time_to_first_token": {"value": 99.0, "unit": "ms"}}},
        {
            "metadata": {"benchmark_phase": "profiling"},
            "metrics": {
                "time_to_first_token": {"value": 41000000, "unit": "ns"},
                "inter_token_latency": {"value": 12.5, "unit": "ms"},
                "request_latency": {"value": 0.42, "unit": "s"},
                "output_sequence_length": {"value": 32, "unit": "tokens"},
            },
        },
        {"metadata": {"benchmark_phase": "profiling"}, "metrics": {}, "error": {"code": 500, "message": "boom"}},
    ]
    (tmp_path / "profile_export.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    samples = parse_path(str(tmp_path), per_request=True).per_request[0]["samples"]
    assert samples == [
        {
            "ttft_ms": pytest.approx(41.0),
            "itl_ms": 12.5,
            "request_latency_ms": pytest.approx(420.0),
            "output_tokens": 32,
            "error": False,
        },
        {"ttft_ms": None, "itl_ms": None, "request_latency_ms": None, "output_tokens": None, "error": True},
    ]


@pytest.mark.parametrize(
    "line, needles",
    [
        ('{"metadata": {}, "metrics": {"request_latency": {"value": 1', ["line 2: invalid JSON", "truncated"]),
        ('{"metrics": {"request_latency": {"value": 1, "unit": "fortnights"}}}', ["line 2", "'fortnights'"]),
        ('{"metrics": [1]}', ["line 2 has no 'metrics' object"]),
        ("[1, 2]", ["line 2 is a JSON array, expected a JSON object"]),
    ],
)
def test_bad_aiperf_per_request_line_is_an_error(tmp_path, bench_fixtures, line, needles):
    shutil.copy(_case(bench_fixtures, "aiperf/c8/profile_export_aiperf.json"), str(tmp_path))
    with open(_case(bench_fixtures, "aiperf/c8/profile_export.jsonl")) as handle:
        first = handle.readline()
    (tmp_path / "profile_export.jsonl").write_text(first + line + "\n")
    with pytest.raises(BenchmarkParseError) as info:
        parse_path(str(tmp_path), per_request=True)
    assert str(tmp_path / "profile_export.jsonl") in info.value.msg
    for needle in needles:
        assert needle in info.value.msg


def test_aiperf_per_request_file_alone_reads_its_run(bench_fixtures, expected_for, record_matches):
    case = _case(bench_fixtures, "aiperf/c8")
    result = parse_path(os.path.join(case, "profile_export.jsonl"))
    assert result.sources == [os.path.join(case, "profile_export_aiperf.json")]
    record_matches(result.records[0], expected_for(case))


def test_aiperf_per_phase_copies_are_left_out(bench_fixtures, tmp_path, expected_for, record_matches):
    """aiperf writes <artifact dir>/phases/<phase>/profile_export_aiperf.{json,csv} next to the run's own export."""
    case = _case(bench_fixtures, "aiperf/c8")
    run = _copy_case(case, tmp_path / "artifacts" / "c8")
    for phase in ("warmup", "profiling"):
        os.makedirs(os.path.join(run, "phases", phase))
        for name in ("profile_export_aiperf.json", "profile_export_aiperf.csv"):
            shutil.copy(os.path.join(case, name), os.path.join(run, "phases", phase, name))
    result = parse_path(str(tmp_path / "artifacts"), fmt="aiperf", per_request=True)
    assert result.sources == [os.path.join(run, "profile_export_aiperf.json")]
    record_matches(result.records[0], expected_for(case))
    assert [e["source"] for e in result.per_request] == [os.path.join(run, "profile_export.jsonl")]
    # without the run's own export, a phase copy is an export like any other
    os.remove(os.path.join(run, "profile_export_aiperf.json"))
    os.remove(os.path.join(run, "profile_export_aiperf.csv"))
    os.remove(os.path.join(run, "profile_export.jsonl"))
    shutil.rmtree(os.path.join(run, "phases", "warmup"))
    result = parse_path(str(tmp_path / "artifacts"))
    assert result.sources == [os.path.join(run, "phases", "profiling", "profile_export_aiperf.json")]
