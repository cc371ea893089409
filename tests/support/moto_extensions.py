"""Additions to the moto stand-in for EC2 APIs that moto 5.2.5 does not implement (a test double, not AWS).

moto 5.2.5 answers CreatePlacementGroup / DescribePlacementGroups / DeletePlacementGroup with
"NotImplementedError: The describe_placement_groups action has not been implemented" (HTTP 500).
This module adds a minimal in-memory emulation of those three actions, following the EC2 API
reference: group names are unique per region (``InvalidPlacementGroup.Duplicate``), deleting an
unknown group fails with ``InvalidPlacementGroup.Unknown``, tags come from ``TagSpecifications``
(resource type ``placement-group``), ``group-name`` / ``strategy`` / ``tag:<key>`` filters and
``GroupNames`` select groups. The state lives on the per-account/region EC2 backend, so
``/moto-api/reset`` clears it like everything else.

Run as a script it starts moto's server with these additions: ``python moto_extensions.py -H host -p port``.
"""

import fnmatch
import sys

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response
from moto.moto_api._internal import mock_random as random

PLACEMENT_STRATEGIES = ("cluster", "spread", "partition")


# Errors are raised as moto's own EC2ClientError (code, message): moto finds the error's service from the
# exception class's module, which must be under moto.ec2.


def _groups(backend):
    if not hasattr(backend, "eks_llm_placement_groups"):
        backend.eks_llm_placement_groups = {}
    return backend.eks_llm_placement_groups


def _matches(group, filters):
    for name, values in filters.items():
        if name == "group-name":
            actual = [group["GroupName"]]
        elif name == "strategy":
            actual = [group["Strategy"]]
        elif name == "state":
            actual = [group["State"]]
        elif name.startswith("tag:"):
            actual = [t["Value"] for t in group["Tags"] if t["Key"] == name[4:]]
        elif name == "tag-key":
            actual = [t["Key"] for t in group["Tags"]]
        else:
            continue
        if not any(fnmatch.fnmatchcase(a, v) for a in actual for v in values):
            return False
    return True


def create_placement_group(self):
    name = self._get_param("GroupName")
    strategy = self._get_param("Strategy")
    if strategy not in PLACEMENT_STRATEGIES:
        raise EC2ClientError("InvalidParameterValue", "Value (%s) for parameter strategy is invalid." % strategy)
    tags = self._parse_tag_specification("placement-group").get("placement-group", {})
    self.error_on_dryrun()
    groups = _groups(self.ec2_backend)
    if name in groups:
        raise EC2ClientError("InvalidPlacementGroup.Duplicate", "The Placement Group '%s' already exists." % name)
    group_id = "pg-" + random.get_random_hex(17)
    group = dict(
        GroupName=name,
        GroupId=group_id,
        State="available",
        Strategy=strategy,
        Tags=[dict(Key=k, Value=v) for k, v in tags.items()],
        GroupArn="arn:aws:ec2:%s:%s:placement-group/%s" % (self.region, self.current_account, name),
    )
    if strategy == "partition":
        group["PartitionCount"] = int(self._get_param("PartitionCount") or 2)
    groups[name] = group
    return ActionResult({"PlacementGroup": group})


def describe_placement_groups(self):
    names = self._get_param("GroupNames", [])
    filters = self._filters_from_querystring()
    groups = _groups(self.ec2_backend)
    for name in names:
        if name not in groups:
            raise EC2ClientError("InvalidPlacementGroup.Unknown", "The Placement Group '%s' is unknown." % name)
    found = [g for n, g in sorted(groups.items()) if (not names or n in names) and _matches(g, filters)]
    return ActionResult({"PlacementGroups": found})


def delete_placement_group(self):
    name = self._get_param("GroupName")
    self.error_on_dryrun()
    groups = _groups(self.ec2_backend)
    if name not in groups:
        raise EC2ClientError("InvalidPlacementGroup.Unknown", "The Placement Group '%s' is unknown." % name)
    del groups[name]
    return ActionResult({})


def install():
    """Add the placement-group actions to moto's EC2 responses (idempotent)."""
    EC2Response.create_placement_group = create_placement_group
    EC2Response.describe_placement_groups = describe_placement_groups
    EC2Response.delete_placement_group = delete_placement_group


if __name__ == "__main__":
    install()
    from moto.server import main

    main(sys.argv[1:])
