"""The test cluster's fake nodes: node groups in the roles' shape -> Kubernetes Node objects.

Capacity expectations are written here from the AWS EC2 instance-type pages, the EFA supported
instance list, amazon-vpc-cni-k8s eni-max-pods.txt and the EKS AMI bootstrap reservation
formula, not taken from plugins/module_utils/instance_types.py or the generator. Counts, labels,
taints and zones are taken from the input (the scenario file, the role defaults, the inventory).
"""

import os

import pytest
import yaml

from tools.testbed import nodes as nodegen

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]

# instance type: (vCPUs, memory GiB, NVIDIA GPUs, Neuron devices, NeuronCores, EFA, max pods)
AWS_SPECS = {
    "m6i.large": (2, 8, 0, 0, 0, 0, 29),
    "m5.xlarge": (4, 16, 0, 0, 0, 0, 58),
    "c5.2xlarge": (8, 16, 0, 0, 0, 0, 58),
    "g4dn.xlarge": (4, 16, 1, 0, 0, 0, 29),
    "g5.12xlarge": (48, 192, 4, 0, 0, 1, 737),
    "p4d.24xlarge": (96, 1152, 8, 0, 0, 4, 737),
    "p5.48xlarge": (192, 2048, 8, 0, 0, 32, 100),
    "inf2.48xlarge": (192, 768, 0, 12, 24, 0, 737),
}


def _group(instance_type="m6i.large", size=1, name="g", **extra):
    return dict(name=name, instance_type=instance_type, min_size=size, max_size=size, desired_size=size, **extra)


def _node(instance_type, **extra):
    (node,) = nodegen.nodes_for_group(_group(instance_type, **extra), ZONES)
    return node


def _load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def _write_scenario(tmp_path, name, values):
    (tmp_path / ("scenario_%s.yml" % name)).write_text(yaml.safe_dump(values))
    return str(tmp_path)


def _capacity_matches(node, instance_type, efa=False):
    vcpus, mem_gib, gpus, neuron, cores, max_efa, max_pods = AWS_SPECS[instance_type]
    cap = node["status"]["capacity"]
    assert node["metadata"]["labels"]["node.kubernetes.io/instance-type"] == instance_type
    assert cap["cpu"] == str(vcpus)
    assert cap["memory"] == "%dMi" % (mem_gib * 1024)
    assert cap["pods"] == str(max_pods)
    assert cap.get("nvidia.com/gpu", "0") == str(gpus)
    assert cap.get("aws.amazon.com/neuron", "0") == str(neuron)
    assert cap.get("aws.amazon.com/neurondevice", "0") == str(neuron)
    assert cap.get("aws.amazon.com/neuroncore", "0") == str(cores)
    assert cap.get("vpc.amazonaws.com/efa", "0") == str(max_efa if efa else 0)
    # EKS EFA nodes pre-allocate 2 MiB huge pages for libfabric; others have none
    assert cap["hugepages-2Mi"] == ("5128Mi" if efa else "0Mi")
    for key in ("nvidia.com/gpu", "aws.amazon.com/neuron", "vpc.amazonaws.com/efa", "pods"):
        assert node["status"]["allocatable"].get(key) == cap.get(key)


# ---------------------------------------------------------------- one node group -> nodes


@pytest.mark.parametrize("instance_type", sorted(AWS_SPECS))
def test_capacity_matches_aws_specs(instance_type, record_property):
    record_property("stand_in", "test double: kwok fake nodes (no containers run)")
    efa = AWS_SPECS[instance_type][5] > 0
    _capacity_matches(_node(instance_type, efa=efa), instance_type, efa=efa)


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


def test_disk_size_becomes_ephemeral_storage():
    # the role's default root volume is 100 GiB; 10 % nodefs eviction threshold
    assert _node("m6i.large")["status"]["capacity"]["ephemeral-storage"] == str(100 * 2**30)
    node = _node("m6i.large", disk_size=300)
    assert node["status"]["capacity"]["ephemeral-storage"] == str(300 * 2**30)
    assert node["status"]["allocatable"]["ephemeral-storage"] == str(300 * 2**30 - 30 * 2**30)


def test_eks_labels_taints_zones_and_annotation():
    group = _group(
        "g4dn.xlarge",
        size=4,
        name="gpu",
        labels={"nvidia.com/gpu.present": "true"},
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
        capacity_type="SPOT",
    )
    made = nodegen.nodes_for_group(group, ["us-west-2a", "us-west-2b"])
    assert len(made) == 4
    assert len({n["metadata"]["name"] for n in made}) == 4
    assert [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in made] == [
        "us-west-2a",
        "us-west-2b",
        "us-west-2a",
        "us-west-2b",
    ]
    labels = made[1]["metadata"]["labels"]
    assert labels["node.kubernetes.io/instance-type"] == "g4dn.xlarge"
    assert labels["eks.amazonaws.com/nodegroup"] == "gpu"
    assert labels["eks.amazonaws.com/capacityType"] == "SPOT"
    assert labels["topology.kubernetes.io/region"] == "us-west-2"
    assert labels["kubernetes.io/arch"] == "amd64"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["nvidia.com/gpu.present"] == "true"
    assert "karpenter.sh/nodepool" not in labels
    assert made[0]["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
    assert made[0]["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_efa_group_lives_in_one_zone():
    # gpu_nodegroup argument spec: an EFA group has one subnet, by default the first private subnet's
    made = nodegen.nodes_for_group(_group("g5.12xlarge", size=3, efa=True), ZONES)
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in made} == {ZONES[0]}
    made = nodegen.nodes_for_group(_group("g5.12xlarge", size=2, efa=True, availability_zone="us-east-1c"), ZONES)
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in made} == {"us-east-1c"}


def test_core_group_shape_uses_its_first_instance_type():
    core = {
        "name": "core",
        "instance_types": ["m5.xlarge", "m6i.large"],
        "min_size": 1,
        "max_size": 3,
        "desired_size": 2,
    }
    made = nodegen.nodes_for_group(core, ZONES)
    assert len(made) == 2
    _capacity_matches(made[0], "m5.xlarge")
    assert made[0]["metadata"]["labels"]["eks.amazonaws.com/capacityType"] == "ON_DEMAND"


def test_karpenter_nodes():
    labels = _node("g5.8xlarge", karpenter_nodepool="gpu-nodepool", capacity_type="SPOT")["metadata"]["labels"]
    assert labels["karpenter.sh/nodepool"] == "gpu-nodepool"
    assert labels["karpenter.sh/capacity-type"] == "spot"
    assert "eks.amazonaws.com/nodegroup" not in labels


def test_errors():
    with pytest.raises(nodegen.NodeGroupError, match="unknown instance type"):
        _node("x9.huge")
    with pytest.raises(nodegen.NodeGroupError, match="does not support EFA"):
        _node("g4dn.xlarge", efa=True)
    with pytest.raises(nodegen.NodeGroupError, match="no availability zones"):
        nodegen.nodes_for_group(_group(), [])
    # the test cluster's former private shape is refused: only the roles' keys (and karpenter_nodepool)
    with pytest.raises(nodegen.NodeGroupError, match="unknown key.*count.*desired_size"):
        nodegen.nodes_for_group({"name": "g", "instance_type": "m6i.large", "count": 1, "zone": "us-east-1a"}, ZONES)
    with pytest.raises(nodegen.NodeGroupError, match="desired_size"):
        nodegen.nodes_for_group({"name": "g", "instance_type": "m6i.large", "min_size": 1, "max_size": 1}, ZONES)
    with pytest.raises(nodegen.NodeGroupError, match="NoSchedule"):
        _node("m6i.large", taints=[{"key": "k", "value": "v", "effect": "NO_SCHEDULE"}])


# ---------------------------------------------------------------- a scenario's variables -> node groups


def test_scenario_file_nodes(tmp_path):
    values = {
        "eks_llm_model_bucket": "{{ eks_llm_cluster_name }}-models",  # templated, but not a node-group key
        "vpc_eks_core_node_group": {
            "name": "system",
            "instance_types": ["m5.xlarge"],
            "min_size": 1,
            "max_size": 3,
            "desired_size": 2,
        },
        "gpu_nodegroup_node_groups": [
            _group(
                "g5.12xlarge",
                size=3,
                name="efa",
                efa=True,
                disk_size=300,
                labels={"nvidia.com/gpu": "present"},
                taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}],
            ),
            dict(_group("inf2.48xlarge", name="neuron"), min_size=0, max_size=2),
        ],
    }
    groups = nodegen.node_groups_for("demo", group_vars_dir=_write_scenario(tmp_path, "demo", values))
    made = nodegen.nodes_for_groups(groups, ZONES)

    by_group = {}
    for node in made:
        by_group.setdefault(node["metadata"]["labels"]["eks.amazonaws.com/nodegroup"], []).append(node)
    assert {name: len(nodes) for name, nodes in by_group.items()} == {"system": 2, "efa": 3, "neuron": 1}
    for node in by_group["system"]:
        _capacity_matches(node, "m5.xlarge")
        assert node["spec"]["taints"] == []
    for node in by_group["efa"]:
        _capacity_matches(node, "g5.12xlarge", efa=True)
        assert node["metadata"]["labels"]["nvidia.com/gpu"] == "present"
        assert node["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
        assert node["status"]["capacity"]["ephemeral-storage"] == str(300 * 2**30)
    _capacity_matches(by_group["neuron"][0], "inf2.48xlarge")


def test_scenario_without_a_variable_takes_the_role_default(tmp_path):
    values = {"gpu_nodegroup_node_groups": [_group("g4dn.xlarge", size=1, name="gpu")]}
    groups = nodegen.node_groups_for("demo", group_vars_dir=_write_scenario(tmp_path, "demo", values))
    core = _load(os.path.join(REPO, "roles", "vpc_eks", "defaults", "main.yml"))["vpc_eks_core_node_group"]
    made = nodegen.nodes_for_groups(groups, ZONES)
    core_nodes = [n for n in made if n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == core["name"]]
    assert len(core_nodes) == core["desired_size"]
    assert {n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in core_nodes} == {
        core["instance_types"][0]
    }


def test_templated_node_group_is_refused(tmp_path):
    group = dict(_group("g4dn.xlarge", name="gpu"), desired_size="{{ gpu_count }}")
    group_vars = _write_scenario(tmp_path, "demo", {"gpu_nodegroup_node_groups": [group]})
    with pytest.raises(nodegen.NodeGroupError, match=r"gpu_nodegroup_node_groups\[0\]\.desired_size is templated"):
        nodegen.node_groups_for("demo", group_vars_dir=group_vars)


def test_bad_node_group_in_a_scenario_names_the_file(tmp_path):
    group_vars = _write_scenario(tmp_path, "demo", {"gpu_nodegroup_node_groups": [{"name": "gpu", "count": 2}]})
    with pytest.raises(nodegen.NodeGroupError, match="scenario_demo.yml: gpu_nodegroup_node_groups: .*count"):
        nodegen.node_groups_for("demo", group_vars_dir=group_vars)


def test_karpenter_mode_is_not_derived(tmp_path):
    group_vars = _write_scenario(tmp_path, "demo", {"gpu_nodegroup_mode": "karpenter"})
    with pytest.raises(nodegen.NodeGroupError, match="karpenter"):
        nodegen.node_groups_for("demo", group_vars_dir=group_vars)


def test_unknown_scenario_names_the_known_ones(tmp_path):
    group_vars = _write_scenario(tmp_path, "demo", {})
    with pytest.raises(nodegen.NodeGroupError, match="unknown scenario 'nope'.*known: demo"):
        nodegen.node_groups_for("nope", group_vars_dir=group_vars)


@pytest.mark.parametrize(
    "path", sorted(f for f in os.listdir(os.path.join(REPO, "group_vars")) if f.startswith("scenario_"))
)
def test_every_scenario_yields_its_nodes(path):
    """Each scenario's own node-group values -> that many nodes of those instance types, spread
    over the zones of inventories/aws (the inventory the rehearsal runs)."""
    scenario = path[len("scenario_") : -len(".yml")]
    values = _load(os.path.join(REPO, "group_vars", path))
    core = values.get("vpc_eks_core_node_group")
    if core is None:
        core = _load(os.path.join(REPO, "roles", "vpc_eks", "defaults", "main.yml"))["vpc_eks_core_node_group"]
    gpu_groups = values.get("gpu_nodegroup_node_groups")
    if gpu_groups is None:
        gpu_groups = _load(os.path.join(REPO, "roles", "gpu_nodegroup", "defaults", "main.yml"))[
            "gpu_nodegroup_node_groups"
        ]
    expected = {core["name"]: (core["instance_types"][0], core["desired_size"], False, [], {})}
    for group in gpu_groups:
        expected[group["name"]] = (
            group["instance_type"],
            group["desired_size"],
            group.get("efa", False),
            group.get("taints", []),
            group.get("labels", {}),
        )
    zones = _load(os.path.join(REPO, "inventories", "aws", "group_vars", "all.yml"))["eks_llm_availability_zones"]

    made = nodegen.nodes_for_groups(nodegen.node_groups_for(scenario))
    for name, (instance_type, count, efa, taints, labels) in expected.items():
        nodes = [n for n in made if n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == name]
        assert len(nodes) == count, name
        for node in nodes:
            _capacity_matches(node, instance_type, efa=efa)
            assert node["spec"]["taints"] == [{k: str(v) for k, v in t.items()} for t in taints]
            assert {k: str(v) for k, v in labels.items()}.items() <= node["metadata"]["labels"].items()
            assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] in zones
    assert len(made) == sum(item[1] for item in expected.values())


def test_node_groups_file_for_the_cli(tmp_path):
    from tools.testbed import testbed

    listed = tmp_path / "groups.yml"
    listed.write_text(yaml.safe_dump([_group("m5.xlarge", size=2, name="cpu")]))
    assert [g["desired_size"] for g in testbed.load_node_groups(str(listed))] == [2]
    variables = tmp_path / "vars.yml"
    variables.write_text(yaml.safe_dump({"gpu_nodegroup_node_groups": [_group("g4dn.xlarge", size=3, name="gpu")]}))
    groups = testbed.load_node_groups(str(variables))
    assert [g["name"] for g in groups][-1] == "gpu" and groups[-1]["desired_size"] == 3
