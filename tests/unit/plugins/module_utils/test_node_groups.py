"""Validation and reconciliation decisions of plugins/module_utils/node_groups.py.

Expected values come from sources independent of the code under test: the botocore EKS service
model shipped in the venv (AMI types, capacity types, taint effects), the Kubernetes core/v1 Taint
effects, AWS's published EFA interface counts (EC2 accelerated-computing specifications: p5.48xlarge
32 EFA interfaces on 32 network cards, p4d.24xlarge 4) and the scenario fact sheet. The node-group
reconciliation decisions are tested in test_aws_nodegroup.py, the launch-template data in
test_aws_launch_template.py.
"""

import copy
import gzip
import json
import os

import botocore
import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils import node_groups as ng


def _eks_shapes():
    base = os.path.join(os.path.dirname(botocore.__file__), "data", "eks")
    version = sorted(os.listdir(base))[-1]
    path = os.path.join(base, version, "service-2.json.gz")
    with gzip.open(path, "rt") as handle:
        return json.load(handle)["shapes"]


EKS = _eks_shapes()

GPU_GROUP = dict(
    name="gpu",
    instance_type="g4dn.xlarge",
    min_size=4,
    max_size=4,
    desired_size=4,
    disk_size=100,
    labels={"nvidia.com/gpu.present": "true"},
    taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
)


def plan(groups, version="1.30", region="us-west-2", cluster="eks-llm", mode="managed"):
    return ng.plan(cluster, region, version, groups, mode=mode)


def errors_of(groups, **kwargs):
    with pytest.raises(ng.NodeGroupError) as info:
        plan(groups, **kwargs)
    return info.value.errors


def group(**changes):
    item = copy.deepcopy(GPU_GROUP)
    item.update(changes)
    return item


# ---- the tables match the EKS API -----------------------------------------------------------------


def test_ami_types_are_exactly_the_eks_api_enum():
    assert sorted(ng.EKS_AMI_TYPES) == sorted(EKS["AMITypes"]["enum"])


def test_capacity_types_are_the_eks_api_enum():
    assert sorted(ng.CAPACITY_TYPES) == sorted(EKS["CapacityTypes"]["enum"])


def test_taint_effects_map_kubernetes_to_eks_spelling():
    # Kubernetes core/v1 Taint.effect values -> EKS TaintEffect enum
    assert sorted(ng.TAINT_EFFECTS) == ["NoExecute", "NoSchedule", "PreferNoSchedule"]
    assert sorted(ng.TAINT_EFFECTS.values()) == sorted(EKS["TaintEffect"]["enum"])


# ---- the good path (scenario 000 / 001 / 002 inputs) --------------------------------------------


def test_scenario_000_gpu_group_is_normalised():
    result = plan([GPU_GROUP])
    (item,) = result["node_groups"]
    assert item["ami_type"] == "AL2_x86_64_GPU"  # scenarios.md: seed 000 §gpu_nodegroup (upstream ami_type)
    assert item["eks_taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert item["efa_interfaces"] == 0
    assert result["gpu_groups"] == ["gpu"] and result["efa_groups"] == []


@pytest.mark.parametrize(
    "instance_type, version, expected",
    [
        ("g4dn.xlarge", "1.30", "AL2_x86_64_GPU"),
        ("g5.8xlarge", "1.33", "AL2023_x86_64_NVIDIA"),  # AL2 AMIs end with Kubernetes 1.32
        ("p5.48xlarge", "1.34", "AL2023_x86_64_NVIDIA"),
        ("inf2.48xlarge", "1.29", "AL2_x86_64_GPU"),  # scenarios.md: seed 002 §gpu_nodegroup (the "gpu" AL2 AMI)
        ("inf2.48xlarge", "1.33", "AL2023_x86_64_NEURON"),
        ("m6i.large", "1.30", "AL2_x86_64"),
        ("m6i.large", "1.33", "AL2023_x86_64_STANDARD"),
    ],
)
def test_ami_type_follows_instance_type_and_kubernetes_version(instance_type, version, expected):
    item = plan([dict(name="n", instance_type=instance_type, min_size=0, max_size=1, desired_size=1)], version=version)
    assert item["node_groups"][0]["ami_type"] == expected
    assert expected in EKS["AMITypes"]["enum"]


@pytest.mark.parametrize("instance_type, interfaces", [("p5.48xlarge", 32), ("p4d.24xlarge", 4)])
def test_efa_interfaces_follow_aws_rules(instance_type, interfaces):
    item = plan([dict(name="efa", instance_type=instance_type, min_size=0, max_size=2, desired_size=0, efa=True)])
    (group_plan,) = item["node_groups"]
    assert group_plan["efa_interfaces"] == interfaces
    # the interfaces themselves are built by the efa_launch_template_data filter (test_aws_launch_template.py)
    assert "efa_network_interfaces" not in group_plan
    assert group_plan["launch_template_name"] == "eks-llm-efa"
    assert group_plan["placement_group_name"] == "eks-llm-efa"


# ---- one test per bad input -------------------------------------------------------------------------


def test_unknown_instance_type():
    (error,) = errors_of([group(instance_type="p9.mega")])
    assert error.startswith(
        "gpu_nodegroup_node_groups[0] (name 'gpu').instance_type 'p9.mega' is not a known instance type; allowed: "
    )
    assert "g4dn.xlarge" in error and "p5.48xlarge" in error


def test_efa_on_an_instance_type_without_efa():
    (error,) = errors_of([group(efa=True)])  # g4dn.xlarge has no EFA (AWS EFA supported instance types)
    assert "gpu_nodegroup_node_groups[0] (name 'gpu').efa is true but g4dn.xlarge does not support EFA" in error
    assert "p4d.24xlarge" in error and "p5.48xlarge" in error


def test_min_greater_than_max():
    (error,) = errors_of([group(min_size=5, max_size=4, desired_size=4)])
    assert error == "gpu_nodegroup_node_groups[0] (name 'gpu').min_size (5) must not be greater than max_size (4)"


@pytest.mark.parametrize("desired", [1, 7])
def test_desired_outside_min_max(desired):
    (error,) = errors_of([group(min_size=2, max_size=6, desired_size=desired)])
    assert error == (
        "gpu_nodegroup_node_groups[0] (name 'gpu').desired_size (%d) must be within [min_size, max_size] = [2, 6]"
        % desired
    )


def test_max_size_zero_is_refused_like_the_eks_api():
    errors = errors_of([group(min_size=0, max_size=0, desired_size=0)])
    assert (
        "gpu_nodegroup_node_groups[0] (name 'gpu').max_size must be >= 1 (EKS scalingConfig.maxSize minimum), got 0"
        in errors
    )


def test_bad_taint_effect():
    (error,) = errors_of([group(taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}])])
    assert error == (
        "gpu_nodegroup_node_groups[0] (name 'gpu').taints[0].effect 'NO_SCHEDULE' is not a Kubernetes taint effect; "
        "allowed: NoSchedule, PreferNoSchedule, NoExecute"
    )


def test_neuron_taint_on_a_gpu_instance_type():
    (error,) = errors_of([group(taints=[{"key": "aws.amazon.com/neuron", "effect": "NoSchedule"}], labels={})])
    assert error == (
        "gpu_nodegroup_node_groups[0] (name 'gpu'): taint aws.amazon.com/neuron is for AWS Neuron (Inferentia/Trainium) "
        "nodes but g4dn.xlarge is an NVIDIA GPU instance type"
    )


def test_neuron_label_on_a_gpu_instance_type():
    (error,) = errors_of([group(labels={"accelerator": "neuron"}, taints=[])])
    assert "label accelerator=neuron is for AWS Neuron (Inferentia/Trainium) nodes but g4dn.xlarge" in error


@pytest.mark.parametrize("instance_type", ["inf2.48xlarge", "trn1.32xlarge"])
def test_gpu_taint_on_a_neuron_instance_type(instance_type):
    errors = errors_of([group(instance_type=instance_type, labels={})])
    assert errors == [
        "gpu_nodegroup_node_groups[0] (name 'gpu'): taint nvidia.com/gpu is for NVIDIA GPU nodes but %s is an AWS Neuron "
        "instance type" % instance_type
    ]


def test_missing_region():
    (error,) = errors_of([GPU_GROUP], region="")
    assert error == "gpu_nodegroup_region is required (an AWS region such as us-west-2); got an empty value"


def test_missing_cluster_name():
    (error,) = errors_of([GPU_GROUP], cluster="")
    assert error.startswith("gpu_nodegroup_cluster_name is required")


def test_duplicate_node_group_names():
    (error,) = errors_of([GPU_GROUP, group(instance_type="g5.xlarge")])
    assert error == (
        "gpu_nodegroup_node_groups[1].name 'gpu' duplicates gpu_nodegroup_node_groups[0].name; "
        "node-group names must be unique in a cluster"
    )


def test_duplicate_taint_key_and_effect():
    taints = [
        {"key": "nvidia.com/gpu", "value": "a", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "value": "b", "effect": "NoSchedule"},
    ]
    (error,) = errors_of([group(taints=taints)])
    assert "taints[1] duplicates key nvidia.com/gpu with effect NoSchedule" in error


def test_bad_capacity_type():
    (error,) = errors_of([group(capacity_type="RESERVED")])
    assert error == (
        "gpu_nodegroup_node_groups[0] (name 'gpu').capacity_type 'RESERVED' is not allowed; allowed: ON_DEMAND, SPOT, CAPACITY_BLOCK"
    )


def test_al2_ami_override_on_1_33():
    (error,) = errors_of([group(ami_type="AL2_x86_64_GPU")], version="1.33")
    assert "Amazon Linux 2 AMIs are not published for Kubernetes 1.33" in error and "use AL2023_x86_64_NVIDIA" in error


def test_ami_override_without_gpu_drivers():
    (error,) = errors_of([group(ami_type="AL2023_x86_64_STANDARD")], version="1.33")
    assert "ami_type AL2023_x86_64_STANDARD has no nvidia drivers for g4dn.xlarge" in error


def test_bad_kubernetes_version():
    (error,) = errors_of([GPU_GROUP], version="v1.30")
    assert (
        error == "gpu_nodegroup_kubernetes_version 'v1.30' is not a Kubernetes minor version such as '1.30' or '1.33'"
    )


def test_bad_node_group_name():
    (error,) = errors_of([group(name="gpu group")])
    assert error.startswith("gpu_nodegroup_node_groups[0] (name 'gpu group').name must be 1-63 letters")


def test_every_problem_is_reported_at_once():
    errors = errors_of([group(min_size=9, efa=True), group(instance_type="nope")], region="")
    # region, min > max, EFA on g4dn.xlarge, unknown instance type, duplicate name
    assert len(errors) == 5


def test_managed_mode_needs_a_node_group_and_karpenter_does_not():
    (error,) = errors_of([])
    assert error == "gpu_nodegroup_node_groups is empty; gpu_nodegroup_mode 'managed' needs at least one node group"
    assert plan([], mode="karpenter")["node_groups"] == []


# ---- the device plugin's node selector ---------------------------------------------------------------


def test_gpu_group_without_the_device_plugin_labels():
    selector = {"nvidia.com/gpu.present": "true"}
    assert ng.plan("eks-llm", "us-west-2", "1.30", [group()], gpu_node_selector=selector)["gpu_groups"] == ["gpu"]
    with pytest.raises(ng.NodeGroupError) as info:
        ng.plan("eks-llm", "us-west-2", "1.30", [group(labels={})], gpu_node_selector=selector)
    (error,) = info.value.errors
    assert "gpu_nodegroup_node_groups entry 'gpu' (g4dn.xlarge) lacks the labels" in error
    assert "gpu_nodegroup_gpu_node_selector" in error


def test_device_plugin_labels_are_not_required_on_non_gpu_groups():
    cpu = dict(name="cpu", instance_type="m6i.large", min_size=1, max_size=1, desired_size=1)
    result = ng.plan("eks-llm", "us-west-2", "1.30", [cpu], gpu_node_selector={"nvidia.com/gpu.present": "true"})
    assert result["gpu_groups"] == []


# ---- the core node group of vpc_eks ------------------------------------------------------------------

CORE = dict(instance_types=["m6i.large"], min_size=2, max_size=2, desired_size=2)


def core_errors(**changes):
    with pytest.raises(ng.NodeGroupError) as info:
        ng.core_plan(dict(CORE, **changes))
    return info.value.errors


def test_core_group_gets_its_name_and_disk_size_filled_in():
    assert ng.core_plan(dict(CORE)) == dict(CORE, name="core", disk_size=100)
    assert ng.core_plan(dict(CORE, name="system", disk_size=50))["disk_size"] == 50


def test_core_group_size_rules():
    (error,) = core_errors(min_size=3)
    assert error == "vpc_eks_core_node_group.min_size (3) must not be greater than max_size (2)"
    (error,) = core_errors(min_size=1, max_size=2, desired_size=5)
    assert error == "vpc_eks_core_node_group.desired_size (5) must be within [min_size, max_size] = [1, 2]"
    (error,) = core_errors(max_size=0, min_size=0, desired_size=0)
    assert "max_size must be >= 1" in error


def test_core_group_instance_types():
    (error,) = core_errors(instance_types=["m9.huge"])
    assert error.startswith("vpc_eks_core_node_group.instance_types: 'm9.huge' is not a known instance type; allowed: ")
    assert "m6i.large" in error
    (error,) = core_errors(instance_types=[])
    assert error.startswith("vpc_eks_core_node_group.instance_types must be a non-empty list")
    (error,) = core_errors(instance_types=["m6i.large", "g4dn.xlarge"])
    assert "g4dn.xlarge has nvidia accelerators" in error


def test_core_group_reports_every_problem_at_once():
    assert len(core_errors(name="-bad", instance_types=["nope"], min_size=5, disk_size=0)) == 4
