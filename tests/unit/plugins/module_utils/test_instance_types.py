"""The instance-type table (plugins/module_utils/instance_types.py): invariants that can fail.

Expected values are copied by hand from sources independent of the table, each named where it is used:
NVIDIA's "CUDA GPU Compute Capability" page, the EC2 User Guide (Elastic Fabric Adapter "Supported
instance types" and the "Network cards" table), the AWS Neuron architecture guides, amazon-vpc-cni-k8s
eni-max-pods.txt, and the seed facts in shared/specs/scenarios.md (read at test time).
"""

import collections
import importlib.util
import os
import re

import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils import instance_types

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCENARIOS_MD = os.path.join(os.path.dirname(REPO), "shared", "specs", "scenarios.md")

ALL = instance_types.table()
NVIDIA = sorted(name for name, spec in ALL.items() if spec["accelerator_kind"] == "nvidia")
NEURON = sorted(name for name, spec in ALL.items() if spec["accelerator_kind"] == "neuron")
PLAIN = sorted(name for name, spec in ALL.items() if spec["accelerator_kind"] is None)

# NVIDIA "CUDA GPU Compute Capability" (developer.nvidia.com/cuda-gpus; V100 on the legacy page).
# The A10G is AWS's A10 (8.6).
NVIDIA_COMPUTE_CAPABILITY = {
    "NVIDIA V100": "7.0",
    "NVIDIA T4": "7.5",
    "NVIDIA A100": "8.0",
    "NVIDIA A10G": "8.6",
    "NVIDIA L4": "8.9",
    "NVIDIA L40S": "8.9",
    "NVIDIA H100": "9.0",
    "NVIDIA H200": "9.0",
    "NVIDIA B200": "10.0",
}

# EC2 User Guide, Elastic Fabric Adapter > Supported instance types (accelerated computing), restricted to
# the families of the table. None of the general-purpose, compute or memory sizes of the table (up to
# 8xlarge, c5.9xlarge) supports EFA: the page lists only their 24xlarge/32xlarge/metal sizes (and c5n).
EFA_DOCS = {
    "g4dn.8xlarge", "g4dn.12xlarge", "g4dn.16xlarge", "g4dn.metal",
    "g5.8xlarge", "g5.12xlarge", "g5.16xlarge", "g5.24xlarge", "g5.48xlarge",
    "g6.8xlarge", "g6.12xlarge", "g6.16xlarge", "g6.24xlarge", "g6.48xlarge",
    "g6e.8xlarge", "g6e.12xlarge", "g6e.16xlarge", "g6e.24xlarge", "g6e.48xlarge",
    "gr6.8xlarge",
    "inf1.24xlarge",
    "p3dn.24xlarge", "p4d.24xlarge", "p4de.24xlarge", "p5.4xlarge", "p5.48xlarge", "p5e.48xlarge",
    "p5en.48xlarge", "p6-b200.48xlarge",
    "trn1.32xlarge", "trn1n.32xlarge", "trn2.48xlarge",
}
# EC2 User Guide, Elastic network interfaces > Network cards: types with more than one network card and
# their card count; one EFA per card. Every other EFA type has one card, so one EFA.
NETWORK_CARDS = {
    "g6e.24xlarge": 2, "g6e.48xlarge": 4, "p4d.24xlarge": 4, "p4de.24xlarge": 4, "p5.48xlarge": 32,
    "p5e.48xlarge": 32, "p5en.48xlarge": 16, "p6-b200.48xlarge": 8, "trn1.32xlarge": 8,
    "trn1n.32xlarge": 16, "trn2.48xlarge": 16,
}

# AWS instance pages: GPUs of one instance linked by NVLink/NVSwitch (P3 launch post: NVLink on the two
# larger p3 sizes; p3dn NVLink; p4d/p4de, p5/p5e/p5en, p6-b200 NVSwitch). g4dn/g5/g6/gr6/g6e: PCIe only.
NVLINK_TYPES = {
    "p3.8xlarge", "p3.16xlarge", "p3dn.24xlarge", "p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge",
    "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge",
}

# Types AWS lists no on-demand price for in us-east-1 (capacity blocks or reservations only).
NO_ON_DEMAND_PRICE = {"p5e.48xlarge", "trn2.48xlarge"}

# amazon-vpc-cni-k8s misc/eni-max-pods.txt
ENI_MAX_PODS = {
    "m6i.large": 29, "m6i.xlarge": 58, "m5.xlarge": 58, "c5.2xlarge": 58, "g4dn.xlarge": 29,
    "g5.8xlarge": 234, "g5.12xlarge": 737, "g5.48xlarge": 345, "g6.xlarge": 58, "g6e.12xlarge": 292,
    "inf2.48xlarge": 737, "p5.48xlarge": 100, "p5en.48xlarge": 198, "trn1.32xlarge": 247,
}

# AWS Neuron architecture guides: NeuronCores of one instance (inf1.24xlarge 16 Inferentia x 4 NeuronCore-v1;
# inf2.48xlarge 12 Inferentia2 x 2; trn1.32xlarge 16 Trainium x 2; trn2.48xlarge 16 Trainium2 x 8).
NEURON_CORES = {"inf1.24xlarge": 64, "inf2.48xlarge": 24, "trn1.32xlarge": 32, "trn2.48xlarge": 128}

# EC2 instance type pages: memory per vCPU of the families without accelerators.
MIB_PER_VCPU = {"m5": 4096, "m6i": 4096, "m7i": 4096, "c5": 2048, "c6i": 2048, "c7i": 2048, "r6i": 8192}

KEYS = {
    "instance_type", "family", "vcpus", "memory_mib", "accelerator", "accelerator_kind", "gpus",
    "neuron_devices", "neuron_cores", "max_efa", "efa_supported", "max_pods", "nvlink", "compute_capability",
    "gpu_architecture", "fa3_supported", "price_usd_per_hour", "price_region", "price_date",
}


def _scenarios():
    if not os.path.isfile(SCENARIOS_MD):
        pytest.fail("scenarios.md not found at %s (shared/ must sit beside the repository)" % SCENARIOS_MD)
    with open(SCENARIOS_MD, encoding="utf-8") as handle:
        return handle.read()


def test_every_entry_has_the_same_keys():
    for name, spec in ALL.items():
        assert set(spec) == KEYS, name
        assert spec["instance_type"] == name and name.startswith(spec["family"] + ".")


def test_table_and_known_types_agree():
    assert sorted(ALL) == instance_types.known_instance_types()
    assert len(ALL) >= 80


def test_issue_11_examples_are_known():
    for name in ("g6.xlarge", "m6i.xlarge", "g6e.xlarge", "p5en.48xlarge", "trn2.48xlarge", "inf2.xlarge"):
        assert name in ALL


@pytest.mark.parametrize("name", NVIDIA)
def test_nvidia_types(name):
    spec = ALL[name]
    assert spec["gpus"] >= 1 and spec["gpus"] == spec["accelerator"]["count"]
    assert spec["neuron_devices"] == spec["neuron_cores"] == 0
    assert spec["compute_capability"] == NVIDIA_COMPUTE_CAPABILITY[spec["accelerator"]["model"]]
    assert spec["gpu_architecture"]
    assert spec["accelerator"]["memory_gib"] >= 16


@pytest.mark.parametrize("name", NEURON)
def test_neuron_types(name):
    spec = ALL[name]
    acc = spec["accelerator"]
    assert spec["neuron_devices"] == acc["count"] >= 1
    assert spec["neuron_cores"] == acc["count"] * acc["cores_per_device"]
    assert spec["gpus"] == 0 and spec["compute_capability"] is None and spec["gpu_architecture"] is None
    assert not spec["nvlink"] and not spec["fa3_supported"]


def test_neuron_cores_match_the_neuron_guides():
    assert {name: ALL[name]["neuron_cores"] for name in NEURON_CORES} == NEURON_CORES


@pytest.mark.parametrize("name", PLAIN)
def test_types_without_accelerator(name):
    spec = ALL[name]
    assert spec["accelerator"] is None
    assert spec["gpus"] == spec["neuron_devices"] == spec["neuron_cores"] == 0
    assert spec["compute_capability"] is None and not spec["nvlink"] and not spec["fa3_supported"]
    assert spec["memory_mib"] == spec["vcpus"] * MIB_PER_VCPU[spec["family"]]


def test_efa_types_match_the_efa_docs():
    assert {name for name, spec in ALL.items() if spec["efa_supported"]} == EFA_DOCS & set(ALL)
    assert EFA_DOCS <= set(ALL), "EFA types of the docs missing from the table: %s" % (EFA_DOCS - set(ALL))


def test_efa_interface_counts_match_the_network_cards():
    for name in EFA_DOCS:
        assert ALL[name]["max_efa"] == NETWORK_CARDS.get(name, 1), name
    for name, spec in ALL.items():
        assert spec["efa_supported"] == (spec["max_efa"] > 0), name


def test_nvlink():
    assert {name for name, spec in ALL.items() if spec["nvlink"]} == NVLINK_TYPES
    for name in NVLINK_TYPES:
        assert ALL[name]["gpus"] >= 2, "NVLink needs two GPUs to link: %s" % name


def test_flash_attention_3_only_on_hopper():
    # FlashAttention 3 targets compute capability 9.0 (H100, H200); seed 004 hit "Sinks are only supported in
    # FlashAttention 3" on an A10G, so a g5 must say no.
    hopper = {name for name, spec in ALL.items() if spec["accelerator_kind"] == "nvidia"
              and spec["accelerator"]["model"] in ("NVIDIA H100", "NVIDIA H200")}
    assert {name for name, spec in ALL.items() if spec["fa3_supported"]} == hopper
    assert hopper >= {"p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge"}
    assert not ALL["g5.8xlarge"]["fa3_supported"] and not ALL["p6-b200.48xlarge"]["fa3_supported"]


def test_prices():
    for name, spec in ALL.items():
        assert spec["price_region"] == instance_types.PRICE_REGION == "us-east-1"
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", spec["price_date"])
        price = spec["price_usd_per_hour"]
        if name in NO_ON_DEMAND_PRICE:
            assert price is None, name
        else:
            assert isinstance(price, float) and price > 0, name


def test_prices_grow_with_size_within_a_family():
    # Among sizes of one family with the same accelerator count, more vCPUs cost more; families without
    # accelerators are priced per vCPU.
    groups = collections.defaultdict(list)
    for spec in ALL.values():
        if spec["price_usd_per_hour"] is not None:
            count = spec["accelerator"]["count"] if spec["accelerator"] else 0
            groups[(spec["family"], count)].append((spec["vcpus"], spec["price_usd_per_hour"], spec["instance_type"]))
    for rows in groups.values():
        rows.sort()
        for (vcpus_a, price_a, name_a), (vcpus_b, price_b, name_b) in zip(rows, rows[1:]):
            assert vcpus_a < vcpus_b and price_a < price_b, (name_a, name_b)
    for name in PLAIN:
        spec = ALL[name]
        smallest = min((s for s in ALL.values() if s["family"] == spec["family"]), key=lambda s: s["vcpus"])
        per_vcpu = smallest["price_usd_per_hour"] / smallest["vcpus"]
        assert spec["price_usd_per_hour"] == pytest.approx(spec["vcpus"] * per_vcpu, rel=1e-6), name


def test_max_pods_match_eni_max_pods():
    assert {name: ALL[name]["max_pods"] for name in ENI_MAX_PODS} == ENI_MAX_PODS


def test_seed_instance_types_are_known():
    text = _scenarios()
    named = {match.lower() for match in re.findall(r"\b([A-Za-z][a-z0-9]*(?:-[a-z0-9]+)?\.(?:\d*xlarge|large|metal))\b", text)}
    assert {"m6i.large", "g4dn.xlarge", "c5.2xlarge", "g5.12xlarge", "inf2.48xlarge", "p5.48xlarge", "g5.8xlarge"} <= named
    assert named <= set(ALL), "seed instance types missing from the table: %s" % sorted(named - set(ALL))


def test_seed_gpu_counts():
    # Every sentence of scenarios.md that states a GPU count for a named instance type.
    text = _scenarios()
    stated = []
    # e.g. "`g5.12xlarge` (4 × A10G)", "G5.8xlarge (1 × A10G 24GB)"
    for name, count, model in re.findall(r"`?([A-Za-z][a-z0-9]*\.\d*xlarge)`? \((\d+) × ([A-Z][0-9A-Z]+)", text):
        stated.append((name.lower(), int(count), model))
    # e.g. "gpu: 4 × g4dn.xlarge (4/4/4), 1 GPU each"
    for name, count in re.findall(r"× ([a-z][a-z0-9]*\.\d*xlarge) \([^)]*\), (\d+) GPU each", text):
        stated.append((name, int(count), None))
    assert {entry[0] for entry in stated} >= {"g5.12xlarge", "g5.8xlarge", "g4dn.xlarge"}, stated
    for name, count, model in stated:
        assert ALL[name]["gpus"] == count, (name, count)
        if model:
            assert ALL[name]["accelerator"]["model"] == "NVIDIA " + model, (name, model)


def test_seed_001_non_nvlink_node():
    # Seed 001's GPU node (g5.12xlarge, 4 x A10G over PCIe) is where trtllm-build needs
    # --use_custom_all_reduce disable; seed 003's p5.48xlarge has NVSwitch.
    assert not ALL["g5.12xlarge"]["nvlink"] and ALL["p5.48xlarge"]["nvlink"]
    assert ALL["c5.2xlarge"]["accelerator"] is None  # seed 001's system node


def test_get_returns_a_copy():
    spec = instance_types.get("p5.48xlarge")
    spec["accelerator"]["count"] = 99
    spec["nvlink"] = False
    again = instance_types.get("p5.48xlarge")
    assert again["accelerator"]["count"] == 8 and again["nvlink"]


def test_unknown_type_names_the_known_types():
    with pytest.raises(instance_types.UnknownInstanceType) as err:
        instance_types.get("g9.huge")
    assert "unknown instance type 'g9.huge'" in str(err.value) and "g6.xlarge" in str(err.value)


def test_loads_by_path_without_the_collection():
    # tools/testbed/nodes.py loads the file by path, outside the collection's import path.
    path = os.path.join(REPO, "plugins", "module_utils", "instance_types.py")
    spec = importlib.util.spec_from_file_location("_standalone_instance_types", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.get("g6.xlarge")["gpus"] == 1
