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
  owner_tags:
    description:
      - Tags an existing cluster must carry before the module changes or deletes it. If the cluster exists
        without them the module fails and changes nothing.
    type: dict
    default: {}
  state:
    description: Whether the cluster should exist.
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
    details: Reads the cluster and reports what would change; no mutating call, no wait.
  diff_mode:
    support: full
    details: Shows logging, endpoint access, authentication mode and tags before and after.
  platform:
    platforms: aws
notes:
  - EKS accepts one configuration update at a time, so logging and endpoint changes are sent one after the other,
    waiting for the cluster to be C(ACTIVE) in between (even with O(wait=false)).
  - Deleting a cluster that still has node groups fails with the EKS error; delete them first.
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
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["logging enabled: api, audit"]
duration:
  description: Seconds spent waiting.
  returned: when the module waited
  type: float
  sample: 612.4
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
    owner_problem,
    run_waiter,
    wait_arg_spec,
)

KIND = "EKS cluster"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# What EKS reports when a setting was never given.
ENDPOINT_DEFAULTS = dict(endpointPublicAccess=True, endpointPrivateAccess=False, publicAccessCidrs=["0.0.0.0/0"])


def argument_spec():
    spec = dict(
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
        owner_tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec.update(wait_arg_spec())
    return spec


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


def view(cluster):
    if not cluster:
        return {}
    return dict(
        version=cluster.get("version"),
        logging=sorted(enabled_log_types(cluster.get("logging"))),
        endpoint=endpoint_view(cluster.get("resourcesVpcConfig")),
        authentication_mode=(cluster.get("accessConfig") or {}).get("authenticationMode"),
        tags=dict(cluster.get("tags") or {}),
    )


def describe(client, name):
    try:
        return client.describe_cluster(name=name)["cluster"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc)), cause=exc)


def wait(client, params, waiter, result, what):
    try:
        elapsed = run_waiter(
            client,
            waiter,
            params["wait_timeout"],
            params["wait_sleep"],
            describe=lambda: "status %s" % ((describe(client, params["name"]) or {}).get("status", "gone")),
            name=params["name"],
        )
    except AwsModuleError as exc:
        raise AwsModuleError("Timeout or failure waiting for %s %s to %s: %s" % (KIND, params["name"], what, exc.msg), result=result)
    result["duration"] = result.get("duration", 0) + elapsed


def check_immutable(cluster, params):
    name = params["name"]
    if params["version"] and params["version"] != cluster.get("version"):
        raise AwsModuleError(
            failure_message(
                "reconcile",
                KIND,
                name,
                "its Kubernetes version is %s, requested %s" % (cluster.get("version"), params["version"]),
                hint="upgrade the control plane deliberately (one minor version at a time), then rerun",
            )
        )
    current_subnets = set((cluster.get("resourcesVpcConfig") or {}).get("subnetIds") or [])
    if current_subnets and set(params["subnets"] or []) != current_subnets:
        raise AwsModuleError(
            failure_message(
                "reconcile",
                KIND,
                name,
                "its subnets are %s, requested %s" % (sorted(current_subnets), sorted(params["subnets"] or [])),
                hint="subnets are not changed by this module",
            )
        )


def ensure_present(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], cluster={})
    current = describe(client, name)
    if current is not None:
        problem = owner_problem(KIND, name, current.get("tags"), params["owner_tags"])
        if problem:
            raise AwsModuleError(problem)
    if current is None:
        kwargs = dict(
            name=name,
            roleArn=params["role_arn"],
            resourcesVpcConfig=dict(
                subnetIds=params["subnets"], securityGroupIds=params["security_groups"], **desired_endpoint(params)
            ),
            logging=logging_request(params["logging"]),
            accessConfig=dict(bootstrapClusterCreatorAdminPermissions=params["bootstrap_cluster_creator_admin_permissions"]),
        )
        if params["authentication_mode"]:
            kwargs["accessConfig"]["authenticationMode"] = params["authentication_mode"]
        if params["version"]:
            kwargs["version"] = params["version"]
        if params["tags"]:
            kwargs["tags"] = dict((str(k), str(v)) for k, v in params["tags"].items())
        result.update(changed=True, changes=["create %s %s" % (KIND, name)])
        intended = dict(
            name=name,
            version=params["version"],
            resourcesVpcConfig=kwargs["resourcesVpcConfig"],
            logging=kwargs["logging"],
            accessConfig=kwargs["accessConfig"],
            tags=kwargs.get("tags", {}),
        )
        result["diff"] = dict(before={}, after=view(intended))
        if check_mode:
            result["cluster"] = snake(intended)
            return result
        try:
            created = client.create_cluster(**kwargs)["cluster"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("create", KIND, name, error_cause(exc)), result=result, cause=exc)
        if params["wait"]:
            wait(client, params, "cluster_active", result, "become ACTIVE")
        result["cluster"] = snake(describe(client, name) or created)
        return result

    check_immutable(current, params)
    updates = []
    changes = []
    if enabled_log_types(current.get("logging")) != set(params["logging"]):
        updates.append(dict(logging=logging_request(params["logging"])))
        changes.append("logging: %s -> %s" % (
            ", ".join(sorted(enabled_log_types(current.get("logging")))) or "none", ", ".join(sorted(params["logging"])) or "none"))
    if endpoint_view(current.get("resourcesVpcConfig")) != desired_endpoint(params):
        updates.append(dict(resourcesVpcConfig=desired_endpoint(params)))
        changes.append("endpoint access: %s -> %s" % (endpoint_view(current.get("resourcesVpcConfig")), desired_endpoint(params)))
    current_mode = (current.get("accessConfig") or {}).get("authenticationMode")
    if params["authentication_mode"] and current_mode and current_mode != params["authentication_mode"]:
        updates.append(dict(accessConfig=dict(authenticationMode=params["authentication_mode"])))
        changes.append("authentication_mode: %s -> %s" % (current_mode, params["authentication_mode"]))
    to_set, to_remove = compare_tags(current.get("tags"), params["tags"], params["purge_tags"])
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
    after = dict(current)
    for update in updates:
        after.update(update)
    tags = dict(current.get("tags") or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    after["tags"] = tags
    if params["authentication_mode"] and current_mode:
        after["accessConfig"] = dict(current.get("accessConfig") or {}, authenticationMode=params["authentication_mode"])
    result.update(changed=bool(changes), changes=changes)
    result["diff"] = dict(before=view(current), after=view(after))
    if check_mode or not changes:
        result["cluster"] = snake(after)
        if not check_mode and params["wait"] and current.get("status") in ("CREATING", "UPDATING"):
            wait(client, params, "cluster_active", result, "become ACTIVE")
            result["cluster"] = snake(describe(client, name) or after)
        return result

    try:
        for index, update in enumerate(updates):
            if index or current.get("status") != "ACTIVE":
                wait(client, params, "cluster_active", result, "become ACTIVE before the next update")
            client.update_cluster_config(name=name, **update)
        if to_remove:
            client.untag_resource(resourceArn=current["arn"], tagKeys=to_remove)
        if to_set:
            client.tag_resource(resourceArn=current["arn"], tags=to_set)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(failure_message("update", KIND, name, error_cause(exc)), result=result, cause=exc)
    if updates and params["wait"]:
        wait(client, params, "cluster_active", result, "become ACTIVE")
    result["cluster"] = snake(describe(client, name) or after)
    return result


def ensure_absent(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], cluster={})
    current = describe(client, name)
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
            client.delete_cluster(name=name)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            if error_code(exc) != "ResourceNotFoundException":
                hint = "delete its node groups and Fargate profiles first" if error_code(exc) == "ResourceInUseException" else None
                raise AwsModuleError(failure_message("delete", KIND, name, error_cause(exc), hint=hint), result=result, cause=exc)
    if params["wait"]:
        wait(client, params, "cluster_deleted", result, "be deleted")
    return result


def snake(cluster):
    return camel_dict_to_snake_dict(dict((k, v) for k, v in (cluster or {}).items() if v is not None), ignore_list=["tags"])


def run_module(module):
    client = module.client("eks")
    if module.params["state"] == "present":
        return ensure_present(client, module.params, module.check_mode)
    return ensure_absent(client, module.params, module.check_mode)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ("role_arn", "subnets"))],
        supports_check_mode=True,
    )
    finish(module, lambda: run_module(module))


if __name__ == "__main__":
    main()
