"""Fake EKS nodes for the test bed, generated from node-group descriptions.

A node group is a mapping (the same shape the inventory's node groups will have):

    name: gpu                      # EKS managed node group name (or Karpenter node pool's nodes)
    instance_type: g4dn.xlarge     # must be in plugins/module_utils/instance_types.py
    count: 4
    zone: us-west-2a               # or zones: [us-west-2a, us-west-2b] (round robin)
    region: us-west-2              # optional, derived from the zone
    labels: {nvidia.com/gpu.present: "true"}
    taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}]
    capacity_type: ON_DEMAND       # ON_DEMAND | SPOT (or on-demand | spot)
    karpenter_nodepool: gpu-nodepool   # optional: node launched by Karpenter, not a node group
    efa: true                      # optional: EFA interfaces attached (efaEnabled); default false
    volume_size_gib: 100           # optional: root volume, becomes ephemeral-storage

The result is a list of Kubernetes Node objects (dicts) annotated ``kwok.x-k8s.io/node: fake``
so that the kwok controller manages them. Capacity comes from the instance-type table;
allocatable follows the EKS AMI bootstrap reservations (kube-reserved CPU and memory,
100Mi hard eviction, 10 % nodefs eviction). These are test doubles: no kubelet, no GPU.
"""

import importlib.util
import os
import re
import zlib

KWOK_ANNOTATION = "kwok.x-k8s.io/node"
GROUP_ANNOTATION = "testbed.eks-llm/node-group"
EFA_HUGEPAGES_2MI = "5128Mi"  # EKS EFA nodes: 2564 x 2 MiB pages reserved for EFA (libfabric)
DEFAULT_VOLUME_GIB = 100

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_INSTANCE_TYPES_PATH = os.path.join(_REPO_ROOT, "plugins", "module_utils", "instance_types.py")
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


def resources_for(instance_type, efa=False, volume_size_gib=DEFAULT_VOLUME_GIB):
    """(capacity, allocatable) of one node of ``instance_type`` as string quantities."""
    spec = instance_types().get(instance_type)
    efa_count = spec["max_efa"] if efa else 0
    if efa and not efa_count:
        raise NodeGroupError("%s does not support EFA (max_efa is 0)" % instance_type)
    hugepages_mib = int(EFA_HUGEPAGES_2MI[:-2]) if efa_count else 0
    storage_bytes = volume_size_gib * 1024**3

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
    if value not in ("ON_DEMAND", "SPOT"):
        raise NodeGroupError("capacity_type must be ON_DEMAND or SPOT, got %r" % value)
    return value.lower().replace("_", "-") if karpenter else value


def _zones(group):
    zones = group.get("zones") or ([group["zone"]] if group.get("zone") else [])
    if not zones:
        raise NodeGroupError("node group %r: zone or zones is required" % group.get("name"))
    return list(zones)


def _region(group, zone):
    if group.get("region"):
        return group["region"]
    match = re.match(r"^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$", zone)
    if not match:
        raise NodeGroupError("cannot derive the region from zone %r; set region" % zone)
    return match.group(1)


def _taints(group):
    taints = []
    for taint in group.get("taints") or []:
        effect = taint.get("effect", "NoSchedule")
        effect = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute"}.get(effect, effect)
        effect = {"PREFER_NO_SCHEDULE": "PreferNoSchedule"}.get(effect, effect)
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise NodeGroupError("taint %r: bad effect %r" % (taint.get("key"), effect))
        item = {"key": taint["key"], "effect": effect}
        if taint.get("value") not in (None, ""):
            item["value"] = str(taint["value"])
        taints.append(item)
    return taints


def _group_number(group):
    """A stable number 1..250 per (group name, instance type): keeps the node names of
    different node groups apart, so several groups (and scenarios) can share one test bed."""
    key = "%s/%s" % (group["name"], group["instance_type"])
    return zlib.crc32(key.encode()) % 250 + 1


def node_name(region, group_number, ordinal):
    """An EKS-style private DNS name (ip-10-<group>-<n>-<n>.<region>.compute.internal)."""
    domain = "ec2.internal" if region == "us-east-1" else "%s.compute.internal" % region
    return "ip-10-%d-%d-%d.%s" % (group_number, ordinal // 250, ordinal % 250 + 4, domain)


def _ip_of(name):
    return name.split(".", 1)[0][len("ip-") :].replace("-", ".")


def nodes_for_group(group):
    """Node objects for one node group."""
    for key in ("name", "instance_type", "count"):
        if key not in group:
            raise NodeGroupError("node group %r: %s is required" % (group.get("name"), key))
    instance_type = group["instance_type"]
    try:
        capacity, allocatable = resources_for(
            instance_type,
            efa=bool(group.get("efa", False)),
            volume_size_gib=int(group.get("volume_size_gib", DEFAULT_VOLUME_GIB)),
        )
    except instance_types().UnknownInstanceType as exc:
        raise NodeGroupError("node group %r: %s" % (group["name"], exc))
    karpenter = group.get("karpenter_nodepool")
    capacity_type = _capacity_type(group.get("capacity_type"), bool(karpenter))
    zones = _zones(group)
    nodes = []
    for ordinal in range(int(group["count"])):
        zone = zones[ordinal % len(zones)]
        region = _region(group, zone)
        name = node_name(region, _group_number(group), ordinal)
        labels = {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": name,
            "node.kubernetes.io/instance-type": instance_type,
            "topology.kubernetes.io/region": region,
            "topology.kubernetes.io/zone": zone,
        }
        if karpenter:
            labels.update(
                {
                    "karpenter.sh/nodepool": karpenter,
                    "karpenter.sh/capacity-type": capacity_type,
                    "karpenter.sh/registered": "true",
                    "karpenter.sh/initialized": "true",
                }
            )
        else:
            labels.update(
                {
                    "eks.amazonaws.com/nodegroup": group["name"],
                    "eks.amazonaws.com/capacityType": capacity_type,
                }
            )
        for key, value in (group.get("labels") or {}).items():
            labels[key] = str(value)
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": labels,
                "annotations": {
                    KWOK_ANNOTATION: "fake",
                    GROUP_ANNOTATION: group["name"],
                    "node.alpha.kubernetes.io/ttl": "0",
                },
            },
            "spec": {
                "providerID": "aws:///%s/i-%017x" % (zone, _group_number(group) * 65536 + ordinal),
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


def nodes_for_groups(node_groups):
    """Node objects for a list of node groups; node names are unique across groups."""
    nodes = []
    seen = set()
    for group in node_groups:
        for node in nodes_for_group(group):
            name = node["metadata"]["name"]
            if name in seen:
                raise NodeGroupError(
                    "duplicate node name %s: two node groups with the same name and instance type?" % name
                )
            seen.add(name)
            nodes.append(node)
    return nodes
