"""Render the monitoring templates/values with the role defaults + the scenario file and compare them with seed 000
and the charts.

Expected values are literals from /work/shared/specs/scenarios.md (seed 000 §monitoring, §logging) and from the
published chart defaults in /work/shared/charts, never from the role itself.
"""

import json
import os
from urllib.parse import urlparse

import pytest
import yaml

from tests.unit.roles.role_render import REPO_ROOT, RoleRenderer
from tests.unit.roles.test_triton_vllm_templates import scenario_vars

SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared")
SCENARIOS_MD = os.path.join(SHARED, "specs", "scenarios.md")
FAKE_PASSWORD = "grafana_unit_FAKE_pw_42"
# What amazon.aws.cloudwatchlogs_log_group_info returns for the group vpc_eks created (DescribeLogGroups
# appends ':*' to the ARN).
LOG_GROUP_ARN = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/eks/eks-llm/workload"
LOG_GROUP_INFO = {"log_groups": [{"log_group_name": "/aws/eks/eks-llm/workload", "arn": LOG_GROUP_ARN + ":*"}]}

SEED = {
    "series": 'nv_inference_queue_duration_us{namespace!="", pod!=""}',
    "query": "avg(rate(nv_inference_queue_duration_us{<<.LabelMatchers>>}[1m])/1000) by (<<.GroupBy>>)",
    "metric_in": "nv_inference_queue_duration_us",
    "metric_out": "nv_inference_queue_duration_ms",
    "kps": "`prometheus-community/kube-prometheus-stack` `61.9.0`",
    "adapter": "`prometheus-community/prometheus-adapter` `4.11.0`",
    "log_group": "/aws/eks/<cluster>/workload",
    "stream": "$kubernetes['namespace_name'].$kubernetes['pod_name'].$kubernetes['container_name']",
    "grafana_svc": "kube-prometheus-stack-grafana",
}


@pytest.fixture(scope="module")
def role():
    return RoleRenderer(
        "monitoring", scenario_vars(monitoring_grafana_admin_password=FAKE_PASSWORD, __monitoring_log_group=LOG_GROUP_INFO)
    )


def test_seed_literals_are_in_scenarios_md():
    assert os.path.isfile(SCENARIOS_MD), "the seed fact sheet is missing: %s (../shared beside the clone)" % SCENARIOS_MD
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        text = handle.read()
    assert [k for k, v in SEED.items() if v not in text] == []


def test_adapter_rule_turns_us_into_ms(role):
    values = role.var("monitoring_prometheus_adapter_values")
    assert values["rules"]["default"] is False
    rules = [r for r in values["rules"]["custom"] if r["name"]["as"] == SEED["metric_out"]]
    assert len(rules) == 1
    rule = rules[0]
    assert rule["seriesQuery"] == SEED["series"]
    assert rule["metricsQuery"] == SEED["query"]
    assert rule["name"]["matches"] == SEED["metric_in"]
    assert rule["resources"] == {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}}


def test_adapter_finds_the_kube_prometheus_stack_service(role):
    """prometheus.url/port must name <release>-prometheus in the monitoring namespace on the chart's port."""
    values = role.var("monitoring_prometheus_adapter_values")
    release = role.var("monitoring_kube_prometheus_stack_release")
    assert release == "kube-prometheus-stack"  # seed: Service kube-prometheus-stack-grafana => release name
    with open(os.path.join(SHARED, "charts", "kube-prometheus-stack-61.9.0", "values.yaml"), encoding="utf-8") as h:
        kps_defaults = yaml.safe_load(h)
    url = urlparse(values["prometheus"]["url"])
    assert url.hostname == "%s-prometheus.%s.svc" % (release, role.var("monitoring_namespace"))
    assert url.port is None and values["prometheus"]["port"] == kps_defaults["prometheus"]["service"]["port"] == 9090
    # The chart default points nowhere (charts README, prometheus-adapter pitfall).
    with open(os.path.join(SHARED, "charts", "prometheus-adapter-4.11.0", "values.yaml"), encoding="utf-8") as h:
        assert yaml.safe_load(h)["prometheus"]["url"] != values["prometheus"]["url"]


def test_adapter_metric_is_the_hpa_metric(role):
    triton = RoleRenderer("triton_vllm", scenario_vars(triton_vllm_hf_token="x"))
    names = [r["name"]["as"] for r in role.var("monitoring_prometheus_adapter_values")["rules"]["custom"]]
    assert triton.var("triton_vllm_hpa_metric_name") in names


def test_service_monitor_selects_the_triton_service(role):
    sm = role.template_yaml("servicemonitor_triton.yaml.j2")
    triton = RoleRenderer("triton_vllm", scenario_vars(triton_vllm_hf_token="x"))
    svc = triton.template_yaml("service.yaml.j2")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1" and sm["kind"] == "ServiceMonitor"
    assert sm["metadata"]["name"] == "triton-server"
    assert sm["spec"]["namespaceSelector"]["matchNames"] == [svc["metadata"]["namespace"]]
    assert all(svc["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    assert sm["spec"]["endpoints"][0]["port"] == "metrics"
    assert "metrics" in [p["name"] for p in svc["spec"]["ports"]]
    assert sm["spec"]["endpoints"][0]["interval"] == "15s"
    labels = sm["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "eks_llm.inference"
    assert labels["app.kubernetes.io/part-of"] == "triton_vllm"


def test_kube_prometheus_stack_values(role):
    values = role.var("monitoring_kube_prometheus_stack_values")
    assert values["alertmanager"]["enabled"] is False
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "12h" and spec["scrapeTimeout"] == "10s"
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert values["grafana"]["enabled"] is True
    assert values["grafana"]["admin"]["existingSecret"] == "grafana-admin"
    assert FAKE_PASSWORD not in json.dumps(values)  # the password never enters Helm values


def test_grafana_secret(role):
    import base64

    secret = role.template_yaml("grafana_admin_secret.yaml.j2")
    values = role.var("monitoring_kube_prometheus_stack_values")["grafana"]["admin"]
    assert secret["metadata"]["name"] == values["existingSecret"]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {values["userKey"]: "admin", values["passwordKey"]: FAKE_PASSWORD}


def test_fluent_bit_values_and_policy(role):
    values = role.var("monitoring_fluent_bit_values")
    cluster = role.var("monitoring_cluster_name")
    assert values["cloudWatchLogs"]["logGroupName"] == "/aws/eks/%s/workload" % cluster
    assert values["cloudWatchLogs"]["logStreamTemplate"] == SEED["stream"]
    assert values["cloudWatchLogs"]["autoCreateGroup"] is False
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    policy = json.loads(role.template_text("log_group_write_policy.json.j2"))
    arn = LOG_GROUP_ARN
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Resource"]) == [arn, arn + ":*"]
    assert all(action.startswith("logs:") and "Delete" not in action for action in statement["Action"])
    assert "logs:CreateLogGroup" not in statement["Action"]
    trust = role.var("__monitoring_trust_policy")
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "pods.eks.amazonaws.com"}]


def test_chart_pins(role):
    charts = {c["name"]: c for c in role.var("monitoring_charts")}
    assert charts["kube-prometheus-stack"]["chart_version"] == "61.9.0"
    assert charts["prometheus-adapter"]["chart_version"] == "4.11.0"
    assert charts["aws-for-fluent-bit"]["chart_version"] == "0.2.0"
    assert charts["dcgm-exporter"]["enabled"] is False
    assert [c["name"] for c in role.var("__monitoring_enabled_charts")] == [
        "kube-prometheus-stack",
        "prometheus-adapter",
        "aws-for-fluent-bit",
    ]


def test_password_appears_only_in_the_secret(role):
    for name in os.listdir(os.path.join(role.role_dir, "templates")):
        if name != "grafana_admin_secret.yaml.j2":
            assert FAKE_PASSWORD not in role.template_text(name), name


def test_log_group_name_comes_from_the_collection_variable():
    """vpc_eks owns the log group; monitoring reads its name from eks_llm_log_group and builds none itself."""
    other = RoleRenderer("monitoring", scenario_vars(eks_llm_log_group="/custom/group", monitoring_grafana_admin_password="x"))
    assert other.var("monitoring_fluent_bit_log_group") == "/custom/group"
    assert other.var("monitoring_fluent_bit_values")["cloudWatchLogs"]["logGroupName"] == "/custom/group"
    with open(os.path.join(REPO_ROOT, "roles", "monitoring", "defaults", "main.yml"), encoding="utf-8") as handle:
        assert "/aws/eks/" not in handle.read()


def test_service_monitor_follows_the_serving_role():
    other = RoleRenderer(
        "monitoring", scenario_vars(triton_vllm_name="srv", triton_vllm_namespace="ns", monitoring_grafana_admin_password="x")
    )
    sm = other.template_yaml("servicemonitor_triton.yaml.j2")
    assert sm["metadata"]["name"] == "srv"
    assert sm["spec"]["namespaceSelector"]["matchNames"] == ["ns"]
    assert sm["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "srv"


def test_input_errors_name_the_variable():
    bad = RoleRenderer(
        "monitoring",
        scenario_vars(
            monitoring_grafana_admin_password="",
            monitoring_prometheus_adapter_values={"prometheus": {"url": "http://prometheus.default.svc", "port": 9090}},
        ),
    )
    errors = " ".join(bad.var("__monitoring_input_errors"))
    assert "monitoring_grafana_admin_password" in errors
    assert "monitoring_prometheus_adapter_values.prometheus.url" in errors
    good = RoleRenderer("monitoring", scenario_vars(monitoring_grafana_admin_password="x"))
    assert good.var("__monitoring_input_errors") == []
