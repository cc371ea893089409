# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parallelism plan of a multi-node TensorRT-LLM model instance (one LeaderWorkerSet group).

One pod per node, every GPU of the node in that pod: a model instance of ``tensor_parallel`` x
``pipeline_parallel`` ranks (the world size) spans ``world / gpus_per_node`` pods, the LWS group size.
The upstream Triton TRT-LLM chart hard-codes that size (2); here it is computed and checked:

- the instance type must be in the collection's instance table with NVIDIA GPUs;
- the world size must be a multiple of the GPUs per node (a pod takes whole nodes);
- one group must fit in the node group (size <= its maximum node count), and so must every group the HPA
  may add (max_replicas x size).

Pure Python, no Ansible: the filter ``eks_llm.inference.trtllm_plan`` exposes :func:`check` to the roles.
Every problem names the variable the caller gives for it (``names``), so a preflight can say which input
to change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.eks_llm.inference.plugins.module_utils import instance_types

# The variables the role reads each value from; callers pass their own names.
DEFAULT_NAMES = {
    "tensor_parallel": "tensor_parallel",
    "pipeline_parallel": "pipeline_parallel",
    "instance_type": "instance_type",
    "max_nodes": "max_nodes",
    "max_replicas": "max_replicas",
}


class PlanError(ValueError):
    """Raised by :func:`plan` with every problem found (``errors``)."""

    def __init__(self, errors):
        super(PlanError, self).__init__("; ".join(errors))
        self.errors = list(errors)


def _positive_int(value, name, errors):
    if isinstance(value, bool):
        errors.append("%s must be a positive integer, got %r" % (name, value))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.append("%s must be a positive integer, got %r" % (name, value))
        return None
    if number != value and str(number) != str(value).strip():
        errors.append("%s must be a positive integer, got %r" % (name, value))
        return None
    if number < 1:
        errors.append("%s must be a positive integer, got %r" % (name, value))
        return None
    return number


def check(tensor_parallel, pipeline_parallel, instance_type, max_nodes, max_replicas=None, names=None):
    """Return ``(plan, errors)``: ``plan`` is None when ``errors`` is not empty.

    ``plan`` keys: tensor_parallel, pipeline_parallel, world_size, instance_type, gpus_per_node, size
    (pods per group), max_efa (EFA interfaces per node), nvlink, custom_all_reduce ("enable" on GPUs linked
    by NVLink/NVSwitch, "disable" otherwise: trtllm-build's ``--use_custom_all_reduce``), max_nodes,
    max_groups (groups the node group can hold), max_replicas (or None), gpu_model.
    """
    names = dict(DEFAULT_NAMES, **(names or {}))
    errors = []
    tp = _positive_int(tensor_parallel, names["tensor_parallel"], errors)
    pp = _positive_int(pipeline_parallel, names["pipeline_parallel"], errors)
    nodes = _positive_int(max_nodes, names["max_nodes"], errors)
    replicas = None
    if max_replicas is not None:
        replicas = _positive_int(max_replicas, names["max_replicas"], errors)

    spec = None
    if not isinstance(instance_type, str) or not instance_type:
        errors.append("%s must name an EC2 instance type, got %r" % (names["instance_type"], instance_type))
    else:
        try:
            spec = instance_types.get(instance_type)
        except instance_types.UnknownInstanceType as exc:
            errors.append("%s: %s" % (names["instance_type"], exc))
        else:
            if spec["gpus"] < 1:
                errors.append(
                    "%s is %r, which has no NVIDIA GPU; TensorRT-LLM needs an NVIDIA GPU instance type"
                    % (names["instance_type"], instance_type)
                )
                spec = None

    size = None
    if tp and pp and spec:
        world = tp * pp
        gpus = spec["gpus"]
        if world % gpus:
            errors.append(
                "%s x %s = %d x %d = %d ranks is not a multiple of the %d GPUs per node of %s (%s): "
                "each pod takes one whole node, so choose a parallelism whose product is a multiple of %d"
                % (names["tensor_parallel"], names["pipeline_parallel"], tp, pp, world, gpus, instance_type,
                   names["instance_type"], gpus)
            )
        else:
            size = world // gpus
            if nodes and size > nodes:
                errors.append(
                    "one model instance needs %d nodes of %s (%d ranks / %d GPUs per node) but %s is %d: "
                    "raise the node group's max_size or lower %s x %s"
                    % (size, instance_type, world, gpus, names["max_nodes"], nodes,
                       names["tensor_parallel"], names["pipeline_parallel"])
                )
            elif nodes and replicas and replicas * size > nodes:
                errors.append(
                    "%s is %d: %d groups of %d nodes need %d nodes but %s is %d (at most %d groups fit)"
                    % (names["max_replicas"], replicas, replicas, size, replicas * size, names["max_nodes"], nodes,
                       nodes // size)
                )

    if errors:
        return None, errors
    return dict(
        tensor_parallel=tp,
        pipeline_parallel=pp,
        world_size=tp * pp,
        instance_type=instance_type,
        gpu_model=spec["accelerator"]["model"],
        gpus_per_node=spec["gpus"],
        size=size,
        max_efa=spec["max_efa"],
        nvlink=spec["nvlink"],
        custom_all_reduce="enable" if spec["nvlink"] else "disable",
        max_nodes=nodes,
        max_groups=nodes // size,
        max_replicas=replicas,
    ), []


def plan(tensor_parallel, pipeline_parallel, instance_type, max_nodes, max_replicas=None, names=None):
    """The plan of :func:`check`; raises :class:`PlanError` listing every problem."""
    result, errors = check(tensor_parallel, pipeline_parallel, instance_type, max_nodes, max_replicas, names)
    if errors:
        raise PlanError(errors)
    return result
