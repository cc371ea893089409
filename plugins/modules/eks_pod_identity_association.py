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
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws
  - eks_llm.inference.aws.wait
notes:
  - Idempotent. The association API is synchronous, so there is nothing to wait for after a change; with
    O(wait=true) the module waits for the cluster to be C(ACTIVE) before changing anything (EKS refuses
    association changes on a cluster that is still being created or updated).
  - Associations created by an EKS add-on (they carry an C(ownerArn)) cannot be changed or deleted here; the module
    fails and names the owner.
attributes:
  diff_mode:
    details: Shows role, target role, session tag setting and tags before and after.
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
wait:
  description: Seconds waited for the cluster (C(elapsed_s)) and its last status polled (C(last_status)).
  returned: when the module waited for the cluster
  type: dict
  sample: {"elapsed_s": 0.2, "last_status": "ACTIVE"}
changes:
  description: What was (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["role_arn: arn:aws:iam::123456789012:role/a -> arn:aws:iam::123456789012:role/b"]
"""


from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    AwsModuleError,
    arg_spec,
    error_code,
    tags_after,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module


def argument_spec():
    return arg_spec(
        owner=False,
        cluster_name=dict(type="str", required=True),
        namespace=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        role_arn=dict(type="str"),
        target_role_arn=dict(type="str"),
        disable_session_tags=dict(type="bool"),
    )


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


class Association(AwsResource):
    KIND = "Pod Identity association"
    RESULT = "association"

    def __init__(self, *args, **kwargs):
        super(Association, self).__init__(*args, **kwargs)
        self.cluster = self.params["cluster_name"]
        self.scope = "cluster %s" % self.cluster
        self.name = "for %s/%s" % (self.params["namespace"], self.params["service_account"])

    def describe(self):
        """The full association of the service account, or None.

        A missing cluster (ResourceNotFoundException from the list call) fails; an association that
        vanished between the list and describe calls counts as absent.
        """
        found = self.call(
            "look up", self.eks.list_pod_identity_associations,
            hints=dict(ResourceNotFoundException="does the cluster exist?"),
            clusterName=self.cluster, namespace=self.params["namespace"], serviceAccount=self.params["service_account"],
        ).get("associations", [])
        if not found:
            return None
        described = self.call(
            "describe", self.eks.describe_pod_identity_association, gone=self.NOT_FOUND,
            clusterName=self.cluster, associationId=found[0]["associationId"],
        )
        return described and described["association"]

    def view(self, resource):
        return dict(
            role_arn=resource.get("roleArn"),
            target_role_arn=resource.get("targetRoleArn"),
            disable_session_tags=bool(resource.get("disableSessionTags")),
            tags=dict(resource.get("tags") or {}),
        )

    def cluster_status(self):
        cluster = self.call("describe", self.eks.describe_cluster, gone=self.NOT_FOUND, about=("EKS cluster", self.cluster), name=self.cluster)
        return (cluster["cluster"].get("status"), "") if cluster else ("gone", "")

    def wait_for_cluster(self):
        # EKS refuses association changes on a cluster that is being created or updated.
        self.wait(
            "become ACTIVE before changing the %s %s" % (self.KIND, self.name),
            ready=("ACTIVE",), failed=("DELETING", "FAILED"), read=self.cluster_status, about=("EKS cluster", self.cluster),
        )

    def refuse_owned(self, current, action):
        if current.get("ownerArn"):
            self.fail(action, "it is owned by %s" % current["ownerArn"], "change it through that add-on's pod identity settings instead")

    def present(self):
        params = self.params
        current = self.describe()
        if current is None:
            request = dict(
                clusterName=self.cluster,
                namespace=params["namespace"],
                serviceAccount=params["service_account"],
                roleArn=params["role_arn"],
            )
            if params["target_role_arn"]:
                request["targetRoleArn"] = params["target_role_arn"]
            if params["disable_session_tags"] is not None:
                request["disableSessionTags"] = params["disable_session_tags"]
            if params["tags"]:
                request["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
            return self.create(dict(request, tags=request.get("tags", {})), lambda: self.make(request))

        update, changes = plan_update(current, params)
        self.change(*changes)
        to_set, to_remove = self.plan_tags(current.get("tags"))
        if self.result["changed"]:
            self.refuse_owned(current, "update")
        after = dict(current, tags=tags_after(current.get("tags"), to_set, to_remove))
        after.update(update)
        return self.update(current, after, lambda: self.apply(current, update, to_set, to_remove))

    def make(self, request):
        self.wait_for_cluster()
        return self.call("create", self.eks.create_pod_identity_association, **request)["association"]

    def apply(self, current, update, to_set, to_remove):
        self.wait_for_cluster()
        if update:
            self.call(
                "update", self.eks.update_pod_identity_association,
                clusterName=self.cluster, associationId=current["associationId"], **update
            )
        self.apply_tags(current["associationArn"], to_set, to_remove)
        return self.describe()

    def absent(self):
        try:
            current = self.describe()
        except AwsModuleError as exc:
            # A missing cluster has no associations: absent is already true.
            if error_code(exc) in self.NOT_FOUND:
                return self.result
            raise
        if current is None:
            return self.result
        self.refuse_owned(current, "delete")
        return self.delete(current, lambda: self.call(
            "delete", self.eks.delete_pod_identity_association, gone=self.NOT_FOUND,
            clusterName=self.cluster, associationId=current["associationId"],
        ))


def main():
    run_module(Association, argument_spec(), required_if=[("state", "present", ("role_arn",))])


if __name__ == "__main__":
    main()
