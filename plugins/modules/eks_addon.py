#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_addon
short_description: Manage an Amazon EKS add-on
version_added: 1.0.0
description:
  - Create, update (version, configuration values, service account role, tags) or delete an Amazon EKS
    add-on such as V(vpc-cni), V(coredns), V(kube-proxy), V(eks-pod-identity-agent) or V(aws-efs-csi-driver).
  - Idempotent - the current add-on is read first and only the differences are sent.
  - C(amazon.aws) and C(community.aws) have no module for EKS add-ons; this one uses the EKS API through boto3.
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  cluster_name:
    description: Name of the EKS cluster the add-on belongs to.
    type: str
    required: true
  name:
    description: Name of the add-on, as listed by C(aws eks describe-addon-versions).
    type: str
    required: true
    aliases: [addon_name]
  state:
    description: Whether the add-on should exist.
    type: str
    choices: [present, absent]
    default: present
  addon_version:
    description:
      - Version of the add-on, for example V(v1.19.2-eksbuild.1).
      - V(latest) picks the newest version compatible with the cluster's Kubernetes version, V(default) the
        version EKS marks as default for it; both are resolved with C(DescribeAddonVersions) on every run, so an
        existing add-on is upgraded when a newer one appears (V(latest)).
      - When omitted, EKS chooses the version at creation and the version of an existing add-on is left alone.
    type: str
  configuration_values:
    description:
      - Add-on configuration, as a dict or as JSON/YAML text matching the add-on's configuration schema.
      - Compared by meaning (parsed JSON/YAML), not by text; a dict is sent as key-sorted JSON.
      - When omitted, the configuration of an existing add-on is left alone.
    type: raw
  service_account_role_arn:
    description:
      - IAM role (IRSA) for the add-on's service account. V("") removes a role that is set.
      - When omitted, the role of an existing add-on is left alone.
    type: str
  resolve_conflicts:
    description:
      - How EKS handles fields of the add-on's Kubernetes objects that differ from the add-on's defaults.
      - V(PRESERVE) is only valid for updates; on creation it is sent as V(NONE).
      - When omitted, the EKS default (V(NONE)) applies.
    type: str
    choices: [NONE, OVERWRITE, PRESERVE]
  preserve:
    description:
      - With O(state=absent), keep the add-on's Kubernetes objects in the cluster (EKS stops managing them).
    type: bool
    default: false
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
    details: Reads the add-on and reports what would change; makes no mutating call and does not wait.
  diff_mode:
    support: full
    details: Shows version, configuration values, service account role and tags before and after.
  platform:
    platforms: aws
notes:
  - Idempotent. Tags are compared key by key; keys starting with V(aws:) are never removed.
  - With O(wait=true) the module waits for C(ACTIVE) after creation or update (failing on C(CREATE_FAILED) or
    C(DEGRADED) with the health issues EKS reports) and for the add-on to be gone after deletion.
  - Requires the cluster to exist and be C(ACTIVE).
"""

EXAMPLES = r"""
- name: Install the default add-ons of an EKS cluster
  eks_llm.inference.eks_addon:
    cluster_name: eks-llm
    name: "{{ item }}"
    addon_version: default
    resolve_conflicts: OVERWRITE
    tags:
      eks_llm.inference/cluster: eks-llm
  loop: [vpc-cni, coredns, kube-proxy, eks-pod-identity-agent]

- name: Configure the VPC CNI with prefix delegation, pinned version
  eks_llm.inference.eks_addon:
    cluster_name: eks-llm
    name: vpc-cni
    addon_version: v1.19.2-eksbuild.1
    configuration_values:
      env:
        ENABLE_PREFIX_DELEGATION: "true"
    wait_timeout: 900

- name: Remove the EFS CSI driver but keep its Kubernetes objects
  eks_llm.inference.eks_addon:
    cluster_name: eks-llm
    name: aws-efs-csi-driver
    state: absent
    preserve: true
"""

RETURN = r"""
addon:
  description: The add-on as EKS describes it (after the change; the intended state in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    addon_name:
      description: Name of the add-on.
      type: str
      sample: vpc-cni
    cluster_name:
      description: Name of the cluster.
      type: str
      sample: eks-llm
    addon_version:
      description: Installed version.
      type: str
      sample: v1.19.2-eksbuild.1
    addon_arn:
      description: ARN of the add-on.
      type: str
      sample: arn:aws:eks:us-west-2:123456789012:addon/eks-llm/vpc-cni/12c9f8a1-0000-0000-0000-000000000000
    status:
      description: Status, for example C(ACTIVE), C(CREATING), C(DEGRADED).
      type: str
      sample: ACTIVE
    configuration_values:
      description: Configuration values as stored by EKS (text).
      type: str
      sample: '{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}'
    service_account_role_arn:
      description: IAM role of the add-on's service account.
      type: str
      sample: arn:aws:iam::123456789012:role/eks-llm-efs-csi
    tags:
      description: Tags of the add-on (keys not converted).
      type: dict
      sample: {"eks_llm.inference/cluster": "eks-llm"}
changes:
  description: What was (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["addon_version: v1.18.0-eksbuild.1 -> v1.19.2-eksbuild.1"]
duration:
  description: Seconds spent waiting.
  returned: when the module waited
  type: float
  sample: 41.2
"""

import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    AwsModuleError,
    compare_tags,
    configuration_text,
    error_cause,
    error_code,
    failure_message,
    finish,
    parse_configuration,
    run_waiter,
    same_configuration,
    wait_arg_spec,
)

KIND = "add-on"
_VERSION_PARTS = re.compile(r"\d+")


def argument_spec():
    spec = dict(
        cluster_name=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["addon_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        addon_version=dict(type="str"),
        configuration_values=dict(type="raw"),
        service_account_role_arn=dict(type="str"),
        resolve_conflicts=dict(type="str", choices=["NONE", "OVERWRITE", "PRESERVE"]),
        preserve=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec.update(wait_arg_spec())
    return spec


def version_key(version):
    """Sort key for add-on versions such as v1.19.2-eksbuild.1."""
    return tuple(int(p) for p in _VERSION_PARTS.findall(version or ""))


def pick_version(addon_versions, cluster_version, wanted):
    """Resolve V(latest)/V(default) from DescribeAddonVersions' ``addonVersions`` list (pure)."""
    compatible = [
        v
        for v in addon_versions
        if any(c.get("clusterVersion") == cluster_version for c in v.get("compatibilities", []))
    ]
    if wanted == "default":
        for v in compatible:
            for c in v.get("compatibilities", []):
                if c.get("clusterVersion") == cluster_version and c.get("defaultVersion"):
                    return v["addonVersion"]
    if compatible:
        return max(compatible, key=lambda v: version_key(v["addonVersion"]))["addonVersion"]
    return None


def describe_addon(client, cluster, name):
    try:
        return client.describe_addon(clusterName=cluster, addonName=name)["addon"]
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc), "cluster %s" % cluster), cause=exc)
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc), "cluster %s" % cluster), cause=exc)


def resolve_version(client, cluster, name, wanted):
    if wanted not in ("latest", "default"):
        return wanted
    scope = "cluster %s" % cluster
    try:
        cluster_version = client.describe_cluster(name=cluster)["cluster"]["version"]
        pages = client.get_paginator("describe_addon_versions").paginate(
            addonName=name, kubernetesVersion=cluster_version
        )
        versions = []
        for page in pages:
            for addon in page.get("addons", []):
                versions.extend(addon.get("addonVersions", []))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(
            failure_message("resolve the %s version of" % wanted, KIND, name, error_cause(exc), scope), cause=exc
        )
    version = pick_version(versions, cluster_version, wanted)
    if not version:
        raise AwsModuleError(
            failure_message(
                "resolve the %s version of" % wanted,
                KIND,
                name,
                "EKS lists no version compatible with Kubernetes %s" % cluster_version,
                scope,
                "check the add-on name with `aws eks describe-addon-versions`",
            )
        )
    return version


def state_view(addon):
    """The managed fields, for diff output."""
    if not addon:
        return {}
    return dict(
        addon_version=addon.get("addonVersion"),
        configuration_values=parse_configuration(addon.get("configurationValues")),
        service_account_role_arn=addon.get("serviceAccountRoleArn"),
        tags=dict(addon.get("tags") or {}),
    )


def plan_update(current, version, configuration, role_arn):
    """Return (update_kwargs, changes) for UpdateAddon; empty when nothing differs (pure)."""
    kwargs = {}
    changes = []
    if version and version != current.get("addonVersion"):
        kwargs["addonVersion"] = version
        changes.append("addon_version: %s -> %s" % (current.get("addonVersion"), version))
    if configuration is not None and not same_configuration(current.get("configurationValues"), configuration):
        kwargs["configurationValues"] = configuration_text(configuration) if parse_configuration(configuration) else ""
        changes.append("configuration_values")
    if role_arn is not None and role_arn != (current.get("serviceAccountRoleArn") or ""):
        kwargs["serviceAccountRoleArn"] = role_arn
        changes.append("service_account_role_arn: %s -> %s" % (current.get("serviceAccountRoleArn") or "none", role_arn or "none"))
    return kwargs, changes


def wait_active(client, params, result):
    scope = "cluster %s" % params["cluster_name"]

    def describe():
        addon = describe_addon(client, params["cluster_name"], params["name"])
        if not addon:
            return "add-on not found"
        issues = (addon.get("health") or {}).get("issues") or []
        return "status %s%s" % (
            addon.get("status"),
            "; issues: " + "; ".join("%s %s" % (i.get("code"), i.get("message")) for i in issues) if issues else "",
        )

    try:
        result["duration"] = run_waiter(
            client,
            "addon_active",
            params["wait_timeout"],
            params["wait_sleep"],
            describe=describe,
            clusterName=params["cluster_name"],
            addonName=params["name"],
        )
    except AwsModuleError as exc:
        raise AwsModuleError(
            "Timeout or failure waiting for %s %s on %s to become ACTIVE: %s" % (KIND, params["name"], scope, exc.msg),
            result=result,
        )


def ensure_present(client, params, check_mode):
    cluster, name = params["cluster_name"], params["name"]
    scope = "cluster %s" % cluster
    result = dict(changed=False, changes=[], addon={})
    current = describe_addon(client, cluster, name)
    version = resolve_version(client, cluster, name, params["addon_version"]) if params["addon_version"] else None
    configuration = params["configuration_values"]
    role_arn = params["service_account_role_arn"]

    if current is None or current.get("status") == "DELETING":
        if current is not None:
            if check_mode or not params["wait"]:
                raise AwsModuleError(
                    failure_message("create", KIND, name, "it is still being deleted", scope, "retry with wait=true")
                )
            run_waiter(client, "addon_deleted", params["wait_timeout"], params["wait_sleep"], clusterName=cluster, addonName=name)
        kwargs = dict(clusterName=cluster, addonName=name)
        if version:
            kwargs["addonVersion"] = version
        if parse_configuration(configuration) is not None:
            kwargs["configurationValues"] = configuration_text(configuration)
        if role_arn:
            kwargs["serviceAccountRoleArn"] = role_arn
        if params["resolve_conflicts"]:
            kwargs["resolveConflicts"] = "NONE" if params["resolve_conflicts"] == "PRESERVE" else params["resolve_conflicts"]
        if params["tags"]:
            kwargs["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
        result["changed"] = True
        result["changes"] = ["create %s %s" % (KIND, name)]
        intended = dict(
            addonName=name,
            clusterName=cluster,
            addonVersion=version,
            configurationValues=kwargs.get("configurationValues"),
            serviceAccountRoleArn=role_arn or None,
            tags=kwargs.get("tags", {}),
        )
        result["diff"] = dict(before={}, after=state_view(intended))
        if check_mode:
            result["addon"] = snake(intended)
            return result
        try:
            created = client.create_addon(**kwargs)["addon"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("create", KIND, name, error_cause(exc), scope), result=result, cause=exc)
        if params["wait"]:
            wait_active(client, params, result)
            created = describe_addon(client, cluster, name) or created
        result["addon"] = snake(created)
        return result

    update_kwargs, changes = plan_update(current, version, configuration, role_arn)
    to_set, to_remove = compare_tags(current.get("tags"), params["tags"], params["purge_tags"])
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
    after = dict(current)
    after.update(update_kwargs)
    if to_set or to_remove:
        tags = dict(current.get("tags") or {})
        tags.update(to_set)
        for key in to_remove:
            tags.pop(key, None)
        after["tags"] = tags
    result["changes"] = changes
    result["changed"] = bool(changes)
    result["diff"] = dict(before=state_view(current), after=state_view(after))
    if check_mode or not changes:
        result["addon"] = snake(after)
        if not check_mode and params["wait"] and current.get("status") in ("CREATING", "UPDATING"):
            wait_active(client, params, result)
            result["addon"] = snake(describe_addon(client, cluster, name) or after)
        return result

    if update_kwargs:
        if params["resolve_conflicts"]:
            update_kwargs["resolveConflicts"] = params["resolve_conflicts"]
        try:
            client.update_addon(clusterName=cluster, addonName=name, **update_kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("update", KIND, name, error_cause(exc), scope), result=result, cause=exc)
    try:
        if to_remove:
            client.untag_resource(resourceArn=current["addonArn"], tagKeys=to_remove)
        if to_set:
            client.tag_resource(resourceArn=current["addonArn"], tags=to_set)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(failure_message("tag", KIND, name, error_cause(exc), scope), result=result, cause=exc)
    if update_kwargs and params["wait"]:
        wait_active(client, params, result)
    result["addon"] = snake(describe_addon(client, cluster, name) or after)
    return result


def ensure_absent(client, params, check_mode):
    cluster, name = params["cluster_name"], params["name"]
    scope = "cluster %s" % cluster
    result = dict(changed=False, changes=[], addon={})
    current = describe_addon(client, cluster, name)
    if current is None:
        return result
    result["changed"] = current.get("status") != "DELETING"
    result["changes"] = ["delete %s %s" % (KIND, name)] if result["changed"] else []
    result["diff"] = dict(before=state_view(current), after={})
    if check_mode:
        return result
    if result["changed"]:
        try:
            client.delete_addon(clusterName=cluster, addonName=name, preserve=params["preserve"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise AwsModuleError(failure_message("delete", KIND, name, error_cause(exc), scope), result=result, cause=exc)
    if params["wait"]:
        try:
            result["duration"] = run_waiter(
                client, "addon_deleted", params["wait_timeout"], params["wait_sleep"], clusterName=cluster, addonName=name
            )
        except AwsModuleError as exc:
            raise AwsModuleError(
                "Timeout or failure waiting for %s %s on %s to be deleted: %s" % (KIND, name, scope, exc.msg), result=result
            )
    return result


def snake(addon):
    return camel_dict_to_snake_dict(dict((k, v) for k, v in (addon or {}).items() if v is not None), ignore_list=["tags"])


def run_module(module):
    client = module.client("eks")
    if module.params["state"] == "present":
        return ensure_present(client, module.params, module.check_mode)
    return ensure_absent(client, module.params, module.check_mode)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
    )
    finish(module, lambda: run_module(module))


if __name__ == "__main__":
    main()
