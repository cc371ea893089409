# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accelerator node groups: validation, normalisation and reconciliation decisions.

Pure Python (no Ansible, no boto3 calls): the role ``gpu_nodegroup`` calls :func:`plan` and the role
``vpc_eks`` calls :func:`core_plan` through the module ``eks_llm.inference.node_group_plan`` before any
AWS call. The module
``eks_llm.inference.eks_nodegroup`` takes its AMI and capacity type choices from here; its
reconciliation decisions live in ``module_utils/aws/nodegroup.py``. Every rule below quotes the AWS /
Kubernetes source it encodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.eks_llm.inference.plugins.module_utils import instance_types

# EKS API enums (botocore eks/2017-11-01 service model: AMITypes, CapacityTypes, TaintEffect).
EKS_AMI_TYPES = (
    "AL2_x86_64",
    "AL2_x86_64_GPU",
    "AL2_ARM_64",
    "CUSTOM",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64_FIPS",
    "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_NVIDIA",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA_FIPS",
    "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
    "WINDOWS_CORE_2019_x86_64",
    "WINDOWS_FULL_2019_x86_64",
    "WINDOWS_CORE_2022_x86_64",
    "WINDOWS_FULL_2022_x86_64",
    "WINDOWS_CORE_2025_x86_64",
    "WINDOWS_FULL_2025_x86_64",
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NEURON",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
)
CAPACITY_TYPES = ("ON_DEMAND", "SPOT", "CAPACITY_BLOCK")

# Kubernetes taint effects (core/v1 Taint.effect) -> EKS API spelling (TaintEffect).
TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}

# Amazon EKS stopped publishing Amazon Linux 2 EKS-optimized AMIs with Kubernetes 1.33
# ("Amazon Linux 2 AMI deprecation", EKS user guide); from 1.33 on, AL2023 variants are used.
AL2023_ONLY_FROM = (1, 33)

# AMI type per accelerator kind: (before 1.33, 1.33 and later). The AL2 "GPU" AMI serves both NVIDIA
# and Inferentia/Trainium (it carries the Neuron driver too; scenarios.md: seed 002 §gpu_nodegroup).
DEFAULT_AMI_TYPES = {
    "nvidia": ("AL2_x86_64_GPU", "AL2023_x86_64_NVIDIA"),
    "neuron": ("AL2_x86_64_GPU", "AL2023_x86_64_NEURON"),
    None: ("AL2_x86_64", "AL2023_x86_64_STANDARD"),
}
# AMI types that carry the drivers an accelerator kind needs (CUSTOM: the user's AMI, not checked).
AMI_TYPES_FOR_KIND = {
    "nvidia": (
        "AL2_x86_64_GPU",
        "AL2023_x86_64_NVIDIA",
        "BOTTLEROCKET_x86_64_NVIDIA",
        "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
        "CUSTOM",
    ),
    "neuron": ("AL2_x86_64_GPU", "AL2023_x86_64_NEURON", "BOTTLEROCKET_x86_64", "CUSTOM"),
}

# Label / taint key prefixes that announce an accelerator kind.
GPU_KEY_PREFIXES = ("nvidia.com/",)
NEURON_KEY_PREFIXES = ("aws.amazon.com/neuron",)

# EKS CreateNodegroup: nodegroupName 1-63 characters, starts with a letter or digit, then letters,
# digits, hyphens and underscores.
NODEGROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
KUBERNETES_VERSION = re.compile(r"^1\.(\d{1,2})$")
# EKS API limits: labels and taints per node group (UpdateLabelsPayload / Taint docs: 50 each).
MAX_TAINTS = 50

MODES = ("managed", "karpenter")

DEFAULT_DISK_SIZE = 100  # GiB; the roles' documented default of disk_size
DEFAULT_CORE_NAME = "core"


class NodeGroupError(ValueError):
    """Invalid node-group input. ``errors`` lists every problem found, each naming its variable."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(NodeGroupError, self).__init__("; ".join(self.errors))


def parse_kubernetes_version(version):
    """``"1.33"`` -> ``(1, 33)``; None when the string is not ``1.<minor>``."""
    match = KUBERNETES_VERSION.match(str(version or "").strip())
    if not match:
        return None
    return (1, int(match.group(1)))


def default_ami_type(accelerator_kind, kubernetes_version):
    """EKS AMI type for an accelerator kind ("nvidia", "neuron" or None) and a Kubernetes version tuple."""
    before, after = DEFAULT_AMI_TYPES[accelerator_kind]
    return after if kubernetes_version >= AL2023_ONLY_FROM else before


def _key_kind(key):
    if any(key.startswith(prefix) for prefix in GPU_KEY_PREFIXES):
        return "nvidia"
    if any(key.startswith(prefix) for prefix in NEURON_KEY_PREFIXES):
        return "neuron"
    return None


def _value_kind(value):
    text = str(value).lower()
    if "nvidia" in text:
        return "nvidia"
    if "neuron" in text or "inferentia" in text or "trainium" in text:
        return "neuron"
    return None


def _accelerator_intents(labels, taints):
    """Yield (what, kind) for every label/taint that names an accelerator kind."""
    for key, value in sorted(labels.items()):
        kind = _key_kind(key) or _value_kind(value)
        if kind:
            yield "label %s=%s" % (key, value), kind
    for taint in taints:
        kind = _key_kind(taint.get("key") or "") or _value_kind(taint.get("value") or "")
        if kind:
            yield "taint %s" % (taint.get("key"),), kind


def _as_int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _instance_spec(where, instance_type, errors):
    """The table's spec of ``instance_type``, or None with an error naming ``where`` and the known types."""
    try:
        return instance_types.get(instance_type)
    except instance_types.UnknownInstanceType:
        errors.append(
            "%s %r is not a known instance type; allowed: %s"
            % (where, instance_type, ", ".join(instance_types.known_instance_types()))
        )
        return None


def _check_sizes(where, group, errors):
    """min_size/max_size/desired_size as EKS scalingConfig accepts them; problems go to ``errors``."""
    sizes = {}
    for field in ("min_size", "max_size", "desired_size"):
        value = _as_int(group.get(field))
        if value is None or value < 0:
            errors.append("%s.%s must be an integer >= 0, got %r" % (where, field, group.get(field)))
        sizes[field] = value
    if None not in sizes.values():
        if sizes["max_size"] < 1:
            errors.append(
                "%s.max_size must be >= 1 (EKS scalingConfig.maxSize minimum), got %d" % (where, sizes["max_size"])
            )
        if sizes["min_size"] > sizes["max_size"]:
            errors.append(
                "%s.min_size (%d) must not be greater than max_size (%d)"
                % (where, sizes["min_size"], sizes["max_size"])
            )
        elif not sizes["min_size"] <= sizes["desired_size"] <= sizes["max_size"]:
            errors.append(
                "%s.desired_size (%d) must be within [min_size, max_size] = [%d, %d]"
                % (where, sizes["desired_size"], sizes["min_size"], sizes["max_size"])
            )
    return sizes


def _check_disk_size(where, group, errors):
    disk_size = _as_int(group.get("disk_size", DEFAULT_DISK_SIZE))
    if disk_size is None or disk_size < 1:
        errors.append("%s.disk_size must be an integer number of GiB >= 1, got %r" % (where, group.get("disk_size")))
    return disk_size


def _validate_group(index, group, version, var, errors):
    """Validate one node group; append messages to ``errors``; return the normalised group or None."""
    if not isinstance(group, dict):
        errors.append("%s[%d] must be a dict, got %s" % (var, index, type(group).__name__))
        return None
    name = group.get("name")
    where = "%s[%d] (name %r)" % (var, index, name)
    if not name or not NODEGROUP_NAME.match(str(name)):
        errors.append(
            "%s.name must be 1-63 letters, digits, '-' or '_', starting with a letter or digit (EKS nodegroupName)"
            % where
        )

    instance_type = group.get("instance_type")
    spec = _instance_spec("%s.instance_type" % where, instance_type, errors)

    sizes = _check_sizes(where, group, errors)

    disk_size = _check_disk_size(where, group, errors)

    capacity_type = group.get("capacity_type") or "ON_DEMAND"
    if capacity_type not in CAPACITY_TYPES:
        errors.append(
            "%s.capacity_type %r is not allowed; allowed: %s" % (where, capacity_type, ", ".join(CAPACITY_TYPES))
        )

    labels = group.get("labels") or {}
    if not isinstance(labels, dict):
        errors.append("%s.labels must be a dict of strings" % where)
        labels = {}
    labels = dict((str(k), str(v)) for k, v in labels.items())

    taints = group.get("taints") or []
    eks_taints = []
    if not isinstance(taints, list):
        errors.append("%s.taints must be a list of {key, value, effect}" % where)
        taints = []
    if len(taints) > MAX_TAINTS:
        errors.append("%s.taints has %d entries; EKS allows at most %d" % (where, len(taints), MAX_TAINTS))
    normalized_taints = []
    for t_index, taint in enumerate(taints):
        t_where = "%s.taints[%d]" % (where, t_index)
        if not isinstance(taint, dict) or not taint.get("key"):
            errors.append("%s must be a dict with a non-empty key" % t_where)
            continue
        effect = taint.get("effect")
        if effect not in TAINT_EFFECTS:
            errors.append(
                "%s.effect %r is not a Kubernetes taint effect; allowed: %s"
                % (t_where, effect, ", ".join(TAINT_EFFECTS))
            )
            continue
        if (str(taint["key"]), effect) in [(t["key"], t["effect"]) for t in normalized_taints]:
            errors.append(
                "%s duplicates key %s with effect %s; a taint is identified by key and effect"
                % (t_where, taint["key"], effect)
            )
            continue
        item = dict(key=str(taint["key"]), effect=effect)
        eks_item = dict(key=str(taint["key"]), effect=TAINT_EFFECTS[effect])
        if taint.get("value") not in (None, ""):
            item["value"] = eks_item["value"] = str(taint["value"])
        normalized_taints.append(item)
        eks_taints.append(eks_item)

    efa = group.get("efa", False)
    if not isinstance(efa, bool):
        errors.append("%s.efa must be true or false, got %r" % (where, efa))
        efa = False

    if spec is None:
        return None

    kind = spec["accelerator_kind"]
    if efa and not spec["efa_supported"]:
        errors.append(
            "%s.efa is true but %s does not support EFA; EFA-capable types: %s"
            % (
                where,
                instance_type,
                ", ".join(t for t in instance_types.known_instance_types() if instance_types.get(t)["efa_supported"]),
            )
        )
    keyed_taints = [
        dict(key=str(t["key"]), value=t.get("value")) for t in taints if isinstance(t, dict) and t.get("key")
    ]
    for what, intent in _accelerator_intents(labels, keyed_taints):
        if intent != kind:
            errors.append(
                "%s: %s is for %s nodes but %s is %s"
                % (
                    where,
                    what,
                    "NVIDIA GPU" if intent == "nvidia" else "AWS Neuron (Inferentia/Trainium)",
                    instance_type,
                    {
                        "nvidia": "an NVIDIA GPU instance type",
                        "neuron": "an AWS Neuron instance type",
                        None: "an instance type without accelerators",
                    }[kind],
                )
            )

    ami_type = group.get("ami_type")
    if ami_type:
        if ami_type not in EKS_AMI_TYPES:
            errors.append(
                "%s.ami_type %r is not an EKS AMI type; allowed: %s" % (where, ami_type, ", ".join(EKS_AMI_TYPES))
            )
        elif version >= AL2023_ONLY_FROM and ami_type.startswith("AL2_"):
            errors.append(
                "%s.ami_type %s: Amazon Linux 2 AMIs are not published for Kubernetes 1.%d (AL2 ends with 1.32); use %s"
                % (where, ami_type, version[1], default_ami_type(kind, version))
            )
        elif kind and ami_type not in AMI_TYPES_FOR_KIND[kind]:
            errors.append(
                "%s.ami_type %s has no %s drivers for %s; allowed: %s"
                % (where, ami_type, kind, instance_type, ", ".join(AMI_TYPES_FOR_KIND[kind]))
            )
    else:
        ami_type = default_ami_type(kind, version)

    return dict(
        name=str(name),
        instance_type=instance_type,
        min_size=sizes["min_size"],
        max_size=sizes["max_size"],
        desired_size=sizes["desired_size"],
        disk_size=disk_size,
        capacity_type=capacity_type,
        ami_type=ami_type,
        labels=labels,
        taints=normalized_taints,
        eks_taints=eks_taints,
        efa=efa,
        efa_interfaces=spec["max_efa"] if efa else 0,
        availability_zone=group.get("availability_zone") or "",
        accelerator_kind=kind,
        gpus=spec["gpus"],
        neuron_devices=spec["neuron_devices"],
    )


def plan(
    cluster_name,
    region,
    kubernetes_version,
    node_groups,
    mode="managed",
    var="gpu_nodegroup_node_groups",
    gpu_node_selector=None,
    selector_var="gpu_nodegroup_gpu_node_selector",
):
    """Validate the whole input and return the normalised plan.

    Raises :class:`NodeGroupError` listing every problem (each message names the variable and what is
    allowed). Returns ``dict(cluster_name, region, kubernetes_version, mode, node_groups, efa_groups,
    gpu_groups)`` where each node group carries its derived ``ami_type``, ``efa_interfaces`` and
    ``eks_taints`` (EKS API spelling). With ``gpu_node_selector`` (the labels the NVIDIA device plugin
    selects), every NVIDIA group must carry those labels, or the plugin would never run on its nodes.
    """
    errors = []
    if not cluster_name or not str(cluster_name).strip():
        errors.append("gpu_nodegroup_cluster_name is required (the EKS cluster name); got an empty value")
    if not region or not str(region).strip():
        errors.append("gpu_nodegroup_region is required (an AWS region such as us-west-2); got an empty value")
    if mode not in MODES:
        errors.append("gpu_nodegroup_mode %r is not allowed; allowed: %s" % (mode, ", ".join(MODES)))
    version = parse_kubernetes_version(kubernetes_version)
    if version is None:
        errors.append(
            "gpu_nodegroup_kubernetes_version %r is not a Kubernetes minor version such as '1.30' or '1.33'"
            % (kubernetes_version,)
        )
        version = (1, 0)
    if node_groups is None:
        node_groups = []
    if not isinstance(node_groups, list):
        errors.append("%s must be a list of node groups, got %s" % (var, type(node_groups).__name__))
        node_groups = []
    if mode == "managed" and not node_groups:
        errors.append("%s is empty; gpu_nodegroup_mode 'managed' needs at least one node group" % var)

    normalized = []
    seen = {}
    for index, group in enumerate(node_groups):
        item = _validate_group(index, group, version, var, errors)
        name = group.get("name") if isinstance(group, dict) else None
        if name is not None:
            if name in seen:
                errors.append(
                    "%s[%d].name %r duplicates %s[%d].name; node-group names must be unique in a cluster"
                    % (var, index, name, var, seen[name])
                )
            else:
                seen[name] = index
        if item:
            normalized.append(item)
    selector = dict((str(k), str(v)) for k, v in (gpu_node_selector or {}).items())
    for item in normalized:
        missing = dict((k, v) for k, v in selector.items() if item["labels"].get(k) != v)
        if item["accelerator_kind"] == "nvidia" and missing:
            errors.append(
                "%s entry %r (%s) lacks the labels %s of %s, so the NVIDIA device plugin would never run on its "
                "nodes; add them to its labels or change %s"
                % (var, item["name"], item["instance_type"], missing, selector_var, selector_var)
            )
    if errors:
        raise NodeGroupError(errors)
    for item in normalized:
        # Names of the per-group EC2 objects (launch template, placement group) for EFA groups.
        item["launch_template_name"] = "%s-%s" % (cluster_name, item["name"]) if item["efa"] else ""
        item["placement_group_name"] = "%s-%s" % (cluster_name, item["name"]) if item["efa"] else ""
    return dict(
        cluster_name=cluster_name,
        region=region,
        kubernetes_version=kubernetes_version,
        mode=mode,
        node_groups=normalized,
        efa_groups=[g["name"] for g in normalized if g["efa"]],
        gpu_groups=[g["name"] for g in normalized if g["accelerator_kind"] == "nvidia"],
    )


def core_plan(group, var="vpc_eks_core_node_group"):
    """Validate the core (non-accelerator) managed node group and fill in its optional keys.

    ``group`` has ``name`` (default ``core``), ``instance_types`` (one or more, none with accelerators:
    the core group gets EKS's standard AMI, which has no GPU or Neuron drivers), ``min_size``,
    ``max_size``, ``desired_size`` and ``disk_size`` (GiB, default 100). Raises :class:`NodeGroupError`
    listing every problem; returns the normalised dict.
    """
    errors = []
    if not isinstance(group, dict):
        raise NodeGroupError(["%s must be a dict, got %s" % (var, type(group).__name__)])
    name = group.get("name") or DEFAULT_CORE_NAME
    if not NODEGROUP_NAME.match(str(name)):
        errors.append(
            "%s.name %r must be 1-63 letters, digits, '-' or '_', starting with a letter or digit (EKS nodegroupName)"
            % (var, name)
        )
    types = group.get("instance_types")
    if not isinstance(types, list) or not types:
        errors.append("%s.instance_types must be a non-empty list of instance types, got %r" % (var, types))
        types = []
    for instance_type in types:
        spec = _instance_spec("%s.instance_types:" % var, instance_type, errors)
        if spec is None:
            continue
        if spec["accelerator_kind"]:
            errors.append(
                "%s.instance_types: %s has %s accelerators; the core group runs EKS's standard AMI without their "
                "drivers - put it in an accelerator node group (role gpu_nodegroup)"
                % (var, instance_type, spec["accelerator_kind"])
            )
    sizes = _check_sizes(var, group, errors)
    disk_size = _check_disk_size(var, group, errors)
    if errors:
        raise NodeGroupError(errors)
    return dict(name=str(name), instance_types=list(types), disk_size=disk_size, **sizes)
