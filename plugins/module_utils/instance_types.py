# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of EC2 instance types used by eks_llm.inference.

Values are AWS's published instance specifications (EC2 "Accelerated computing" and
"General purpose" specification pages, the EFA "supported instance types" list and the
amazon-vpc-cni-k8s ``eni-max-pods.txt`` table for max pods). The table answers, for
validation, for the test cluster's fake nodes and for the benchmark report: how many
vCPUs, how much memory, which accelerators, how many Neuron devices and cores, how many
EFA interfaces and how many pods an instance type has.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# accelerator kind: "nvidia" (nvidia.com/gpu), "neuron" (aws.amazon.com/neuron), or None.
# accelerator_memory_gib is per accelerator device.
_TABLE = {
    "m6i.large": dict(vcpus=2, memory_mib=8192, accelerator=None, max_efa=0, max_pods=29),
    "m5.xlarge": dict(vcpus=4, memory_mib=16384, accelerator=None, max_efa=0, max_pods=58),
    "g4dn.xlarge": dict(
        vcpus=4, memory_mib=16384, max_efa=0, max_pods=29,
        accelerator=dict(kind="nvidia", model="NVIDIA T4", count=1, memory_gib=16),
    ),
    "g4dn.12xlarge": dict(
        vcpus=48, memory_mib=196608, max_efa=1, max_pods=234,
        accelerator=dict(kind="nvidia", model="NVIDIA T4", count=4, memory_gib=16),
    ),
    "g5.xlarge": dict(
        vcpus=4, memory_mib=16384, max_efa=0, max_pods=58,
        accelerator=dict(kind="nvidia", model="NVIDIA A10G", count=1, memory_gib=24),
    ),
    "g5.8xlarge": dict(
        vcpus=32, memory_mib=131072, max_efa=1, max_pods=234,
        accelerator=dict(kind="nvidia", model="NVIDIA A10G", count=1, memory_gib=24),
    ),
    "g5.12xlarge": dict(
        vcpus=48, memory_mib=196608, max_efa=1, max_pods=737,
        accelerator=dict(kind="nvidia", model="NVIDIA A10G", count=4, memory_gib=24),
    ),
    "g5.48xlarge": dict(
        vcpus=192, memory_mib=786432, max_efa=1, max_pods=345,
        accelerator=dict(kind="nvidia", model="NVIDIA A10G", count=8, memory_gib=24),
    ),
    "g6e.xlarge": dict(
        vcpus=4, memory_mib=32768, max_efa=0, max_pods=58,
        accelerator=dict(kind="nvidia", model="NVIDIA L40S", count=1, memory_gib=48),
    ),
    "p4d.24xlarge": dict(
        vcpus=96, memory_mib=1179648, max_efa=4, max_pods=737,
        accelerator=dict(kind="nvidia", model="NVIDIA A100", count=8, memory_gib=40),
    ),
    "p5.48xlarge": dict(
        vcpus=192, memory_mib=2097152, max_efa=32, max_pods=100,
        accelerator=dict(kind="nvidia", model="NVIDIA H100", count=8, memory_gib=80),
    ),
    "inf2.xlarge": dict(
        vcpus=4, memory_mib=16384, max_efa=0, max_pods=58,
        accelerator=dict(kind="neuron", model="AWS Inferentia2", count=1, memory_gib=32, cores_per_device=2),
    ),
    "inf2.8xlarge": dict(
        vcpus=32, memory_mib=131072, max_efa=0, max_pods=234,
        accelerator=dict(kind="neuron", model="AWS Inferentia2", count=1, memory_gib=32, cores_per_device=2),
    ),
    "inf2.24xlarge": dict(
        vcpus=96, memory_mib=393216, max_efa=0, max_pods=737,
        accelerator=dict(kind="neuron", model="AWS Inferentia2", count=6, memory_gib=32, cores_per_device=2),
    ),
    "inf2.48xlarge": dict(
        vcpus=192, memory_mib=786432, max_efa=0, max_pods=737,
        accelerator=dict(kind="neuron", model="AWS Inferentia2", count=12, memory_gib=32, cores_per_device=2),
    ),
    "trn1.32xlarge": dict(
        vcpus=128, memory_mib=524288, max_efa=8, max_pods=247,
        accelerator=dict(kind="neuron", model="AWS Trainium", count=16, memory_gib=32, cores_per_device=2),
    ),
}


class UnknownInstanceType(ValueError):
    """Raised for an instance type the table does not know."""


def known_instance_types():
    """Sorted list of the instance types in the table."""
    return sorted(_TABLE)


def get(instance_type):
    """Return a copy of the spec of ``instance_type`` with derived fields.

    Keys: instance_type, family, vcpus, memory_mib, accelerator (dict or None),
    accelerator_kind ("nvidia" | "neuron" | None), gpus, neuron_devices, neuron_cores,
    max_efa, efa_supported, max_pods.
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
    spec["instance_type"] = instance_type
    spec["family"] = instance_type.split(".", 1)[0]
    spec["accelerator_kind"] = kind
    spec["gpus"] = acc["count"] if kind == "nvidia" else 0
    spec["neuron_devices"] = acc["count"] if kind == "neuron" else 0
    spec["neuron_cores"] = acc["count"] * acc["cores_per_device"] if kind == "neuron" else 0
    spec["efa_supported"] = spec["max_efa"] > 0
    return spec


def table():
    """The whole table, each entry as returned by :func:`get`."""
    return dict((name, get(name)) for name in known_instance_types())
