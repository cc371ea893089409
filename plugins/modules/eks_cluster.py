#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_cluster
short_description: Manage an Amazon EKS cluster with logging, endpoint access, authentication mode and ownership
version_added: 1.0.0
description:
  - Create, reconcile or delete an Amazon EKS control plane.
  - Unlike M(community.aws.eks_cluster) (community.aws 10.0.0), this module sets and updates control-plane logging,
    endpoint access (public/private, public CIDRs), the authentication mode and tags, does not require security
    groups, and refuses to touch a cluster that lacks the ownership tags given in O(owner_tags).
  - Subnets and the Kubernetes version of an existing cluster are compared, never changed; a difference fails
    with both values (control-plane upgrades are a deliberate, separate operation).
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  name:
    description: Name of the cluster (1-100 characters, C(^[0-9A-Za-z][A-Za-z0-9_-]*$)).
    type: str
    required: true
  version:
    description: Kubernetes version, for example V(1.33). When omitted, EKS picks its default at creation.
    type: str
  role_arn:
    description: ARN of the cluster IAM role (with C(AmazonEKSClusterPolicy)). Required when O(state=present).
    type: str
  subnets:
    description: Subnet IDs for the control-plane network interfaces. Required when O(state=present).
    type: list
    elements: str
  security_groups:
    description: Additional security group IDs (EKS always creates its own cluster security group).
    type: list
    elements: str
    default: []
  endpoint_public_access:
    description: Whether the API server endpoint is reachable from the internet.
    type: bool
    default: true
  endpoint_private_access:
    description: Whether the API server endpoint is reachable from inside the VPC.
    type: bool
    default: true
  public_access_cidrs:
    description: CIDR blocks allowed to reach the public endpoint.
    type: list
    elements: str
    default: ["0.0.0.0/0"]
  logging:
    description: Control-plane log types sent to CloudWatch Logs; the others are disabled.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
    default: []
  authentication_mode:
    description:
      - How IAM principals authenticate. V(API) uses EKS access entries only.
      - Compared only when the API reports the current mode.
    type: str
    choices: [API, API_AND_CONFIG_MAP, CONFIG_MAP]
  bootstrap_cluster_creator_admin_permissions:
    description: At creation, give the calling principal cluster-admin through an access entry.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws
  - eks_llm.inference.aws.owner
  - eks_llm.inference.aws.wait
notes:
  - EKS accepts one configuration update at a time, so logging and endpoint changes are sent one after the other,
    waiting for the cluster to be C(ACTIVE) in between (even with O(wait=false)).
  - Deleting a cluster that still has node groups fails with the EKS error; delete them first.
attributes:
  diff_mode:
    details: Shows logging, endpoint access, authentication mode and tags before and after.
"""

EXAMPLES = r"""
- name: Create the seed-000 shaped control plane
  eks_llm.inference.eks_cluster:
    name: eks-llm
    version: "1.33"
    role_arn: "{{ cluster_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    logging: [api, audit, authenticator, controllerManager, scheduler]
    authentication_mode: API
    tags:
      eks_llm.inference/cluster: eks-llm
    owner_tags:
      eks_llm.inference/cluster: eks-llm

- name: Delete it (refused if it is not ours)
  eks_llm.inference.eks_cluster:
    name: eks-llm
    state: absent
    owner_tags:
      eks_llm.inference/cluster: eks-llm
"""

RETURN = r"""
cluster:
  description: The cluster as EKS describes it (snake_case keys, tags unchanged). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Cluster name.
      type: str
      sample: eks-llm
    arn:
      description: Cluster ARN.
      type: str
      sample: arn:aws:eks:us-west-2:123456789012:cluster/eks-llm
    endpoint:
      description: API server endpoint.
      type: str
      sample: https://ABCD.gr7.us-west-2.eks.amazonaws.com
    version:
      description: Kubernetes version.
      type: str
      sample: "1.33"
    status:
      description: Cluster status.
      type: str
      sample: ACTIVE
    tags:
      description: Tags.
      type: dict
      sample: {"eks_llm.inference/cluster": "eks-llm"}
wait:
  description: Seconds waited in all (C(elapsed_s)) and the last status polled (C(last_status)).
  returned: when the module waited
  type: dict
  sample: {"elapsed_s": 612.4, "last_status": "ACTIVE"}
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["logging enabled: api, audit"]
"""


from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import arg_spec, tags_after
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# What EKS reports when a setting was never given.
ENDPOINT_DEFAULTS = dict(endpointPublicAccess=True, endpointPrivateAccess=False, publicAccessCidrs=["0.0.0.0/0"])


def argument_spec():
    return arg_spec(
        name=dict(type="str", required=True),
        version=dict(type="str"),
        role_arn=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str", default=[]),
        endpoint_public_access=dict(type="bool", default=True),
        endpoint_private_access=dict(type="bool", default=True),
        public_access_cidrs=dict(type="list", elements="str", default=["0.0.0.0/0"]),
        logging=dict(type="list", elements="str", choices=LOG_TYPES, default=[]),
        authentication_mode=dict(type="str", choices=["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]),
        bootstrap_cluster_creator_admin_permissions=dict(type="bool", default=True),
    )


def enabled_log_types(logging):
    """Set of enabled log types from a ``logging`` structure (pure)."""
    enabled = set()
    for setup in (logging or {}).get("clusterLogging", []):
        if setup.get("enabled"):
            enabled.update(setup.get("types", []))
    return enabled


def logging_request(types):
    wanted = sorted(set(types))
    off = sorted(set(LOG_TYPES) - set(wanted))
    setups = []
    if wanted:
        setups.append(dict(types=wanted, enabled=True))
    if off:
        setups.append(dict(types=off, enabled=False))
    return dict(clusterLogging=setups)


def endpoint_view(vpc_config):
    vpc_config = vpc_config or {}
    return dict(
        endpointPublicAccess=vpc_config.get("endpointPublicAccess", ENDPOINT_DEFAULTS["endpointPublicAccess"]),
        endpointPrivateAccess=vpc_config.get("endpointPrivateAccess", ENDPOINT_DEFAULTS["endpointPrivateAccess"]),
        publicAccessCidrs=sorted(vpc_config.get("publicAccessCidrs") or ENDPOINT_DEFAULTS["publicAccessCidrs"]),
    )


def desired_endpoint(params):
    return dict(
        endpointPublicAccess=params["endpoint_public_access"],
        endpointPrivateAccess=params["endpoint_private_access"],
        publicAccessCidrs=sorted(params["public_access_cidrs"]),
    )


class Cluster(AwsResource):
    KIND = "EKS cluster"
    RESULT = "cluster"

    def describe(self):
        found = self.call("describe", self.eks.describe_cluster, gone=self.NOT_FOUND, name=self.name)
        return found and found["cluster"]

    def view(self, resource):
        return dict(
            version=resource.get("version"),
            logging=sorted(enabled_log_types(resource.get("logging"))),
            endpoint=endpoint_view(resource.get("resourcesVpcConfig")),
            authentication_mode=(resource.get("accessConfig") or {}).get("authenticationMode"),
            tags=dict(resource.get("tags") or {}),
        )

    def wait_active(self, what="become ACTIVE", always=False):
        self.wait(what, ready=("ACTIVE",), failed=("DELETING", "FAILED"), always=always)

    def check_immutable(self, cluster):
        params = self.params
        if params["version"] and params["version"] != cluster.get("version"):
            self.fail(
                "reconcile",
                "its Kubernetes version is %s, requested %s" % (cluster.get("version"), params["version"]),
                "upgrade the control plane deliberately (one minor version at a time), then rerun",
            )
        current_subnets = set((cluster.get("resourcesVpcConfig") or {}).get("subnetIds") or [])
        if current_subnets and set(params["subnets"] or []) != current_subnets:
            self.fail(
                "reconcile",
                "its subnets are %s, requested %s" % (sorted(current_subnets), sorted(params["subnets"] or [])),
                "subnets are not changed by this module",
            )

    def present(self):
        params = self.params
        current = self.describe()
        if current is None:
            request = dict(
                name=self.name,
                roleArn=params["role_arn"],
                resourcesVpcConfig=dict(
                    subnetIds=params["subnets"], securityGroupIds=params["security_groups"], **desired_endpoint(params)
                ),
                logging=logging_request(params["logging"]),
                accessConfig=dict(bootstrapClusterCreatorAdminPermissions=params["bootstrap_cluster_creator_admin_permissions"]),
            )
            if params["authentication_mode"]:
                request["accessConfig"]["authenticationMode"] = params["authentication_mode"]
            if params["version"]:
                request["version"] = params["version"]
            if params["tags"]:
                request["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
            intended = dict((k, request.get(k)) for k in ("name", "version", "resourcesVpcConfig", "logging", "accessConfig"))
            intended["tags"] = request.get("tags", {})
            return self.create(intended, lambda: self.make(request))

        self.guard(current.get("tags"))
        self.check_immutable(current)
        updates = []
        current_logs = enabled_log_types(current.get("logging"))
        if current_logs != set(params["logging"]):
            updates.append(dict(logging=logging_request(params["logging"])))
            self.change("logging: %s -> %s" % (", ".join(sorted(current_logs)) or "none", ", ".join(sorted(params["logging"])) or "none"))
        endpoint = endpoint_view(current.get("resourcesVpcConfig"))
        if endpoint != desired_endpoint(params):
            updates.append(dict(resourcesVpcConfig=desired_endpoint(params)))
            self.change("endpoint access: %s -> %s" % (endpoint, desired_endpoint(params)))
        current_mode = (current.get("accessConfig") or {}).get("authenticationMode")
        if params["authentication_mode"] and current_mode and current_mode != params["authentication_mode"]:
            updates.append(dict(accessConfig=dict(authenticationMode=params["authentication_mode"])))
            self.change("authentication_mode: %s -> %s" % (current_mode, params["authentication_mode"]))
        to_set, to_remove = self.plan_tags(current.get("tags"))
        after = dict(current)
        for update in updates:
            after.update(update)
        after["tags"] = tags_after(current.get("tags"), to_set, to_remove)
        if params["authentication_mode"] and current_mode:
            after["accessConfig"] = dict(current.get("accessConfig") or {}, authenticationMode=params["authentication_mode"])
        if not (self.result["changed"] or self.check_mode) and params["wait"] and current.get("status") in ("CREATING", "UPDATING"):
            self.wait_active()
            after = self.describe() or after
        return self.update(current, after, lambda: self.apply(current, updates, to_set, to_remove))

    def make(self, request):
        created = self.call("create", self.eks.create_cluster, **request)["cluster"]
        self.wait_active()
        return self.describe() or created

    def apply(self, current, updates, to_set, to_remove):
        # EKS takes one configuration update at a time: wait for ACTIVE before each (even with wait=false).
        for index, update in enumerate(updates):
            if index or current.get("status") != "ACTIVE":
                self.wait_active("become ACTIVE before the next update", always=True)
            self.call("update", self.eks.update_cluster_config, name=self.name, **update)
        self.apply_tags(current["arn"], to_set, to_remove)
        if updates:
            self.wait_active()
        return self.describe()

    def absent(self):
        current = self.describe()
        if current is None:
            return self.result
        self.guard(current.get("tags"))
        if current.get("status") == "DELETING":
            self.diff(current, None)
        else:
            hints = dict(ResourceInUseException="delete its node groups and Fargate profiles first")
            self.delete(current, lambda: self.call("delete", self.eks.delete_cluster, gone=self.NOT_FOUND, hints=hints, name=self.name))
        self.wait("be deleted", ready=("gone",), failed=("ACTIVE", "CREATING", "PENDING"))
        return self.result


def main():
    run_module(Cluster, argument_spec(), required_if=[("state", "present", ("role_arn", "subnets"))])


if __name__ == "__main__":
    main()
