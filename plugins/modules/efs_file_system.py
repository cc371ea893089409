#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: Manage an Amazon EFS file system and its mount targets, with an ownership guard
version_added: 1.0.0
description:
  - Create, reconcile (mount targets, their security groups, tags) or delete an EFS file system identified by its
    creation token (O(name), also set as the C(Name) tag).
  - Written because M(community.aws.efs) and M(community.aws.efs_info) (community.aws 10.0.0) read and write tags with
    the EFS C(DescribeTags)/C(CreateTags)/C(DeleteTags) operations, which AWS deprecated in favour of
    C(ListTagsForResource)/C(TagResource)/C(UntagResource) (and which moto does not implement); C(community.aws.efs)
    also has no check mode.
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  name:
    description: Creation token and C(Name) tag of the file system.
    type: str
    required: true
  encrypt:
    description: Encrypt data at rest (creation only).
    type: bool
    default: true
  kms_key_id:
    description: KMS key for encryption (creation only).
    type: str
  performance_mode:
    description: Performance mode (creation only).
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description: Throughput mode (creation only).
    type: str
    choices: [bursting, elastic]
    default: bursting
  targets:
    description: Mount targets, one per subnet. Mount targets in other subnets are deleted. When omitted, mount targets are left alone.
    type: list
    elements: dict
    suboptions:
      subnet_id:
        description: Subnet of the mount target.
        type: str
        required: true
      security_groups:
        description: Security groups of the mount target; when omitted they are left alone.
        type: list
        elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws
  - eks_llm.inference.aws.owner
  - eks_llm.inference.aws.wait
notes:
  - The module always waits (up to O(wait_timeout)) for a new file system to be available before it adds
    mount targets, and for the mount targets to be gone before it deletes a file system, even with
    O(wait=false).
attributes:
  diff_mode:
    details: Shows mount target subnets, their security groups and tags before and after.
"""

EXAMPLES = r"""
- name: Shared model storage for multi-node TRT-LLM (seed 001)
  eks_llm.inference.efs_file_system:
    name: trtllm-efs
    targets:
      - subnet_id: subnet-0123
        security_groups: [sg-0456]
      - subnet_id: subnet-0789
        security_groups: [sg-0456]
    tags:
      eks_llm.inference/cluster: trtllm-inference-cluster
    owner_tags:
      eks_llm.inference/cluster: trtllm-inference-cluster
"""

RETURN = r"""
file_system:
  description: The file system (snake_case keys; C(tags) as a dict; C(mount_targets) list). Empty when absent.
  returned: always
  type: dict
  contains:
    file_system_id:
      description: ID.
      type: str
      sample: fs-0123456789abcdef0
    life_cycle_state:
      description: State.
      type: str
      sample: available
    mount_targets:
      description: Mount targets with C(subnet_id), C(mount_target_id), C(security_groups).
      type: list
      elements: dict
    tags:
      description: Tags.
      type: dict
      sample: {"Name": "trtllm-efs"}
wait:
  description: Seconds waited in all (C(elapsed_s)) and the last status polled (C(last_status)).
  returned: when the module waited
  type: dict
  sample: {"elapsed_s": 95.0, "last_status": "available"}
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["mount target in subnet-0123"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import arg_spec, tags_after
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module


def argument_spec():
    return arg_spec(
        name=dict(type="str", required=True),
        encrypt=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
        throughput_mode=dict(type="str", choices=["bursting", "elastic"], default="bursting"),
        targets=dict(
            type="list",
            elements="dict",
            options=dict(
                subnet_id=dict(type="str", required=True), security_groups=dict(type="list", elements="str")
            ),
        ),
    )


def plan_targets(current_targets, wanted):
    """(to_create, to_delete, sg_updates) for mount targets, keyed by subnet (pure)."""
    have = dict((t["SubnetId"], t) for t in current_targets)
    want = dict((t["subnet_id"], t) for t in wanted)
    to_create = [want[s] for s in sorted(want) if s not in have]
    to_delete = [have[s] for s in sorted(have) if s not in want]
    sg_updates = [
        (have[s]["MountTargetId"], sorted(want[s]["security_groups"]))
        for s in sorted(want)
        if s in have
        and want[s].get("security_groups") is not None
        and sorted(want[s]["security_groups"]) != sorted(have[s].get("SecurityGroups") or [])
    ]
    return to_create, to_delete, sg_updates


def target_view(target):
    return dict(SubnetId=target["subnet_id"], SecurityGroups=target.get("security_groups") or [])


class FileSystem(AwsResource):
    KIND = "EFS file system"
    RESULT = "file_system"
    SERVICES = ("efs",)
    NOT_FOUND = ("FileSystemNotFound",)

    def find(self, action="describe"):
        found = self.call(action, self.efs.describe_file_systems, CreationToken=self.name).get("FileSystems", [])
        return found[0] if found else None

    def mount_targets(self, fs_id, action="describe"):
        return self.call(action, self.efs.describe_mount_targets, FileSystemId=fs_id).get("MountTargets", [])

    def describe(self):
        """The file system with tags (dict) and mount targets (with security groups), or None."""
        fs = self.find()
        if fs is None:
            return None
        fs_id = fs["FileSystemId"]
        fs["Tags"] = boto3_tag_list_to_ansible_dict(self.call("describe", self.efs.list_tags_for_resource, ResourceId=fs_id).get("Tags"))
        targets = self.mount_targets(fs_id)
        for target in targets:
            if target.get("LifeCycleState") in ("available", "creating"):
                target["SecurityGroups"] = self.call(
                    "describe", self.efs.describe_mount_target_security_groups, MountTargetId=target["MountTargetId"]
                ).get("SecurityGroups", [])
        fs["MountTargets"] = [t for t in targets if t.get("LifeCycleState") not in ("deleting", "deleted")]
        return fs

    def view(self, resource):
        return dict(
            mount_targets=dict((t["SubnetId"], sorted(t.get("SecurityGroups") or [])) for t in resource.get("MountTargets", [])),
            tags=dict(resource.get("Tags") or {}),
        )

    def status(self):
        """"available" once the file system and all its mount targets are; "gone" once it is deleted."""
        fs = self.find()
        if fs is None:
            return "gone", ""
        busy = [t["MountTargetId"] for t in self.mount_targets(fs["FileSystemId"]) if t.get("LifeCycleState") in ("creating", "deleting")]
        if busy and fs["LifeCycleState"] == "available":
            return "mount targets busy", ", ".join(busy)
        return fs["LifeCycleState"], ""

    def targets_status(self, fs_id):
        targets = self.mount_targets(fs_id)
        return ("none", "") if not targets else ("mount targets left", ", ".join(t["MountTargetId"] for t in targets))

    def apply_tags(self, arn, to_set, to_remove):
        if to_remove:
            self.call("untag", self.efs.untag_resource, ResourceId=arn, TagKeys=to_remove)
        if to_set:
            self.call("tag", self.efs.tag_resource, ResourceId=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))

    def add_targets(self, fs_id, targets, action):
        for target in targets:
            request = dict(FileSystemId=fs_id, SubnetId=target["subnet_id"])
            if target.get("security_groups"):
                request["SecurityGroups"] = target["security_groups"]
            self.call(action, self.efs.create_mount_target, **request)

    def present(self):
        params = self.params
        current = self.describe()
        desired_tags = dict((str(k), str(v)) for k, v in (params["tags"] or {}).items())
        desired_tags.setdefault("Name", self.name)
        if current is None:
            targets = params["targets"] or []
            intended = dict(CreationToken=self.name, Tags=desired_tags, MountTargets=[target_view(t) for t in targets])
            details = ["mount target in %s" % t["subnet_id"] for t in targets]
            return self.create(intended, lambda: self.make(desired_tags, targets), details=details)

        self.guard(current.get("Tags"))
        to_create, to_delete, sg_updates = ([], [], [])
        if params["targets"] is not None:
            to_create, to_delete, sg_updates = plan_targets(current.get("MountTargets", []), params["targets"])
        self.change(*["mount target in %s" % t["subnet_id"] for t in to_create])
        self.change(*["delete mount target in %s" % t["SubnetId"] for t in to_delete])
        self.change(*["security groups of mount target %s -> %s" % (mt, sgs) for mt, sgs in sg_updates])
        to_set, to_remove = self.plan_tags(current.get("Tags"), desired_tags if params["tags"] is not None else None)
        after = dict(current, Tags=tags_after(current.get("Tags"), to_set, to_remove))
        after["MountTargets"] = [t for t in current.get("MountTargets", []) if t not in to_delete] + [target_view(t) for t in to_create]
        return self.update(current, after, lambda: self.apply(current["FileSystemId"], to_create, to_delete, sg_updates, to_set, to_remove))

    def make(self, tags, targets):
        request = dict(
            CreationToken=self.name,
            PerformanceMode=self.params["performance_mode"],
            ThroughputMode=self.params["throughput_mode"],
            Encrypted=self.params["encrypt"],
            Tags=ansible_dict_to_boto3_tag_list(dict(sorted(tags.items()))),
        )
        if self.params["kms_key_id"]:
            request["KmsKeyId"] = self.params["kms_key_id"]
        fs_id = self.call("create", self.efs.create_file_system, **request)["FileSystemId"]
        self.wait("be available before adding mount targets", ready=("available",), always=True)
        self.add_targets(fs_id, targets, "create")
        self.wait("be available", ready=("available",))
        return self.describe()

    def apply(self, fs_id, to_create, to_delete, sg_updates, to_set, to_remove):
        for target in to_delete:
            self.call("update", self.efs.delete_mount_target, MountTargetId=target["MountTargetId"])
        self.add_targets(fs_id, to_create, "update")
        for mt_id, sgs in sg_updates:
            self.call("update", self.efs.modify_mount_target_security_groups, MountTargetId=mt_id, SecurityGroups=sgs)
        self.apply_tags(fs_id, to_set, to_remove)
        if to_create or to_delete:
            self.wait("be available", ready=("available",))
        return self.describe()

    def absent(self):
        current = self.describe()
        if current is None:
            return self.result
        self.guard(current.get("Tags"))
        return self.delete(current, lambda: self.remove(current))

    def remove(self, current):
        fs_id = current["FileSystemId"]
        for target in current.get("MountTargets", []):
            self.call("delete", self.efs.delete_mount_target, MountTargetId=target["MountTargetId"])
        self.wait("lose its mount targets", ready=("none",), read=lambda: self.targets_status(fs_id), always=True)
        self.call("delete", self.efs.delete_file_system, FileSystemId=fs_id)
        self.wait("be deleted", ready=("gone",))


def main():
    run_module(FileSystem, argument_spec())


if __name__ == "__main__":
    main()
