"""Reconciliation decisions of plugins/module_utils/aws/nodegroup.py (used by the module eks_nodegroup).

Expected values follow the EKS API reference: UpdateNodegroupConfig takes labels as
addOrUpdateLabels/removeLabels and taints as addOrUpdateTaints/removeTaints (a taint is identified by
key and effect, as in Kubernetes core/v1), UpdateNodegroupVersion takes the launch template, and
CreateNodegroup rejects diskSize together with a launch template.
"""

import copy

import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import nodegroup as ngu

CURRENT = dict(
    nodeRole="arn:aws:iam::123456789012:role/n",
    amiType="AL2_x86_64_GPU",
    capacityType="ON_DEMAND",
    instanceTypes=["g4dn.xlarge"],
    subnets=["subnet-a", "subnet-b"],
    diskSize=100,
    scalingConfig={"minSize": 4, "maxSize": 4, "desiredSize": 4},
    labels={"nvidia.com/gpu.present": "true"},
    taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
    tags={"eks_llm.inference/cluster": "eks-llm"},
)

NO_CHANGE = dict(immutable=[], config={}, version=None, tags={}, untag=[])


def desired(**changes):
    item = copy.deepcopy(CURRENT)
    item.update(changes)
    return item


def params(**over):
    base = dict(
        cluster_name="eks-llm", name="gpu", node_role="arn:aws:iam::123456789012:role/n", subnets=["subnet-a"],
        capacity_type="ON_DEMAND", scaling_config=dict(min_size=1, max_size=2, desired_size=1),
        instance_types=None, ami_type=None, launch_template=None, disk_size=None, labels=None, taints=None,
        update_config=None, tags=None, kubernetes_version=None,
    )
    base.update(over)
    return base


def test_same_settings_need_no_call():
    changes = ngu.nodegroup_changes(CURRENT, desired(subnets=["subnet-b", "subnet-a"]))
    assert changes == NO_CHANGE


def test_scaling_labels_and_taints_are_updated_in_place():
    changes = ngu.nodegroup_changes(
        CURRENT,
        desired(
            scalingConfig={"minSize": 2, "maxSize": 6, "desiredSize": 3},
            labels={"team": "llm"},
            taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_EXECUTE"}],
        ),
    )
    assert changes["immutable"] == []
    assert changes["config"] == {
        "scalingConfig": {"minSize": 2, "maxSize": 6, "desiredSize": 3},
        "labels": {"addOrUpdateLabels": {"team": "llm"}, "removeLabels": ["nvidia.com/gpu.present"]},
        # a taint is identified by key and effect: a new effect is a new taint, the old one goes
        "taints": {
            "addOrUpdateTaints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_EXECUTE"}],
            "removeTaints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        },
    }


def test_new_taint_value_is_an_update():
    changes = ngu.nodegroup_changes(
        CURRENT, desired(taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}])
    )
    assert changes["config"] == {
        "taints": {"addOrUpdateTaints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]}
    }


def test_fields_left_out_are_not_managed():
    wanted = desired()
    for key in ("labels", "taints", "tags", "scalingConfig", "amiType", "instanceTypes"):
        wanted.pop(key)
    assert ngu.nodegroup_changes(CURRENT, wanted) == NO_CHANGE


@pytest.mark.parametrize(
    "field, value",
    [
        ("instanceTypes", ["g5.xlarge"]),
        ("amiType", "AL2023_x86_64_NVIDIA"),
        ("capacityType", "SPOT"),
        ("diskSize", 200),
        ("nodeRole", "arn:aws:iam::123456789012:role/other"),
        ("subnets", ["subnet-c"]),
    ],
)
def test_immutable_fields_are_reported(field, value):
    changes = ngu.nodegroup_changes(CURRENT, desired(**{field: value}))
    assert len(changes["immutable"]) == 1 and changes["immutable"][0].startswith(field + ": ")


def test_new_launch_template_version_is_rolled_out():
    current = dict(CURRENT, launchTemplate={"name": "lt", "id": "lt-1", "version": "1"})
    changes = ngu.nodegroup_changes(current, desired(launchTemplate={"name": "lt", "version": "2"}))
    assert changes["version"] == {"launchTemplate": {"name": "lt", "version": "2"}}
    assert changes["immutable"] == []


@pytest.mark.parametrize(
    "current_lt, desired_lt, text",
    [
        (None, {"name": "lt", "version": "1"}, "launchTemplate: None -> lt"),
        ({"name": "lt", "id": "lt-1", "version": "1"}, None, "launchTemplate: lt -> None"),
        ({"name": "lt", "id": "lt-1", "version": "1"}, {"name": "other", "version": "1"}, "launchTemplate.name: lt -> other"),
        ({"name": "lt", "id": "lt-1", "version": "1"}, {"id": "lt-2", "version": "1"}, "launchTemplate.id: lt-1 -> lt-2"),
    ],
)
def test_launch_template_cannot_be_added_removed_or_swapped(current_lt, desired_lt, text):
    current = dict(CURRENT)
    wanted = desired()
    if current_lt:
        current["launchTemplate"] = current_lt
    if desired_lt:
        wanted["launchTemplate"] = desired_lt
        wanted.pop("diskSize")
    changes = ngu.nodegroup_changes(current, wanted)
    assert changes["immutable"] == [text]
    assert changes["version"] is None


def test_update_config_compared_with_what_eks_reports():
    # moto stores no updateConfig at creation; EKS reports {"maxUnavailable": 1} by default
    assert ngu.nodegroup_changes(CURRENT, desired(updateConfig={"maxUnavailable": 2}))["config"] == {
        "updateConfig": {"maxUnavailable": 2}
    }
    current = dict(CURRENT, updateConfig={"maxUnavailable": 2})
    assert ngu.nodegroup_changes(current, desired(updateConfig={"maxUnavailable": 2})) == NO_CHANGE


def test_tags_of_others_are_kept_unless_purged():
    current = dict(CURRENT, tags={"eks_llm.inference/cluster": "eks-llm", "cost": "x", "aws:reserved": "y"})
    wanted = desired(tags={"eks_llm.inference/cluster": "eks-llm", "team": "llm"})
    kept = ngu.nodegroup_changes(current, wanted)
    assert (kept["tags"], kept["untag"]) == ({"team": "llm"}, [])
    purged = ngu.nodegroup_changes(current, wanted, purge_tags=True)
    # aws: tags are AWS-reserved and never removed
    assert (purged["tags"], purged["untag"]) == ({"team": "llm"}, ["cost"])


def test_desired_parameters_without_launch_template_carry_the_disk_size():
    got = ngu.desired_parameters(
        params(
            disk_size=100, labels={"a": True}, taints=[{"key": "k", "value": None, "effect": "NO_SCHEDULE"}],
            tags={"n": 1}, ami_type="AL2023_x86_64_NVIDIA", instance_types=["g5.xlarge"], kubernetes_version="1.33",
            update_config=dict(max_unavailable=None, max_unavailable_percentage=25),
        )
    )
    assert got == dict(
        clusterName="eks-llm", nodegroupName="gpu", nodeRole="arn:aws:iam::123456789012:role/n", subnets=["subnet-a"],
        capacityType="ON_DEMAND", scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1},
        instanceTypes=["g5.xlarge"], amiType="AL2023_x86_64_NVIDIA", diskSize=100,
        labels={"a": "True"}, taints=[{"key": "k", "effect": "NO_SCHEDULE"}], tags={"n": "1"},
        updateConfig={"maxUnavailablePercentage": 25}, version="1.33",
    )


def test_desired_parameters_with_launch_template_leave_the_disk_size_to_it():
    got = ngu.desired_parameters(params(disk_size=100, launch_template=dict(id=None, name="lt", version=None, data={})), "7")
    assert got["launchTemplate"] == {"name": "lt", "version": "7"}
    assert "diskSize" not in got
    # options left out are neither sent nor compared
    for key in ("labels", "taints", "tags", "amiType", "instanceTypes", "updateConfig", "version"):
        assert key not in got


def test_apply_changes_gives_the_state_after_the_update():
    current = dict(CURRENT, launchTemplate={"name": "lt", "id": "lt-1", "version": "1"}, tags={"old": "1"})
    wanted = desired(launchTemplate={"name": "lt", "version": "2"}, labels={"team": "llm"}, tags={"new": "2"})
    wanted.pop("diskSize")
    changes = ngu.nodegroup_changes(current, wanted, purge_tags=True)
    after = ngu.apply_changes(current, wanted, changes)
    assert after["labels"] == {"team": "llm"}
    assert after["launchTemplate"] == {"name": "lt", "id": "lt-1", "version": "2"}
    assert after["tags"] == {"new": "2"}
    assert ngu.describe_changes(current, changes)[-2:] == ["tags set: new", "tags removed: old"]
