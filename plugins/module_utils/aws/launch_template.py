# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 launch-template data for EFA node groups, and its comparison with what EC2 describes.

Pure Python (no Ansible, no boto3 calls). ``amazon.aws.ec2_launch_template`` 10.1.2 has no
``InterfaceType`` / ``NetworkCardIndex`` for network interfaces, so the module
``eks_llm.inference.eks_nodegroup`` writes EFA launch templates itself from the data built here
(role ``gpu_nodegroup`` calls :func:`efa_launch_template_data` through the filter
``eks_llm.inference.efa_launch_template_data``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Root device of the EKS-optimized Amazon Linux AMIs (AL2 and AL2023).
ROOT_DEVICE_NAME = "/dev/xvda"

# Top-level LaunchTemplateData keys this collection writes. A key in this list that a template version
# has but the desired data lacks is a difference (for example a placement group that is no longer
# wanted); other keys EC2 (or moto) adds to a version are ignored.
MANAGED_TOP_LEVEL_KEYS = ("NetworkInterfaces", "Placement", "BlockDeviceMappings", "MetadataOptions")


def efa_network_interfaces(count, security_group_ids):
    """Launch-template ``NetworkInterfaces`` (EC2 API spelling) for ``count`` EFA interfaces.

    AWS rules (EC2 user guide, "Maximize network bandwidth on accelerated computing instances" and
    "Get started with EFA and NCCL"): one interface per network card; network card 0 carries the
    primary interface at device index 0; every other card's interface uses device index 1. No subnet
    in the template: EKS managed node groups place the interfaces in the node group's subnet.
    """
    interfaces = []
    for card in range(int(count)):
        interfaces.append(
            dict(
                NetworkCardIndex=card,
                DeviceIndex=0 if card == 0 else 1,
                InterfaceType="efa",
                Groups=list(security_group_ids),
                DeleteOnTermination=True,
            )
        )
    return interfaces


def efa_launch_template_data(efa_interfaces, security_group_ids, disk_size, placement_group_name=None):
    """``LaunchTemplateData`` (EC2 API spelling) of an EFA node group.

    ``efa_interfaces`` EFA interfaces (one per network card) in ``security_group_ids``, a gp3 root volume
    of ``disk_size`` GiB, IMDSv2 with a hop limit of 2 (pods reach the instance metadata through one
    extra hop), and - only when ``placement_group_name`` is given - ``Placement.GroupName`` (a cluster
    placement group keeps the nodes on one low-latency network spine; EC2 user guide, "Placement
    groups"). Raises ValueError for inputs EC2 would reject.
    """
    try:
        count = int(efa_interfaces)
        size = int(disk_size)
    except (TypeError, ValueError):
        raise ValueError(
            "efa_interfaces and disk_size must be integers, got %r and %r" % (efa_interfaces, disk_size)
        )
    if count < 1:
        raise ValueError("efa_interfaces must be >= 1 (an EFA launch template needs an EFA interface), got %d" % count)
    if size < 1:
        raise ValueError("disk_size must be >= 1 GiB, got %d" % size)
    groups = [str(g) for g in (security_group_ids or []) if g]
    if not groups:
        raise ValueError("security_group_ids is empty; EFA interfaces need at least one security group")
    data = dict(
        NetworkInterfaces=efa_network_interfaces(count, groups),
        BlockDeviceMappings=[
            dict(
                DeviceName=ROOT_DEVICE_NAME,
                Ebs=dict(VolumeSize=size, VolumeType="gp3", DeleteOnTermination=True),
            )
        ],
        MetadataOptions=dict(HttpTokens="required", HttpPutResponseHopLimit=2),
    )
    if placement_group_name:
        data["Placement"] = dict(GroupName=str(placement_group_name))
    return data


def launch_template_data_equal(current, desired, top_level=True):
    """True when every value of ``desired`` equals ``current`` (EC2 API spelling, recursively).

    Scalars are compared as strings, because EC2 (and moto) may hand back numbers and booleans in a
    different type than they were sent; keys that EC2 adds to ``current`` are ignored, except the
    top-level keys of :data:`MANAGED_TOP_LEVEL_KEYS` (present in ``current``, absent from ``desired``:
    a difference); lists must match element by element, in order, except ``Groups`` (security
    groups), compared as sets.
    """
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        if top_level and any(key in current and key not in desired for key in MANAGED_TOP_LEVEL_KEYS):
            return False
        for key, value in desired.items():
            if key == "Groups" and isinstance(value, list) and isinstance(current.get(key), list):
                if sorted(map(str, current[key])) != sorted(map(str, value)):
                    return False
            elif not launch_template_data_equal(current.get(key), value, top_level=False):
                return False
        return True
    if isinstance(desired, list):
        if not isinstance(current, list) or len(current) != len(desired):
            return False
        return all(launch_template_data_equal(c, d, top_level=False) for c, d in zip(current, desired))
    if current is None:
        return desired is None
    if isinstance(desired, bool) or isinstance(current, bool):
        return str(current).lower() == str(desired).lower()
    return str(current) == str(desired)
