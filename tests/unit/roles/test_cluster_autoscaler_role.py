"""The cluster_autoscaler role's values, image tag, IAM policy and checks, rendered with Ansible's own templating.

Expected values are independent of the role: the upstream install (scenarios.md seeds 001/003 §cluster-autoscaler:
--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>,
--balance-similar-node-groups, --skip-nodes-with-system-pods=false, image minor = the EKS minor), the tags the
gpu_nodegroup role puts on node groups (read from that role), and the published chart values.yaml.
"""

import json
import os
import re

import pytest
import yaml

from tests.unit.roles.role_render import REPO_ROOT, ROLES_DIR, RoleRenderer

ROLE_DIR = os.path.join(ROLES_DIR, "cluster_autoscaler")
SCENARIOS_MD = os.path.join(os.path.dirname(REPO_ROOT), "shared", "specs", "scenarios.md")
CHART_VALUES = os.path.join(os.path.dirname(REPO_ROOT), "shared", "charts", "cluster-autoscaler-9.59.0", "values.yaml")
UPSTREAM_ARGS = (
    "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>",
    "--balance-similar-node-groups",
    "--skip-nodes-with-system-pods=false",
)


def _role(**extra):
    variables = {"eks_llm_cluster_name": "eks-llm", "eks_llm_region": "us-east-1", "eks_llm_kubernetes_version": "1.31"}
    variables.update(extra)
    return RoleRenderer("cluster_autoscaler", variables)


def _preflight_errors(**extra):
    with open(os.path.join(ROLE_DIR, "tasks", "preflight.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (task,) = [t for t in tasks if "ansible.builtin.assert" in t]
    return _role(**dict(task["vars"], **extra)).var("__errors")


def test_the_upstream_arguments_are_in_scenarios_md():
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        text = handle.read()
    assert all(arg in text for arg in UPSTREAM_ARGS)


def test_values_render_the_upstream_arguments():
    values = _role().var("cluster_autoscaler_values")
    assert values["cloudProvider"] == "aws" and values["awsRegion"] == "us-east-1"
    # the chart joins autoDiscovery.tags into --node-group-auto-discovery=asg:tag=<tags joined by ','>
    discovery = "--node-group-auto-discovery=asg:tag=" + ",".join(values["autoDiscovery"]["tags"])
    assert discovery == UPSTREAM_ARGS[0].replace("<cluster>", "eks-llm")
    assert values["autoDiscovery"]["clusterName"] == "eks-llm"
    # the chart renders extraArgs as --<key>=<value>
    args = ["--%s=%s" % (k, str(v).lower()) for k, v in values["extraArgs"].items()]
    assert args == ["--balance-similar-node-groups=true", "--skip-nodes-with-system-pods=false"]


def test_the_discovery_tags_are_the_ones_gpu_nodegroup_puts_on_node_groups():
    gpu = RoleRenderer("gpu_nodegroup", {"eks_llm_cluster_name": "eks-llm"})
    tagged = sorted(gpu.var("__gpu_nodegroup_autoscaler_tags"))
    assert sorted(_role().var("cluster_autoscaler_values")["autoDiscovery"]["tags"]) == tagged


def test_the_chart_renders_those_discovery_tags_by_default_too():
    with open(CHART_VALUES, encoding="utf-8") as handle:
        chart = yaml.safe_load(handle)
    defaults = [t.replace("{{ .Values.autoDiscovery.clusterName }}", "eks-llm") for t in chart["autoDiscovery"]["tags"]]
    assert sorted(defaults) == sorted(_role().var("cluster_autoscaler_values")["autoDiscovery"]["tags"])


@pytest.mark.parametrize("version", ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.31.7"])
def test_the_image_minor_is_the_cluster_minor(version):
    tag = _role(eks_llm_kubernetes_version=version).var("cluster_autoscaler_values")["image"]["tag"]
    minor = ".".join(version.split(".")[:2])
    assert re.match(r"^v%s\.[0-9]+$" % re.escape(minor), tag), tag


def test_the_defaults_pass_preflight():
    assert _preflight_errors() == []


def test_an_unknown_minor_fails_naming_the_variable_and_the_known_minors():
    errors = _preflight_errors(eks_llm_kubernetes_version="1.29")
    assert len(errors) == 1
    assert "cluster_autoscaler_image_patch_versions has no Cluster Autoscaler patch release for Kubernetes 1.29" in errors[0]
    assert "1.30, 1.31" in errors[0]


def test_an_unquoted_version_fails():
    errors = _preflight_errors(eks_llm_kubernetes_version=1.3)
    assert len(errors) == 1 and "must be a quoted string" in errors[0]


def test_an_image_tag_of_another_minor_fails():
    values = dict(_role().var("cluster_autoscaler_values"), image={"tag": "v1.35.0"})
    errors = _preflight_errors(cluster_autoscaler_values=values)
    assert len(errors) == 1 and "cluster_autoscaler_values.image.tag is 'v1.35.0'" in errors[0] and "v1.31." in errors[0]


def test_the_policy_scales_only_the_node_groups_tagged_for_the_cluster():
    policy = json.loads(_role().expr("__cluster_autoscaler_policy | to_json"))
    scale = [s for s in policy["Statement"] if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert len(scale) == 1
    assert scale[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/eks-llm": "owned"}}
    gpu = RoleRenderer("gpu_nodegroup", {"eks_llm_cluster_name": "eks-llm"})
    assert gpu.var("__gpu_nodegroup_autoscaler_tags")["k8s.io/cluster-autoscaler/eks-llm"] == "owned"
    describe = [s for s in policy["Statement"] if "Condition" not in s]
    assert {"autoscaling:DescribeAutoScalingGroups", "eks:DescribeNodegroup"} <= set(describe[0]["Action"])


def test_the_role_is_trusted_by_eks_pod_identity_and_tagged_ours():
    role = _role()
    trust = role.var("__cluster_autoscaler_trust_policy")
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert set(trust["Statement"][0]["Action"]) == {"sts:AssumeRole", "sts:TagSession"}
    assert role.var("__cluster_autoscaler_aws_tags") == {"eks_llm.inference/cluster": "eks-llm"}
