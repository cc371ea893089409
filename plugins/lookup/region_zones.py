# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: region_zones
short_description: Check an AWS region and its availability zones before anything is created
version_added: 1.0.0
author: eks_llm.inference contributors (@eks-llm)
description:
  - Returns one mapping per region named, telling whether the region is one where Amazon EKS is offered
    (from the region list bundled with the installed botocore, no AWS call) and, when AWS credentials are
    available, the names of the region's available zones (one read-only C(DescribeAvailabilityZones) call).
  - Without credentials the zones are not read (C(zones) is V(null)); no later step could create anything then.
  - Honours the standard AWS environment (C(AWS_PROFILE), C(AWS_ENDPOINT_URL), ...), like the modules.
options:
  _terms:
    description: AWS region names.
    type: list
    elements: str
    required: true
  zones:
    description: Read the availability zones (V(false) only checks the region name against the list).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Check the region and the zones of the inventory
  ansible.builtin.assert:
    that:
      - __region.known
      - __region.zones is none or eks_llm_availability_zones is subset(__region.zones)
  vars:
    __region: "{{ lookup('eks_llm.inference.region_zones', eks_llm_region) }}"
"""

RETURN = r"""
_raw:
  description: One mapping per region.
  type: list
  elements: dict
  contains:
    region:
      description: The region name as given.
      type: str
    known:
      description: Whether the region is in botocore's list of regions offering EKS.
      type: bool
    closest:
      description: The known region closest in spelling to an unknown one (empty when the region is known or nothing is close).
      type: str
    zones:
      description: Names of the region's zones in state C(available), or V(null) when they were not read.
      type: list
      elements: str
"""

import difflib

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - boto3 is a requirement of the collection
    boto3 = None


def eks_regions(session):
    """Every region of every partition where botocore's endpoint data lists EKS."""
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("eks", partition_name=partition))
    return sorted(regions)


def available_zones(session, region):
    """Zone names in state available (one DescribeAvailabilityZones call), or None without credentials."""
    if session.get_credentials() is None:
        return None
    client = session.client(
        "ec2", region_name=region, config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10)
    )
    response = client.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])
    return sorted(zone["ZoneName"] for zone in response.get("AvailabilityZones", []))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if boto3 is None:
            raise AnsibleLookupError("region_zones needs boto3 and botocore (pip install -r requirements.txt)")
        read_zones = self.get_option("zones")
        session = boto3.session.Session()
        regions = eks_regions(session)
        out = []
        for region in terms:
            region = str(region)
            known = region in regions
            zones = None
            if known and read_zones:
                try:
                    zones = available_zones(session, region)
                except (BotoCoreError, ClientError) as exc:
                    raise AnsibleLookupError(
                        "Failed to read the availability zones of region %s (DescribeAvailabilityZones): %s; "
                        "check the AWS credentials and the region" % (region, exc)
                    )
            closest = "" if known else (difflib.get_close_matches(region, regions, n=1, cutoff=0.6) or [""])[0]
            out.append(dict(region=region, known=known, closest=closest, zones=zones))
        return out
