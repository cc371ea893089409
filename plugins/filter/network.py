# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 CIDR filters without ansible.utils/netaddr: ``cidr_problem`` and ``subnet_plan``.

The logic is in ``plugins/module_utils/aws/network.py`` (pure, unit tested); docs in YAML sidecars.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


class FilterModule(object):
    """eks_llm.inference network filters."""

    def filters(self):
        return {"cidr_problem": cidr_problem, "subnet_plan": subnet_plan}
