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
  owner_tags:
    description: Tags an existing file system must carry before it is changed or deleted.
    type: dict
    default: {}
  state:
    description: Whether the file system should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws_wait
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the file system and reports what would change; no mutating call, no wait.
  diff_mode:
    support: full
    details: Shows mount target subnets, their security groups and tags before and after.
  platform:
    platforms: aws
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
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["mount target in subnet-0123"]
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    AwsModuleError,
    compare_tags,
    error_cause,
    failure_message,
    finish,
    owner_problem,
    wait_arg_spec,
)

KIND = "EFS file system"


def argument_spec():
    spec = dict(
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
        owner_tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec.update(wait_arg_spec())
    return spec


def aws_errors():
    return (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def describe(client, name):
    """The file system with tags (dict) and mount targets (with security groups), or None."""
    try:
        found = client.describe_file_systems(CreationToken=name).get("FileSystems", [])
        if not found:
            return None
        fs = found[0]
        fs_id = fs["FileSystemId"]
        fs["Tags"] = dict((t["Key"], t["Value"]) for t in client.list_tags_for_resource(ResourceId=fs_id).get("Tags", []))
        targets = client.describe_mount_targets(FileSystemId=fs_id).get("MountTargets", [])
        for target in targets:
            if target.get("LifeCycleState") in ("available", "creating"):
                target["SecurityGroups"] = client.describe_mount_target_security_groups(
                    MountTargetId=target["MountTargetId"]
                ).get("SecurityGroups", [])
        fs["MountTargets"] = [t for t in targets if t.get("LifeCycleState") not in ("deleting", "deleted")]
        return fs
    except aws_errors() as exc:
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc)), cause=exc)


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


def poll(check, timeout, sleep, what):
    """Poll ``check()`` (returns (done, status_text)) until done or timeout; raise with the last status."""
    start = time.monotonic()
    status = ""
    while True:
        done, status = check()
        if done:
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            raise AwsModuleError("Timeout after %.0fs waiting for %s; last observed: %s" % (time.monotonic() - start, what, status))
        time.sleep(max(1, sleep))


def view(fs):
    if not fs:
        return {}
    return dict(
        mount_targets=dict((t["SubnetId"], sorted(t.get("SecurityGroups") or [])) for t in fs.get("MountTargets", [])),
        tags=dict(fs.get("Tags") or {}),
    )


def snake(fs):
    if not fs:
        return {}
    tags = fs.get("Tags")
    out = camel_dict_to_snake_dict(dict((k, v) for k, v in fs.items() if k != "Tags"))
    out["tags"] = tags or {}
    return out


def wait_available(client, params, fs_id, result):
    def check():
        fs = client.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
        targets = client.describe_mount_targets(FileSystemId=fs_id).get("MountTargets", [])
        busy = [t["MountTargetId"] for t in targets if t.get("LifeCycleState") in ("creating", "deleting")]
        return fs["LifeCycleState"] == "available" and not busy, "file system %s, mount targets busy: %s" % (
            fs["LifeCycleState"], busy or "none")

    result["duration"] = result.get("duration", 0) + poll(
        check, params["wait_timeout"], params["wait_sleep"], "%s %s to be available" % (KIND, params["name"])
    )


def ensure_present(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], file_system={})
    current = describe(client, name)
    desired_tags = dict((str(k), str(v)) for k, v in (params["tags"] or {}).items())
    desired_tags.setdefault("Name", name)
    if current is None:
        result.update(changed=True, changes=["create %s %s" % (KIND, name)])
        result["changes"] += ["mount target in %s" % t["subnet_id"] for t in params["targets"] or []]
        intended = dict(
            CreationToken=name,
            Tags=desired_tags,
            MountTargets=[dict(SubnetId=t["subnet_id"], SecurityGroups=t.get("security_groups") or []) for t in params["targets"] or []],
        )
        result["diff"] = dict(before={}, after=view(intended))
        if check_mode:
            result["file_system"] = snake(intended)
            return result
        kwargs = dict(
            CreationToken=name,
            PerformanceMode=params["performance_mode"],
            ThroughputMode=params["throughput_mode"],
            Encrypted=params["encrypt"],
            Tags=[dict(Key=k, Value=v) for k, v in sorted(desired_tags.items())],
        )
        if params["kms_key_id"]:
            kwargs["KmsKeyId"] = params["kms_key_id"]
        try:
            fs_id = client.create_file_system(**kwargs)["FileSystemId"]
            poll(
                lambda: (client.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["LifeCycleState"] == "available", "creating"),
                params["wait_timeout"],
                params["wait_sleep"],
                "%s %s to be available before adding mount targets" % (KIND, name),
            )
            for target in params["targets"] or []:
                mt = dict(FileSystemId=fs_id, SubnetId=target["subnet_id"])
                if target.get("security_groups"):
                    mt["SecurityGroups"] = target["security_groups"]
                client.create_mount_target(**mt)
        except aws_errors() as exc:
            raise AwsModuleError(failure_message("create", KIND, name, error_cause(exc)), result=result, cause=exc)
        if params["wait"]:
            wait_available(client, params, fs_id, result)
        result["file_system"] = snake(describe(client, name))
        return result

    problem = owner_problem(KIND, name, current.get("Tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    fs_id = current["FileSystemId"]
    changes = []
    to_create, to_delete, sg_updates = ([], [], [])
    if params["targets"] is not None:
        to_create, to_delete, sg_updates = plan_targets(current.get("MountTargets", []), params["targets"])
    changes += ["mount target in %s" % t["subnet_id"] for t in to_create]
    changes += ["delete mount target in %s" % t["SubnetId"] for t in to_delete]
    changes += ["security groups of mount target %s -> %s" % (mt, sgs) for mt, sgs in sg_updates]
    to_set, to_remove = compare_tags(current.get("Tags"), desired_tags if params["tags"] is not None else None, params["purge_tags"])
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
    after = dict(current)
    after["MountTargets"] = [t for t in current.get("MountTargets", []) if t not in to_delete]
    after["MountTargets"] += [dict(SubnetId=t["subnet_id"], SecurityGroups=t.get("security_groups") or []) for t in to_create]
    tags = dict(current.get("Tags") or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    after["Tags"] = tags
    result.update(changed=bool(changes), changes=changes)
    result["diff"] = dict(before=view(current), after=view(after))
    if check_mode or not changes:
        result["file_system"] = snake(after)
        return result
    try:
        for target in to_delete:
            client.delete_mount_target(MountTargetId=target["MountTargetId"])
        for target in to_create:
            mt = dict(FileSystemId=fs_id, SubnetId=target["subnet_id"])
            if target.get("security_groups"):
                mt["SecurityGroups"] = target["security_groups"]
            client.create_mount_target(**mt)
        for mt_id, sgs in sg_updates:
            client.modify_mount_target_security_groups(MountTargetId=mt_id, SecurityGroups=sgs)
        if to_remove:
            client.untag_resource(ResourceId=fs_id, TagKeys=to_remove)
        if to_set:
            client.tag_resource(ResourceId=fs_id, Tags=[dict(Key=k, Value=v) for k, v in sorted(to_set.items())])
    except aws_errors() as exc:
        raise AwsModuleError(failure_message("update", KIND, name, error_cause(exc)), result=result, cause=exc)
    if params["wait"] and (to_create or to_delete):
        wait_available(client, params, fs_id, result)
    result["file_system"] = snake(describe(client, name))
    return result


def ensure_absent(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], file_system={})
    current = describe(client, name)
    if current is None:
        return result
    problem = owner_problem(KIND, name, current.get("Tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    fs_id = current["FileSystemId"]
    result.update(changed=True, changes=["delete %s %s" % (KIND, name)])
    result["diff"] = dict(before=view(current), after={})
    if check_mode:
        return result
    try:
        for target in current.get("MountTargets", []):
            client.delete_mount_target(MountTargetId=target["MountTargetId"])
        poll(
            lambda: (not client.describe_mount_targets(FileSystemId=fs_id).get("MountTargets"), "mount targets still there"),
            params["wait_timeout"],
            params["wait_sleep"],
            "the mount targets of %s %s to be deleted" % (KIND, name),
        )
        client.delete_file_system(FileSystemId=fs_id)
        if params["wait"]:
            poll(
                lambda: (not client.describe_file_systems(CreationToken=name).get("FileSystems"), "still there"),
                params["wait_timeout"],
                params["wait_sleep"],
                "%s %s to be deleted" % (KIND, name),
            )
    except aws_errors() as exc:
        raise AwsModuleError(failure_message("delete", KIND, name, error_cause(exc)), result=result, cause=exc)
    return result


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    client = module.client("efs")
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    finish(module, lambda: ensure(client, module.params, module.check_mode))


if __name__ == "__main__":
    main()
