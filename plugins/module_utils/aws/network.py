# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure IPv4 CIDR helpers for VPC planning (no Ansible, no AWS calls).

Used by the ``eks_llm.inference.cidr_problem`` and ``eks_llm.inference.subnet_plan`` filters,
so that the vpc_eks role validates and derives CIDRs before any AWS call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import math

# Amazon VPC limits: IPv4 VPC and subnet blocks are between /16 and /28.
MIN_PREFIX = 16
MAX_PREFIX = 28


def cidr_problem(value, min_prefix=MIN_PREFIX, max_prefix=MAX_PREFIX):
    """Return "" when ``value`` is an IPv4 network in CIDR notation AWS accepts, else the reason."""
    if not isinstance(value, str) or "/" not in value:
        return "%r is not in CIDR notation (a.b.c.d/n)" % (value,)
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        return "%r is not a valid IPv4 CIDR: %s" % (value, exc)
    if net.version != 4:
        return "%r is not an IPv4 CIDR" % (value,)
    if str(net) != value.strip():
        return "%r has host bits set; the network address is %s" % (value, net)
    if not min_prefix <= net.prefixlen <= max_prefix:
        return "%r has prefix /%d; AWS accepts /%d to /%d" % (value, net.prefixlen, min_prefix, max_prefix)
    return ""


def split_halves(vpc_cidr, count):
    """Seed-000 layout: private subnets in the first half, public in the second half of the VPC.

    Each half is cut into ``count`` subnets with ``ceil(log2(count))`` extra bits (count >= 1).
    """
    net = ipaddress.ip_network(vpc_cidr)
    private_half, public_half = net.subnets(prefixlen_diff=1)
    bits = int(math.ceil(math.log(count, 2))) if count > 1 else 0
    private = [str(s) for s in list(private_half.subnets(prefixlen_diff=bits))[:count]]
    public = [str(s) for s in list(public_half.subnets(prefixlen_diff=bits))[:count]]
    return private, public


def subnet_plan(vpc_cidr, az_count, private_cidrs=None, public_cidrs=None):
    """Plan the subnets of a VPC.

    Returns ``{"private": [...], "public": [...], "problems": [...]}``. Given lists are kept as they
    are (and checked); missing ones are derived with :func:`split_halves`. ``problems`` is empty when
    the plan is usable: every block valid, inside the VPC, one per AZ, no overlaps.
    """
    problems = []
    vpc_problem = cidr_problem(vpc_cidr)
    if vpc_problem:
        return {"private": [], "public": [], "problems": ["VPC CIDR " + vpc_problem]}
    if not isinstance(az_count, int) or az_count < 1:
        return {"private": [], "public": [], "problems": ["the number of AZs must be >= 1, got %r" % (az_count,)]}
    vpc = ipaddress.ip_network(vpc_cidr)
    derived_private, derived_public = split_halves(vpc_cidr, az_count)
    if vpc.prefixlen + 1 + int(math.ceil(math.log(az_count, 2))) > MAX_PREFIX:
        problems.append("VPC CIDR %s is too small for %d AZs" % (vpc_cidr, az_count))
    plan = {"private": list(private_cidrs or derived_private), "public": list(public_cidrs or derived_public)}
    seen = []
    for kind in ("private", "public"):
        blocks = plan[kind]
        if len(blocks) != az_count:
            problems.append("%d %s subnet CIDRs given for %d AZs; give exactly one per AZ" % (len(blocks), kind, az_count))
        for block in blocks:
            problem = cidr_problem(block)
            if problem:
                problems.append("%s subnet CIDR %s" % (kind, problem))
                continue
            net = ipaddress.ip_network(block)
            if not net.subnet_of(vpc):
                problems.append("%s subnet CIDR %s is not inside the VPC CIDR %s" % (kind, block, vpc_cidr))
            for other_kind, other in seen:
                if net.overlaps(other):
                    problems.append("%s subnet CIDR %s overlaps %s subnet CIDR %s" % (kind, block, other_kind, other))
            seen.append((kind, net))
    plan["problems"] = problems
    return plan
