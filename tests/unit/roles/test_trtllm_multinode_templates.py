"""Render the trtllm_multinode templates with the role defaults + the scenario file and compare them with seeds 001/003.

The role's defaults are generic; the seeds' values come in through group_vars/scenario_trtllm_multinode.yml, loaded
here as a play would load it. Expected values are literals written from /work/shared/specs/scenarios.md (seeds 001 +
003 §lws, §trtllm_multinode, §monitoring), not read from the role or the scenario file;
``test_seed_literals_are_in_scenarios_md`` checks each literal against that text. Numbers that the seeds give as
prose (GPUs per node, the group size 8 / 4 = 2) are written out by hand.
"""

import importlib.util
import os
import re
import sys

import pytest
import yaml

from tests.unit.roles.role_render import REPO_ROOT, RoleRenderer, trusted

SCENARIOS_MD = os.path.join(os.path.dirname(REPO_ROOT), "shared", "specs", "scenarios.md")
SCENARIO_FILE = os.path.join(REPO_ROOT, "group_vars", "scenario_trtllm_multinode.yml")
LAUNCHER = os.path.join(REPO_ROOT, "roles", "trtllm_multinode", "files", "launcher.py")
FAKE_TOKEN = "hf_unit_FAKE_trtllm_0123456789"
EFS_ID = "fs-0123456789abcdef0"

# Literals from scenarios.md (each one must appear verbatim in that file).
SEED = {
    "lws_name": "`leaderworkerset-sample`",
    "image": "wenhant16/triton_trtllm_multinode:24.07.10",
    "build_image": "nvcr.io/nvidia/tritonserver:24.07-trtllm-python-py3",
    "model_repo": "/var/run/models/llama3_8b_tp4_pp2/triton_model_repo",
    "mount": "at `/var/run/models`",
    "pvc": "PVC `efs-claim`: `ReadWriteMany`, `storageClassName: efs-sc`, 200Gi",
    "pv": "PV `efs-pv`: 200Gi, `ReadWriteMany`, `Retain`, csi driver `efs.csi.aws.com`",
    "resources": "`triton.resources.cpu: 4`, `memory: 64Gi`, `efa: 1`",
    "ephemeral": "`ephemeral-storage` 1Gi on the leader and 4Gi on workers",
    "dshm": "`dshm` (emptyDir `medium: Memory`, `sizeLimit: 256Gi`) at `/dev/shm`",
    "liveness": "liveness `GET /v2/health/live:8000` (initialDelay 10, period 2, failureThreshold 15)",
    "readiness": "readiness `GET /v2/health/ready:8000` (initialDelay 15, period 2, failureThreshold 15)",
    "startup": "startup `GET /v2/health/ready:8000` (initialDelay 60, period 15, failureThreshold 60)",
    "group_key": "fieldRef `metadata.labels['leaderworkerset.sigs.k8s.io/group-key']`",
    "ports": "Leader ports `http 8000`, `grpc 8001`, `metrics 8002`",
    "hpa": "`autoscaling/v2`, `type: Pods`, metric `triton:queue_compute:ratio`, target `AverageValue` `averageValue: 1`",
    "hpa_ref": "`scaleTargetRef: leaderworkerset.x-k8s.io/v1 LeaderWorkerSet leaderworkerset-sample`",
    "hpa_range": "`MINPODS 1`; `MAXPODS 2`",
    "rule_head": (
        "name `triton-metrics`, labels `app.kubernetes.io/component: autoscaler`, `release: prometheus`; "
        "group `autoscaling`, `interval: 6s`"
    ),
    "podmonitor": "selector `role: leader`; endpoint port `metrics`, path `/metrics`",
    "rbac_exec": "Plus `pods/exec` with verb `create`",
    "convert": (
        "python convert_checkpoint.py --model_dir ./Meta-Llama-3-8B --output_dir ./converted_checkpoint "
        "--dtype float16 --tp_size 4 --pp_size 2"
    ),
    "build": (
        "trtllm-build --checkpoint_dir ./converted_checkpoint --output_dir ./output_engines --gemm_plugin "
        "float16 --use_custom_all_reduce disable --max_input_len 2048 --max_output_len 2048 --max_batch_size "
        "4 --use_paged_context_fmha enable"
    ),
    "fill_pre": (
        "fill_template.py -i triton_model_repo/preprocessing/config.pbtxt tokenizer_dir:<path_to_tokenizer>,"
        "tokenizer_type:llama,triton_max_batch_size:4,preprocessing_instance_count:1"
    ),
    "fill_trt": (
        "fill_template.py -i triton_model_repo/tensorrt_llm/config.pbtxt triton_max_batch_size:4,"
        "decoupled_mode:False,max_beam_width:1,engine_dir:<path_to_engines>,"
        "max_tokens_in_paged_kv_cache:2560,max_attention_window_size:2560,kv_cache_free_gpu_mem_fraction:0.5,"
        "exclude_input_in_output:True,enable_kv_cache_reuse:False,batching_strategy:inflight_batching,"
        "max_queue_delay_microseconds:600"
    ),
    "fill_post": (
        "fill_template.py -i triton_model_repo/postprocessing/config.pbtxt tokenizer_dir:<path_to_tokenizer>,"
        "tokenizer_type:llama,triton_max_batch_size:4,postprocessing_instance_count:1"
    ),
    "fill_ens": "fill_template.py -i triton_model_repo/ensemble/config.pbtxt triton_max_batch_size:4",
    "mpirun": "-mca plm_rsh_agent kubessh -np <tp*pp> --host <pod1>:<gpn>,<pod2>:<gpn>",
    "rank_all": (
        "`--allow-cpu-metrics=false --allow-gpu-metrics=false --disable-auto-complete-config --id=rank<i> "
        "--model-load-thread-count=2 --model-repository=<dir>`"
    ),
    "rank0": "Rank 0 adds `--allow-metrics=true --metrics-interval-ms=1000`",
    "rank_other": (
        "`--allow-http=false --allow-grpc=false --allow-metrics=false --model-control-mode=explicit "
        "--load-model=tensorrt_llm --log-info=false --log-warning=false`"
    ),
}
RULES = [
    ("triton:compute_duration:average",
     "rate(nv_inference_compute_infer_duration_us[1m])/clamp_min(rate(nv_inference_request_success[1m]),1)"),
    ("triton:queue_duration:average",
     "rate(nv_inference_queue_duration_us[1m])/clamp_min(rate(nv_inference_request_success[1m]),1)"),
    ("triton:request_duration:average",
     "rate(nv_inference_request_duration_us[1m])/clamp_min(rate(nv_inference_request_success[1m]),1)"),
    ("triton:queue_compute:ratio",
     "rate(nv_inference_queue_duration_us[1m])/clamp_min(rate(nv_inference_compute_infer_duration_us[1m]),1)"),
]
TEMPLATES = [
    "namespace.yaml.j2", "storageclass.yaml.j2", "persistentvolume.yaml.j2", "persistentvolumeclaim.yaml.j2",
    "rbac.yaml.j2", "launcher_configmap.yaml.j2", "build_configmap.yaml.j2", "build_job.yaml.j2", "hf_secret.yaml.j2",
    "leaderworkerset.yaml.j2", "service.yaml.j2", "ingress.yaml.j2", "hpa.yaml.j2", "podmonitor.yaml.j2",
    "prometheusrule.yaml.j2",
]


def _collection_loader_first():
    """The role's vars call the collection filter eks_llm.inference.trtllm_plan through Ansible's collection loader.
    Tests collected earlier import ``ansible_collections`` as a plain package from sys.path, which hides the
    collection's plugins from that loader: drop those imports so the loader imports the collection itself."""
    for name in [n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")]:
        if not getattr(sys.modules[name], "__loader__", None).__class__.__name__.startswith("_AnsibleCollection"):
            del sys.modules[name]


def renderer(**overrides):
    _collection_loader_first()
    return RoleRenderer("trtllm_multinode", scenario_vars(**overrides))


def _scenario():
    with open(SCENARIO_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _variant_003():
    """The seed 003 block the scenario file documents in comments (lines starting with '#   ')."""
    with open(SCENARIO_FILE, encoding="utf-8") as handle:
        lines = [line[4:] for line in handle.read().splitlines() if line.startswith("#   ")]
    return yaml.safe_load("\n".join(lines))


def scenario_vars(**overrides):
    variables = _scenario()
    variables.update(
        eks_llm_cluster_name="eks-llm", eks_llm_region="us-east-1", trtllm_multinode_hf_token=FAKE_TOKEN,
        vpc_eks_outputs={"efs_id": EFS_ID}, role_path=os.path.join(REPO_ROOT, "roles", "trtllm_multinode"),
    )
    variables.update(overrides)
    return {k: trusted(v) for k, v in variables.items()}


@pytest.fixture(scope="module")
def role():
    return renderer()


@pytest.fixture(scope="module")
def lws(role):
    return role.template_yaml("leaderworkerset.yaml.j2")


@pytest.fixture(scope="module")
def leader(lws):
    return lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]


@pytest.fixture(scope="module")
def worker(lws):
    return lws["spec"]["leaderWorkerTemplate"]["workerTemplate"]


@pytest.fixture(scope="module")
def build_script(role):
    return role.template_text("build.sh.j2")


def _load_launcher():
    spec = importlib.util.spec_from_file_location("trtllm_launcher", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_literals_are_in_scenarios_md():
    assert os.path.isfile(SCENARIOS_MD), SCENARIOS_MD
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        text = handle.read()
    missing = [key for key, literal in SEED.items() if literal not in text]
    missing += [record for record, expr in RULES if "`%s` = `%s`" % (record, expr) not in text]
    assert not missing, missing


def test_every_object_carries_the_ownership_labels(role):
    for name in TEMPLATES:
        for obj in yaml.safe_load_all(role.template_text(name)):
            labels = obj["metadata"]["labels"]
            assert labels["app.kubernetes.io/managed-by"] == "eks_llm.inference", name
            assert labels["app.kubernetes.io/part-of"] == "trtllm_multinode", name


def test_the_plan_gives_the_seed_group_size(role, lws):
    # seed 001: TP 4 x PP 2 = 8 ranks on 4-GPU g5.12xlarge nodes = 2 pods per group, max 4 nodes.
    plan = role.var("__trtllm_multinode_plan")
    assert (plan["size"], plan["gpus_per_node"], plan["world_size"], plan["errors"]) == (2, 4, 8, [])
    spec = lws["spec"]
    assert lws["metadata"]["name"] == SEED["lws_name"].strip("`")
    assert spec["leaderWorkerTemplate"]["size"] == 2
    assert spec["startupPolicy"] == "LeaderCreated"
    assert "replicas" not in spec  # the HPA owns the group count


def test_leader_container(leader):
    assert leader["metadata"]["labels"]["role"] == "leader"
    container = leader["spec"]["containers"][0]
    assert container["image"] == SEED["image"]
    env = {e["name"]: e for e in container["env"]}
    assert env["GROUP_KEY"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['leaderworkerset.sigs.k8s.io/group-key']"
    assert env["MODEL_REPO"]["value"] == SEED["model_repo"]
    assert (env["GROUP_SIZE"]["value"], env["GPUS_PER_NODE"]["value"], env["WORLD_SIZE"]["value"]) == ("2", "4", "8")
    assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [("http", 8000), ("grpc", 8001), ("metrics", 8002)]
    limits = container["resources"]["limits"]
    assert container["resources"]["requests"] == limits
    assert limits == {"cpu": "4", "memory": "64Gi", "nvidia.com/gpu": "4", "vpc.amazonaws.com/efa": "1",
                      "ephemeral-storage": "1Gi"}
    probes = {
        "livenessProbe": ("/v2/health/live", 10, 2, 15),
        "readinessProbe": ("/v2/health/ready", 15, 2, 15),
        "startupProbe": ("/v2/health/ready", 60, 15, 60),
    }
    for key, (path, delay, period, failures) in probes.items():
        probe = container[key]
        assert probe["httpGet"] == {"path": path, "port": 8000}, key
        assert (probe["initialDelaySeconds"], probe["periodSeconds"], probe["failureThreshold"]) == (delay, period, failures)


def test_worker_container_and_volumes(leader, worker):
    assert "role" not in worker["metadata"]["labels"]
    container = worker["spec"]["containers"][0]
    assert container["resources"]["limits"]["ephemeral-storage"] == "4Gi"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert "readinessProbe" not in container
    for template in (leader, worker):
        pod = template["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "256Gi"}
        assert volumes["model-repository"]["persistentVolumeClaim"]["claimName"] == "efs-claim"
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert mounts["dshm"] == "/dev/shm" and mounts["model-repository"] == "/var/run/models"
        assert pod["nodeSelector"]["node.kubernetes.io/instance-type"] == "g5.12xlarge"
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
        assert pod["terminationGracePeriodSeconds"] == 30


def test_service_selects_leaders_only(role):
    svc = role.template_yaml("service.yaml.j2")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["selector"]["role"] == "leader"
    assert [(p["name"], p["port"]) for p in svc["spec"]["ports"]] == [("http", 8000), ("grpc", 8001), ("metrics", 8002)]


def test_hpa_on_the_leaderworkerset(role):
    hpa = role.template_yaml("hpa.yaml.j2")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "leaderworkerset-sample"
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 2)
    assert spec["metrics"] == [
        {"type": "Pods", "pods": {"metric": {"name": "triton:queue_compute:ratio"},
                                  "target": {"type": "AverageValue", "averageValue": 1}}}
    ]
    assert "behavior" not in spec


def test_pod_monitor_scrapes_leaders_only(role):
    monitor = role.template_yaml("podmonitor.yaml.j2")
    assert monitor["spec"]["selector"]["matchLabels"]["role"] == "leader"
    assert monitor["spec"]["podMetricsEndpoints"] == [{"port": "metrics", "path": "/metrics"}]


def test_prometheus_rule_is_the_seeds(role):
    rule = role.template_yaml("prometheusrule.yaml.j2")
    assert rule["metadata"]["name"] == "triton-metrics"
    assert rule["metadata"]["labels"]["app.kubernetes.io/component"] == "autoscaler"
    (group,) = rule["spec"]["groups"]
    assert (group["name"], group["interval"]) == ("autoscaling", "6s")
    assert [(r["record"], r["expr"]) for r in group["rules"]] == RULES


def test_rbac_allows_exec_for_kubessh(role):
    docs = {d["kind"]: d for d in yaml.safe_load_all(role.template_text("rbac.yaml.j2"))}
    rules = docs["Role"]["rules"]
    assert {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]} in rules
    read = [r for r in rules if "pods" in r["resources"]][0]
    assert {"get", "list"} <= set(read["verbs"]) and "pods/status" in read["resources"]
    assert docs["RoleBinding"]["subjects"][0]["name"] == docs["ServiceAccount"]["metadata"]["name"]


def test_efs_storage(role):
    sc = role.template_yaml("storageclass.yaml.j2")
    pv = role.template_yaml("persistentvolume.yaml.j2")
    pvc = role.template_yaml("persistentvolumeclaim.yaml.j2")
    assert (sc["metadata"]["name"], sc["provisioner"]) == ("efs-sc", "efs.csi.aws.com")
    assert pv["metadata"]["name"] == "efs-pv"
    assert pv["spec"]["csi"] == {"driver": "efs.csi.aws.com", "volumeHandle": EFS_ID}
    assert (pv["spec"]["capacity"]["storage"], pv["spec"]["accessModes"], pv["spec"]["persistentVolumeReclaimPolicy"]) == (
        "200Gi", ["ReadWriteMany"], "Retain")
    assert pv["spec"]["claimRef"] == {"namespace": pvc["metadata"]["namespace"], "name": "efs-claim"}
    assert pvc["metadata"]["name"] == "efs-claim"
    assert (pvc["spec"]["accessModes"], pvc["spec"]["storageClassName"], pvc["spec"]["resources"]["requests"]["storage"]) == (
        ["ReadWriteMany"], "efs-sc", "200Gi")


def _args_after(script, command):
    """The arguments of one command line of the script (continuations joined), as a list."""
    joined = script.replace("\\\n", " ")
    line = next(line for line in joined.splitlines() if line.startswith(command))
    return line.split()


def test_build_script_follows_the_seed(build_script):
    convert = _args_after(build_script, "python3 tensorrt_llm/examples/")
    seed_convert = SEED["convert"].split()
    for flag in ("--dtype", "--tp_size", "--pp_size"):
        assert convert[convert.index(flag) + 1] == seed_convert[seed_convert.index(flag) + 1], flag
    assert convert[convert.index("--model_dir") + 1] == "/var/run/models/llama3_8b_tp4_pp2/hf_model"
    assert "tensorrt_llm/examples/llama/convert_checkpoint.py" in " ".join(convert)

    build = _args_after(build_script, "trtllm-build ")
    seed_build = SEED["build"].split()
    # every flag of the seed's trtllm-build except the two paths, with the seed's value (g5: no NVLink -> disable)
    for flag in ("--gemm_plugin", "--use_custom_all_reduce", "--max_input_len", "--max_output_len", "--max_batch_size"):
        assert build[build.index(flag) + 1] == seed_build[seed_build.index(flag) + 1], flag
    assert "--use_paged_context_fmha=enable" in build
    assert build[build.index("--output_dir") + 1] == "/var/run/models/llama3_8b_tp4_pp2/engines"
    assert "git clone --depth 1 --branch v0.11.0 https://github.com/triton-inference-server/tensorrtllm_backend.git" in build_script


def _fill_pairs(literal, tokenizer_dir, engine_dir):
    params = literal.split(" ")[-1]
    params = params.replace("<path_to_tokenizer>", tokenizer_dir).replace("<path_to_engines>", engine_dir)
    return sorted(params.split(","))


def test_fill_template_parameters_are_the_seeds_with_pod_paths(build_script):
    # <path_to_tokenizer> and <path_to_engines> are paths as the pods mount the volume (seed 001 §2 Note).
    tokenizer, engines = "/var/run/models/llama3_8b_tp4_pp2/hf_model", "/var/run/models/llama3_8b_tp4_pp2/engines"
    calls = {}
    for line in build_script.splitlines():
        match = re.match(r'python3 tools/fill_template.py -i "\$repo/(\w+)/config.pbtxt" (\S+)$', line)
        if match:
            calls[match.group(1)] = sorted(match.group(2).strip("'").split(","))
    expected = {
        "preprocessing": _fill_pairs(SEED["fill_pre"], tokenizer, engines),
        "postprocessing": _fill_pairs(SEED["fill_post"], tokenizer, engines),
        "tensorrt_llm": _fill_pairs(SEED["fill_trt"], tokenizer, engines),
        "ensemble": _fill_pairs(SEED["fill_ens"], tokenizer, engines),
    }
    assert calls == expected
    assert 'model_home=/var/run/models/llama3_8b_tp4_pp2' in build_script


def test_build_job_runs_on_the_serving_instance_type(role):
    job = role.template_yaml("build_job.yaml.j2")
    pod = job["spec"]["template"]["spec"]
    assert pod["nodeSelector"]["node.kubernetes.io/instance-type"] == "g5.12xlarge"
    container = pod["containers"][0]
    assert container["image"] == SEED["build_image"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["model-repository"] == "/var/run/models"
    env = {e["name"]: e for e in container["env"]}
    assert env["HF_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "HF_TOKEN"
    assert FAKE_TOKEN not in role.template_text("build_job.yaml.j2")
    assert job["metadata"]["name"].endswith(env["BUILD_HASH"]["value"])


def test_build_hash_follows_the_build_parameters():
    base = renderer().var("__trtllm_multinode_build_hash")
    same = renderer(trtllm_multinode_hf_token="other").var("__trtllm_multinode_build_hash")
    other = renderer(trtllm_multinode_tensor_parallel=8, trtllm_multinode_pipeline_parallel=1)
    assert base == same and re.match(r"^[0-9a-f]{16}$", base)
    assert other.var("__trtllm_multinode_build_hash") != base
    assert other.var("__trtllm_multinode_model_repo") == "/var/run/models/llama3_8b_tp8_pp1/triton_model_repo"


def test_seed_003_variant_keeps_custom_all_reduce_and_uses_every_efa():
    # p5.48xlarge: 8 x H100 over NVSwitch, 32 EFA interfaces; TP 8 x PP 2 = 16 ranks = 2 nodes per group.
    role = renderer(**_variant_003())
    plan = role.var("__trtllm_multinode_plan")
    assert (plan["errors"], plan["size"], plan["gpus_per_node"], plan["nvlink"]) == ([], 2, 8, True)
    assert role.var("__trtllm_multinode_input_errors") == []
    assert "--use_custom_all_reduce" not in role.template_text("build.sh.j2")
    limits = role.template_yaml("leaderworkerset.yaml.j2")["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"][
        "containers"][0]["resources"]["limits"]
    assert (limits["nvidia.com/gpu"], limits["vpc.amazonaws.com/efa"]) == ("8", "32")
    ingress = role.template_yaml("ingress.yaml.j2")
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}
    assert "ingress.yaml.j2" in role.var("__trtllm_multinode_serving_templates")


def test_the_scenario_passes_the_input_checks(role):
    assert role.var("__trtllm_multinode_input_errors") == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"trtllm_multinode_tensor_parallel": 2, "trtllm_multinode_pipeline_parallel": 1},
         "trtllm_multinode_tensor_parallel x trtllm_multinode_pipeline_parallel = 2 x 1 = 2 ranks is not a multiple of the 4 GPUs"),
        ({"trtllm_multinode_tensor_parallel": 8, "trtllm_multinode_pipeline_parallel": 4},
         "one model instance needs 8 nodes of g5.12xlarge (32 ranks / 4 GPUs per node) but trtllm_multinode_max_nodes is 4"),
        ({"trtllm_multinode_instance_type": "g5.13xlarge"}, "trtllm_multinode_instance_type: unknown instance type 'g5.13xlarge'"),
        ({"trtllm_multinode_hpa": {"metric_name": "m", "min_replicas": 1, "max_replicas": 3, "target_average_value": 1}},
         "trtllm_multinode_hpa.max_replicas is 3: 3 groups of 2 nodes need 6 nodes"),
        ({"trtllm_multinode_efa_per_pod": 2}, "trtllm_multinode_efa_per_pod is 2 but g5.12xlarge"),
        ({"trtllm_multinode_model_config": {"ensemble": {"triton_max_batch_size": 8}}},
         "trtllm_multinode_model_config.ensemble.triton_max_batch_size is set: the role derives it"),
        ({"trtllm_multinode_hf_token": "  "}, "trtllm_multinode_hf_token is empty or blank"),
    ],
)
def test_bad_inputs_are_refused_naming_the_variable(overrides, expected):
    errors = renderer(**overrides).var("__trtllm_multinode_input_errors")
    assert any(expected in e for e in errors), errors


def test_hf_secret_carries_the_token(role):
    import base64

    secret = role.template_yaml("hf_secret.yaml.j2")
    assert base64.b64decode(secret["data"]["HF_TOKEN"]).decode() == FAKE_TOKEN


def test_launcher_builds_the_seeds_mpirun_line():
    launcher = _load_launcher()
    # gang waiter contract: "<pod>:<gpus_per_node>" sorted by pod name (lws_gang_wait groups[].hosts)
    hosts = launcher.hosts(["leaderworkerset-sample-0-1", "leaderworkerset-sample-0"], 4)
    assert hosts == ["leaderworkerset-sample-0:4", "leaderworkerset-sample-0-1:4"]
    env = {"WORLD_SIZE": "8", "MODEL_REPO": SEED["model_repo"], "MPIRUN": "/opt/amazon/openmpi/bin/mpirun",
           "HTTP_PORT": "8000", "GRPC_PORT": "8001", "METRICS_PORT": "8002"}
    argv = launcher.mpirun_argv(hosts, env)
    line = " ".join(argv)
    seed = SEED["mpirun"].replace("<tp*pp>", "8").replace("<pod1>:<gpn>,<pod2>:<gpn>", ",".join(hosts))
    assert seed in line
    blocks = line.split(" : ")
    assert len(blocks) == 8
    common = SEED["rank_all"].strip("`").replace("<dir>", SEED["model_repo"])
    for rank, block in enumerate(blocks):
        assert "-n 1 tritonserver " in block
        assert common.replace("<i>", str(rank)) in block
        if rank == 0:
            assert SEED["rank0"].split("`")[1] in block
        else:
            assert SEED["rank_other"].strip("`") in block


def test_launcher_reads_the_watch_stream():
    launcher = _load_launcher()
    ready = {"metadata": {"name": "a"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    pending = {"metadata": {"name": "b"}, "status": {"phase": "Pending"}}
    deleting = {"metadata": {"name": "c", "deletionTimestamp": "x"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    import json

    objects, rest = launcher.decode_stream(json.dumps(ready, indent=2) + "\n" + json.dumps(pending) + '\n{"metadata": ')
    assert [o["metadata"]["name"] for o in objects] == ["a", "b"] and rest == '{"metadata": '
    assert [launcher.pod_ready(p) for p in (ready, pending, deleting)] == [True, False, False]


def _applied(kind, status, spec=None):
    return {"result": {"results": [{"changed": False, "result": {"kind": kind, "spec": spec or {}, "status": status}}]}}


@pytest.mark.parametrize(
    "conditions, done",
    [
        ([], False),  # pending: no GPU free yet
        ([{"type": "Failed", "status": "True"}], False),
        ([{"type": "Complete", "status": "True"}], True),
    ],
)
def test_an_unfinished_build_is_waited_for_even_without_a_change(conditions, done):
    role = renderer(__trtllm_multinode_apply_base=_applied("Job", {"conditions": conditions}))
    assert role.var("__trtllm_multinode_build_done") is done


@pytest.mark.parametrize("ready, replicas, settled", [(0, 1, False), (1, 2, False), (2, 2, True), (None, 1, False)])
def test_an_unready_gang_is_waited_for_even_without_a_change(ready, replicas, settled):
    status = {} if ready is None else {"readyReplicas": ready}
    role = renderer(__trtllm_multinode_apply_serving=_applied("LeaderWorkerSet", status, {"replicas": replicas}))
    assert role.var("__trtllm_multinode_gang_settled") is settled
