#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_group_plan
short_description: Validate accelerator node groups and derive their EKS settings
version_added: 1.0.0
description:
  - Pure computation, no AWS call. Validates a list of accelerator node groups against the
    collection's instance-type table and the EKS API rules, and returns them normalised, with the
    derived EKS AMI type, the number of EFA interfaces and the taint effects in EKS API spelling.
  - With O(core_node_group), validates the core (non-accelerator) node group instead and returns it
    with its optional keys filled in.
  - Every problem is reported at once; each message names the variable and what is allowed.
  - Used by the roles C(eks_llm.inference.gpu_nodegroup) and C(eks_llm.inference.vpc_eks) in their
    preflight, before any AWS call.
options:
  cluster_name:
    description: EKS cluster name; must not be empty.
    type: str
    required: true
  region:
    description: AWS region; must not be empty.
    type: str
    required: true
  kubernetes_version:
    description: Kubernetes minor version of the cluster, for example V(1.30) or V(1.33).
    type: str
    required: true
  mode:
    description: V(managed) for EKS managed node groups, V(karpenter) when Karpenter provisions the nodes.
    type: str
    default: managed
  node_groups:
    description:
      - Node groups, each a dict with C(name), C(instance_type), C(min_size), C(max_size), C(desired_size),
        C(disk_size), C(capacity_type), C(labels), C(taints) (C(key), C(value), C(effect) in Kubernetes spelling),
        C(efa), optional C(ami_type) and C(availability_zone). See the role's argument specification.
      - Validated by this module rather than by the argument spec, so that messages name the variable.
    type: list
    elements: raw
    default: []
  variable_name:
    description: Name of the variable that holds O(node_groups), used in error messages.
    type: str
    default: gpu_nodegroup_node_groups
  gpu_node_selector:
    description:
      - Labels the NVIDIA device plugin selects. Every node group with NVIDIA GPUs must carry them, or the
        plugin would never run on its nodes. Empty skips the check.
    type: dict
    default: {}
  core_node_group:
    description:
      - The core managed node group (C(name), C(instance_types), C(min_size), C(max_size), C(desired_size),
        C(disk_size)). When given, only this group is validated and returned as RV(plan.core_node_group);
        O(node_groups) and O(mode) are ignored.
    type: dict
  core_variable_name:
    description: Name of the variable that holds O(core_node_group), used in error messages.
    type: str
    default: vpc_eks_core_node_group
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
requirements:
  - python >= 3.9
author:
  - eks_llm.inference contributors (@eks-llm)
"""

EXAMPLES = r"""
- name: Validate the node groups before any AWS call
  eks_llm.inference.node_group_plan:
    cluster_name: eks-llm
    region: us-west-2
    kubernetes_version: "1.30"
    node_groups:
      - name: gpu
        instance_type: g4dn.xlarge
        min_size: 4
        max_size: 4
        desired_size: 4
        labels:
          nvidia.com/gpu.present: "true"
        taints:
          - key: nvidia.com/gpu
            value: "true"
            effect: NoSchedule
  register: plan

- name: Validate the core node group of vpc_eks
  eks_llm.inference.node_group_plan:
    cluster_name: eks-llm
    region: us-west-2
    kubernetes_version: "1.30"
    core_node_group:
      instance_types: [m6i.large]
      min_size: 2
      max_size: 2
      desired_size: 2
  register: core
  # core.plan.core_node_group.name == 'core', .disk_size == 100
"""

RETURN = r"""
plan:
  description: The normalised input.
  returned: success
  type: dict
  contains:
    node_groups:
      description:
        - Normalised node groups. Besides the input keys each carries C(ami_type) (derived unless given),
          C(eks_taints) (effects in EKS spelling), C(efa_interfaces), C(accelerator_kind), C(gpus),
          C(neuron_devices), C(launch_template_name) and C(placement_group_name) (EFA groups only).
      type: list
      elements: dict
      sample:
        - name: gpu
          instance_type: g4dn.xlarge
          ami_type: AL2_x86_64_GPU
          eks_taints: [{key: nvidia.com/gpu, value: "true", effect: NO_SCHEDULE}]
          efa_interfaces: 0
    efa_groups:
      description: Names of the node groups with EFA.
      type: list
      elements: str
      sample: [efa]
    gpu_groups:
      description: Names of the node groups with NVIDIA GPUs.
      type: list
      elements: str
      sample: [gpu]
    mode:
      description: The mode.
      type: str
      sample: managed
    core_node_group:
      description: The validated core node group with C(name) and C(disk_size) filled in (only with O(core_node_group)).
      type: dict
      returned: when O(core_node_group) is given
      sample: {name: core, instance_types: [m6i.large], min_size: 2, max_size: 2, desired_size: 2, disk_size: 100}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eks_llm.inference.plugins.module_utils.node_groups import (
    MODES,
    NodeGroupError,
    core_plan,
    plan,
)


def argument_spec():
    return dict(
        cluster_name=dict(type="str", required=True),
        region=dict(type="str", required=True),
        kubernetes_version=dict(type="str", required=True),
        mode=dict(type="str", default="managed"),
        node_groups=dict(type="list", elements="raw", default=[]),
        variable_name=dict(type="str", default="gpu_nodegroup_node_groups"),
        gpu_node_selector=dict(type="dict", default={}),
        core_node_group=dict(type="dict"),
        core_variable_name=dict(type="str", default="vpc_eks_core_node_group"),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    try:
        if params["core_node_group"] is not None:
            result = dict(core_node_group=core_plan(params["core_node_group"], var=params["core_variable_name"]))
        else:
            result = plan(
                params["cluster_name"],
                params["region"],
                params["kubernetes_version"],
                params["node_groups"],
                mode=params["mode"],
                var=params["variable_name"],
                gpu_node_selector=params["gpu_node_selector"],
            )
    except NodeGroupError as exc:
        module.fail_json(
            msg="Invalid node-group input (%d problem(s)): %s" % (len(exc.errors), "; ".join(exc.errors)),
            errors=exc.errors,
            allowed_modes=list(MODES),
        )
    module.exit_json(changed=False, plan=result)


if __name__ == "__main__":
    main()
