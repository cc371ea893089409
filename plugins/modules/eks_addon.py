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
  - eks_llm.inference.aws
  - eks_llm.inference.aws.wait
notes:
  - Idempotent. Tags are compared key by key; keys starting with V(aws:) are never removed.
  - With O(wait=true) the module waits for C(ACTIVE) after creation or update (failing on C(CREATE_FAILED) or
    C(DEGRADED) with the health issues EKS reports) and for the add-on to be gone after deletion.
  - Requires the cluster to exist and be C(ACTIVE).
attributes:
  diff_mode:
    details: Shows version, configuration values, service account role and tags before and after.
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
wait:
  description: Seconds waited in all (C(elapsed_s)) and the last status polled (C(last_status)).
  returned: when the module waited
  type: dict
  sample: {"elapsed_s": 41.2, "last_status": "ACTIVE"}
changes:
  description: What was (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["addon_version: v1.18.0-eksbuild.1 -> v1.19.2-eksbuild.1"]
"""

import re

from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    arg_spec,
    configuration_text,
    parse_configuration,
    same_configuration,
    tags_after,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module

_VERSION_PARTS = re.compile(r"\d+")


def argument_spec():
    return arg_spec(
        owner=False,
        cluster_name=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["addon_name"]),
        addon_version=dict(type="str"),
        configuration_values=dict(type="raw"),
        service_account_role_arn=dict(type="str"),
        resolve_conflicts=dict(type="str", choices=["NONE", "OVERWRITE", "PRESERVE"]),
        preserve=dict(type="bool", default=False),
    )


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


class Addon(AwsResource):
    KIND = "add-on"
    RESULT = "addon"

    def __init__(self, *args, **kwargs):
        super(Addon, self).__init__(*args, **kwargs)
        self.cluster = self.params["cluster_name"]
        self.scope = "cluster %s" % self.cluster

    def describe(self):
        found = self.call("describe", self.eks.describe_addon, gone=self.NOT_FOUND, clusterName=self.cluster, addonName=self.name)
        return found and found["addon"]

    def view(self, resource):
        return dict(
            addon_version=resource.get("addonVersion"),
            configuration_values=parse_configuration(resource.get("configurationValues")),
            service_account_role_arn=resource.get("serviceAccountRoleArn"),
            tags=dict(resource.get("tags") or {}),
        )

    def resolve_version(self, wanted):
        """V(latest)/V(default) resolved with DescribeAddonVersions for the cluster's version; others as given."""
        if wanted not in ("latest", "default"):
            return wanted
        action = "resolve the %s version of" % wanted
        cluster_version = self.call(action, self.eks.describe_cluster, name=self.cluster)["cluster"]["version"]
        versions = []
        page = dict(addonName=self.name, kubernetesVersion=cluster_version)
        while page:
            found = self.call(action, self.eks.describe_addon_versions, **page)
            for addon in found.get("addons", []):
                versions.extend(addon.get("addonVersions", []))
            page = dict(page, nextToken=found["nextToken"]) if found.get("nextToken") else None
        version = pick_version(versions, cluster_version, wanted)
        if not version:
            self.fail(
                action,
                "EKS lists no version compatible with Kubernetes %s" % cluster_version,
                "check the add-on name with `aws eks describe-addon-versions`",
            )
        return version

    def wait_active(self):
        self.wait("become ACTIVE", ready=("ACTIVE",), failed=("CREATE_FAILED", "DEGRADED"))

    def wait_deleted(self, always=False):
        self.wait("be deleted", ready=("gone",), failed=("DELETE_FAILED",), always=always)

    def present(self):
        params = self.params
        current = self.describe()
        version = self.resolve_version(params["addon_version"]) if params["addon_version"] else None
        configuration = params["configuration_values"]
        role_arn = params["service_account_role_arn"]

        if current is None or current.get("status") == "DELETING":
            if current is not None:
                if self.check_mode or not params["wait"]:
                    self.fail("create", "it is still being deleted", "retry with wait=true")
                self.wait_deleted()
            request = dict(clusterName=self.cluster, addonName=self.name)
            if version:
                request["addonVersion"] = version
            if parse_configuration(configuration) is not None:
                request["configurationValues"] = configuration_text(configuration)
            if role_arn:
                request["serviceAccountRoleArn"] = role_arn
            if params["resolve_conflicts"]:
                # PRESERVE is only valid for updates
                request["resolveConflicts"] = "NONE" if params["resolve_conflicts"] == "PRESERVE" else params["resolve_conflicts"]
            if params["tags"]:
                request["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
            intended = dict(request, serviceAccountRoleArn=role_arn or None, tags=request.get("tags", {}))
            intended.pop("resolveConflicts", None)
            return self.create(intended, lambda: self.make(request))

        update, changes = plan_update(current, version, configuration, role_arn)
        self.change(*changes)
        to_set, to_remove = self.plan_tags(current.get("tags"))
        after = dict(current, tags=tags_after(current.get("tags"), to_set, to_remove))
        after.update(update)
        if not (self.result["changed"] or self.check_mode) and current.get("status") in ("CREATING", "UPDATING"):
            self.wait_active()
            if params["wait"]:
                after = self.describe() or after
        return self.update(current, after, lambda: self.apply(current, update, to_set, to_remove))

    def make(self, request):
        created = self.call("create", self.eks.create_addon, **request)["addon"]
        if not self.params["wait"]:
            return created
        self.wait_active()
        return self.describe() or created

    def apply(self, current, update, to_set, to_remove):
        if update:
            if self.params["resolve_conflicts"]:
                update["resolveConflicts"] = self.params["resolve_conflicts"]
            self.call("update", self.eks.update_addon, clusterName=self.cluster, addonName=self.name, **update)
        self.apply_tags(current["addonArn"], to_set, to_remove)
        if update:
            self.wait_active()
        return self.describe()

    def absent(self):
        current = self.describe()
        if current is None:
            return self.result
        if current.get("status") == "DELETING":
            self.diff(current, None)
        else:
            self.delete(current, lambda: self.call(
                "delete", self.eks.delete_addon, gone=self.NOT_FOUND,
                clusterName=self.cluster, addonName=self.name, preserve=self.params["preserve"],
            ))
        self.wait_deleted()
        return self.result


def main():
    run_module(Addon, argument_spec())


if __name__ == "__main__":
    main()
