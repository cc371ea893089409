"""Fake EKS nodes for the test cluster, from node groups in the roles' own shape.

A node group is an item of ``gpu_nodegroup_node_groups`` or the ``vpc_eks_core_node_group``
(the roles' meta/argument_specs.yml say which keys each has; unknown keys are refused)::

    name: gpu
    instance_type: g6.xlarge       # the core group has instance_types: [m7i.large] (the first is used)
    min_size: 4
    max_size: 4
    desired_size: 4                # the number of fake nodes
    disk_size: 100                 # root volume GiB, becomes ephemeral-storage
    labels: {nvidia.com/gpu.present: "true"}
    taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}]
    capacity_type: ON_DEMAND
    efa: true                      # EFA interfaces attached; such a group lives in one zone
    availability_zone: us-west-2a  # EFA groups: their zone (default the first zone)

plus one key the test cluster alone knows: ``karpenter_nodepool: <pool>`` (nodes Karpenter
launched, labelled as Karpenter labels them, not a managed node group). Nodes of other groups
go round robin over the zones (the rehearsal's inventory's ``eks_llm_availability_zones`` unless
given); the region comes from the zone.

``node_groups_for(scenario)`` reads a scenario's node groups from ``group_vars/scenario_<name>.yml``
(the role defaults where the scenario sets none), so a scenario describes its nodes once.

The result is a list of Kubernetes Node objects (dicts) annotated ``kwok.x-k8s.io/node: fake``
so that the kwok controller manages them. Capacity comes from the instance-type table;
allocatable follows the EKS AMI bootstrap reservations (kube-reserved CPU and memory,
100Mi hard eviction, 10 % nodefs eviction). These are test doubles: no kubelet, no GPU.
"""

import functools
import importlib.util
import os
import re
import zlib

import yaml

KWOK_ANNOTATION = "kwok.x-k8s.io/node"
GROUP_ANNOTATION = "testbed.eks-llm/node-group"
EFA_HUGEPAGES_2MI = "5128Mi"  # EKS EFA nodes: 2564 x 2 MiB pages reserved for EFA (libfabric)
DEFAULT_DISK_GIB = 100
TESTBED_KEYS = ("karpenter_nodepool",)

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_INSTANCE_TYPES_PATH = os.path.join(_REPO_ROOT, "plugins", "module_utils", "instance_types.py")
GROUP_VARS_DIR = os.path.join(_REPO_ROOT, "group_vars")
INVENTORY_VARS = os.path.join(_REPO_ROOT, "inventories", "aws", "group_vars", "all.yml")
# variable -> (role whose defaults and argument spec describe it, is it a list of groups)
NODE_GROUP_VARS = {
    "vpc_eks_core_node_group": ("vpc_eks", False),
    "gpu_nodegroup_node_groups": ("gpu_nodegroup", True),
}
_instance_types = None


class NodeGroupError(ValueError):
    """A node-group description the generator cannot turn into nodes."""


def instance_types():
    """The collection's instance-type table module (loaded by file path)."""
    global _instance_types
    if _instance_types is None:
        spec = importlib.util.spec_from_file_location("_testbed_instance_types", _INSTANCE_TYPES_PATH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _instance_types = module
    return _instance_types


def _load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


# ---------------------------------------------------------------- node groups of a scenario


def _role_file(role, *parts):
    return os.path.join(_REPO_ROOT, "roles", role, *parts)


@functools.lru_cache(maxsize=None)
def group_options(variable):
    """The options (key -> spec) of one node group of ``variable`` in its role's argument spec."""
    role, _ = NODE_GROUP_VARS[variable]
    spec = _load_yaml(_role_file(role, "meta", "argument_specs.yml"))
    return spec["argument_specs"]["main"]["options"][variable]["options"]


def _templated(value, where):
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return [where]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _templated(item, "%s.%s" % (where, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _templated(item, "%s[%d]" % (where, i))]
    return []


def role_shaped(group):
    """``group`` with its role's argument-spec defaults filled in; refuses a node group the roles
    would not take: keys outside the role's argument spec (the core group's when it has
    ``instance_types``) or a required key missing."""
    if not isinstance(group, dict):
        raise NodeGroupError("a node group is a mapping, got %r" % (group,))
    variable = "vpc_eks_core_node_group" if "instance_types" in group else "gpu_nodegroup_node_groups"
    options = group_options(variable)
    where = "node group %r (shape of %s)" % (group.get("name"), variable)
    unknown = sorted(set(group) - set(options) - set(TESTBED_KEYS))
    if unknown:
        raise NodeGroupError(
            "%s: unknown key(s) %s; it takes %s (and %s on the test cluster)"
            % (where, ", ".join(unknown), ", ".join(sorted(options)), ", ".join(TESTBED_KEYS))
        )
    missing = sorted(key for key, spec in options.items() if spec.get("required") and key not in group)
    if missing:
        raise NodeGroupError("%s: %s required" % (where, ", ".join(missing)))
    defaults = {key: spec["default"] for key, spec in options.items() if "default" in spec}
    return dict(defaults, **group)


def node_groups_from_vars(values, source="variables"):
    """The node groups (role shape) that ``values`` (a scenario's variables) describe:
    ``vpc_eks_core_node_group`` first, then every ``gpu_nodegroup_node_groups`` item; a variable the
    values do not set is read from its role's defaults, as the roles would. These two variables must
    be plain data (no Jinja): the test cluster does not template."""
    if values.get("gpu_nodegroup_mode", "managed") != "managed":
        raise NodeGroupError(
            "%s: gpu_nodegroup_mode %r: the test cluster derives nodes from managed node groups only; "
            "give the nodes Karpenter would launch as node groups with karpenter_nodepool"
            % (source, values["gpu_nodegroup_mode"])
        )
    groups = []
    for variable, (role, is_list) in NODE_GROUP_VARS.items():
        origin = source
        if variable not in values:
            origin = _role_file(role, "defaults", "main.yml")
            value = _load_yaml(origin).get(variable)
        else:
            value = values[variable]
        templated = _templated(value, variable)
        if templated:
            raise NodeGroupError(
                "%s: %s is templated; the test cluster reads node groups as plain data" % (origin, templated[0])
            )
        for group in (value or []) if is_list else ([value] if value else []):
            try:
                groups.append(role_shaped(group))
            except NodeGroupError as exc:
                raise NodeGroupError("%s: %s: %s" % (origin, variable, exc))
    return groups


def scenario_file(scenario, group_vars_dir=GROUP_VARS_DIR):
    """``group_vars/scenario_<scenario>.yml``; a clear error naming the scenarios that exist."""
    path = os.path.join(group_vars_dir, "scenario_%s.yml" % scenario)
    if not os.path.exists(path):
        known = sorted(
            f[len("scenario_") : -len(".yml")] for f in os.listdir(group_vars_dir) if f.startswith("scenario_")
        )
        raise NodeGroupError("unknown scenario %r (no %s); known: %s" % (scenario, path, ", ".join(known)))
    return path


def node_groups_for(scenario, group_vars_dir=GROUP_VARS_DIR):
    """The node groups of ``scenario``, read from its ``group_vars/scenario_<name>.yml``."""
    path = scenario_file(scenario, group_vars_dir)
    return node_groups_from_vars(_load_yaml(path), source=path)


def rehearsal_zones():
    """The availability zones of the inventory the rehearsal runs (inventories/aws: ``eks_llm_availability_zones``)."""
    return list(_load_yaml(INVENTORY_VARS)["eks_llm_availability_zones"])


# ---------------------------------------------------------------- nodes of a node group


def kube_reserved_cpu_millicores(vcpus):
    """CPU kube-reserved by the EKS AMI: 6 % of the first core, 1 % of the second,
    0.5 % of cores 3-4 and 0.25 % of every further core (in millicores)."""
    reserved = 0.0
    for core in range(1, vcpus + 1):
        if core == 1:
            reserved += 60
        elif core == 2:
            reserved += 10
        elif core <= 4:
            reserved += 5
        else:
            reserved += 2.5
    return int(reserved)


def kube_reserved_memory_mib(max_pods):
    """Memory kube-reserved by the EKS AMI: 255 MiB + 11 MiB per pod the node can run."""
    return 255 + 11 * max_pods


def resources_for(instance_type, efa=False, disk_size_gib=DEFAULT_DISK_GIB):
    """(capacity, allocatable) of one node of ``instance_type`` as string quantities."""
    spec = instance_types().get(instance_type)
    efa_count = spec["max_efa"] if efa else 0
    if efa and not efa_count:
        raise NodeGroupError("%s does not support EFA (max_efa is 0)" % instance_type)
    hugepages_mib = int(EFA_HUGEPAGES_2MI[:-2]) if efa_count else 0
    storage_bytes = disk_size_gib * 1024**3

    capacity = {
        "cpu": str(spec["vcpus"]),
        "memory": "%dMi" % spec["memory_mib"],
        "pods": str(spec["max_pods"]),
        "ephemeral-storage": str(storage_bytes),
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "%dMi" % hugepages_mib,
    }
    allocatable = {
        "cpu": "%dm" % (spec["vcpus"] * 1000 - kube_reserved_cpu_millicores(spec["vcpus"])),
        # kubelet: allocatable = capacity - kube-reserved - eviction-hard - pre-allocated hugepages
        "memory": "%dMi" % (spec["memory_mib"] - kube_reserved_memory_mib(spec["max_pods"]) - 100 - hugepages_mib),
        "pods": str(spec["max_pods"]),
        "ephemeral-storage": str(storage_bytes - storage_bytes // 10),
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "%dMi" % hugepages_mib,
    }
    extended = {}
    if spec["gpus"]:
        extended["nvidia.com/gpu"] = str(spec["gpus"])
    if spec["neuron_devices"]:
        extended["aws.amazon.com/neuron"] = str(spec["neuron_devices"])
        extended["aws.amazon.com/neurondevice"] = str(spec["neuron_devices"])
        extended["aws.amazon.com/neuroncore"] = str(spec["neuron_cores"])
    if efa_count:
        extended["vpc.amazonaws.com/efa"] = str(efa_count)
    capacity.update(extended)
    allocatable.update(extended)
    return capacity, allocatable


def _capacity_type(value, karpenter):
    value = (value or "ON_DEMAND").replace("-", "_").upper()
    if value not in ("ON_DEMAND", "SPOT", "CAPACITY_BLOCK"):
        raise NodeGroupError("capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK, got %r" % value)
    return value.lower().replace("_", "-") if karpenter else value


def _instance_type(group):
    return group["instance_type"] if "instance_type" in group else group["instance_types"][0]


def _zones(group, zones):
    if group.get("availability_zone"):
        return [group["availability_zone"]]
    if not zones:
        raise NodeGroupError("node group %r: no availability zones to place its nodes in" % group.get("name"))
    # an EFA group has one subnet: the role's default is the first private subnet's zone
    return list(zones[:1] if group.get("efa") else zones)


def _region(zone):
    match = re.match(r"^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$", zone)
    if not match:
        raise NodeGroupError("cannot derive the region from availability zone %r" % zone)
    return match.group(1)


def _taints(group):
    taints = []
    for taint in group.get("taints") or []:
        effect = taint.get("effect")
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise NodeGroupError(
                "taint %r: effect must be NoSchedule, PreferNoSchedule or NoExecute, got %r"
                % (taint.get("key"), effect)
            )
        item = {"key": taint["key"], "effect": effect}
        if taint.get("value") not in (None, ""):
            item["value"] = str(taint["value"])
        taints.append(item)
    return taints


def _group_number(name, instance_type):
    """A stable number 1..250 per (group name, instance type): keeps the node names of
    different node groups apart, so several groups (and scenarios) can share one test cluster."""
    return zlib.crc32(("%s/%s" % (name, instance_type)).encode()) % 250 + 1


def node_name(region, group_number, ordinal):
    """An EKS-style private DNS name (ip-10-<group>-<n>-<n>.<region>.compute.internal)."""
    domain = "ec2.internal" if region == "us-east-1" else "%s.compute.internal" % region
    return "ip-10-%d-%d-%d.%s" % (group_number, ordinal // 250, ordinal % 250 + 4, domain)


def _ip_of(name):
    return name.split(".", 1)[0][len("ip-") :].replace("-", ".")


def _labels(group, instance_type, name, zone, capacity_type):
    labels = {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name,
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/region": _region(zone),
        "topology.kubernetes.io/zone": zone,
    }
    if group.get("karpenter_nodepool"):
        labels.update(
            {
                "karpenter.sh/nodepool": group["karpenter_nodepool"],
                "karpenter.sh/capacity-type": capacity_type,
                "karpenter.sh/registered": "true",
                "karpenter.sh/initialized": "true",
            }
        )
    else:
        labels.update({"eks.amazonaws.com/nodegroup": group["name"], "eks.amazonaws.com/capacityType": capacity_type})
    for key, value in (group.get("labels") or {}).items():
        labels[key] = str(value)
    return labels


def nodes_for_group(group, zones=None):
    """Node objects for one node group (``desired_size`` nodes); ``zones`` default to the
    rehearsal inventory's."""
    group = role_shaped(group)
    instance_type = _instance_type(group)
    try:
        capacity, allocatable = resources_for(
            instance_type,
            efa=bool(group.get("efa", False)),
            disk_size_gib=int(group.get("disk_size", DEFAULT_DISK_GIB)),
        )
    except instance_types().UnknownInstanceType as exc:
        raise NodeGroupError("node group %r: %s" % (group["name"], exc))
    capacity_type = _capacity_type(group.get("capacity_type"), bool(group.get("karpenter_nodepool")))
    group_zones = _zones(group, rehearsal_zones() if zones is None else zones)
    number = _group_number(group["name"], instance_type)
    nodes = []
    for ordinal in range(int(group["desired_size"])):
        zone = group_zones[ordinal % len(group_zones)]
        name = node_name(_region(zone), number, ordinal)
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": _labels(group, instance_type, name, zone, capacity_type),
                "annotations": {
                    KWOK_ANNOTATION: "fake",
                    GROUP_ANNOTATION: group["name"],
                    "node.alpha.kubernetes.io/ttl": "0",
                },
            },
            "spec": {
                "providerID": "aws:///%s/i-%017x" % (zone, number * 65536 + ordinal),
                "taints": _taints(group),
            },
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": _ip_of(name)},
                    {"type": "InternalDNS", "address": name},
                    {"type": "Hostname", "address": name},
                ],
                "capacity": dict(capacity),
                "allocatable": dict(allocatable),
                "nodeInfo": {
                    "architecture": "amd64",
                    "operatingSystem": "linux",
                    "osImage": "kwok fake node of %s (test double, no kubelet)" % instance_type,
                    # filled in by the kwok node-initialize stage
                    "bootID": "",
                    "containerRuntimeVersion": "",
                    "kernelVersion": "",
                    "kubeProxyVersion": "",
                    "kubeletVersion": "",
                    "machineID": "",
                    "systemUUID": "",
                },
            },
        }
        nodes.append(node)
    return nodes


def nodes_for_groups(node_groups, zones=None):
    """Node objects for a list of node groups; node names are unique across groups."""
    zones = rehearsal_zones() if zones is None else zones
    nodes = []
    seen = set()
    for group in node_groups:
        for node in nodes_for_group(group, zones):
            name = node["metadata"]["name"]
            if name in seen:
                raise NodeGroupError(
                    "duplicate node name %s: two node groups with the same name and instance type?" % name
                )
            seen.add(name)
            nodes.append(node)
    return nodes
