"""The whole scenario 000 on the local stand-ins, as `make rehearse` runs it, twice, then destroyed.

Stand-ins (named in the output): moto server for AWS, the local test cluster (real control plane,
kwok fake nodes) for EKS, the inference simulator (test double) measured by aiperf. Expected values
come from the scenario's group_vars and from boto3 / the Kubernetes API, not from the play's output.
"""

import json
import os
import subprocess
import sys

import boto3
import pytest
import yaml

from tools.rehearse import STAND_IN_SECRETS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(REPO, "build", "rehearsal", "triton_vllm")
QUICK = "8,16"  # same sweep shape, two points, 2 x C requests each

pytestmark = [pytest.mark.scenario, pytest.mark.slow]


def _scenario():
    with open(os.path.join(REPO, "group_vars", "scenario_triton_vllm.yml")) as handle:
        return yaml.safe_load(handle)


def _inventory():
    with open(os.path.join(REPO, "inventories", "aws", "group_vars", "all.yml")) as handle:
        return yaml.safe_load(handle)


def _rehearse(*args):
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "rehearse.py"), "--scenario", "triton_vllm", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    print(proc.stdout[-4000:])
    return proc


def _summary():
    with open(os.path.join(OUT, "summary.json")) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def rehearsal():
    first = _rehearse("--quick", QUICK)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    first_summary = _summary()
    state = json.load(open(os.path.join(REPO, "build", "rehearsal", "stand-ins.json")))
    yield {"first": first, "first_summary": first_summary, "moto_url": state["moto"]["url"]}
    _rehearse("--destroy")  # no-op when the destroy test already ran


def _boto(rehearsal, service):
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=_inventory()["eks_llm_region"]
    ).client(service, endpoint_url=rehearsal["moto_url"])


def test_first_converge_builds_the_scenario(rehearsal):
    summary = rehearsal["first_summary"]
    assert summary["scenario"] == "triton_vllm"
    assert summary["converge"]["failed"] == 0
    assert summary["converge"]["changed"] > 0
    assert "[stand-in]" in rehearsal["first"].stdout or "stand-in" in rehearsal["first"].stdout
    assert any("moto" in s["stand_in"] for s in summary["stand_ins"])
    assert any("simulator" in s["stand_in"] for s in summary["stand_ins"])


def test_aws_resources_exist_on_moto(rehearsal):
    scenario, cluster = _scenario(), _inventory()["eks_llm_cluster_name"]
    eks = _boto(rehearsal, "eks")
    assert eks.describe_cluster(name=cluster)["cluster"]["version"] == scenario["eks_llm_kubernetes_version"]
    groups = {
        name: eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
        for name in eks.list_nodegroups(clusterName=cluster)["nodegroups"]
    }
    core = scenario["vpc_eks_core_node_group"]
    gpu = scenario["gpu_nodegroup_node_groups"][0]
    assert groups[core["name"]]["instanceTypes"] == core["instance_types"]
    assert groups[gpu["name"]]["instanceTypes"] == [gpu["instance_type"]]
    assert groups[gpu["name"]]["scalingConfig"]["desiredSize"] == gpu["desired_size"]
    assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"} in groups[gpu["name"]]["taints"]
    s3 = _boto(rehearsal, "s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=cluster + "-triton-models").get("Contents", [])]
    assert any(k.endswith("config.pbtxt") for k in keys), keys
    logs = _boto(rehearsal, "logs")
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/eks/%s/workload" % cluster)["logGroups"]


def test_triton_pods_are_scheduled_on_gpu_nodes_and_ready(rehearsal):
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=os.path.join(REPO, "build", "testbed", "kubeconfig"))
    core = client.CoreV1Api(api)
    gpu_type = _scenario()["gpu_nodegroup_node_groups"][0]["instance_type"]
    nodes = {n.metadata.name: n.metadata.labels["node.kubernetes.io/instance-type"] for n in core.list_node().items}
    pods = core.list_namespaced_pod("triton-server", label_selector="app.kubernetes.io/name=triton-server").items
    assert pods, "no Triton pods"
    for pod in pods:
        assert nodes[pod.spec.node_name] == gpu_type, (pod.metadata.name, pod.spec.node_name)
        ready = {c.type: c.status for c in pod.status.conditions}
        assert ready.get("Ready") == "True", (pod.metadata.name, ready)
    api.close()


def test_benchmark_report_is_written(rehearsal):
    summary = rehearsal["first_summary"]
    wanted = [int(c) for c in QUICK.split(",")]
    assert summary["benchmark"]["records"] == len(wanted)
    with open(os.path.join(OUT, "results.json")) as handle:
        results = json.load(handle)
    assert [r["concurrency"] for r in results["records"]] == wanted
    for record in results["records"]:
        assert record["error_count"] == 0
        assert record["output_token_throughput_tps"] > 0
    for name in ("report.md", "throughput_vs_concurrency.png", "ttft_itl_vs_concurrency.png", "throughput_vs_p99_latency.png"):
        assert os.path.getsize(os.path.join(OUT, name)) > 1024, name


def test_no_secret_in_any_output(rehearsal):
    # the stand-in secrets tools/rehearse.py hands to inventories/aws through HF_TOKEN / GRAFANA_ADMIN_PASSWORD
    secrets = [STAND_IN_SECRETS["HF_TOKEN"], STAND_IN_SECRETS["GRAFANA_ADMIN_PASSWORD"]]
    for log in ("converge.log", "benchmark.log"):
        with open(os.path.join(OUT, log)) as handle:
            text = handle.read()
        for secret in secrets:
            assert secret not in text, "%s appears in %s" % (secret, log)
    # the fake AWS secret key must not be echoed either (it is also the access key id, so look for the
    # variable names botocore would print next to it)
    assert "AWS_SECRET_ACCESS_KEY" not in open(os.path.join(OUT, "converge.log")).read()


def _pinned_charts():
    """(role, chart, version) of every chart the scenario's roles pin and enable: a chart's `enabled` is
    true or names a `<role>_..._enabled` switch, resolved from the scenario file, else the role's defaults."""
    pinned = []
    scenario = _scenario()
    for role in ("gpu_nodegroup", "monitoring"):
        with open(os.path.join(REPO, "roles", role, "defaults", "main.yml")) as handle:
            defaults = yaml.safe_load(handle)
        for chart in defaults["%s_charts" % role]:
            enabled = chart.get("enabled", True)
            if isinstance(enabled, str):
                switch = enabled.strip("{} ").split("|")[0].strip()
                enabled = scenario.get(switch, defaults[switch])
            if enabled is True:
                pinned.append((role, chart["chart_ref"], str(chart["chart_version"])))
    return pinned


def _helm_releases():
    """Deployed helm releases in the test cluster, read from helm's own storage (Secrets of type
    helm.sh/release.v1: base64 of gzip'd JSON) through the Kubernetes API: {chart name: (version, ns, values)}."""
    import base64
    import gzip

    from kubernetes import client, config

    api = config.new_client_from_config(config_file=os.path.join(REPO, "build", "testbed", "kubeconfig"))
    releases = {}
    for secret in client.CoreV1Api(api).list_secret_for_all_namespaces(label_selector="owner=helm,status=deployed").items:
        release = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(secret.data["release"]))))
        meta = release["chart"]["metadata"]
        releases[meta["name"]] = (meta["version"], release["namespace"], release.get("config") or {})
    api.close()
    return releases


def test_helm_releases_are_the_pinned_charts(rehearsal):
    """The roles' real helm tasks ran against the stand-in chart repository: every enabled pinned chart is a
    deployed release with its pinned version, and the values the role set arrived."""
    releases = _helm_releases()
    for role, chart, version in _pinned_charts():
        assert chart in releases, "no deployed release of %s (role %s): %s" % (chart, role, sorted(releases))
        assert releases[chart][0] == version, (chart, releases[chart][0], version)
    # a scenario value reaches the chart: the adapter rule's series query names the seed's queue metric
    adapter_values = json.dumps(releases["prometheus-adapter"][2])
    assert "nv_inference_queue_duration" in adapter_values, adapter_values[:500]


def test_second_converge_changes_nothing(rehearsal):
    second = _rehearse("--quick", QUICK)
    assert second.returncode == 0, second.stdout[-6000:]
    summary = _summary()
    assert summary["converge"]["failed"] == 0
    assert summary["converge"]["changed"] == 0, "second converge changed %s" % summary["converge"]["changed"]


def test_destroy_leaves_nothing(rehearsal):
    # a destroy.json of an earlier run must not answer for this one
    if os.path.exists(os.path.join(OUT, "destroy.json")):
        os.unlink(os.path.join(OUT, "destroy.json"))
    proc = _rehearse("--destroy")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    with open(os.path.join(OUT, "destroy.json")) as handle:
        assert json.load(handle)["left"] == []
