# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 CIDR filters without ansible.utils/netaddr: ``cidr_problem``, ``subnet_plan`` and ``network_plan``.

The logic is in ``plugins/module_utils/aws/network.py`` (pure, unit tested); docs in YAML sidecars.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import network


def cidr_problem(value):
    """"" when ``value`` is an IPv4 CIDR block AWS accepts for a VPC or subnet, else the reason."""
    return network.cidr_problem(value)


def subnet_plan(vpc_cidr, az_count, private_cidrs=None, public_cidrs=None):
    """Private/public subnet CIDRs, one per AZ, plus the list of problems (empty when valid)."""
    try:
        az_count = int(az_count)
    except (TypeError, ValueError):
        raise AnsibleFilterError("subnet_plan: az_count must be an integer, got %r" % (az_count,))
    return network.subnet_plan(vpc_cidr, az_count, private_cidrs or None, public_cidrs or None)


REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def network_plan(vpc_cidr, region, availability_zones, az_count, private_cidrs=None, public_cidrs=None, prefix="vpc_eks"):
    """The whole network input of a role checked at once: region, VPC CIDR, AZs and subnet CIDRs.

    Returns ``{"az_count", "private", "public", "problems"}``; each problem names the variable
    (``<prefix>_region``, ``<prefix>_vpc_cidr``, ...) and what is allowed. ``availability_zones`` empty
    means the first ``az_count`` zones of the region (looked up later, at least 2).
    """
    problems = []
    region = "" if region is None else str(region)
    azs = list(availability_zones or [])
    if not REGION.match(region):
        problems.append(
            "%s_region (or eks_llm_region) is %r: set it to an AWS region name such as us-west-2; the role has no "
            "default region" % (prefix, region)
        )
    vpc_problem = network.cidr_problem(vpc_cidr)
    if vpc_problem:
        problems.append("%s_vpc_cidr: %s. Give an IPv4 block such as 10.0.0.0/16" % (prefix, vpc_problem))
    if azs:
        count = len(azs)
        foreign = [z for z in azs if not re.match("^%s[a-z]$" % re.escape(region), str(z))]
        if count < 2 or len(set(azs)) != count or foreign:
            problems.append(
                "%s_availability_zones is %s: EKS needs at least 2 distinct availability zones of %s (for example "
                "%sa and %sb); leave the list empty to use the first %s_availability_zone_count (>= 2) zones of "
                "the region" % (prefix, azs, region or "the region", region, region, prefix)
            )
    else:
        try:
            count = int(az_count)
        except (TypeError, ValueError):
            count = 0
        if count < 2:
            problems.append(
                "%s_availability_zone_count is %r: EKS needs at least 2 availability zones" % (prefix, az_count)
            )
    plan = {"az_count": count, "private": [], "public": []}
    if not vpc_problem and count >= 1:
        subnets = network.subnet_plan(vpc_cidr, count, private_cidrs or None, public_cidrs or None)
        plan.update(private=subnets["private"], public=subnets["public"])
        problems.extend(
            "%s_private_subnet_cidrs / %s_public_subnet_cidrs (VPC %s): %s; give one CIDR per AZ inside the VPC "
            "CIDR, or leave both empty to derive them" % (prefix, prefix, vpc_cidr, problem)
            for problem in subnets["problems"]
        )
    plan["problems"] = problems
    return plan


class FilterModule(object):
    """eks_llm.inference network filters."""

    def filters(self):
        return {"cidr_problem": cidr_problem, "subnet_plan": subnet_plan, "network_plan": network_plan}
