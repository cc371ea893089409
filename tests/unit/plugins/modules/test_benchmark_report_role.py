"""The benchmark role's static contract (the modules are in test_benchmark_report.py).

* meta/argument_specs.yml covers every default (and only those) and README's table matches it.
* The production Job manifests render (template -> YAML) with the seed 000 sweep and carry the
  seed's command, pinned image, ownership labels and the results volume.
"""

import os
import re

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

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
    assert required == ["benchmark_model", "benchmark_output_dir", "benchmark_target_url"]
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
    values = _render_vars(benchmark_sweep=SEED_000_SWEEP, benchmark_job_timeout=7200)  # seed 000 §benchmark
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
