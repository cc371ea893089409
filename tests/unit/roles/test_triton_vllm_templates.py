"""Render the triton_vllm templates with the role defaults + the scenario file and compare them with seed 000.

The role's defaults are generic; seed 000's values come in through group_vars/scenario_triton_vllm.yml,
loaded here as a play would load it (``scenario_vars``). Expected values are literals written from
/work/shared/specs/scenarios.md (seed 000 §triton_vllm, §Identity), not read from the role or the scenario
file; ``test_seed_literals_are_in_scenarios_md`` checks each literal against that text so a typo in this
file cannot make a test pass.
"""

import json
import os
import re

import pytest
import yaml

from tests.unit.roles.role_render import REPO_ROOT, RoleRenderer, trusted

SCENARIOS_MD = os.path.join(os.path.dirname(REPO_ROOT), "shared", "specs", "scenarios.md")
SCENARIO_FILE = os.path.join(REPO_ROOT, "group_vars", "scenario_triton_vllm.yml")
ALL_FILE = os.path.join(REPO_ROOT, "group_vars", "all.yml")
FAKE_TOKEN = "hf_unit_FAKE_token_0123456789"
CALLER = {"arn": "arn:aws:iam::123456789012:user/unit", "account": "123456789012"}

# Literals from scenarios.md seed 000 (each one must appear verbatim in that file).
SEED = {
    "image": "nvcr.io/nvidia/tritonserver:24.07-vllm-python-py3",
    "init_image": "docker.io/alpine:3.20.2",
    "namespace": "triton-server",
    "model": "facebook/opt-350m",
    "model_name": "opt350m",
    "metric": "nv_inference_queue_duration_ms",
    "hf_host_path": "/var/cache/huggingface",
    "hf_home": "/home/triton-server/.cache/huggingface",
    "probe_live": "/v2/health/live",
    "probe_ready": "/v2/health/ready",
    "secret_key": "HUGGING_FACE_TOKEN",
    "node_label": 'nvidia.com/gpu.present: "true"',
    "fs_policy": "fsGroupChangePolicy: OnRootMismatch",
    "model_json": '{"model": "facebook/opt-350m", "gpu_memory_utilization": 0.9, "disable_log_stats": true, '
    '"disable_log_requests": true, "enforce_eager": true}',
}


def scenario_vars(**overrides):
    """What a play of scenario triton_vllm sees: group_vars/all.yml (when present), the scenario file, and an
    inventory's collection-wide values (inventories/aws: cluster eks-llm in us-west-2)."""
    variables = {}
    if os.path.isfile(ALL_FILE):
        with open(ALL_FILE, encoding="utf-8") as handle:
            variables.update(yaml.safe_load(handle) or {})
    with open(SCENARIO_FILE, encoding="utf-8") as handle:
        variables.update(yaml.safe_load(handle))
    variables.update({"eks_llm_cluster_name": "eks-llm", "eks_llm_region": "us-west-2"})
    variables.setdefault("eks_llm_log_group", "/aws/eks/{{ eks_llm_cluster_name }}/workload")
    variables.update(overrides)
    return {k: trusted(v) for k, v in variables.items()}


@pytest.fixture(scope="module")
def role():
    return RoleRenderer("triton_vllm", scenario_vars(triton_vllm_hf_token=FAKE_TOKEN))


@pytest.fixture(scope="module")
def deployment(role):
    return role.template_yaml("deployment.yaml.j2")


@pytest.fixture(scope="module")
def server(deployment):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["triton-server"]  # the name of the Deployment
    return containers[0]


def test_seed_literals_are_in_scenarios_md():
    assert os.path.isfile(SCENARIOS_MD), "the seed fact sheet is missing: %s (../shared beside the clone)" % SCENARIOS_MD
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        text = handle.read()
    missing = [key for key, literal in SEED.items() if literal not in text]
    assert not missing, missing


def test_every_object_carries_the_ownership_labels(role):
    for name in (
        "namespace.yaml.j2",
        "hf_secret.yaml.j2",
        "serviceaccount.yaml.j2",
        "service.yaml.j2",
        "deployment.yaml.j2",
        "daemonset_prefetch.yaml.j2",
        "hpa.yaml.j2",
    ):
        obj = role.template_yaml(name)
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "eks_llm.inference", name
        assert labels["app.kubernetes.io/part-of"] == "triton_vllm", name
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == SEED["namespace"], name
        pod_labels = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels")
        if pod_labels is not None:
            assert pod_labels["app.kubernetes.io/managed-by"] == "eks_llm.inference", name


def test_part_of_follows_the_scenario_variable():
    other = RoleRenderer("triton_vllm", scenario_vars(eks_llm_scenario="other_scenario", triton_vllm_hf_token="x"))
    assert other.template_yaml("hpa.yaml.j2")["metadata"]["labels"]["app.kubernetes.io/part-of"] == "other_scenario"


def test_hpa_matches_seed(role):
    hpa = role.template_yaml("hpa.yaml.j2")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "triton-server"}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 4)
    assert spec["metrics"] == [
        {
            "type": "Pods",
            "pods": {"metric": {"name": SEED["metric"]}, "target": {"type": "AverageValue", "averageValue": 10}},
        }
    ]
    assert spec["behavior"] == {
        "scaleDown": {
            "stabilizationWindowSeconds": 120,
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 10}],
        },
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 5}],
        },
    }


def test_deployment_leaves_replicas_to_the_hpa(deployment):
    assert "replicas" not in deployment["spec"]


def test_server_image_command_and_region(role, server):
    assert server["image"] == SEED["image"]
    script = server["command"][2]
    assert server["command"][:2] == ["/bin/sh", "-c"]
    bucket = role.var("triton_vllm_model_bucket")
    assert (
        "exec tritonserver --model-repository=s3://%s/model_repository --disable-auto-complete-config" % bucket
        in script
    )
    # Pod Identity credentials fetched by hand (scenarios.md: seed 000 §Pitfalls).
    assert "$AWS_CONTAINER_CREDENTIALS_FULL_URI" in script and "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in script
    assert script.startswith("set -e\n")
    env = {item["name"]: item["value"] for item in server["env"]}
    assert env["AWS_DEFAULT_REGION"] == role.var("triton_vllm_region") == "us-west-2"
    assert env["HF_HOME"] == SEED["hf_home"]
    assert server["envFrom"] == [{"secretRef": {"name": "huggingface"}}]


def test_region_follows_the_collection_variable():
    other = RoleRenderer("triton_vllm", scenario_vars(eks_llm_region="eu-central-1", triton_vllm_hf_token="x"))
    env = {
        e["name"]: e["value"]
        for e in other.template_yaml("deployment.yaml.j2")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["AWS_DEFAULT_REGION"] == "eu-central-1"


def test_shim_can_be_disabled():
    other = RoleRenderer(
        "triton_vllm", scenario_vars(triton_vllm_pod_identity_credential_shim=False, triton_vllm_hf_token="x")
    )
    script = other.var("__triton_vllm_server_script")
    assert "curl" not in script and script.startswith("set -e\nexec tritonserver --model-repository=s3://")


def test_server_ports_probes_resources(server):
    assert [(p["name"], p["containerPort"]) for p in server["ports"]] == [
        ("http", 8000),
        ("grpc", 8001),
        ("metrics", 8002),
    ]
    for probe, path, failures in (
        ("startupProbe", SEED["probe_live"], 24),
        ("livenessProbe", SEED["probe_live"], 6),
        ("readinessProbe", SEED["probe_ready"], 6),
    ):
        assert server[probe] == {
            "httpGet": {"path": path, "port": 8000},
            "timeoutSeconds": 1,
            "periodSeconds": 5,
            "successThreshold": 1,
            "failureThreshold": failures,
        }, probe
    expected = {"cpu": "3", "memory": "12Gi", "ephemeral-storage": "1Gi", "nvidia.com/gpu": 1}
    assert server["resources"] == {"requests": expected, "limits": expected}
    assert server["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    }


def test_pod_placement_security_and_volumes(deployment):
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "runAsGroup": 1000,
        "fsGroup": 1000,
        "fsGroupChangePolicy": "OnRootMismatch",
    }
    assert pod["serviceAccountName"] == "triton-server"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["huggingface"]["hostPath"] == {"path": SEED["hf_host_path"], "type": "DirectoryOrCreate"}
    assert volumes["shm"]["emptyDir"] == {"medium": "Memory"}
    init = pod["initContainers"][0]
    assert init["image"] == SEED["init_image"]
    assert init["securityContext"]["runAsUser"] == 0
    assert {e["name"]: e["value"] for e in init["env"]} == {"uid": "1000", "gid": "1000", "dir": SEED["hf_home"]}
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts == {
        "config": "/home/triton-server/.config",
        "huggingface": SEED["hf_home"],
        "shm": "/dev/shm",
        "tmp": "/tmp",
    }


def test_prefetch_daemonset(role, deployment):
    ds = role.template_yaml("daemonset_prefetch.yaml.j2")
    assert ds["kind"] == "DaemonSet" and ds["metadata"]["name"] == "prefetch"
    pod = ds["spec"]["template"]["spec"]
    server_pod = deployment["spec"]["template"]["spec"]
    for key in ("nodeSelector", "tolerations", "securityContext"):
        assert pod[key] == server_pod[key], key
    assert pod["containers"][0]["image"] == SEED["image"]
    assert pod["containers"][0]["command"] == ["/bin/sh", "-c", "while true; do sleep 3600; done"]
    # Its selector must not overlap the server's, or the Service would route to it.
    server_sel = deployment["spec"]["selector"]["matchLabels"]
    assert ds["spec"]["selector"]["matchLabels"] != server_sel
    assert (
        ds["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
        != server_sel["app.kubernetes.io/component"]
    )


def test_service(role, deployment):
    svc = role.template_yaml("service.yaml.j2")
    assert svc["metadata"]["name"] == "triton-server"
    assert [(p["name"], p["port"]) for p in svc["spec"]["ports"]] == [("http", 8000), ("grpc", 8001), ("metrics", 8002)]
    selector = svc["spec"]["selector"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels.get(k) == v for k, v in selector.items())


def test_secret_carries_the_token_and_nothing_else(role):
    import base64

    secret = role.template_yaml("hf_secret.yaml.j2")
    assert secret["metadata"]["name"] == "huggingface"
    assert set(secret["data"]) == {SEED["secret_key"], "HF_TOKEN"}
    assert {base64.b64decode(v).decode() for v in secret["data"].values()} == {FAKE_TOKEN}


def test_token_appears_only_in_the_secret(role):
    for name in os.listdir(os.path.join(role.role_dir, "templates")):
        if name == "hf_secret.yaml.j2":
            continue
        text = role.template_text(name)
        assert FAKE_TOKEN not in text, name


def test_model_repository_files(role):
    assert json.loads(role.template_text("model.json.j2")) == json.loads(SEED["model_json"])
    pbtxt = role.template_text("config.pbtxt.j2")
    for fact in (
        'backend: "vllm"',
        "kind: KIND_GPU",
        "count: 1",
        "decoupled: True",
        "max_batch_size: 0",
    ):
        assert fact in pbtxt, fact
    inputs = re.findall(r'name: "(\w+)"\s+data_type: (\w+)\s+dims: \[ (-?\d+) \]', pbtxt)
    assert inputs == [
        ("text_input", "TYPE_STRING", "1"),
        ("stream", "TYPE_BOOL", "1"),
        ("sampling_parameters", "TYPE_STRING", "1"),
        ("exclude_input_in_output", "TYPE_BOOL", "1"),
        ("text_output", "TYPE_STRING", "-1"),
    ]
    keys = [o["key"] for o in role.var("__triton_vllm_model_objects")]
    assert keys == ["model_repository/opt350m/config.pbtxt", "model_repository/opt350m/1/model.json"]


def test_iam_documents_are_least_privilege(role):
    policy = json.loads(role.template_text("s3_read_policy.json.j2"))
    bucket = role.var("triton_vllm_model_bucket")
    grants = sorted((s["Action"], s["Resource"]) for s in policy["Statement"])
    assert grants == [
        ("s3:GetObject", "arn:aws:s3:::%s/*" % bucket),
        ("s3:ListBucket", "arn:aws:s3:::%s" % bucket),
    ]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    trust = role.var("__triton_vllm_trust_policy")
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "pods.eks.amazonaws.com"}]
    assert sorted(trust["Statement"][0]["Action"]) == ["sts:AssumeRole", "sts:TagSession"]


def test_wait_diagnosis_names_pods_and_events(role):
    pods = {
        "resources": [
            {
                "metadata": {"name": "triton-server-abc"},
                "spec": {},
                "status": {
                    "phase": "Pending",
                    "conditions": [
                        {
                            "type": "PodScheduled",
                            "status": "False",
                            "reason": "Unschedulable",
                            "message": "0/6 nodes are available: 4 Insufficient nvidia.com/gpu.",
                        }
                    ],
                },
            }
        ]
    }
    events = {
        "resources": [
            {
                "metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"},
                "involvedObject": {"kind": "Pod", "name": "triton-server-abc"},
                "type": "Warning",
                "reason": "FailedScheduling",
                "message": "0/6 nodes are available",
            }
        ]
    }
    extra = {
        "triton_vllm_hf_token": "x",
        "ansible_failed_result": {"msg": "Resource creation timed out"},
        "__triton_vllm_diag_pods": pods,
        "__triton_vllm_diag_events": events,
    }
    diag = RoleRenderer("triton_vllm", scenario_vars(**extra))
    text = diag.template_text("wait_diagnosis.txt.j2")
    assert "triton-server-abc: phase=Pending node=<unscheduled>" in text
    assert "Insufficient nvidia.com/gpu" in text
    assert "Pod/triton-server-abc Warning FailedScheduling" in text
    assert "Resource creation timed out" in text


def test_manifests_are_single_yaml_documents(role):
    for name in os.listdir(os.path.join(role.role_dir, "templates")):
        if name.endswith(".yaml.j2") and name != "objects.yaml.j2":
            docs = [d for d in yaml.safe_load_all(role.template_text(name)) if d is not None]
            assert len(docs) == 1, name


def _objects(renderer):
    return [d for d in yaml.safe_load_all(renderer.template_text("objects.yaml.j2")) if d is not None]


def test_one_apply_renders_every_object_but_the_secret(role):
    kinds = [(o["kind"], o["metadata"]["name"]) for o in _objects(role)]
    assert kinds == [
        ("Namespace", SEED["namespace"]),
        ("ServiceAccount", "triton-server"),
        ("Service", "triton-server"),
        ("Deployment", "triton-server"),
        ("DaemonSet", "prefetch"),
        ("HorizontalPodAutoscaler", "triton-server"),
    ]
    assert role.var("__triton_vllm_disabled_objects") == []


def test_switched_off_objects_leave_the_apply_and_are_deleted():
    other = RoleRenderer(
        "triton_vllm", scenario_vars(triton_vllm_prefetch_enabled=False, triton_vllm_hpa_enabled=False, triton_vllm_hf_token="x")
    )
    assert [o["kind"] for o in _objects(other)] == ["Namespace", "ServiceAccount", "Service", "Deployment"]
    assert [o["kind"] for o in other.var("__triton_vllm_disabled_objects")] == ["DaemonSet", "HorizontalPodAutoscaler"]
    assert [o["kind"] for o in other.var("__triton_vllm_readback")] == ["Deployment"]


def test_defaults_alone_carry_no_seed_value():
    """Role defaults are generic: seed 000's literals come only from the scenario file."""
    with open(os.path.join(REPO_ROOT, "roles", "triton_vllm", "defaults", "main.yml"), encoding="utf-8") as handle:
        text = handle.read()
    for key in ("image", "init_image", "model", "model_name", "namespace"):
        assert SEED[key] not in text, key


def test_benchmark_follows_the_serving_role(role):
    """The benchmark's model and in-cluster target are derived from triton_vllm's settings (seed 000 §benchmark:
    --model opt350m --url triton-server.triton-server.svc:8001)."""
    variables = scenario_vars()
    templar = RoleRenderer("triton_vllm", variables)
    assert templar.var("benchmark_model") == SEED["model_name"]
    assert templar.var("benchmark_target_url") == "triton-server.triton-server.svc:8001"
    moved = RoleRenderer("triton_vllm", scenario_vars(triton_vllm_name="srv", triton_vllm_namespace="ns", triton_vllm_model_name="m"))
    assert (moved.var("benchmark_model"), moved.var("benchmark_target_url")) == ("m", "srv.ns.svc:8001")


def test_input_errors_name_the_variable():
    bad = RoleRenderer(
        "triton_vllm",
        scenario_vars(triton_vllm_image="nvcr.io/nvidia/tritonserver:latest", triton_vllm_hf_token="", eks_llm_model_bucket="Bad_Bucket"),
    )
    errors = " ".join(bad.var("__triton_vllm_input_errors"))
    for name in ("triton_vllm_image", "triton_vllm_hf_token", "triton_vllm_model_bucket"):
        assert name in errors, name
    assert RoleRenderer("triton_vllm", scenario_vars(triton_vllm_hf_token="x")).var("__triton_vllm_input_errors") == []
