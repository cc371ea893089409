"""The production path refuses wrong inputs before the first change, whatever --tags selects.

Each case runs the real entry point, ``ansible-playbook site.yml -i inventories/aws -e scenario=triton_vllm
-e @<vars file>``, against moto in server mode (a test double for AWS; AWS_ENDPOINT_URL points botocore at
it) with one wrong input, and checks that:

- the run fails, in the shared opening (playbooks/open.yml): no play of a stage starts;
- the output names the variable (and what is allowed, where the table says so);
- after the run boto3 counts exactly what it counted in a fresh moto account (VPCs, subnets, security groups,
  gateways, addresses, launch templates, EKS clusters, IAM roles/instance profiles/policies, S3 buckets, log
  groups, SQS queues, EventBridge rules, ECR repositories, EFS file systems): nothing was left behind.

Cases run concurrently (WORKERS processes, one moto server each); every run starts from a fresh account.

The expected texts are the variable names and the limits AWS, Kubernetes or the collection's documented
choices impose, not copies of whole messages. A few valid but unusual inputs show the other side: they pass
the opening (``--tags always`` runs the opening and the roles' own always-tagged checks, no AWS change) or,
for the network role, a check-mode run of the infra stage on moto; that proves acceptance, not a deployment.
"""

import concurrent.futures
import os
import queue
import time

import pytest
import yaml

from tests.support.moto_server import MotoServer
from tests.support.playbook import REPO_ROOT, run_playbook

pytestmark = pytest.mark.aws

REGION = "us-west-2"
# The first play of a stage in playbooks/triton_vllm.yml; it must never start after a refused input.
FIRST_STAGE_PLAY = "PLAY [Network, EKS cluster, core node group and storage]"
SECRETS = {"HF_TOKEN": "hf_wrong_inputs_test_token", "GRAFANA_ADMIN_PASSWORD": "wrong-inputs-test-password"}

CORE = {"name": "core", "instance_types": ["m6i.large"], "min_size": 2, "max_size": 2, "desired_size": 2, "disk_size": 100}
GPU = {
    "name": "gpu",
    "instance_type": "g4dn.xlarge",
    "min_size": 1,
    "max_size": 4,
    "desired_size": 1,
    "disk_size": 100,
    "labels": {"nvidia.com/gpu.present": "true"},
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
}
SWEEP = {"concurrency": [8, 16], "service_kind": "triton", "backend": "vllm", "request_count": 100}
HPA = {
    "min_replicas": 1,
    "max_replicas": 4,
    "target_average_value": 10,
    "scale_down": {"stabilization_window_seconds": 120, "percent": 100, "period_seconds": 10},
    "scale_up": {"stabilization_window_seconds": 0, "percent": 100, "period_seconds": 5},
}


def gpu(**changes):
    return [dict(GPU, **changes)]


def core(**changes):
    return dict(CORE, **changes)


def sweep(**changes):
    return dict(SWEEP, **changes)


# (id, --tags or None, variables (written to the -e @file), texts the output must contain, environment changes)
CASES = [
    # --- collection-wide settings and misspelt names (any role prefix) -----------------------------------------
    ("scenario-unknown", "infra", {"scenario": "triton_vlm"}, ["Variable 'scenario' must be one of triton_vllm"], {}),
    ("cluster-name-empty", None, {"eks_llm_cluster_name": ""}, ["eks_llm_cluster_name"], {}),
    ("region-empty", "benchmark", {"eks_llm_region": ""}, ["eks_llm_region"], {}),
    ("misspelt-vpc-cidr", "benchmark", {"vpc_eks_vpc_cdir": "10.1.0.0/16"},
     ["vpc_eks_vpc_cdir is not an input of role vpc_eks; did you mean vpc_eks_vpc_cidr?"], {}),
    ("misspelt-gpu-groups", "infra", {"gpu_nodegroup_node_group": []},
     ["gpu_nodegroup_node_group is not an input of role gpu_nodegroup; did you mean gpu_nodegroup_node_groups?"], {}),
    ("misspelt-grafana", "infra", {"monitoring_grafana_enable": False},
     ["monitoring_grafana_enable is not an input of role monitoring; did you mean monitoring_grafana_enabled?"], {}),
    ("misspelt-hf-token", "infra", {"triton_vllm_hf_tokn": "x"},
     ["triton_vllm_hf_tokn is not an input of role triton_vllm; did you mean triton_vllm_hf_token?"], {}),
    ("misspelt-sweep", "infra", {"benchmark_swep": SWEEP},
     ["benchmark_swep is not an input of role benchmark; did you mean benchmark_sweep?"], {}),
    ("misspelt-nested-sweep-key", "infra", {"benchmark_sweep": {"concurency": [8]}}, ["concurency", "benchmark_sweep"], {}),
    ("misspelt-nested-group-key", "benchmark", {"gpu_nodegroup_node_groups": [dict(GPU, instance_typ="g5.xlarge")]},
     ["instance_typ", "gpu_nodegroup_node_groups"], {}),
    # --- vpc_eks --------------------------------------------------------------------------------------------
    ("vpc-cidr-not-cidr", "benchmark", {"vpc_eks_vpc_cidr": "banana"}, ["vpc_eks_vpc_cidr", "CIDR"], {}),
    ("vpc-cidr-too-large", None, {"vpc_eks_vpc_cidr": "10.0.0.0/8"}, ["vpc_eks_vpc_cidr", "/16 to /28"], {}),
    ("vpc-cidr-host-bits", "infra", {"vpc_eks_vpc_cidr": "10.0.0.1/16"}, ["vpc_eks_vpc_cidr", "host bits"], {}),
    ("public-cidr-no-prefix", "benchmark", {"vpc_eks_public_access_cidrs": ["203.0.113.7"]},
     ["vpc_eks_public_access_cidrs[0] '203.0.113.7'", "a.b.c.d/n", "/32"], {}),
    ("public-cidr-bad-octet", "infra", {"vpc_eks_public_access_cidrs": ["0.0.0.0/0", "300.1.2.0/24"]},
     ["vpc_eks_public_access_cidrs[1] '300.1.2.0/24'"], {}),
    ("public-cidr-host-bits", "infra", {"vpc_eks_public_access_cidrs": ["203.0.113.7/24"]},
     ["vpc_eks_public_access_cidrs[0]", "host bits", "203.0.113.0/24"], {}),
    ("no-endpoint-access", "benchmark", {"vpc_eks_endpoint_public_access": False, "vpc_eks_endpoint_private_access": False},
     ["vpc_eks_endpoint_public_access and vpc_eks_endpoint_private_access are both false"], {}),
    ("one-az", "infra", {"eks_llm_availability_zones": ["us-west-2a"]}, ["vpc_eks_availability_zones", "at least 2"], {}),
    ("az-other-region", "benchmark", {"eks_llm_availability_zones": ["us-east-1a", "us-east-1b"]},
     ["vpc_eks_availability_zones", REGION], {}),
    ("az-not-in-region", "benchmark", {"eks_llm_availability_zones": ["us-west-2a", "us-west-2z"]},
     ["vpc_eks_availability_zones (or eks_llm_availability_zones) lists us-west-2z", "its available zones are us-west-2a"], {}),
    ("az-count-one", "infra", {"eks_llm_availability_zones": [], "vpc_eks_availability_zone_count": 1},
     ["vpc_eks_availability_zone_count", "at least 2"], {}),
    ("az-count-too-many", "benchmark", {"eks_llm_availability_zones": [], "vpc_eks_availability_zone_count": 9},
     ["vpc_eks_availability_zone_count is 9", "available zones"], {}),
    ("region-not-a-region", "benchmark", {"eks_llm_region": "us-weast-2", "eks_llm_availability_zones": []},
     ["vpc_eks_region (or eks_llm_region) is 'us-weast-2'", "did you mean us-west-2?"], {}),
    ("cluster-name-dot", "benchmark", {"eks_llm_cluster_name": "eks.llm"}, ["vpc_eks_cluster_name", "1-100 characters"], {}),
    ("k8s-version-unsupported", "benchmark", {"eks_llm_kubernetes_version": "1.20"}, ["vpc_eks_kubernetes_version", "1.33"], {}),
    ("k8s-version-number", "infra", {"gpu_nodegroup_kubernetes_version": 1.30},
     ["gpu_nodegroup_kubernetes_version must be a quoted string"], {}),
    ("nat-mode", "benchmark", {"vpc_eks_nat_gateway_mode": "many"}, ["vpc_eks_nat_gateway_mode", "single", "per_az"], {}),
    ("core-disk-negative", "benchmark", {"vpc_eks_core_node_group": core(disk_size=-20)},
     ["vpc_eks_core_node_group.disk_size must be an integer number of GiB >= 1, got -20"], {}),
    ("core-min-over-max", "serve", {"vpc_eks_core_node_group": core(min_size=3, max_size=2)},
     ["vpc_eks_core_node_group.min_size (3) must not be greater than max_size (2)"], {}),
    ("core-unknown-type", "benchmark", {"vpc_eks_core_node_group": core(instance_types=["m9.huge"])},
     ["vpc_eks_core_node_group.instance_types", "m9.huge", "m6i.large"], {}),
    ("core-gpu-type", "nodes", {"vpc_eks_core_node_group": core(instance_types=["g4dn.xlarge"])},
     ["vpc_eks_core_node_group.instance_types: g4dn.xlarge has nvidia accelerators"], {}),
    ("core-missing-types", "benchmark", {"vpc_eks_core_node_group": {"name": "core", "min_size": 1, "max_size": 2, "desired_size": 1}},
     ["instance_types", "vpc_eks_core_node_group"], {}),
    ("bucket-name", "benchmark", {"eks_llm_model_bucket": "Bad_Bucket"}, ["eks_llm_model_bucket", "3-63"], {}),
    ("log-retention", "benchmark", {"vpc_eks_log_group_retention_days": 2}, ["vpc_eks_log_group_retention_days", "365"], {}),
    ("efs-csi-without-efs", "benchmark", {"vpc_eks_efs_csi_driver_enabled": True},
     ["vpc_eks_efs_csi_driver_enabled needs vpc_eks_efs_enabled"], {}),
    ("addon-twice", "benchmark", {"vpc_eks_addons": [{"name": "coredns"}, {"name": "coredns"}]}, ["vpc_eks_addons", "once"], {}),
    ("ecr-name", "addons", {"vpc_eks_ecr_repositories": ["Bad Repo"]}, ["vpc_eks_ecr_repositories", "lowercase"], {}),
    ("iam-role-name-long", "benchmark", {"vpc_eks_cluster_role_name": "r" * 65}, ["vpc_eks_cluster_role_name", "64"], {}),
    ("wait-timeout-negative", "benchmark", {"vpc_eks_wait_timeout": -1}, ["vpc_eks_wait_timeout is -1", ">= 1"], {}),
    ("endpoint-access-not-bool", "infra", {"vpc_eks_endpoint_public_access": "maybe"}, ["vpc_eks_endpoint_public_access", "bool"], {}),
    ("subnet-outside-vpc", "benchmark", {"vpc_eks_private_subnet_cidrs": ["10.1.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]},
     ["vpc_eks_private_subnet_cidrs", "not inside"], {}),
    ("reserved-tag-key", "benchmark", {"eks_llm_tags": {"aws:owner": "me"}}, ["vpc_eks_tags (or eks_llm_tags)", "aws:"], {}),
    # --- gpu_nodegroup --------------------------------------------------------------------------------------
    ("gpu-unknown-type", "benchmark", {"gpu_nodegroup_node_groups": gpu(instance_type="g9.xlarge")},
     ["gpu_nodegroup_node_groups[0] (name 'gpu').instance_type 'g9.xlarge' is not a known instance type", "g4dn.xlarge"], {}),
    ("gpu-disk-negative", "infra", {"gpu_nodegroup_node_groups": gpu(disk_size=-1)},
     ["gpu_nodegroup_node_groups[0] (name 'gpu').disk_size must be an integer number of GiB >= 1"], {}),
    ("gpu-desired-over-max", "benchmark", {"gpu_nodegroup_node_groups": gpu(desired_size=5)},
     ["gpu_nodegroup_node_groups[0] (name 'gpu').desired_size (5) must be within [min_size, max_size] = [1, 4]"], {}),
    ("gpu-taint-effect", "infra", {"gpu_nodegroup_node_groups": gpu(taints=[{"key": "nvidia.com/gpu", "effect": "NoScheduleX"}])},
     ["gpu_nodegroup_node_groups", "effect", "NoSchedule", "NoExecute"], {}),
    ("gpu-label-on-cpu-type", "benchmark", {"gpu_nodegroup_node_groups": gpu(instance_type="m6i.large")},
     ["label nvidia.com/gpu.present=true is for NVIDIA GPU nodes but m6i.large"], {}),
    ("gpu-mode", "benchmark", {"gpu_nodegroup_mode": "spot"}, ["gpu_nodegroup_mode", "managed", "karpenter"], {}),
    ("gpu-capacity-type", "infra", {"gpu_nodegroup_node_groups": gpu(capacity_type="RESERVED")},
     ["capacity_type", "ON_DEMAND", "SPOT"], {}),
    ("gpu-group-name", "benchmark", {"gpu_nodegroup_node_groups": gpu(name="gpu group")}, ["gpu_nodegroup_node_groups", "1-63"], {}),
    ("gpu-group-twice", "infra", {"gpu_nodegroup_node_groups": gpu() + gpu()}, ["duplicates gpu_nodegroup_node_groups[0].name"], {}),
    ("gpu-groups-empty", "benchmark", {"gpu_nodegroup_node_groups": []},
     ["gpu_nodegroup_node_groups is empty; gpu_nodegroup_mode 'managed' needs at least one node group"], {}),
    ("gpu-without-plugin-labels", "infra", {"gpu_nodegroup_node_groups": gpu(labels={"team": "ml"})},
     ["lacks the labels", "gpu_nodegroup_gpu_node_selector"], {}),
    ("gpu-efa-unsupported", "benchmark", {"gpu_nodegroup_node_groups": gpu(efa=True)},
     ["efa is true but g4dn.xlarge does not support EFA"], {}),
    ("gpu-wait-sleep-zero", "infra", {"gpu_nodegroup_wait_sleep": 0}, ["gpu_nodegroup_wait_sleep is 0", ">= 1"], {}),
    ("gpu-karpenter-capacity", "benchmark",
     {"gpu_nodegroup_mode": "karpenter", "gpu_nodegroup_node_groups": [], "gpu_nodegroup_karpenter_capacity_types": ["cheap"]},
     ["gpu_nodegroup_karpenter_capacity_types", "on-demand, spot, reserved"], {}),
    # --- monitoring -----------------------------------------------------------------------------------------
    ("grafana-password-empty", "infra", {}, ["monitoring_grafana_admin_password is empty"], {"GRAFANA_ADMIN_PASSWORD": ""}),
    ("grafana-password-blank", "benchmark", {}, ["monitoring_grafana_admin_password is blank"], {"GRAFANA_ADMIN_PASSWORD": "   "}),
    ("adapter-url", "infra", {"monitoring_prometheus_adapter_values": {"prometheus": {"url": "http://nowhere", "port": 9090}}},
     ["monitoring_prometheus_adapter_values.prometheus.url/port"], {}),
    ("fluent-bit-log-group", "benchmark", {"monitoring_fluent_bit_values": {"cloudWatchLogs": {"logGroupName": "/other"}}},
     ["monitoring_fluent_bit_values.cloudWatchLogs.logGroupName"], {}),
    ("scrape-interval", "benchmark", {"monitoring_triton_scrape_interval": "15 seconds"},
     ["monitoring_triton_scrape_interval is '15 seconds'", "Prometheus duration"], {}),
    ("retention", "infra", {"monitoring_prometheus_retention": "12 hours"}, ["monitoring_prometheus_retention", "Prometheus duration"], {}),
    ("monitoring-namespace", "benchmark", {"monitoring_namespace": "Monitoring_NS"}, ["monitoring_namespace is 'Monitoring_NS'"], {}),
    ("monitoring-delete-timeout", "infra", {"monitoring_delete_timeout": -5}, ["monitoring_delete_timeout is -5"], {}),
    ("helm-timeout", "benchmark", {"monitoring_helm_wait_timeout": "15"}, ["monitoring_helm_wait_timeout is '15'"], {}),
    # --- triton_vllm ----------------------------------------------------------------------------------------
    ("hf-token-one-space", "infra", {}, ["triton_vllm_hf_token is blank"], {"HF_TOKEN": " "}),
    ("hf-token-empty", "benchmark", {}, ["triton_vllm_hf_token is empty"], {"HF_TOKEN": ""}),
    ("triton-image-latest", "infra", {"triton_vllm_image": "nvcr.io/nvidia/tritonserver:latest"}, ["triton_vllm_image", "pinned"], {}),
    ("hpa-min-over-max", "benchmark", {"triton_vllm_hpa": dict(HPA, min_replicas=5)}, ["triton_vllm_hpa", "min_replicas <= max_replicas"], {}),
    ("no-gpu-request", "infra", {"triton_vllm_resources": {"cpu": "3", "memory": "12Gi"}}, ["triton_vllm_resources", "nvidia.com/gpu"], {}),
    ("repo-prefix-slash", "benchmark", {"triton_vllm_model_repository_prefix": "/models/"},
     ["triton_vllm_model_repository_prefix must not start or end with '/'"], {}),
    ("triton-name", "infra", {"triton_vllm_name": "Triton"}, ["triton_vllm_name is 'Triton'", "lowercase"], {}),
    # triton_vllm_namespace also names the ServiceMonitor's namespace (scenario file), which monitoring checks first
    ("triton-namespace", "benchmark", {"triton_vllm_namespace": "triton_ns"}, ["monitoring_triton_namespace is 'triton_ns'"], {}),
    ("triton-port", "benchmark", {"triton_vllm_ports": {"http": 70000, "grpc": 8001, "metrics": 8002}}, ["triton_vllm_ports", "1-65535"], {}),
    ("instance-count-zero", "benchmark", {"triton_vllm_model_instance_count": 0}, ["triton_vllm_model_instance_count is 0"], {}),
    ("session-duration", "infra", {"triton_vllm_iam_max_session_duration": 60}, ["triton_vllm_iam_max_session_duration", "43200"], {}),
    ("probe-zero", "benchmark", {"triton_vllm_probes": {
        "period_seconds": 0, "timeout_seconds": 1, "startup_failure_threshold": 24,
        "liveness_failure_threshold": 6, "readiness_failure_threshold": 6}},
     ["triton_vllm_probes.period_seconds is 0"], {}),
    # --- benchmark ------------------------------------------------------------------------------------------
    ("sweep-empty", "infra", {"benchmark_sweep": sweep(concurrency=[])}, ["benchmark_sweep.concurrency must be a non-empty list"], {}),
    ("sweep-duplicate", "benchmark", {"benchmark_sweep": sweep(concurrency=[8, 8])}, ["benchmark_sweep.concurrency", "distinct"], {}),
    ("sweep-zero", "infra", {"benchmark_sweep": sweep(concurrency=[0, 8])}, ["benchmark_sweep.concurrency", ">= 1"], {}),
    ("sweep-two-counts", "infra", {"benchmark_sweep": sweep(request_count_per_concurrency=10)},
     ["set at most one of benchmark_sweep.request_count and benchmark_sweep.request_count_per_concurrency"], {}),
    ("slo-unknown", "benchmark", {"benchmark_slo": {"ttft_p99": 500}}, ["benchmark_slo", "ttft_p99", "ttft_ms_p99"], {}),
    ("slo-error-rate", "infra", {"benchmark_slo": {"max_error_rate": 2}}, ["benchmark_slo", "max_error_rate", "fraction <= 1"], {}),
    ("slo-negative", "benchmark", {"benchmark_slo": {"itl_ms_p99": -1}}, ["benchmark_slo", ">= 0"], {}),
    ("slo-concurrency", "infra", {"benchmark_slo_concurrencies": [9]}, ["benchmark_slo_concurrencies [9] are not in benchmark_sweep.concurrency"], {}),
    ("bench-tool", "benchmark", {"benchmark_tool": "locust"}, ["benchmark_tool", "genai-perf", "aiperf"], {}),
    ("bench-image-latest", "infra", {"benchmark_images": {"genai-perf": "nvcr.io/nvidia/tritonserver:latest"}},
     ["benchmark_images['genai-perf'] must be a pinned image"], {}),
    ("bench-volume-size", "infra", {"benchmark_results_volume_size": "1 GB"}, ["benchmark_results_volume_size is '1 GB'", "1Gi"], {}),
    ("bench-namespace", "infra", {"benchmark_namespace": "bench_ns"}, ["benchmark_namespace is 'bench_ns'"], {}),
]

# Valid but unusual inputs: (id, --tags, check mode, variables, environment changes, texts the output must contain).
VALID = [
    ("g6-gpu-group-with-user-labels", "always", False,
     {"gpu_nodegroup_node_groups": gpu(instance_type="g6.xlarge", labels={"nvidia.com/gpu.present": "true", "team": "ml",
                                                                          "example.com/tier": "batch"})}, {}, []),
    ("two-gpu-groups-spot", "always", False,
     {"gpu_nodegroup_node_groups": gpu(name="gpu-a", instance_type="g5.2xlarge", capacity_type="SPOT")
      + gpu(name="gpu-b", instance_type="g6e.xlarge")}, {}, []),
    ("m6i-xlarge-core-group-check-infra", "infra", True,
     {"vpc_eks_core_node_group": core(instance_types=["m6i.xlarge"], min_size=1, max_size=3, desired_size=2)}, {}, []),
    ("public-access-one-address", "always", False, {"vpc_eks_public_access_cidrs": ["203.0.113.7/32", "198.51.100.0/24"]}, {}, []),
    ("no-hf-token-when-not-required", "always", False, {"triton_vllm_hf_token_required": "false"}, {"HF_TOKEN": ""}, []),
    ("no-grafana-password-when-grafana-off", "always", False, {"monitoring_grafana_enabled": "false"},
     {"GRAFANA_ADMIN_PASSWORD": ""}, []),
]


# Cases run concurrently, each worker with its own moto server reset before every case (so each count is the
# case's own). 3 workers keep this 2-core machine busy; set EKS_LLM_WRONG_INPUT_WORKERS to change it.
WORKERS = int(os.environ.get("EKS_LLM_WRONG_INPUT_WORKERS", "3"))


def _count(pages, key):
    return sum(len(page.get(key, [])) for page in pages)


_CLIENTS = {}


def _clients(server):
    """boto3 clients for one moto server, made once (creating a client costs more CPU than the call)."""
    if server.url not in _CLIENTS:
        import boto3

        env = server.env()
        session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"],
            region_name=REGION,
        )
        names = ("ec2", "iam", "eks", "s3", "logs", "sqs", "events", "ecr", "efs")
        _CLIENTS[server.url] = dict((name, session.client(name, region_name=REGION, endpoint_url=server.url)) for name in names)
    return _CLIENTS[server.url]


def aws_resources(server):
    """What exists in the account, by kind, read with boto3 (default VPC objects included: compare with a fresh account)."""
    c = _clients(server)
    ec2, iam = c["ec2"], c["iam"]
    return dict(
        vpcs=len(ec2.describe_vpcs()["Vpcs"]),
        subnets=len(ec2.describe_subnets()["Subnets"]),
        security_groups=len(ec2.describe_security_groups()["SecurityGroups"]),
        internet_gateways=len(ec2.describe_internet_gateways()["InternetGateways"]),
        nat_gateways=len(ec2.describe_nat_gateways()["NatGateways"]),
        addresses=len(ec2.describe_addresses()["Addresses"]),
        launch_templates=len(ec2.describe_launch_templates()["LaunchTemplates"]),
        eks_clusters=len(c["eks"].list_clusters()["clusters"]),
        iam_roles=_count(iam.get_paginator("list_roles").paginate(), "Roles"),
        iam_instance_profiles=len(iam.list_instance_profiles()["InstanceProfiles"]),
        iam_local_policies=len(iam.list_policies(Scope="Local")["Policies"]),
        s3_buckets=len(c["s3"].list_buckets()["Buckets"]),
        log_groups=len(c["logs"].describe_log_groups()["logGroups"]),
        sqs_queues=len(c["sqs"].list_queues().get("QueueUrls", [])),
        event_rules=len(c["events"].list_rules()["Rules"]),
        ecr_repositories=len(c["ecr"].describe_repositories()["repositories"]),
        efs_file_systems=len(c["efs"].describe_file_systems()["FileSystems"]),
    )


def run_site(server, workdir, variables, tags, env_changes, check=False):
    """ansible-playbook site.yml -i inventories/aws -e scenario=triton_vllm -e @<file> [--tags ...] on ``server``."""
    path = os.path.join(workdir, "inputs.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(variables, handle, default_flow_style=False)
    args = ["-e", "@%s" % path]
    if tags:
        args += ["--tags", tags]
    env = dict(server.env(), **SECRETS)
    env.update(env_changes)
    extra = {} if "scenario" in variables else {"scenario": "triton_vllm"}
    return run_playbook("site.yml", inventory="inventories/aws", extra_vars=extra, args=args, env=env, check=check, timeout=300)


class Outcome:
    def __init__(self, result, before, after, seconds):
        self.result, self.before, self.after, self.seconds = result, before, after, seconds


def _selected(request, test_name):
    return [
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) == test_name and item.module is request.module
    ]


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """Run every selected case (both tables) once, concurrently; the tests then read their case's outcome."""
    jobs = [("wrong", c[0], c[1], False, c[2], c[4]) for c in CASES
            if c[0] in _selected(request, "test_wrong_input_fails_in_the_opening_and_creates_nothing")]
    jobs += [("valid", v[0], v[1], v[2], v[3], v[4]) for v in VALID
             if v[0] in _selected(request, "test_valid_unusual_input_passes_the_checks")]
    servers = queue.Queue()
    started = []
    for _worker in range(max(1, min(WORKERS, len(jobs)))):
        server = MotoServer(log_path=str(tmp_path_factory.mktemp("moto") / "moto.log")).start()
        server.reset()
        # What a fresh account holds (moto's default VPC, its subnets and security group), read with boto3.
        server.fresh = aws_resources(server)
        started.append(server)
        servers.put(server)

    def run(job):
        kind, case_id, tags, check, variables, env_changes = job
        server = servers.get()
        try:
            # Every run starts from a fresh account: the previous run on this server left it as fresh (checked after
            # each run; when not, the server is reset and that run's test fails on its own count).
            start = time.monotonic()
            result = run_site(server, str(tmp_path_factory.mktemp(case_id)), variables, tags, env_changes, check=check)
            seconds = time.monotonic() - start
            after = aws_resources(server)
            if after != server.fresh:
                server.reset()
            return (kind, case_id), Outcome(result, server.fresh, after, seconds)
        finally:
            servers.put(server)

    start = time.monotonic()
    try:
        with pytest.MonkeyPatch.context() as patch, concurrent.futures.ThreadPoolExecutor(max_workers=len(started)) as pool:
            for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
                patch.delenv(key, raising=False)
            results = dict(pool.map(run, jobs))
    finally:
        for server in started:
            server.stop()
    seconds = sorted(outcome.seconds for outcome in results.values())
    print("\n[stand-in] %d runs of site.yml on %d moto servers (test double) in %.0f s; per run: median %.1f s, max %.1f s"
          % (len(jobs), len(started), time.monotonic() - start, seconds[len(seconds) // 2] if seconds else 0,
             seconds[-1] if seconds else 0))
    return results


@pytest.mark.parametrize(
    "case_id, tags, variables, expected, env_changes", CASES, ids=[c[0] for c in CASES]
)
def test_wrong_input_fails_in_the_opening_and_creates_nothing(outcomes, case_id, tags, variables, expected, env_changes):
    outcome = outcomes[("wrong", case_id)]
    result = outcome.result
    assert result.returncode != 0, result.output[-3000:]
    for text in expected:
        assert text in result.output, (text, result.output[-3000:])
    assert FIRST_STAGE_PLAY not in result.output, "a stage started after a wrong input"
    assert result.total("changed") == 0
    assert outcome.after == outcome.before
    for secret in SECRETS.values():
        assert secret not in result.output


def test_the_table_is_large_and_covers_every_role_and_several_tag_selections():
    assert len(CASES) >= 60
    assert len(set(c[0] for c in CASES)) == len(CASES)
    with open(os.path.join(REPO_ROOT, "playbooks", "scenarios.yml")) as handle:
        scenarios = yaml.safe_load(handle)
    roles = [r for stage in scenarios["eks_llm_scenarios"]["triton_vllm"]["stages"].values() for r in stage]
    for role in roles:
        assert len([c for c in CASES if role + "_" in " ".join(c[3])]) >= 5, role
    assert {"benchmark", "infra", None} <= set(c[1] for c in CASES)


@pytest.mark.parametrize(
    "case_id, tags, check, variables, env_changes, expected", VALID, ids=[v[0] for v in VALID]
)
def test_valid_unusual_input_passes_the_checks(outcomes, case_id, tags, check, variables, env_changes, expected):
    """Acceptance only: the opening (and, with --tags always, the roles' own always-tagged checks) pass; with
    --check --tags infra the network role also plans its work on moto without changing anything."""
    outcome = outcomes[("valid", case_id)]
    result = outcome.result
    assert result.returncode == 0, result.output[-4000:]
    assert result.total("failed") == 0
    for text in expected:
        assert text in result.output, (text, result.output[-3000:])
    assert outcome.after == outcome.before


def test_a_false_string_switch_is_honoured(aws, tmp_path):
    """-e vpc_eks_efs_enabled=false (a string on the command line) switches the EFS look-up off in a check-mode
    run of the infra stage on moto; the same run with the string true looks it up."""
    for value in ("false", "true"):
        result = run_playbook(
            "site.yml",
            inventory="inventories/aws",
            extra_vars={"scenario": "triton_vllm", "vpc_eks_efs_enabled": value},
            args=["--tags", "infra"],
            env=SECRETS,
            check=True,
            timeout=600,
        )
        assert result.returncode == 0, result.output[-4000:]
        efs_task = result.stdout.split("TASK [eks_llm.inference.vpc_eks : Look up the EFS file system", 1)[1].split("TASK [", 1)[0]
        assert ("skipping: [localhost]" if value == "false" else "ok: [localhost]") in efs_task, efs_task
