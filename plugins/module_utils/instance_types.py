# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of EC2 instance types used by eks_llm.inference.

The table answers, for validation, for the test cluster's fake nodes, for engine settings and for the
benchmark report: how many vCPUs, how much memory, which accelerators (NVIDIA GPUs with their compute
capability, Neuron devices and cores), whether the GPUs of one instance are linked by NVLink/NVSwitch,
how many EFA interfaces, how many pods, and what an hour costs.

Sources (every number in the rows below comes from one of them; a type whose numbers could not be
sourced is left out rather than guessed):

- vCPUs, memory (MiB), accelerator count, Neuron cores, maximum EFA interfaces: the EC2
  DescribeInstanceTypes data as published in Karpenter's instance-type reference
  (aws/karpenter-provider-aws ``website/content/en/docs/reference/instance-types.md``, July 2026), cross-checked
  with the EC2 User Guide (accelerated computing specifications, "Network cards" table, Elastic Fabric
  Adapter "Supported instance types"). p3 (not in that reference): the AWS P3 launch post
  (vCPUs, memory, V100 count, NVLink on p3.8xlarge and p3.16xlarge).
- Max pods: amazon-vpc-cni-k8s ``misc/eni-max-pods.txt`` (one value per type).
- Price: on-demand Linux list price in ``PRICE_REGION`` as of ``PRICE_DATE`` (the AWS Price List data
  that Karpenter ships as ``pkg/providers/pricing/zz_generated.pricing_aws.go``). ``None`` where AWS lists
  no on-demand price for the type in that region (capacity blocks or reservations only).
- Accelerator memory (``memory_gib``, per device, as AWS quotes it): the AWS instance pages; Neuron devices:
  the AWS Neuron architecture guides (Inferentia 8 GiB, Inferentia2 and Trainium 32 GiB, Trainium2 96 GiB).
- Neuron cores per device: AWS Neuron architecture guides (Inferentia 4 NeuronCore-v1, Inferentia2 and
  Trainium 2 NeuronCore-v2, Trainium2 8 NeuronCore-v3; physical cores, before Logical NeuronCore
  Configuration groups them).
- GPU compute capability and architecture: NVIDIA "CUDA GPU Compute Capability" (and its legacy page for
  V100). The A10G is AWS's variant of the A10 (8.6).
- NVLink: AWS instance pages (p3.8xlarge/16xlarge and p3dn NVLink; p4d/p4de, p5/p5e/p5en and p6-b200
  NVSwitch); g4dn, g5, g6, g6e and gr6 GPUs (T4, A10G, L4, L40S) talk over PCIe only. ``nvlink`` is true
  only for a type with two or more GPUs linked to each other.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# The prices of the table: on-demand, Linux, this region, this date.
PRICE_REGION = "us-east-1"
PRICE_DATE = "2026-07-20"

# NVIDIA GPU model -> (compute capability, architecture). A GPU fact, so it lives here once, not per row.
_NVIDIA_GPUS = {
    "NVIDIA V100": ("7.0", "Volta"),
    "NVIDIA T4": ("7.5", "Turing"),
    "NVIDIA A100": ("8.0", "Ampere"),
    "NVIDIA A10G": ("8.6", "Ampere"),
    "NVIDIA L4": ("8.9", "Ada Lovelace"),
    "NVIDIA L40S": ("8.9", "Ada Lovelace"),
    "NVIDIA H100": ("9.0", "Hopper"),
    "NVIDIA H200": ("9.0", "Hopper"),
    "NVIDIA B200": ("10.0", "Blackwell"),
}

# FlashAttention 3 is built for Hopper only (compute capability 9.0); Ampere, Ada and Blackwell lack it.
_FA3_COMPUTE_CAPABILITIES = ("9.0",)

# instance type -> dict(vcpus, memory_mib, accelerator, max_efa, max_pods, nvlink, price_usd_per_hour)
# accelerator: None, or dict(kind, model, count, memory_gib[, cores_per_device]); kind "nvidia"
# (nvidia.com/gpu) or "neuron" (aws.amazon.com/neuron); memory_gib is per accelerator device.
_TABLE = {}


def _nvidia(model, memory_gib):
    return dict(kind="nvidia", model=model, memory_gib=memory_gib)


def _neuron(model, memory_gib, cores_per_device):
    return dict(kind="neuron", model=model, memory_gib=memory_gib, cores_per_device=cores_per_device)


def _family(family, accelerator, rows, nvlink=False):
    """Add the sizes of one family.

    ``rows``: (size, vcpus, memory_mib, accelerators, max_efa, max_pods, usd_per_hour), accelerators 0
    when ``accelerator`` is None. ``nvlink``: the family links its GPUs by NVLink/NVSwitch (true on a
    row only when that size has two or more GPUs).
    """
    for size, vcpus, memory_mib, count, max_efa, max_pods, usd_per_hour in rows:
        acc = None
        if accelerator is not None:
            acc = dict(kind=accelerator["kind"], model=accelerator["model"], count=count,
                       memory_gib=accelerator["memory_gib"])
            if "cores_per_device" in accelerator:
                acc["cores_per_device"] = accelerator["cores_per_device"]
        _TABLE["%s.%s" % (family, size)] = dict(
            vcpus=vcpus, memory_mib=memory_mib, accelerator=acc, max_efa=max_efa, max_pods=max_pods,
            nvlink=bool(nvlink and count > 1), price_usd_per_hour=usd_per_hour,
        )


# Rows: (size, vcpus, memory_mib, accelerators, max_efa, max_pods, usd_per_hour)

# ---- NVIDIA GPU families -------------------------------------------------------------------------
_family("g4dn", _nvidia("NVIDIA T4", 16), rows=[
    ("xlarge", 4, 16384, 1, 0, 29, 0.526),
    ("2xlarge", 8, 32768, 1, 0, 29, 0.752),
    ("4xlarge", 16, 65536, 1, 0, 29, 1.204),
    ("8xlarge", 32, 131072, 1, 1, 58, 2.176),
    ("12xlarge", 48, 196608, 4, 1, 234, 3.912),
    ("16xlarge", 64, 262144, 1, 1, 58, 4.352),
    ("metal", 96, 393216, 8, 1, 737, 7.824),
])
_family("g5", _nvidia("NVIDIA A10G", 24), rows=[
    ("xlarge", 4, 16384, 1, 0, 58, 1.006),
    ("2xlarge", 8, 32768, 1, 0, 58, 1.212),
    ("4xlarge", 16, 65536, 1, 0, 234, 1.624),
    ("8xlarge", 32, 131072, 1, 1, 234, 2.448),
    ("12xlarge", 48, 196608, 4, 1, 737, 5.672),
    ("16xlarge", 64, 262144, 1, 1, 234, 4.096),
    ("24xlarge", 96, 393216, 4, 1, 737, 8.144),
    ("48xlarge", 192, 786432, 8, 1, 345, 16.288),
])
_family("g6", _nvidia("NVIDIA L4", 24), rows=[
    ("xlarge", 4, 16384, 1, 0, 58, 0.8048),
    ("2xlarge", 8, 32768, 1, 0, 58, 0.9776),
    ("4xlarge", 16, 65536, 1, 0, 234, 1.3232),
    ("8xlarge", 32, 131072, 1, 1, 234, 2.0144),
    ("12xlarge", 48, 196608, 4, 1, 234, 4.6016),
    ("16xlarge", 64, 262144, 1, 1, 737, 3.3968),
    ("24xlarge", 96, 393216, 4, 1, 737, 6.6752),
    ("48xlarge", 192, 786432, 8, 1, 737, 13.3504),
])
_family("gr6", _nvidia("NVIDIA L4", 24), rows=[
    ("4xlarge", 16, 131072, 1, 0, 234, 1.5392),
    ("8xlarge", 32, 262144, 1, 1, 234, 2.4464),
])
_family("g6e", _nvidia("NVIDIA L40S", 48), rows=[
    ("xlarge", 4, 32768, 1, 0, 58, 1.861),
    ("2xlarge", 8, 65536, 1, 0, 58, 2.24208),
    ("4xlarge", 16, 131072, 1, 0, 234, 3.00424),
    ("8xlarge", 32, 262144, 1, 1, 234, 4.52856),
    ("12xlarge", 48, 393216, 4, 1, 292, 10.49264),
    ("16xlarge", 64, 524288, 1, 1, 737, 7.57719),
    ("24xlarge", 96, 786432, 4, 2, 492, 15.06559),
    ("48xlarge", 192, 1572864, 8, 4, 492, 30.13118),
])
_family("p3", _nvidia("NVIDIA V100", 16), nvlink=True, rows=[
    ("2xlarge", 8, 62464, 1, 0, 58, 3.06),
    ("8xlarge", 32, 249856, 4, 0, 234, 12.24),
    ("16xlarge", 64, 499712, 8, 0, 234, 24.48),
])
_family("p3dn", _nvidia("NVIDIA V100", 32), nvlink=True, rows=[
    ("24xlarge", 96, 786432, 8, 1, 737, 31.212),
])
_family("p4d", _nvidia("NVIDIA A100", 40), nvlink=True, rows=[
    ("24xlarge", 96, 1179648, 8, 4, 737, 21.957642),
])
_family("p4de", _nvidia("NVIDIA A100", 80), nvlink=True, rows=[
    ("24xlarge", 96, 1179648, 8, 4, 737, 27.44705),
])
_family("p5", _nvidia("NVIDIA H100", 80), nvlink=True, rows=[
    ("4xlarge", 16, 262144, 1, 1, 118, 6.88),
    ("48xlarge", 192, 2097152, 8, 32, 100, 55.04),
])
_family("p5e", _nvidia("NVIDIA H200", 141), nvlink=True, rows=[
    ("48xlarge", 192, 2097152, 8, 32, 100, None),
])
_family("p5en", _nvidia("NVIDIA H200", 141), nvlink=True, rows=[
    ("48xlarge", 192, 2097152, 8, 16, 198, 63.296),
])
_family("p6-b200", _nvidia("NVIDIA B200", 180), nvlink=True, rows=[
    ("48xlarge", 192, 2097152, 8, 8, 198, 113.9328),
])

# ---- AWS Neuron families (Inferentia, Trainium) --------------------------------------------------
_family("inf1", _neuron("AWS Inferentia", 8, 4), rows=[
    ("xlarge", 4, 8192, 1, 0, 38, 0.228),
    ("2xlarge", 8, 16384, 1, 0, 38, 0.362),
    ("6xlarge", 24, 49152, 4, 0, 234, 1.18),
    ("24xlarge", 96, 196608, 16, 1, 321, 4.721),
])
_family("inf2", _neuron("AWS Inferentia2", 32, 2), rows=[
    ("xlarge", 4, 16384, 1, 0, 58, 0.7582),
    ("8xlarge", 32, 131072, 1, 0, 234, 1.96786),
    ("24xlarge", 96, 393216, 6, 0, 737, 6.49063),
    ("48xlarge", 192, 786432, 12, 0, 737, 12.98127),
])
_family("trn1", _neuron("AWS Trainium", 32, 2), rows=[
    ("2xlarge", 8, 32768, 1, 0, 58, 1.34375),
    ("32xlarge", 128, 524288, 16, 8, 247, 21.5),
])
_family("trn1n", _neuron("AWS Trainium", 32, 2), rows=[
    ("32xlarge", 128, 524288, 16, 16, 247, 24.78),
])
_family("trn2", _neuron("AWS Trainium2", 96, 8), rows=[
    ("48xlarge", 192, 2097152, 16, 16, 100, None),
])

# ---- General purpose, compute and memory optimized (no accelerator) ------------------------------
# Within these families every size has the same memory and price per vCPU, and max pods follow one ladder
# (eni-max-pods.txt): (size, vcpus, max_pods).
_CPU_SIZES = {
    "large": (2, 29), "xlarge": (4, 58), "2xlarge": (8, 58), "4xlarge": (16, 234), "8xlarge": (32, 234),
    "9xlarge": (36, 234),
}


def _cpu_family(family, mib_per_vcpu, usd_per_vcpu_hour, sizes=("large", "xlarge", "2xlarge", "4xlarge", "8xlarge")):
    """Add a family without accelerators from its memory and on-demand price per vCPU."""
    _family(family, None, rows=[
        (size, _CPU_SIZES[size][0], _CPU_SIZES[size][0] * mib_per_vcpu, 0, 0, _CPU_SIZES[size][1],
         round(_CPU_SIZES[size][0] * usd_per_vcpu_hour, 6))
        for size in sizes
    ])


_cpu_family("m5", 4096, 0.048)
_cpu_family("m6i", 4096, 0.048)
_cpu_family("m7i", 4096, 0.0504)
_cpu_family("c5", 2048, 0.0425, sizes=("large", "xlarge", "2xlarge", "4xlarge", "9xlarge"))
_cpu_family("c6i", 2048, 0.0425)
_cpu_family("c7i", 2048, 0.044625)
_cpu_family("r6i", 8192, 0.063)


class UnknownInstanceType(ValueError):
    """Raised for an instance type the table does not know."""


def known_instance_types():
    """Sorted list of the instance types in the table."""
    return sorted(_TABLE)


def get(instance_type):
    """Return a copy of the spec of ``instance_type`` with derived fields.

    Keys: instance_type, family, vcpus, memory_mib, accelerator (dict or None),
    accelerator_kind ("nvidia" | "neuron" | None), gpus, neuron_devices, neuron_cores,
    max_efa, efa_supported, max_pods, nvlink, compute_capability ("major.minor" or None),
    gpu_architecture (or None), fa3_supported, price_usd_per_hour (or None), price_region, price_date.
    """
    try:
        spec = copy.deepcopy(_TABLE[instance_type])
    except KeyError:
        raise UnknownInstanceType(
            "unknown instance type %r; known instance types: %s"
            % (instance_type, ", ".join(known_instance_types()))
        )
    acc = spec["accelerator"]
    kind = acc["kind"] if acc else None
    compute_capability, architecture = _NVIDIA_GPUS[acc["model"]] if kind == "nvidia" else (None, None)
    spec["instance_type"] = instance_type
    spec["family"] = instance_type.split(".", 1)[0]
    spec["accelerator_kind"] = kind
    spec["gpus"] = acc["count"] if kind == "nvidia" else 0
    spec["neuron_devices"] = acc["count"] if kind == "neuron" else 0
    spec["neuron_cores"] = acc["count"] * acc["cores_per_device"] if kind == "neuron" else 0
    spec["efa_supported"] = spec["max_efa"] > 0
    spec["compute_capability"] = compute_capability
    spec["gpu_architecture"] = architecture
    spec["fa3_supported"] = compute_capability in _FA3_COMPUTE_CAPABILITIES
    spec["price_region"] = PRICE_REGION
    spec["price_date"] = PRICE_DATE
    return spec


def table():
    """The whole table, each entry as returned by :func:`get`."""
    return dict((name, get(name)) for name in known_instance_types())
