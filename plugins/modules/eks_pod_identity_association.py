#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_pod_identity_association
short_description: Manage an Amazon EKS Pod Identity association
version_added: 1.0.0
description:
  - Create, update (IAM role, target role, session tags, tags) or delete the EKS Pod Identity association of one
    Kubernetes service account, so that its pods get credentials for an IAM role.
  - An association is identified by cluster, namespace and service account (EKS allows one per service account).
  - C(amazon.aws) and C(community.aws) have no module for Pod Identity associations; this one uses the EKS API
    through boto3.
  - The C(eks-pod-identity-agent) add-on must run in the cluster for pods to receive the credentials.
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  namespace:
    description: Kubernetes namespace of the service account.
    type: str
    required: true
  service_account:
    description: Name of the Kubernetes service account.
    type: str
    required: true
  role_arn:
    description:
      - ARN of the IAM role the pods assume. Its trust policy must allow C(pods.eks.amazonaws.com) to call
        C(sts:AssumeRole) and C(sts:TagSession).
      - Required when O(state=present).
    type: str
  target_role_arn:
    description:
      - Optional role in another account that EKS assumes after O(role_arn) (role chaining).
      - When omitted, the target role of an existing association is left alone; V("") removes it.
    type: str
  disable_session_tags:
    description:
      - Disable the session tags EKS adds when assuming the role.
      - When omitted, the setting of an existing association is left alone.
    type: bool
  state:
    description: Whether the association should exist.
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
    details: Reads the association and reports what would change; makes no mutating call and does not wait.
  diff_mode:
    support: full
    details: Shows role, target role, session tag setting and tags before and after.
  platform:
    platforms: aws
notes:
  - Idempotent. The association API is synchronous, so there is nothing to wait for after a change; with
    O(wait=true) the module waits for the cluster to be C(ACTIVE) before changing anything (EKS refuses
    association changes on a cluster that is still being created or updated).
  - Associations created by an EKS add-on (they carry an C(ownerArn)) cannot be changed or deleted here; the module
    fails and names the owner.
"""

EXAMPLES = r"""
- name: Let the Triton server read the model bucket through Pod Identity
  eks_llm.inference.eks_pod_identity_association:
    cluster_name: eks-llm
    namespace: triton
    service_account: triton-server
    role_arn: "{{ model_reader_role_arn }}"
    tags:
      eks_llm.inference/cluster: eks-llm

- name: Remove the association
  eks_llm.inference.eks_pod_identity_association:
    cluster_name: eks-llm
    namespace: triton
    service_account: triton-server
    state: absent
"""

RETURN = r"""
association:
  description: The association as EKS describes it (the intended one in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    association_id:
      description: ID of the association.
      type: str
      sample: a-abcdefghijklmnop1
    association_arn:
      description: ARN of the association.
      type: str
      sample: arn:aws:eks:us-west-2:123456789012:podidentityassociation/eks-llm/a-abcdefghijklmnop1
    cluster_name:
      description: Name of the cluster.
      type: str
      sample: eks-llm
    namespace:
      description: Namespace of the service account.
      type: str
      sample: triton
    service_account:
      description: Service account name.
      type: str
      sample: triton-server
    role_arn:
      description: IAM role assumed by the pods.
      type: str
      sample: arn:aws:iam::123456789012:role/eks-llm-model-reader
    owner_arn:
      description: ARN of the add-on that owns the association, when an add-on created it.
      type: str
      sample: arn:aws:eks:us-west-2:123456789012:addon/eks-llm/aws-efs-csi-driver/0000
    tags:
      description: Tags (keys not converted).
      type: dict
      sample: {"eks_llm.inference/cluster": "eks-llm"}
changes:
  description: What was (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["role_arn: arn:aws:iam::123456789012:role/a -> arn:aws:iam::123456789012:role/b"]
"""


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
    finish,
    run_waiter,
    wait_arg_spec,
)

KIND = "Pod Identity association"


def argument_spec():
    spec = dict(
        cluster_name=dict(type="str", required=True),
        namespace=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        role_arn=dict(type="str"),
        target_role_arn=dict(type="str"),
        disable_session_tags=dict(type="bool"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec.update(wait_arg_spec())
    return spec


def label(params):
    return "for %s/%s" % (params["namespace"], params["service_account"])


def find_association(client, params):
    """The full association of the service account, or None.

    A missing cluster (ResourceNotFoundException from the list call) raises; an association that
    vanished between the list and describe calls counts as absent.
    """
    scope = "cluster %s" % params["cluster_name"]
    try:
        found = client.list_pod_identity_associations(
            clusterName=params["cluster_name"],
            namespace=params["namespace"],
            serviceAccount=params["service_account"],
        ).get("associations", [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        hint = "does the cluster exist?" if error_code(exc) == "ResourceNotFoundException" else None
        raise AwsModuleError(failure_message("look up", KIND, label(params), error_cause(exc), scope, hint), cause=exc)
    if not found:
        return None
    try:
        return client.describe_pod_identity_association(
            clusterName=params["cluster_name"], associationId=found[0]["associationId"]
        )["association"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise AwsModuleError(failure_message("describe", KIND, label(params), error_cause(exc), scope), cause=exc)


def plan_update(current, params):
    """(update kwargs, changes) for UpdatePodIdentityAssociation (pure)."""
    kwargs = {}
    changes = []
    if params.get("role_arn") and params["role_arn"] != current.get("roleArn"):
        kwargs["roleArn"] = params["role_arn"]
        changes.append("role_arn: %s -> %s" % (current.get("roleArn"), params["role_arn"]))
    if params.get("target_role_arn") is not None and params["target_role_arn"] != (current.get("targetRoleArn") or ""):
        kwargs["targetRoleArn"] = params["target_role_arn"]
        changes.append(
            "target_role_arn: %s -> %s" % (current.get("targetRoleArn") or "none", params["target_role_arn"] or "none")
        )
    if params.get("disable_session_tags") is not None and params["disable_session_tags"] != bool(
        current.get("disableSessionTags")
    ):
        kwargs["disableSessionTags"] = params["disable_session_tags"]
        changes.append("disable_session_tags: %s -> %s" % (bool(current.get("disableSessionTags")), params["disable_session_tags"]))
    return kwargs, changes


def view(assoc):
    if not assoc:
        return {}
    return dict(
        role_arn=assoc.get("roleArn"),
        target_role_arn=assoc.get("targetRoleArn"),
        disable_session_tags=bool(assoc.get("disableSessionTags")),
        tags=dict(assoc.get("tags") or {}),
    )


def snake(assoc):
    return camel_dict_to_snake_dict(dict((k, v) for k, v in (assoc or {}).items() if v is not None), ignore_list=["tags"])


def wait_for_cluster(client, params, check_mode):
    if check_mode or not params["wait"]:
        return
    try:
        run_waiter(client, "cluster_active", params["wait_timeout"], params["wait_sleep"], name=params["cluster_name"])
    except AwsModuleError as exc:
        raise AwsModuleError(
            "Cluster %s did not become ACTIVE before changing the %s %s: %s"
            % (params["cluster_name"], KIND, label(params), exc.msg)
        )


def refuse_owned(current, params, action):
    if current.get("ownerArn"):
        raise AwsModuleError(
            failure_message(
                action,
                KIND,
                label(params),
                "it is owned by %s" % current["ownerArn"],
                "cluster %s" % params["cluster_name"],
                "change it through that add-on's pod identity settings instead",
            )
        )


def ensure_present(client, params, check_mode):
    scope = "cluster %s" % params["cluster_name"]
    result = dict(changed=False, changes=[], association={})
    current = find_association(client, params)
    if current is None:
        kwargs = dict(
            clusterName=params["cluster_name"],
            namespace=params["namespace"],
            serviceAccount=params["service_account"],
            roleArn=params["role_arn"],
        )
        if params["target_role_arn"]:
            kwargs["targetRoleArn"] = params["target_role_arn"]
        if params["disable_session_tags"] is not None:
            kwargs["disableSessionTags"] = params["disable_session_tags"]
        if params["tags"]:
            kwargs["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
        intended = dict(kwargs)
        intended.pop("clusterName")
        intended.update(clusterName=params["cluster_name"], tags=kwargs.get("tags", {}))
        result.update(changed=True, changes=["create %s %s" % (KIND, label(params))])
        result["diff"] = dict(before={}, after=view(intended))
        if check_mode:
            result["association"] = snake(intended)
            return result
        wait_for_cluster(client, params, check_mode)
        try:
            created = client.create_pod_identity_association(**kwargs)["association"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("create", KIND, label(params), error_cause(exc), scope), result=result, cause=exc)
        result["association"] = snake(created)
        return result

    update_kwargs, changes = plan_update(current, params)
    to_set, to_remove = compare_tags(current.get("tags"), params["tags"], params["purge_tags"])
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
    after = dict(current)
    after.update(update_kwargs)
    tags = dict(current.get("tags") or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    after["tags"] = tags
    result.update(changed=bool(changes), changes=changes)
    result["diff"] = dict(before=view(current), after=view(after))
    result["association"] = snake(after)
    if not changes or check_mode:
        if changes:
            refuse_owned(current, params, "update")
        return result
    refuse_owned(current, params, "update")
    wait_for_cluster(client, params, check_mode)
    try:
        if update_kwargs:
            client.update_pod_identity_association(
                clusterName=params["cluster_name"], associationId=current["associationId"], **update_kwargs
            )
        if to_remove:
            client.untag_resource(resourceArn=current["associationArn"], tagKeys=to_remove)
        if to_set:
            client.tag_resource(resourceArn=current["associationArn"], tags=to_set)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(failure_message("update", KIND, label(params), error_cause(exc), scope), result=result, cause=exc)
    result["association"] = snake(find_association(client, params) or after)
    return result


def ensure_absent(client, params, check_mode):
    scope = "cluster %s" % params["cluster_name"]
    result = dict(changed=False, changes=[], association={})
    try:
        current = find_association(client, params)
    except AwsModuleError as exc:
        # A missing cluster has no associations: absent is already true.
        if exc.cause is not None and error_code(exc.cause) == "ResourceNotFoundException":
            return result
        raise
    if current is None:
        return result
    refuse_owned(current, params, "delete")
    result.update(changed=True, changes=["delete %s %s" % (KIND, label(params))])
    result["diff"] = dict(before=view(current), after={})
    if check_mode:
        return result
    try:
        client.delete_pod_identity_association(clusterName=params["cluster_name"], associationId=current["associationId"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise AwsModuleError(failure_message("delete", KIND, label(params), error_cause(exc), scope), result=result, cause=exc)
    return result


def run_module(module):
    client = module.client("eks")
    if module.params["state"] == "present":
        return ensure_present(client, module.params, module.check_mode)
    return ensure_absent(client, module.params, module.check_mode)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ("role_arn",))],
        supports_check_mode=True,
    )
    finish(module, lambda: run_module(module))


if __name__ == "__main__":
    main()
