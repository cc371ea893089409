#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_nodegroup
short_description: Manage an Amazon EKS managed node group
version_added: 1.0.0
description:
  - Create, reconcile (scaling, labels, taints, update settings, launch template version, tags) or delete an EKS
    managed node group.
  - Written because M(community.aws.eks_nodegroup) (community.aws 10.0.0) offers only AL2 AMI types (EKS rejects
    them from Kubernetes 1.33 on), cannot combine a launch template with instance types, fails with C(TypeError)
    when taints change, and fails with C(KeyError 'updateConfig') on any node group whose description lacks
    C(updateConfig) (moto's does).
  - Node role, subnets, instance types, AMI type, capacity type and disk size cannot change after creation; a
    difference fails with both values.
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  name:
    description: Node group name.
    type: str
    required: true
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  node_role:
    description: ARN of the node IAM role. Required when O(state=present).
    type: str
  subnets:
    description: Subnet IDs for the nodes. Required when O(state=present).
    type: list
    elements: str
  scaling_config:
    description: Sizes of the group.
    type: dict
    suboptions:
      min_size:
        description: Minimum number of nodes.
        type: int
        required: true
      max_size:
        description: Maximum number of nodes.
        type: int
        required: true
      desired_size:
        description: Desired number of nodes.
        type: int
        required: true
  instance_types:
    description: Instance types (leave empty when the launch template sets the instance type).
    type: list
    elements: str
  ami_type:
    description:
      - EKS AMI type, for example V(AL2023_x86_64_STANDARD), V(AL2023_x86_64_NVIDIA), V(AL2_x86_64_GPU),
        V(BOTTLEROCKET_x86_64). When omitted EKS picks the default for the Kubernetes version (AL2023 from 1.30).
    type: str
  disk_size:
    description: Root volume size in GiB (only without a launch template).
    type: int
  capacity_type:
    description: Purchase option.
    type: str
    choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
    default: ON_DEMAND
  launch_template:
    description: Launch template to use; a different O(launch_template.version) rolls the nodes to it.
    type: dict
    suboptions:
      id:
        description: Launch template ID.
        type: str
      name:
        description: Launch template name.
        type: str
      version:
        description: Launch template version.
        type: str
  labels:
    description: Kubernetes labels of the nodes. When omitted, labels are left alone.
    type: dict
  taints:
    description: Kubernetes taints of the nodes. When omitted, taints are left alone.
    type: list
    elements: dict
    suboptions:
      key:
        description: Taint key.
        type: str
        required: true
      value:
        description: Taint value.
        type: str
      effect:
        description: Taint effect.
        type: str
        required: true
        choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
  update_config:
    description: Rolling update settings. When omitted, they are left alone.
    type: dict
    suboptions:
      max_unavailable:
        description: Number of nodes that may be unavailable during an update.
        type: int
      max_unavailable_percentage:
        description: Percentage of nodes that may be unavailable during an update.
        type: int
  owner_tags:
    description: Tags an existing node group must carry before it is changed or deleted.
    type: dict
    default: {}
  state:
    description: Whether the node group should exist.
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
    details: Reads the node group and reports what would change; no mutating call, no wait.
  diff_mode:
    support: full
    details: Shows scaling, labels, taints, launch template version and tags before and after.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Core node group from a launch template (EKS picks the AMI for the cluster version)
  eks_llm.inference.eks_nodegroup:
    name: core
    cluster_name: eks-llm
    node_role: "{{ node_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    scaling_config: {min_size: 2, max_size: 2, desired_size: 2}
    launch_template:
      name: eks-llm-core
      version: "1"
    labels:
      eks_llm.inference/node-group: core
    tags:
      eks_llm.inference/cluster: eks-llm
"""

RETURN = r"""
nodegroup:
  description: The node group as EKS describes it (snake_case keys, tags and labels unchanged). Empty when absent.
  returned: always
  type: dict
  contains:
    nodegroup_name:
      description: Name.
      type: str
      sample: core
    nodegroup_arn:
      description: ARN.
      type: str
      sample: arn:aws:eks:us-west-2:123456789012:nodegroup/eks-llm/core/0000
    status:
      description: Status.
      type: str
      sample: ACTIVE
    scaling_config:
      description: Sizes.
      type: dict
      sample: {"min_size": 2, "max_size": 2, "desired_size": 2}
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["scaling_config: {'minSize': 1} -> {'minSize': 2}"]
duration:
  description: Seconds spent waiting.
  returned: when the module waited
  type: float
  sample: 300.5
"""

import traceback

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
    error_code,
    failure_message,
    owner_problem,
    run_waiter,
    wait_arg_spec,
)

KIND = "node group"


def argument_spec():
    spec = dict(
        name=dict(type="str", required=True),
        cluster_name=dict(type="str", required=True),
        node_role=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        scaling_config=dict(
            type="dict",
            options=dict(
                min_size=dict(type="int", required=True),
                max_size=dict(type="int", required=True),
                desired_size=dict(type="int", required=True),
            ),
        ),
        instance_types=dict(type="list", elements="str"),
        ami_type=dict(type="str"),
        disk_size=dict(type="int"),
        capacity_type=dict(type="str", choices=["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], default="ON_DEMAND"),
        launch_template=dict(
            type="dict", options=dict(id=dict(type="str"), name=dict(type="str"), version=dict(type="str"))
        ),
        labels=dict(type="dict"),
        taints=dict(
            type="list",
            elements="dict",
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                value=dict(type="str"),
                effect=dict(type="str", required=True, choices=["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]),
            ),
        ),
        update_config=dict(
            type="dict",
            options=dict(max_unavailable=dict(type="int"), max_unavailable_percentage=dict(type="int")),
            mutually_exclusive=[("max_unavailable", "max_unavailable_percentage")],
        ),
        owner_tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec.update(wait_arg_spec())
    return spec


def scaling(params):
    sc = params["scaling_config"] or {}
    return dict(minSize=sc.get("min_size"), maxSize=sc.get("max_size"), desiredSize=sc.get("desired_size"))


def taint_key(taint):
    return (taint.get("key"), taint.get("value") or "", taint.get("effect"))


def plan_config_update(current, params):
    """(UpdateNodegroupConfig kwargs, changes) - pure."""
    kwargs = {}
    changes = []
    if params.get("scaling_config"):
        want = scaling(params)
        have = dict((k, (current.get("scalingConfig") or {}).get(k)) for k in want)
        if want != have:
            kwargs["scalingConfig"] = want
            changes.append("scaling_config: %s -> %s" % (have, want))
    if params.get("labels") is not None:
        have = current.get("labels") or {}
        want = dict((str(k), str(v)) for k, v in params["labels"].items())
        add = dict((k, v) for k, v in want.items() if have.get(k) != v)
        remove = sorted(k for k in have if k not in want)
        if add or remove:
            kwargs["labels"] = {}
            if add:
                kwargs["labels"]["addOrUpdateLabels"] = add
            if remove:
                kwargs["labels"]["removeLabels"] = remove
            changes.append("labels: %s -> %s" % (have, want))
    if params.get("taints") is not None:
        have = dict((taint_key(t), t) for t in current.get("taints") or [])
        want = dict((taint_key(t), dict((k, v) for k, v in t.items() if v is not None)) for t in params["taints"])
        add = [want[k] for k in sorted(want, key=str) if k not in have]
        remove = [have[k] for k in sorted(have, key=str) if k not in want]
        if add or remove:
            kwargs["taints"] = {}
            if add:
                kwargs["taints"]["addOrUpdateTaints"] = add
            if remove:
                kwargs["taints"]["removeTaints"] = remove
            changes.append("taints: %s -> %s" % (sorted(have, key=str), sorted(want, key=str)))
    if params.get("update_config"):
        want = dict(
            (camel, params["update_config"][snake])
            for snake, camel in (("max_unavailable", "maxUnavailable"), ("max_unavailable_percentage", "maxUnavailablePercentage"))
            if params["update_config"].get(snake) is not None
        )
        if want and want != (current.get("updateConfig") or {}):
            kwargs["updateConfig"] = want
            changes.append("update_config: %s -> %s" % (current.get("updateConfig"), want))
    return kwargs, changes


def immutable_problems(current, params):
    problems = []
    checks = [
        ("node_role", params.get("node_role"), current.get("nodeRole")),
        ("capacity_type", params.get("capacity_type"), current.get("capacityType")),
        ("ami_type", params.get("ami_type"), current.get("amiType")),
        ("disk_size", params.get("disk_size"), current.get("diskSize")),
    ]
    for name, want, have in checks:
        if want is not None and have is not None and want != have:
            problems.append("%s is %s, requested %s" % (name, have, want))
    if params.get("subnets") and set(params["subnets"]) != set(current.get("subnets") or []):
        problems.append("subnets are %s, requested %s" % (sorted(current.get("subnets") or []), sorted(params["subnets"])))
    if params.get("instance_types") and list(params["instance_types"]) != list(current.get("instanceTypes") or []):
        problems.append("instance_types are %s, requested %s" % (current.get("instanceTypes"), params["instance_types"]))
    lt = params.get("launch_template") or {}
    have_lt = current.get("launchTemplate") or {}
    for key in ("id", "name"):
        if lt.get(key) and have_lt.get(key) and lt[key] != have_lt[key]:
            problems.append("launch_template.%s is %s, requested %s" % (key, have_lt[key], lt[key]))
    if lt and not have_lt:
        problems.append("it was created without a launch template")
    return problems


def describe(client, cluster, name):
    try:
        return client.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc), "cluster %s" % cluster), cause=exc)


def view(ng):
    if not ng:
        return {}
    return dict(
        scaling_config=ng.get("scalingConfig"),
        labels=ng.get("labels") or {},
        taints=ng.get("taints") or [],
        launch_template_version=(ng.get("launchTemplate") or {}).get("version"),
        update_config=ng.get("updateConfig"),
        tags=dict(ng.get("tags") or {}),
    )


def snake(ng):
    return camel_dict_to_snake_dict(dict((k, v) for k, v in (ng or {}).items() if v is not None), ignore_list=["tags", "labels"])


def wait(client, params, waiter, result, what):
    cluster, name = params["cluster_name"], params["name"]

    def status():
        ng = describe(client, cluster, name)
        if not ng:
            return "gone"
        issues = (ng.get("health") or {}).get("issues") or []
        return "status %s%s" % (
            ng.get("status"),
            "; issues: " + "; ".join("%s %s" % (i.get("code"), i.get("message")) for i in issues) if issues else "",
        )

    try:
        elapsed = run_waiter(
            client, waiter, params["wait_timeout"], params["wait_sleep"], describe=status, clusterName=cluster, nodegroupName=name
        )
    except AwsModuleError as exc:
        raise AwsModuleError(
            "Timeout or failure waiting for %s %s on cluster %s to %s: %s" % (KIND, name, cluster, what, exc.msg), result=result
        )
    result["duration"] = result.get("duration", 0) + elapsed


def ensure_present(client, params, check_mode):
    cluster, name = params["cluster_name"], params["name"]
    scope = "cluster %s" % cluster
    result = dict(changed=False, changes=[], nodegroup={})
    current = describe(client, cluster, name)
    if current is None:
        kwargs = dict(
            clusterName=cluster,
            nodegroupName=name,
            nodeRole=params["node_role"],
            subnets=params["subnets"],
            capacityType=params["capacity_type"],
        )
        if params["scaling_config"]:
            kwargs["scalingConfig"] = scaling(params)
        for key, api in (("instance_types", "instanceTypes"), ("ami_type", "amiType"), ("disk_size", "diskSize")):
            if params[key]:
                kwargs[api] = params[key]
        if params["launch_template"]:
            kwargs["launchTemplate"] = dict((k, v) for k, v in params["launch_template"].items() if v)
        if params["labels"]:
            kwargs["labels"] = dict((str(k), str(v)) for k, v in params["labels"].items())
        if params["taints"]:
            kwargs["taints"] = [dict((k, v) for k, v in t.items() if v is not None) for t in params["taints"]]
        if params["update_config"]:
            update_kwargs, _ = plan_config_update({}, dict(update_config=params["update_config"]))
            kwargs.update(update_kwargs)
        if params["tags"]:
            kwargs["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
        result.update(changed=True, changes=["create %s %s" % (KIND, name)])
        intended = dict(kwargs)
        intended.setdefault("tags", {})
        result["diff"] = dict(before={}, after=view(intended))
        if check_mode:
            result["nodegroup"] = snake(intended)
            return result
        try:
            created = client.create_nodegroup(**kwargs)["nodegroup"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("create", KIND, name, error_cause(exc), scope), result=result, cause=exc)
        if params["wait"]:
            wait(client, params, "nodegroup_active", result, "become ACTIVE")
        result["nodegroup"] = snake(describe(client, cluster, name) or created)
        return result

    problem = owner_problem(KIND, name, current.get("tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    problems = immutable_problems(current, params)
    if problems:
        raise AwsModuleError(
            failure_message("reconcile", KIND, name, "; ".join(problems), scope, "these settings cannot change; replace the node group")
        )
    config_kwargs, changes = plan_config_update(current, params)
    lt = params["launch_template"] or {}
    have_version = (current.get("launchTemplate") or {}).get("version")
    version_change = bool(lt.get("version")) and str(lt["version"]) != str(have_version)
    if version_change:
        changes.append("launch_template.version: %s -> %s" % (have_version, lt["version"]))
    to_set, to_remove = compare_tags(current.get("tags"), params["tags"], params["purge_tags"])
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
    after = dict(current)
    if "scalingConfig" in config_kwargs:
        after["scalingConfig"] = config_kwargs["scalingConfig"]
    if params["labels"] is not None:
        after["labels"] = dict((str(k), str(v)) for k, v in params["labels"].items())
    if params["taints"] is not None:
        after["taints"] = params["taints"]
    if version_change:
        after["launchTemplate"] = dict(current.get("launchTemplate") or {}, version=str(lt["version"]))
    tags = dict(current.get("tags") or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    after["tags"] = tags
    result.update(changed=bool(changes), changes=changes)
    result["diff"] = dict(before=view(current), after=view(after))
    if check_mode or not changes:
        result["nodegroup"] = snake(after)
        return result
    try:
        if config_kwargs:
            client.update_nodegroup_config(clusterName=cluster, nodegroupName=name, **config_kwargs)
        if version_change:
            if config_kwargs:
                wait(client, params, "nodegroup_active", result, "become ACTIVE before the version update")
            lt_ref = dict((k, v) for k, v in lt.items() if v and k in ("id", "name"))
            lt_ref["version"] = str(lt["version"])
            client.update_nodegroup_version(clusterName=cluster, nodegroupName=name, launchTemplate=lt_ref)
        if to_remove:
            client.untag_resource(resourceArn=current["nodegroupArn"], tagKeys=to_remove)
        if to_set:
            client.tag_resource(resourceArn=current["nodegroupArn"], tags=to_set)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(failure_message("update", KIND, name, error_cause(exc), scope), result=result, cause=exc)
    if (config_kwargs or version_change) and params["wait"]:
        wait(client, params, "nodegroup_active", result, "become ACTIVE")
    result["nodegroup"] = snake(describe(client, cluster, name) or after)
    return result


def ensure_absent(client, params, check_mode):
    cluster, name = params["cluster_name"], params["name"]
    scope = "cluster %s" % cluster
    result = dict(changed=False, changes=[], nodegroup={})
    current = describe(client, cluster, name)
    if current is None:
        return result
    problem = owner_problem(KIND, name, current.get("tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    deleting = current.get("status") == "DELETING"
    result.update(changed=not deleting, changes=[] if deleting else ["delete %s %s" % (KIND, name)])
    result["diff"] = dict(before=view(current), after={})
    if check_mode:
        return result
    if not deleting:
        try:
            client.delete_nodegroup(clusterName=cluster, nodegroupName=name)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise AwsModuleError(failure_message("delete", KIND, name, error_cause(exc), scope), result=result, cause=exc)
    if params["wait"]:
        wait(client, params, "nodegroup_deleted", result, "be deleted")
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ("node_role", "subnets"))],
        supports_check_mode=True,
    )
    client = module.client("eks")
    try:
        if module.params["state"] == "present":
            result = ensure_present(client, module.params, module.check_mode)
        else:
            result = ensure_absent(client, module.params, module.check_mode)
    except AwsModuleError as exc:
        result = dict(exc.result)
        if not module._diff:
            result.pop("diff", None)
        module.fail_json(msg=exc.msg, exception=traceback.format_exc(), **result)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
