#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: managed_nodegroup
short_description: Create, update or delete an Amazon EKS managed node group for accelerators
version_added: 1.0.0
description:
  - Ensures an EKS managed node group exists with the given instance type, AMI type, capacity type,
    scaling, labels, taints, tags and optional launch template, or that it is gone.
  - Written because M(community.aws.eks_nodegroup) 10.0.0 cannot express accelerator node groups -
    its O(community.aws.eks_nodegroup#module:ami_type) choices lack the AL2023 NVIDIA/Neuron types
    (the only ones from Kubernetes 1.33), it refuses an AMI type together with a launch template
    (needed for EFA), has no V(CAPACITY_BLOCK), and it fails on re-runs when taints or tags differ.
  - Mutable settings (scaling, labels, taints, tags, launch-template version) are updated in place;
    a change to a setting EKS cannot update (instance type, AMI type, capacity type, subnets, node
    role, disk size, launch template name) fails before any change, naming the setting.
  - With O(state=absent) a node group is deleted only when its tags contain O(required_tags).
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  name:
    description: Name of the node group.
    type: str
    required: true
  state:
    description: Whether the node group should exist.
    type: str
    choices: [present, absent]
    default: present
  node_role:
    description: ARN of the IAM role of the nodes. Required with O(state=present).
    type: str
  subnets:
    description: Subnet IDs of the node group. Required with O(state=present).
    type: list
    elements: str
  instance_types:
    description: Instance types.
    type: list
    elements: str
  ami_type:
    description: EKS AMI type.
    type: str
    choices:
      - AL2_x86_64
      - AL2_x86_64_GPU
      - AL2_ARM_64
      - CUSTOM
      - BOTTLEROCKET_ARM_64
      - BOTTLEROCKET_x86_64
      - BOTTLEROCKET_ARM_64_FIPS
      - BOTTLEROCKET_x86_64_FIPS
      - BOTTLEROCKET_ARM_64_NVIDIA
      - BOTTLEROCKET_x86_64_NVIDIA
      - BOTTLEROCKET_ARM_64_NVIDIA_FIPS
      - BOTTLEROCKET_x86_64_NVIDIA_FIPS
      - WINDOWS_CORE_2019_x86_64
      - WINDOWS_FULL_2019_x86_64
      - WINDOWS_CORE_2022_x86_64
      - WINDOWS_FULL_2022_x86_64
      - WINDOWS_CORE_2025_x86_64
      - WINDOWS_FULL_2025_x86_64
      - AL2023_x86_64_STANDARD
      - AL2023_ARM_64_STANDARD
      - AL2023_x86_64_NEURON
      - AL2023_x86_64_NVIDIA
      - AL2023_ARM_64_NVIDIA
  capacity_type:
    description: Capacity type.
    type: str
    choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
    default: ON_DEMAND
  disk_size:
    description: Root volume size in GiB. Ignored with O(launch_template) (the template carries it).
    type: int
  scaling_config:
    description: Scaling of the node group. Required with O(state=present).
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
  labels:
    description: Kubernetes labels of the nodes. Labels not listed are removed.
    type: dict
    default: {}
  taints:
    description: Kubernetes taints of the nodes, effects in EKS API spelling. Taints not listed are removed.
    type: list
    elements: dict
    default: []
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
        choices: [NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE]
  launch_template:
    description:
      - Launch template of the node group. A new version is rolled out to the node group in place.
      - With O(launch_template.data) the module also owns the template - it creates it, adds a version
        when the data differ from the latest version, tags it with O(tags), and deletes it with
        O(state=absent) (when it carries O(required_tags)).
      - Written into this module because M(amazon.aws.ec2_launch_template) 10.1.2 has no
        C(InterfaceType) or C(NetworkCardIndex) for network interfaces, so it cannot describe EFA.
    type: dict
    suboptions:
      name:
        description: Launch template name.
        type: str
        required: true
      version:
        description: Launch template version to use; default the latest (the one O(launch_template.data) leads to).
        type: str
      data:
        description: C(LaunchTemplateData) in EC2 API spelling (for example C(NetworkInterfaces), C(Placement)).
        type: dict
  kubernetes_version:
    description: Kubernetes version of the nodes at creation (defaults to the cluster's).
    type: str
  tags:
    description: Tags of the node group. Tags not listed are kept.
    type: dict
    default: {}
  required_tags:
    description:
      - With O(state=absent), delete the node group only when its tags contain all of these.
        A node group without them is left alone and reported in RV(skipped_reason).
    type: dict
    default: {}
  wait:
    description: Wait until the node group is C(ACTIVE) (present) or gone (absent).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
  wait_sleep:
    description: Seconds between polls while waiting.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
author:
  - eks_llm.inference contributors (@eks-llm)
"""

EXAMPLES = r"""
- name: Ensure the GPU node group
  eks_llm.inference.managed_nodegroup:
    cluster_name: eks-llm
    name: gpu
    node_role: "{{ node_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    instance_types: [g4dn.xlarge]
    ami_type: AL2_x86_64_GPU
    disk_size: 100
    scaling_config: {min_size: 4, max_size: 4, desired_size: 4}
    labels:
      nvidia.com/gpu.present: "true"
    taints:
      - {key: nvidia.com/gpu, value: "true", effect: NO_SCHEDULE}
    tags:
      eks_llm.inference/cluster: eks-llm
"""

RETURN = r"""
nodegroup:
  description: The node group as described by EKS (snake_case keys; labels and tags as given). Empty when absent.
  returned: always
  type: dict
  sample: {nodegroup_name: gpu, status: ACTIVE, ami_type: AL2_x86_64_GPU, instance_types: [g4dn.xlarge]}
actions:
  description: What was done (or would be done in check mode), for example C(create), C(update_config), C(delete).
  returned: always
  type: list
  elements: str
  sample: [update_config]
skipped_reason:
  description: Why an existing node group was not deleted (it lacks O(required_tags)).
  returned: when state is absent and the node group was left alone
  type: str
duration:
  description: Seconds spent, including waits.
  returned: always
  type: float
"""

import math
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.eks_llm.inference.plugins.module_utils.node_groups import (
    CAPACITY_TYPES,
    EKS_AMI_TYPES,
    launch_template_data_equal,
    nodegroup_changes,
)


def argument_spec():
    return dict(
        cluster_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        node_role=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        instance_types=dict(type="list", elements="str"),
        ami_type=dict(type="str", choices=list(EKS_AMI_TYPES)),
        capacity_type=dict(type="str", choices=list(CAPACITY_TYPES), default="ON_DEMAND"),
        disk_size=dict(type="int"),
        scaling_config=dict(
            type="dict",
            options=dict(
                min_size=dict(type="int", required=True),
                max_size=dict(type="int", required=True),
                desired_size=dict(type="int", required=True),
            ),
        ),
        labels=dict(type="dict", default={}),
        taints=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                value=dict(type="str"),
                effect=dict(type="str", required=True, choices=["NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"]),
            ),
        ),
        launch_template=dict(
            type="dict",
            options=dict(name=dict(type="str", required=True), version=dict(type="str"), data=dict(type="dict")),
        ),
        kubernetes_version=dict(type="str"),
        tags=dict(type="dict", default={}),
        required_tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_sleep=dict(type="int", default=30),
    )


def desired_parameters(params):
    """CreateNodegroup parameters from the module options (the comparable subset for updates)."""
    desired = dict(
        clusterName=params["cluster_name"],
        nodegroupName=params["name"],
        nodeRole=params["node_role"],
        subnets=params["subnets"],
        capacityType=params["capacity_type"],
        scalingConfig=dict(
            minSize=params["scaling_config"]["min_size"],
            maxSize=params["scaling_config"]["max_size"],
            desiredSize=params["scaling_config"]["desired_size"],
        ),
        labels=params["labels"],
        taints=[dict((k, v) for k, v in t.items() if v is not None) for t in params["taints"]],
        tags=params["tags"],
    )
    if params["instance_types"]:
        desired["instanceTypes"] = params["instance_types"]
    if params["ami_type"]:
        desired["amiType"] = params["ami_type"]
    if params["launch_template"]:
        desired["launchTemplate"] = dict(name=params["launch_template"]["name"])
        if params["launch_template"].get("version"):
            desired["launchTemplate"]["version"] = str(params["launch_template"]["version"])
    elif params["disk_size"] is not None:
        desired["diskSize"] = params["disk_size"]
    if params["kubernetes_version"]:
        desired["version"] = params["kubernetes_version"]
    return desired


class NodegroupManager:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.client("eks", retry_decorator=AWSRetry.jittered_backoff(retries=10))
        self.actions = []
        self.started = time.monotonic()

    def fail(self, exc, msg):
        self.module.fail_json_aws(exc, msg=msg)

    def describe(self):
        try:
            return self.client.describe_nodegroup(
                aws_retry=True, clusterName=self.params["cluster_name"], nodegroupName=self.params["name"]
            )["nodegroup"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as e:  # pylint: disable=duplicate-except
            self.fail(
                e, "Failed to describe node group %s in cluster %s" % (self.params["name"], self.params["cluster_name"])
            )

    def require_cluster(self):
        try:
            self.client.describe_cluster(aws_retry=True, name=self.params["cluster_name"])
        except is_boto3_error_code("ResourceNotFoundException"):
            self.module.fail_json(
                msg="Failed to find EKS cluster %s in region %s; create the cluster first (role eks_llm.inference.vpc_eks)"
                " or check the cluster name and region" % (self.params["cluster_name"], self.module.region)
            )
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as e:  # pylint: disable=duplicate-except
            self.fail(e, "Failed to describe EKS cluster %s" % self.params["cluster_name"])

    def wait(self, waiter_name):
        if not self.params["wait"] or self.module.check_mode:
            return
        sleep = max(1, self.params["wait_sleep"])
        attempts = max(1, int(math.ceil(float(self.params["wait_timeout"]) / sleep)))
        try:
            self.client.get_waiter(waiter_name).wait(
                clusterName=self.params["cluster_name"],
                nodegroupName=self.params["name"],
                WaiterConfig=dict(Delay=sleep, MaxAttempts=attempts),
            )
        except botocore.exceptions.WaiterError as e:
            current = self.describe() or {}
            self.module.fail_json(
                msg="Timeout trying to wait for node group %s in cluster %s to be %s after %.0fs; last status %s, health issues: %s"
                % (
                    self.params["name"],
                    self.params["cluster_name"],
                    "ACTIVE" if waiter_name == "nodegroup_active" else "deleted",
                    time.monotonic() - self.started,
                    current.get("status", "not found"),
                    (current.get("health") or {}).get("issues") or "none",
                ),
                exception=str(e),
            )

    def ec2(self):
        return self.module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(retries=10))

    def describe_launch_template(self, name):
        """(template, latest version data) or (None, None)."""
        ec2 = self.ec2()
        try:
            template = ec2.describe_launch_templates(aws_retry=True, LaunchTemplateNames=[name])["LaunchTemplates"][0]
        except is_boto3_error_code(["InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound"]):
            return None, None
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as e:  # pylint: disable=duplicate-except
            self.fail(e, "Failed to describe launch template %s" % name)
        try:
            version = ec2.describe_launch_template_versions(
                aws_retry=True,
                LaunchTemplateId=template["LaunchTemplateId"],
                Versions=[str(template["LatestVersionNumber"])],
            )["LaunchTemplateVersions"][0]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.fail(e, "Failed to describe the versions of launch template %s" % name)
        return template, version

    def ensure_launch_template(self):
        """Create or update the launch template given with data; return the version to use (None in check mode)."""
        spec = self.params["launch_template"]
        name = spec["name"]
        template, latest = self.describe_launch_template(name)
        if not spec.get("data"):
            if template is None:
                self.module.fail_json(
                    msg="Failed to find launch template %s; create it first or give launch_template.data" % name
                )
            return spec.get("version") or str(template["LatestVersionNumber"])
        ec2 = self.ec2()
        if template is None:
            self.actions.append("create_launch_template")
            if self.module.check_mode:
                return None
            tags = [
                dict(
                    ResourceType="launch-template", Tags=[dict(Key=k, Value=v) for k, v in self.params["tags"].items()]
                )
            ]
            try:
                created = ec2.create_launch_template(
                    aws_retry=True, LaunchTemplateName=name, LaunchTemplateData=spec["data"], TagSpecifications=tags
                )["LaunchTemplate"]
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                self.fail(e, "Failed to create launch template %s" % name)
            return str(created["LatestVersionNumber"])
        if launch_template_data_equal(latest["LaunchTemplateData"], spec["data"]):
            return spec.get("version") or str(template["LatestVersionNumber"])
        self.actions.append("update_launch_template")
        if self.module.check_mode:
            return str(template["LatestVersionNumber"] + 1)
        try:
            version = ec2.create_launch_template_version(
                aws_retry=True, LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData=spec["data"]
            )["LaunchTemplateVersion"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.fail(e, "Failed to add a version to launch template %s" % name)
        return str(version["VersionNumber"])

    def delete_launch_template(self):
        spec = self.params["launch_template"]
        if not spec or spec.get("data") is None:
            return
        template, dummy = self.describe_launch_template(spec["name"])
        if template is None:
            return
        tags = dict((t["Key"], t["Value"]) for t in template.get("Tags") or [])
        if any(tags.get(k) != v for k, v in self.params["required_tags"].items()):
            return
        self.actions.append("delete_launch_template")
        if self.module.check_mode:
            return
        try:
            self.ec2().delete_launch_template(aws_retry=True, LaunchTemplateId=template["LaunchTemplateId"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.fail(e, "Failed to delete launch template %s" % spec["name"])

    def result(self, nodegroup, **extra):
        out = camel_dict_to_snake_dict(nodegroup or {}, ignore_list=["labels", "tags"])
        self.module.exit_json(
            changed=bool(self.actions),
            actions=self.actions,
            nodegroup=out,
            duration=round(time.monotonic() - self.started, 3),
            **extra
        )

    def present(self):
        for field in ("node_role", "subnets", "scaling_config"):
            if not self.params[field]:
                self.module.fail_json(msg="state=present requires %s for node group %s" % (field, self.params["name"]))
        desired = desired_parameters(self.params)
        current = self.describe()
        if self.params["launch_template"]:
            version = self.ensure_launch_template()
            if version is not None:
                desired["launchTemplate"]["version"] = version
        if current is None:
            self.require_cluster()
            self.actions.append("create")
            if self.module.check_mode:
                self.result(None)
            try:
                self.client.create_nodegroup(aws_retry=True, **desired)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                self.fail(
                    e,
                    "Failed to create node group %s in cluster %s" % (self.params["name"], self.params["cluster_name"]),
                )
            self.wait("nodegroup_active")
            self.result(self.describe())

        changes = nodegroup_changes(current, desired)
        if changes["immutable"]:
            self.module.fail_json(
                msg="Failed to update node group %s: EKS cannot change %s in place; delete the node group "
                "(state=absent) and create it again, or give the new settings a new node-group name"
                % (self.params["name"], "; ".join(changes["immutable"])),
                nodegroup=camel_dict_to_snake_dict(current, ignore_list=["labels", "tags"]),
            )
        base = dict(clusterName=self.params["cluster_name"], nodegroupName=self.params["name"])
        arn = current.get("nodegroupArn")
        calls = []
        if changes["config"]:
            calls.append(("update_config", self.client.update_nodegroup_config, dict(base, **changes["config"])))
        if changes["version"]:
            calls.append(("update_version", self.client.update_nodegroup_version, dict(base, **changes["version"])))
        if changes["tags"]:
            calls.append(("tag", self.client.tag_resource, dict(resourceArn=arn, tags=changes["tags"])))
        for action, call, kwargs in calls:
            self.actions.append(action)
            if self.module.check_mode:
                continue
            if action == "update_version":
                # EKS accepts one update at a time per node group: let the config update finish.
                self.wait("nodegroup_active")
            try:
                call(aws_retry=True, **kwargs)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                self.fail(e, "Failed to %s node group %s" % (action.replace("_", " "), self.params["name"]))
        if self.actions:
            self.wait("nodegroup_active")
            current = self.describe()
        self.result(current)

    def absent(self):
        current = self.describe()
        if current is None:
            self.delete_launch_template()
            self.result(None)
        tags = current.get("tags") or {}
        missing = dict((k, v) for k, v in self.params["required_tags"].items() if tags.get(k) != v)
        if missing:
            self.result(
                current,
                skipped_reason="node group %s lacks the ownership tags %s; left alone" % (self.params["name"], missing),
            )
        if current.get("status") != "DELETING":
            self.actions.append("delete")
            if not self.module.check_mode:
                try:
                    self.client.delete_nodegroup(
                        aws_retry=True, clusterName=self.params["cluster_name"], nodegroupName=self.params["name"]
                    )
                except is_boto3_error_code("ResourceNotFoundException"):
                    self.result(None)
                except (
                    botocore.exceptions.BotoCoreError,
                    botocore.exceptions.ClientError,
                ) as e:  # pylint: disable=duplicate-except
                    self.fail(e, "Failed to delete node group %s" % self.params["name"])
        self.wait("nodegroup_deleted")
        self.delete_launch_template()
        self.result(None)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    manager = NodegroupManager(module)
    if module.params["state"] == "present":
        manager.present()
    else:
        manager.absent()


if __name__ == "__main__":
    main()
