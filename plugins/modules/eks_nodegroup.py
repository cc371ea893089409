#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_nodegroup
short_description: Manage an Amazon EKS managed node group, including accelerator and EFA node groups
version_added: 1.0.0
description:
  - Create, reconcile (scaling, labels, taints, update settings, launch template version, tags) or delete an EKS
    managed node group, for general-purpose nodes as well as NVIDIA GPU, AWS Neuron and EFA node groups.
  - Written because M(community.aws.eks_nodegroup) (community.aws 10.0.0) offers only AL2 AMI types (EKS rejects
    them from Kubernetes 1.33 on; the AL2023 NVIDIA/Neuron types are missing), refuses an AMI type together with a
    launch template (needed for EFA), has no V(CAPACITY_BLOCK), fails with C(TypeError) when taints change, and
    fails with C(KeyError 'updateConfig') on any node group whose description lacks C(updateConfig) (moto's does).
  - Node role, subnets, instance types, AMI type, capacity type, disk size and the launch template (name or ID,
    or having one at all) cannot change after creation; a difference fails before any change, naming the setting
    with both values.
  - With O(launch_template.data) the module also owns the launch template, because
    M(amazon.aws.ec2_launch_template) 10.1.2 has no C(InterfaceType) or C(NetworkCardIndex) for network
    interfaces and so cannot describe EFA.
  - Ownership guards. O(owner_tags) - an existing node group (and an existing launch template the module would
    change) must carry these tags, otherwise the module fails before any change. O(required_tags) - with
    O(state=absent), a node group without these tags is left alone and reported in RV(skipped_reason).
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
    description: Sizes of the group. Required when O(state=present).
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
    description:
      - Instance types. Leave empty when the launch template sets the instance type.
      - Compared as a set with the node group's.
    type: list
    elements: str
  ami_type:
    description:
      - EKS AMI type (the C(AMITypes) enum of the EKS API). When omitted EKS picks the default for the
        Kubernetes version (AL2023 from 1.30; AL2 types are rejected from 1.33 on).
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
  disk_size:
    description: Root volume size in GiB. Ignored with O(launch_template) (the template's block device mapping carries it).
    type: int
  capacity_type:
    description: Purchase option.
    type: str
    choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
    default: ON_DEMAND
  kubernetes_version:
    description: Kubernetes version of the nodes at creation (default the cluster's). Not compared afterwards.
    type: str
  launch_template:
    description:
      - Launch template of the node group. A different version is rolled out to the node group in place.
      - Without O(launch_template.version) the node group uses the template's latest version (with
        O(launch_template.data), the version that data leads to).
      - With O(launch_template.data) the module owns the template - it creates it (tagged with O(tags)), adds a
        version when the data differ from the latest version, and with O(state=absent) deletes it once the node
        group is gone (only when the template carries O(owner_tags) and O(required_tags)).
    type: dict
    suboptions:
      id:
        description: Launch template ID. One of O(launch_template.id) and O(launch_template.name) is required.
        type: str
      name:
        description: Launch template name. Required with O(launch_template.data).
        type: str
      version:
        description: Launch template version to use (default the latest).
        type: str
      data:
        description:
          - C(LaunchTemplateData) in EC2 API spelling (for example C(NetworkInterfaces) with C(InterfaceType=efa)
            and C(NetworkCardIndex), C(Placement), C(BlockDeviceMappings)); the filter
            P(eks_llm.inference.efa_launch_template_data#filter) builds it for EFA node groups.
          - Compared with the latest version value by value; keys EC2 adds are ignored, except the top-level
            C(NetworkInterfaces), C(Placement), C(BlockDeviceMappings) and C(MetadataOptions).
          - With O(state=absent) any value (even V({})) marks the template as owned by the module, to be deleted.
        type: dict
  labels:
    description: Kubernetes labels of the nodes; labels not listed are removed. When omitted, labels are left alone.
    type: dict
  taints:
    description:
      - Kubernetes taints of the nodes, effects in EKS API spelling; taints not listed are removed. When omitted,
        taints are left alone.
      - A taint is identified by key and effect; a new value for the same key and effect is an update.
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
    description:
      - Tags an existing node group must carry before it is changed or deleted, and an existing launch template
        before the module adds a version to it or deletes it. Otherwise the module fails before any change.
    type: dict
    default: {}
  required_tags:
    description:
      - With O(state=absent), delete the node group only when its tags contain all of these. A node group
        without them is left alone (no failure) and reported in RV(skipped_reason).
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws
  - eks_llm.inference.aws.wait
notes:
  - Needs C(eks:DescribeNodegroup), C(eks:DescribeCluster), C(eks:CreateNodegroup), C(eks:UpdateNodegroupConfig),
    C(eks:UpdateNodegroupVersion), C(eks:TagResource), C(eks:UntagResource), C(eks:DeleteNodegroup), and with
    O(launch_template) C(ec2:DescribeLaunchTemplates), C(ec2:DescribeLaunchTemplateVersions),
    C(ec2:CreateLaunchTemplate), C(ec2:CreateLaunchTemplateVersion), C(ec2:DeleteLaunchTemplate).
author:
  - eks_llm.inference contributors (@eks-llm)
attributes:
  check_mode:
    details: Reads the node group (and launch template) and reports what would change; no mutating call, no wait.
  diff_mode:
    details: Shows scaling, labels, taints, launch template version, update settings and tags before and after.
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
    owner_tags:
      eks_llm.inference/cluster: eks-llm
    tags:
      eks_llm.inference/cluster: eks-llm

- name: GPU node group (AL2023 NVIDIA AMI), labelled and tainted
  eks_llm.inference.eks_nodegroup:
    cluster_name: eks-llm
    name: gpu
    node_role: "{{ node_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    instance_types: [g5.xlarge]
    ami_type: AL2023_x86_64_NVIDIA
    disk_size: 100
    scaling_config: {min_size: 4, max_size: 4, desired_size: 4}
    labels:
      nvidia.com/gpu.present: "true"
    taints:
      - {key: nvidia.com/gpu, value: "true", effect: NO_SCHEDULE}
    tags:
      eks_llm.inference/cluster: eks-llm
    purge_tags: false
    owner_tags:
      eks_llm.inference/cluster: eks-llm

- name: EFA node group with a launch template the module owns (32 EFA interfaces, cluster placement group)
  eks_llm.inference.eks_nodegroup:
    cluster_name: trtllm-inference-cluster
    name: gpu-compute-node-group
    node_role: "{{ node_role_arn }}"
    subnets: ["{{ efa_subnet_id }}"]
    instance_types: [p5.48xlarge]
    ami_type: AL2023_x86_64_NVIDIA
    capacity_type: CAPACITY_BLOCK
    scaling_config: {min_size: 0, max_size: 2, desired_size: 0}
    launch_template:
      name: trtllm-inference-cluster-gpu-compute-node-group
      data: >-
        {{ 32 | eks_llm.inference.efa_launch_template_data(security_group_ids=[efa_sg_id], disk_size=500,
                                                           placement_group_name='trtllm-inference-cluster-gpu') }}
    tags:
      eks_llm.inference/cluster: trtllm-inference-cluster

- name: Remove the EFA node group and its launch template, only if this cluster owns them
  eks_llm.inference.eks_nodegroup:
    cluster_name: trtllm-inference-cluster
    name: gpu-compute-node-group
    state: absent
    required_tags:
      eks_llm.inference/cluster: trtllm-inference-cluster
    launch_template:
      name: trtllm-inference-cluster-gpu-compute-node-group
      data: {}
"""

RETURN = r"""
nodegroup:
  description:
    - The node group as EKS describes it (snake_case keys; tags and labels unchanged). Empty when absent.
    - In check mode, the node group as it would be.
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
    ami_type:
      description: AMI type.
      type: str
      sample: AL2023_x86_64_NVIDIA
    instance_types:
      description: Instance types.
      type: list
      elements: str
      sample: ["g5.xlarge"]
    launch_template:
      description: Launch template (name, id, version) when the node group has one.
      type: dict
      sample: {"name": "eks-llm-core", "id": "lt-0123456789abcdef0", "version": "2"}
actions:
  description:
    - What was done (or would be done in check mode), in order. One or more of V(create_launch_template),
      V(update_launch_template), V(create), V(update_config), V(update_version), V(untag), V(tag), V(delete),
      V(delete_launch_template).
  returned: always
  type: list
  elements: str
  sample: ["update_config"]
changes:
  description: What was (or would be) changed, in words.
  returned: always
  type: list
  elements: str
  sample: ["scalingConfig: {'minSize': 1, 'maxSize': 2, 'desiredSize': 1} -> {'minSize': 2, 'maxSize': 2, 'desiredSize': 2}"]
launch_template_version:
  description: The launch template version the node group uses (or would use); empty without a launch template.
  returned: when O(launch_template) is given and O(state=present)
  type: str
  sample: "3"
skipped_reason:
  description: Why an existing node group was not deleted (it lacks O(required_tags)).
  returned: when O(state=absent) and the node group was left alone
  type: str
  sample: "node group gpu lacks the tags eks_llm.inference/cluster=eks-llm (it has team=other); left alone"
wait:
  description: Seconds waited in all (C(elapsed_s)) and the last status polled (C(last_status)).
  returned: when the module waited
  type: dict
  sample: {"elapsed_s": 300.5, "last_status": "ACTIVE"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import arg_spec, missing_tags, tag_text
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.launch_template import launch_template_data_equal
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.nodegroup import (
    apply_changes,
    describe_changes,
    desired_parameters,
    diff_view,
    immutable_changes,
    nodegroup_changes,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module
from ansible_collections.eks_llm.inference.plugins.module_utils.node_groups import CAPACITY_TYPES, EKS_AMI_TYPES

LT_NOT_FOUND = ("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed")


def argument_spec():
    return arg_spec(
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
        ami_type=dict(type="str", choices=list(EKS_AMI_TYPES)),
        disk_size=dict(type="int"),
        capacity_type=dict(type="str", choices=list(CAPACITY_TYPES), default="ON_DEMAND"),
        kubernetes_version=dict(type="str"),
        launch_template=dict(
            type="dict",
            options=dict(
                id=dict(type="str"),
                name=dict(type="str"),
                version=dict(type="str"),
                data=dict(type="dict"),
            ),
            required_one_of=[("id", "name")],
            required_by=dict(data="name"),
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
        required_tags=dict(type="dict", default={}),
    )


class Nodegroup(AwsResource):
    """Reconciles one node group and the launch template it owns (O(launch_template.data))."""

    KIND = "node group"
    RESULT = "nodegroup"
    SERVICES = ("eks", "ec2")
    KEEP = ("tags", "labels")

    def __init__(self, *args, **kwargs):
        super(Nodegroup, self).__init__(*args, **kwargs)
        self.cluster = self.params["cluster_name"]
        self.scope = "cluster %s" % self.cluster
        self.result["actions"] = []

    def act(self, action, change):
        self.result["actions"].append(action)
        self.change(change)

    def describe(self):
        found = self.call("describe", self.eks.describe_nodegroup, gone=self.NOT_FOUND, clusterName=self.cluster, nodegroupName=self.name)
        return found and found["nodegroup"]

    def view(self, resource):
        return diff_view(resource)

    def require_cluster(self):
        about = ("EKS cluster", self.cluster)
        if self.call("describe", self.eks.describe_cluster, gone=self.NOT_FOUND, about=about, name=self.cluster) is None:
            self.fail(
                "create",
                "EKS cluster %s does not exist in region %s" % (self.cluster, self.region or "(default)"),
                "create the cluster first (role eks_llm.inference.vpc_eks) or check the cluster name and region",
            )

    def wait_active(self, what="become ACTIVE", always=False):
        self.wait(what, ready=("ACTIVE",), failed=("CREATE_FAILED",), always=always)

    # ---- launch template --------------------------------------------------------------------------

    def describe_launch_template(self):
        """(template, latest version) of O(launch_template), or (None, None)."""
        spec = self.params["launch_template"]
        about = ("launch template", spec.get("name") or spec.get("id"))
        selector = dict(LaunchTemplateIds=[spec["id"]]) if spec.get("id") else dict(LaunchTemplateNames=[spec["name"]])
        found = self.call("describe", self.ec2.describe_launch_templates, gone=LT_NOT_FOUND, about=about, **selector)
        if not found or not found["LaunchTemplates"]:
            return None, None
        template = found["LaunchTemplates"][0]
        version = self.call(
            "describe the versions of", self.ec2.describe_launch_template_versions, about=about,
            LaunchTemplateId=template["LaunchTemplateId"], Versions=[str(template["LatestVersionNumber"])],
        )["LaunchTemplateVersions"][0]
        return template, version

    def ensure_launch_template(self):
        """Create or update the launch template given with data; return the version to use (None when unknown)."""
        spec = self.params["launch_template"]
        data = spec.get("data")
        if not data:
            if spec.get("version"):
                return str(spec["version"])
            template, dummy = self.describe_launch_template()
            if template is None:
                self.fail(
                    "find", "it does not exist", "create it first, or give launch_template.data",
                    about=("launch template", spec.get("name") or spec.get("id")),
                )
            return str(template["LatestVersionNumber"])
        about = ("launch template", spec["name"])
        template, latest = self.describe_launch_template()
        if template is None:
            self.act("create_launch_template", "create launch template %s" % spec["name"])
            if self.check_mode:
                return spec.get("version") or None
            request = dict(LaunchTemplateName=spec["name"], LaunchTemplateData=data)
            tags = dict((str(k), str(v)) for k, v in sorted((self.params["tags"] or {}).items()))
            if tags:
                request["TagSpecifications"] = [dict(ResourceType="launch-template", Tags=ansible_dict_to_boto3_tag_list(tags))]
            created = self.call("create", self.ec2.create_launch_template, about=about, **request)["LaunchTemplate"]
            return spec.get("version") or str(created["LatestVersionNumber"])
        if launch_template_data_equal(latest.get("LaunchTemplateData") or {}, data):
            return spec.get("version") or str(template["LatestVersionNumber"])
        self.guard(boto3_tag_list_to_ansible_dict(template.get("Tags")), about=about)
        new_version = int(template["LatestVersionNumber"]) + 1
        self.act(
            "update_launch_template",
            "launch template %s: data differ from version %s; add version %s" % (spec["name"], template["LatestVersionNumber"], new_version),
        )
        if self.check_mode:
            return spec.get("version") or str(new_version)
        version = self.call(
            "add a version to", self.ec2.create_launch_template_version, about=about,
            LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData=data,
        )["LaunchTemplateVersion"]
        return spec.get("version") or str(version["VersionNumber"])

    def delete_launch_template(self):
        """Delete the launch template the module owns (O(launch_template.data) given) when it carries the tags."""
        spec = self.params["launch_template"]
        if not spec or spec.get("data") is None:
            return
        template, dummy = self.describe_launch_template()
        if template is None:
            return
        about = ("launch template", template.get("LaunchTemplateName") or spec.get("name"))
        tags = boto3_tag_list_to_ansible_dict(template.get("Tags"))
        self.guard(tags, about=about)
        if missing_tags(tags, self.params["required_tags"]):
            return
        self.act("delete_launch_template", "delete launch template %s" % about[1])
        if not self.check_mode:
            self.call("delete", self.ec2.delete_launch_template, gone=LT_NOT_FOUND, about=about, LaunchTemplateId=template["LaunchTemplateId"])

    # ---- node group -------------------------------------------------------------------------------

    def present(self):
        params = self.params
        current = self.describe()
        if current is not None:
            self.guard(current.get("tags"))
            # Settings EKS cannot change: fail before touching the launch template or the node group.
            immutable = immutable_changes(current, desired_parameters(params))
            if immutable:
                self.fail(
                    "reconcile",
                    "EKS cannot change %s in place" % "; ".join(immutable),
                    "delete the node group (state=absent) and create it again, or give the new settings a new node-group name",
                )
        version = None
        if params["launch_template"]:
            version = self.ensure_launch_template()
            self.result["launch_template_version"] = version or ""
        desired = desired_parameters(params, version)

        if current is None:
            self.require_cluster()
            self.result["actions"].append("create")
            return self.create(dict(desired, tags=desired.get("tags", {})), lambda: self.make(desired))

        changes = nodegroup_changes(current, desired, purge_tags=params["purge_tags"])
        base = dict(clusterName=self.cluster, nodegroupName=self.name)
        calls = []
        if changes["config"]:
            calls.append(("update_config", self.eks.update_nodegroup_config, dict(base, **changes["config"])))
        if changes["version"]:
            calls.append(("update_version", self.eks.update_nodegroup_version, dict(base, **changes["version"])))
        if changes["untag"]:
            calls.append(("untag", self.eks.untag_resource, dict(resourceArn=current["nodegroupArn"], tagKeys=changes["untag"])))
        if changes["tags"]:
            calls.append(("tag", self.eks.tag_resource, dict(resourceArn=current["nodegroupArn"], tags=changes["tags"])))
        self.result["actions"].extend(call[0] for call in calls)
        self.change(*describe_changes(current, changes))
        after = apply_changes(current, desired, changes)
        return self.update(current, after, lambda: self.apply(calls, changes))

    def make(self, desired):
        # EKS takes no empty labels/taints/tags maps at creation: leave them out.
        request = dict((k, v) for k, v in desired.items() if v not in ({}, []))
        created = self.call("create", self.eks.create_nodegroup, **request)["nodegroup"]
        self.wait_active()
        return self.describe() or created

    def apply(self, calls, changes):
        for action, method, kwargs in calls:
            if action == "update_version" and changes["config"]:
                # EKS runs one update at a time per node group: let the config update finish first.
                self.wait_active("become ACTIVE before the launch template version update", always=True)
            self.call(action.replace("_", " ") + " of", method, **kwargs)
        if changes["config"] or changes["version"]:
            self.wait_active()
        return self.describe()

    def absent(self):
        params = self.params
        current = self.describe()
        if current is None:
            self.delete_launch_template()
            return self.result
        self.guard(current.get("tags"))
        missing = missing_tags(current.get("tags"), params["required_tags"])
        if missing:
            self.done(current)
            self.result["skipped_reason"] = "%s %s lacks the tags %s (it has %s); left alone" % (
                self.KIND, self.name, tag_text(missing), tag_text(current.get("tags")),
            )
            return self.result
        if current.get("status") == "DELETING":
            self.diff(current, None)
        else:
            self.result["actions"].append("delete")
            self.delete(current, lambda: self.call(
                "delete", self.eks.delete_nodegroup, gone=self.NOT_FOUND, clusterName=self.cluster, nodegroupName=self.name
            ))
        if self.check_mode or params["wait"]:
            self.wait("be deleted", ready=("gone",), failed=("DELETE_FAILED",))
            # The launch template can go only once no node group uses it.
            self.delete_launch_template()
        elif params["launch_template"] and params["launch_template"].get("data") is not None:
            self.result["changes"].append("launch template kept: wait=false, the node group may still use it")
        return self.result


def main():
    run_module(Nodegroup, argument_spec(), required_if=[("state", "present", ("node_role", "subnets", "scaling_config"))])


if __name__ == "__main__":
    main()
