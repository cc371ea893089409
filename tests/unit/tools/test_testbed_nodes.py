"""The test bed's fake-node generator against AWS's published instance specifications.

Expected values are written here from the AWS EC2 instance-type pages, the EFA supported
instance list, amazon-vpc-cni-k8s eni-max-pods.txt and the EKS AMI bootstrap reservation
formula, not taken from plugins/module_utils/instance_types.py or the generator.
"""

import pytest

from tools.testbed import nodes as nodegen

# instance type: (vCPUs, memory GiB, NVIDIA GPUs, Neuron devices, NeuronCores, EFA, max pods)
AWS_SPECS = {
    "m6i.large": (2, 8, 0, 0, 0, 0, 29),
    "g4dn.xlarge": (4, 16, 1, 0, 0, 0, 29),
    "g5.12xlarge": (48, 192, 4, 0, 0, 1, 737),
    "p4d.24xlarge": (96, 1152, 8, 0, 0, 4, 737),
    "p5.48xlarge": (192, 2048, 8, 0, 0, 32, 100),
    "inf2.48xlarge": (192, 768, 0, 12, 24, 0, 737),
}


def _node(instance_type, **extra):
    group = dict(name="g", instance_type=instance_type, count=1, zone="us-east-1a", **extra)
    (node,) = nodegen.nodes_for_group(group)
    return node


@pytest.mark.parametrize("instance_type", sorted(AWS_SPECS))
def test_capacity_matches_aws_specs(instance_type, record_property):
    record_property("stand_in", "test double: kwok fake nodes (no containers run)")
    vcpus, mem_gib, gpus, neuron, cores, efa, max_pods = AWS_SPECS[instance_type]
    node = _node(instance_type, efa=bool(efa))
    cap = node["status"]["capacity"]
    assert cap["cpu"] == str(vcpus)
    assert cap["memory"] == "%dMi" % (mem_gib * 1024)
    assert cap["pods"] == str(max_pods)
    assert cap.get("nvidia.com/gpu", "0") == str(gpus)
    assert cap.get("aws.amazon.com/neuron", "0") == str(neuron)
    assert cap.get("aws.amazon.com/neurondevice", "0") == str(neuron)
    assert cap.get("aws.amazon.com/neuroncore", "0") == str(cores)
    assert cap.get("vpc.amazonaws.com/efa", "0") == str(efa)
    # EKS EFA nodes pre-allocate 2 MiB huge pages for libfabric; others have none
    assert cap["hugepages-2Mi"] == ("5128Mi" if efa else "0Mi")
    for key in ("nvidia.com/gpu", "aws.amazon.com/neuron", "vpc.amazonaws.com/efa", "pods"):
        assert node["status"]["allocatable"].get(key) == cap.get(key)


def test_p4d_has_8_gpus_and_4_efa():
    cap = _node("p4d.24xlarge", efa=True)["status"]["capacity"]
    assert (cap["nvidia.com/gpu"], cap["vpc.amazonaws.com/efa"]) == ("8", "4")


def test_efa_only_when_enabled():
    cap = _node("p4d.24xlarge")["status"]["capacity"]
    assert "vpc.amazonaws.com/efa" not in cap
    assert cap["hugepages-2Mi"] == "0Mi"


def test_allocatable_follows_eks_reservations():
    # g4dn.xlarge: 4 vCPU -> 60+10+5+5 = 80m reserved; 29 pods -> 255+11*29 = 574 MiB + 100 MiB eviction
    alloc = _node("g4dn.xlarge")["status"]["allocatable"]
    assert alloc["cpu"] == "3920m"
    assert alloc["memory"] == "%dMi" % (16 * 1024 - 574 - 100)
    # p4d.24xlarge with EFA: 96 vCPU -> 80 + 92*2.5 = 310m; 737 pods -> 8362 MiB; 5128 MiB huge pages
    alloc = _node("p4d.24xlarge", efa=True)["status"]["allocatable"]
    assert alloc["cpu"] == "95690m"
    assert alloc["memory"] == "%dMi" % (1152 * 1024 - 8362 - 100 - 5128)


def test_eks_labels_taints_and_annotation():
    group = {
        "name": "gpu",
        "instance_type": "g4dn.xlarge",
        "count": 3,
        "zones": ["us-west-2a", "us-west-2b"],
        "labels": {"nvidia.com/gpu.present": "true"},
        "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        "capacity_type": "SPOT",
    }
    made = nodegen.nodes_for_group(group)
    assert len(made) == 3
    assert len({n["metadata"]["name"] for n in made}) == 3
    labels = made[1]["metadata"]["labels"]
    assert labels["node.kubernetes.io/instance-type"] == "g4dn.xlarge"
    assert labels["eks.amazonaws.com/nodegroup"] == "gpu"
    assert labels["eks.amazonaws.com/capacityType"] == "SPOT"
    assert labels["topology.kubernetes.io/zone"] == "us-west-2b"
    assert labels["topology.kubernetes.io/region"] == "us-west-2"
    assert labels["kubernetes.io/arch"] == "amd64"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["nvidia.com/gpu.present"] == "true"
    assert "karpenter.sh/nodepool" not in labels
    assert made[0]["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
    assert made[0]["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_karpenter_nodes():
    labels = _node("g5.8xlarge", karpenter_nodepool="gpu-nodepool", capacity_type="spot")["metadata"]["labels"]
    assert labels["karpenter.sh/nodepool"] == "gpu-nodepool"
    assert labels["karpenter.sh/capacity-type"] == "spot"
    assert "eks.amazonaws.com/nodegroup" not in labels


def test_errors():
    with pytest.raises(nodegen.NodeGroupError, match="unknown instance type"):
        _node("x9.huge")
    with pytest.raises(nodegen.NodeGroupError, match="does not support EFA"):
        _node("g4dn.xlarge", efa=True)
    with pytest.raises(nodegen.NodeGroupError, match="zone"):
        nodegen.nodes_for_group({"name": "g", "instance_type": "m6i.large", "count": 1})


@pytest.mark.parametrize("scenario", ["triton_vllm", "trtllm_multinode", "neuron_vllm", "vllm_karpenter"])
def test_scenario_presets_generate_nodes(scenario):
    from tools.testbed import testbed

    made = nodegen.nodes_for_groups(testbed.load_scenario(scenario))
    assert made
    for node in made:
        assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_seed_000_preset_matches_seed():
    # scenarios.md: seed 000 §gpu_nodegroup -- core 2 x m6i.large; gpu 4 x g4dn.xlarge tainted
    from tools.testbed import testbed

    made = nodegen.nodes_for_groups(testbed.load_scenario("triton_vllm"))
    types = sorted(n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in made)
    assert types == ["g4dn.xlarge"] * 4 + ["m6i.large"] * 2
    gpu = [n for n in made if n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == "gpu"]
    assert all(n["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}] for n in gpu)
