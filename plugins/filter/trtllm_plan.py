# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expose the TensorRT-LLM parallelism plan to YAML: ``eks_llm.inference.trtllm_plan``.

Documentation lives in the YAML sidecar ``trtllm_plan.yml`` (ansible-core filter docs convention).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.eks_llm.inference.plugins.module_utils import trtllm_plan as _plan


def trtllm_plan(tensor_parallel, pipeline_parallel, instance_type, max_nodes, max_replicas=None, names=None):
    """The plan dict with an ``errors`` list (empty when the inputs are consistent)."""
    result, errors = _plan.check(tensor_parallel, pipeline_parallel, instance_type, max_nodes, max_replicas, names)
    return dict(result or {}, errors=errors)


class FilterModule(object):
    """eks_llm.inference TensorRT-LLM filters."""

    def filters(self):
        return {"trtllm_plan": trtllm_plan}
