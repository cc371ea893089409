"""The benchmark role's static contract and the benchmark_report / benchmark_slo_check modules.

* meta/argument_specs.yml covers every default (and only those) and README's table matches it.
* The production Job manifests render (template -> YAML) with the seed 000 sweep and carry the
  seed's command, pinned image, ownership labels and the results volume.
* The modules: check mode writes nothing, a re-run is not changed, the gate fails with one message.
"""

import json
import os
import re

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ansible_collections.eks_llm.inference.plugins.modules import benchmark_report, benchmark_slo_check

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
)
ROLE = os.path.join(REPO_ROOT, "roles", "benchmark")


def _yaml(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def test_argument_specs_cover_every_default():
    defaults = _yaml("defaults", "main.yml")
    options = _yaml("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    required = sorted(k for k, v in options.items() if v.get("required"))
    assert required == ["benchmark_output_dir"]
    assert sorted(defaults) == sorted(k for k in options if k not in required)
    for key, value in defaults.items():
        assert options[key].get("default") == value, key
        assert "required" not in options[key] or not options[key]["required"]


def test_readme_table_matches_argument_specs():
    options = _yaml("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    with open(os.path.join(ROLE, "README.md")) as handle:
        readme = handle.read()
    assert "| Variable | Required | Default | Description |" in readme
    names = re.findall(r"^\| `([a-z_]+)` \| (yes|no) \|", readme, re.M)
    assert sorted(name for name, _required in names) == sorted(options)
    for name, req in names:
        assert (req == "yes") == bool(options[name].get("required")), name


# -- production manifests ------------------------------------------------------------------------
def _ansible_env():
    from ansible.plugins.filter.core import FilterModule

    env = Environment(
        loader=FileSystemLoader(os.path.join(ROLE, "templates")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(FilterModule().filters())
    return env


def _render_vars(**overrides):
    defaults = _yaml("defaults", "main.yml")
    role_vars = _yaml("vars", "main.yml")
    values = dict(defaults)
    values.update(
        benchmark_scenario="triton_vllm",
        benchmark_job_name="benchmark-triton-vllm",
        benchmark_namespace="triton-client",
        benchmark_part_of="triton_vllm",
        benchmark_model="opt350m",
        benchmark_target_url="triton-server.triton-server.svc:8001",
        benchmark_tool="genai-perf",
    )
    values.update(overrides)
    sweep = dict(role_vars["__benchmark_sweep_defaults"])
    sweep.update(values.pop("benchmark_sweep"))
    values.update(role_vars)
    values["__benchmark_sweep"] = sweep
    values["__benchmark_labels"] = {
        "app.kubernetes.io/name": "benchmark",
        "app.kubernetes.io/instance": values["benchmark_job_name"],
        "app.kubernetes.io/managed-by": "eks_llm.inference",
        "app.kubernetes.io/part-of": values["benchmark_part_of"],
    }
    return values


SEED_000_SWEEP = {  # scenarios.md: seed 000 §benchmark
    "concurrency": [8, 16, 32, 64, 128],
    "input_tokens_mean": 128,
    "input_tokens_stddev": 0,
    "output_tokens_mean": 128,
    "output_tokens_stddev": 0,
    "streaming": True,
    "request_count": 100,
    "random_seed": 1,
    "service_kind": "triton",
    "backend": "vllm",
    "measurement_interval_ms": 30000,
}


def test_job_manifest_renders_the_seed_000_sweep():
    env = _ansible_env()
    values = _render_vars(benchmark_sweep=SEED_000_SWEEP)
    values["__benchmark_script"] = env.get_template("run_benchmark.sh.j2").render(**values)
    job = yaml.safe_load(env.get_template("job.yaml.j2").render(**values))
    cm = yaml.safe_load(env.get_template("configmap.yaml.j2").render(**values))
    pvc = yaml.safe_load(env.get_template("pvc.yaml.j2").render(**values))
    reader = yaml.safe_load(env.get_template("reader_pod.yaml.j2").render(**values))

    assert job["kind"] == "Job" and job["metadata"]["name"] == "benchmark-triton-vllm"
    assert job["metadata"]["namespace"] == "triton-client"
    assert job["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "eks_llm.inference"
    assert job["metadata"]["labels"]["app.kubernetes.io/part-of"] == "triton_vllm"
    spec = job["spec"]
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] == 7200
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = pod["containers"][0]
    assert container["image"] == "nvcr.io/nvidia/tritonserver:24.12-py3-sdk"
    assert container["command"] == ["/bin/bash", "/scripts/run_benchmark.sh"]
    assert container["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "4", "memory": "8Gi"},
    }
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    mounts = dict((m["name"], m["mountPath"]) for m in container["volumeMounts"])
    assert mounts == {"script": "/scripts", "results": "/results"}
    volumes = dict((v["name"], v) for v in pod["volumes"])
    assert (
        volumes["results"]["persistentVolumeClaim"]["claimName"]
        == pvc["metadata"]["name"]
        == "benchmark-triton-vllm-results"
    )
    assert volumes["script"]["configMap"]["name"] == cm["metadata"]["name"]
    assert reader["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi" and "storageClassName" not in pvc["spec"]

    script = cm["data"]["run_benchmark.sh"]
    assert "for c in 8 16 32 64 128; do" in script
    command = " ".join(script.split("genai-perf profile", 1)[1].split("|| status")[0].replace("\\\n", " ").split())
    # the seed's command (scenarios.md: seed 000 §benchmark), with the 24.12 `profile` subcommand
    for flag in (
        "-m opt350m",
        "--service-kind triton",
        "--backend vllm",
        "--url triton-server.triton-server.svc:8001",
        "--streaming",
        '--num-prompts "${requests}"',
        "--random-seed 1",
        "--synthetic-input-tokens-mean 128",
        "--synthetic-input-tokens-stddev 0",
        "--output-tokens-mean 128",
        "--measurement-interval 30000",
        '--concurrency "${c}"',
        '--artifact-dir "${out}"',
    ):
        assert flag in command, flag
    assert "requests=100" in script and "--endpoint-type" not in command


def test_job_script_for_seed_002_llmperf_and_004_non_streaming():
    env = _ansible_env()
    llmperf = _render_vars(
        benchmark_tool="llmperf",
        benchmark_model="NousResearch/Llama-2-13b-chat-hf",
        benchmark_target_url="http://localhost:8000",
        benchmark_sweep={
            "concurrency": [22],
            "input_tokens_mean": 3072,
            "input_tokens_stddev": 200,
            "output_tokens_mean": 512,
            "output_tokens_stddev": 20,
            "request_count_per_concurrency": 8,
            "timeout": 1800,
        },
    )
    script = env.get_template("run_benchmark.sh.j2").render(**llmperf)
    assert "requests=$(( c * 8 ))" in script  # 22 x 8 = 176 (scenarios.md: seed 002 §benchmark)
    for flag in (
        "--mean-input-tokens 3072",
        "--stddev-input-tokens 200",
        "--mean-output-tokens 512",
        "--stddev-output-tokens 20",
        "--timeout 1800",
        '--num-concurrent-requests "${c}"',
        "--llm-api openai",
        "OPENAI_API_BASE=http://localhost:8000/v1",
    ):
        assert flag in script, flag
    genai = _render_vars(
        benchmark_model="openai/gpt-oss-20b",
        benchmark_target_url="http://llm-gpu.llm.svc.cluster.local:8000",
        benchmark_sweep={
            "concurrency": [10, 20, 40, 80, 120, 200],
            "input_tokens_mean": 200,
            "input_tokens_stddev": 20,
            "output_tokens_mean": 100,
            "output_tokens_stddev": 10,
            "streaming": False,
            "request_count_per_concurrency": 5,
            "endpoint_type": "completions",
            "service_kind": "openai",
            "tokenizer": "hf-internal-testing/llama-tokenizer",
        },
    )
    script = env.get_template("run_benchmark.sh.j2").render(**genai)
    assert "--streaming" not in script and "--service-kind openai" in script and "--endpoint-type completions" in script
    assert "--output-tokens-stddev 10" in script and "--tokenizer hf-internal-testing/llama-tokenizer" in script


# -- modules ------------------------------------------------------------------------------------
class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture
def module_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    from ansible.module_utils import basic

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


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
