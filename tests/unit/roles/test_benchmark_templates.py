"""Render the benchmark role's production Job with the role defaults + scenario triton_vllm and compare it with seed 000.

The role's defaults are generic; seed 000's Job comes in through group_vars/scenario_triton_vllm.yml, loaded here as a
play loads it. Expected values are literals written from /work/shared/specs/scenarios.md (seed 000 §benchmark), not
read from the role or the scenario file; ``test_seed_literals_are_in_scenarios_md`` checks each one against that
text, so a typo here cannot make a test pass.
"""

import os
import shlex

import pytest
import yaml

from tests.unit.roles.role_render import ROLES_DIR, RoleRenderer
from tests.unit.roles.test_triton_vllm_templates import SCENARIOS_MD, scenario_vars

# Literals from scenarios.md seed 000 §benchmark (each must appear verbatim in that file).
SEED = {
    "job": "Job `triton-client` in namespace `triton-client`",
    "name": "triton-client",
    "containers": "initContainer `test`, then container `perf`",
    "perf_image": "nvcr.io/nvidia/tritonserver:24.07-py3-sdk",
    "test_image": "`test` image `python:3.10`",
    "pip": "pip --no-cache-dir install numpy tritonclient[grpc]",
    "client_url": "https://raw.githubusercontent.com/triton-inference-server/vllm_backend/"
    "f064eed5af8baeff4d9f7679d8dc64eefe0e0229/samples/client.py",
    "client_args": "--model opt350m --url triton-server.triton-server.svc:8001 --input-prompts prompts.txt --verbose",
    "prompts_cm": "ConfigMap `triton-client-prompts` mounted at `/workspace/prompts.txt` (subPath)",
    "limits": "limits `cpu: 1`, `memory: 1Gi`; `allowPrivilegeEscalation: false`; drop ALL",
    "backoff": "`backoffLimit: 0`",
    "genai_perf": "genai-perf --model opt350m --backend vllm --service-kind triton --streaming "
    "--url triton-server.triton-server.svc:8001 --num-prompts 100 --random-seed 1 --synthetic-input-tokens-mean 128 "
    "--synthetic-input-tokens-stddev 0 --output-tokens-mean 128 --concurrency N --measurement-interval 30000",
    "cat": "profile_export_genai_perf.csv",
}


def test_seed_literals_are_in_scenarios_md():
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        text = handle.read()
    missing = [key for key, literal in SEED.items() if literal not in text]
    assert not missing, missing


def _render(**overrides):
    variables = scenario_vars(**overrides)
    variables.setdefault("benchmark_output_dir", "/tmp/unused")
    # as in a play: templates named in the role's vars are found in the role's templates/
    variables["ansible_search_path"] = [os.path.join(ROLES_DIR, "benchmark")]
    role = RoleRenderer("benchmark", variables)
    return role, role.template_yaml("job.yaml.j2")


@pytest.fixture(scope="module")
def seed_job():
    return _render()


def _pod(job):
    return job["spec"]["template"]["spec"]


def test_job_name_namespace_and_backoff(seed_job):
    _role, job = seed_job
    assert job["metadata"]["name"] == SEED["name"]
    assert job["metadata"]["namespace"] == SEED["name"]
    assert job["spec"]["backoffLimit"] == 0
    assert _pod(job)["restartPolicy"] == "Never"


def test_init_container_test_then_perf(seed_job):
    _role, job = seed_job
    pod = _pod(job)
    assert [c["name"] for c in pod["initContainers"]] == ["test"]
    assert [c["name"] for c in pod["containers"]] == ["perf"]
    assert pod["containers"][0]["image"] == SEED["perf_image"]
    # python:3.10 fully qualified: the same image on Docker Hub.
    assert pod["initContainers"][0]["image"] in ("python:3.10", "docker.io/library/python:3.10")


@pytest.mark.parametrize("index", ["initContainers", "containers"])
def test_limits_and_security_of_both_containers(seed_job, index):
    _role, job = seed_job
    container = _pod(job)[index][0]
    # Kubernetes quantities: "1" CPU and "1Gi" memory (limits only, as the seed; requests default to the limits)
    assert container["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_test_step_runs_the_pinned_client_against_the_prompts(seed_job):
    role, job = seed_job
    pod = _pod(job)
    test = pod["initContainers"][0]
    env = {e["name"]: e["value"] for e in test["env"]}
    assert env["client_py"] == SEED["client_url"]
    script = test["command"][2]
    assert test["command"][:2] == ["/bin/sh", "-c"]
    # pip line: the seed's packages
    pip = [line for line in script.splitlines() if line.startswith("pip ")]
    assert shlex.split(pip[0]) == shlex.split(SEED["pip"])
    # the client line, with the environment expanded, has the seed's arguments
    run = [line for line in script.splitlines() if line.startswith("python client.py")][0]
    argv = shlex.split(run.split(">", 1)[0])
    expanded = [env.get(a[1:], a) if a.startswith("$") else a for a in argv[2:]]
    assert expanded == shlex.split(SEED["client_args"])
    assert 'curl -fsSL "$client_py" -o client.py' in script
    # prompts: ConfigMap triton-client-prompts at /workspace/prompts.txt (subPath)
    mounts = {m["mountPath"]: m for m in test["volumeMounts"]}
    prompts = mounts["/workspace/prompts.txt"]
    assert prompts["subPath"] == "prompts.txt" and prompts.get("readOnly") is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[prompts["name"]]["configMap"]["name"] == "triton-client-prompts"
    assert test["workingDir"] == "/workspace"
    cm = role.template_yaml("prompts_configmap.yaml.j2")
    assert cm["metadata"]["name"] == "triton-client-prompts"
    assert cm["metadata"]["namespace"] == SEED["name"]
    assert cm["data"]["prompts.txt"].endswith("\n") and len(cm["data"]["prompts.txt"].splitlines()) >= 1


def test_the_prepared_objects_include_the_prompts_configmap():
    role, _job = _render()
    names = role.var("__benchmark_object_templates")
    assert "prompts_configmap.yaml.j2" in names
    docs = [d for d in yaml.safe_load_all(role.template_text("objects.yaml.j2")) if d]
    assert {(d["kind"], d["metadata"]["name"]) for d in docs} == {
        ("Namespace", "triton-client"),
        ("ConfigMap", "triton-client-script"),
        ("ConfigMap", "triton-client-prompts"),
        ("PersistentVolumeClaim", "triton-client-results"),
    }


def test_perf_script_runs_the_seed_genai_perf_command_per_concurrency():
    role, _job = _render()
    script = role.var("__benchmark_script")
    lines = [line.strip().rstrip("\\").strip() for line in script.splitlines()]
    start = lines.index("genai-perf")  # 24.07 (genai-perf 0.0.4): no `profile` subcommand, as the seed's command
    command = []
    for line in lines[start:]:
        command.extend(shlex.split(line.split("||", 1)[0]))
        if "||" in line:
            break
    seed = shlex.split(SEED["genai_perf"])

    def options(argv):
        out, key = {}, None
        for arg in argv[1:]:
            if arg.startswith("--") or arg == "-m":
                key = "--model" if arg == "-m" else arg
                out[key] = True
            elif key:
                out[key] = arg
                key = None
        return out

    ours, theirs = options(command), options(seed)
    # the departures the README names: --artifact-dir on the results volume, shell variables per point
    assert ours.pop("--artifact-dir") == "${out}"
    assert ours["--concurrency"] == "${c}" and ours["--num-prompts"] == "${requests}"
    theirs["--concurrency"], theirs["--num-prompts"] = "${c}", "${requests}"
    assert ours == theirs
    assert "for c in 8 16 32 64 128; do" in script
    assert "requests=100" in script
    assert 'cat "${out}/' + SEED["cat"] + '"' in script


def test_defaults_are_generic_without_the_test_step():
    """Without the scenario file the Job has no initContainer and uses the default resources."""
    role = RoleRenderer(
        "benchmark",
        {
            "benchmark_model": "m",
            "benchmark_target_url": "http://x:1",
            "benchmark_output_dir": "/tmp/unused",
            "ansible_search_path": [os.path.join(ROLES_DIR, "benchmark")],
        },
    )
    job = role.template_yaml("job.yaml.j2")
    pod = _pod(job)
    assert "initContainers" not in pod
    assert [c["name"] for c in pod["containers"]] == ["perf"]
    assert {v["name"] for v in pod["volumes"]} == {"script", "results"}
    assert "prompts_configmap.yaml.j2" not in role.var("__benchmark_object_templates")


def test_input_errors_name_a_missing_test_setting():
    role, _job = _render(benchmark_test_client_url="", benchmark_test_image="python:latest")
    errors = role.var("__benchmark_input_errors")
    assert any("benchmark_test_enabled needs a pinned benchmark_test_image" in e for e in errors), errors
    role, _job = _render()
    assert role.var("__benchmark_input_errors") == []


def test_scenario_file_exists():
    assert os.path.isfile(os.path.join(os.path.dirname(SCENARIOS_MD), "scenarios.md"))
