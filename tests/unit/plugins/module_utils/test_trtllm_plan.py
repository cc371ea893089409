"""The TensorRT-LLM parallelism plan (plugins/module_utils/trtllm_plan.py) and its filter.

Expected values are worked out by hand from public facts, not read from the code:
- g5.12xlarge: 4 x NVIDIA A10G over PCIe (AWS G5 instance page), 1 EFA interface;
- p5.48xlarge: 8 x NVIDIA H100 linked by NVSwitch (AWS P5 instance page), 32 EFA interfaces;
- seed 001: TP 4 x PP 2 on 4-GPU nodes = 8 ranks / 4 = 2 pods per group (scenarios.md § LWS gang waiter).
"""

import pytest

from ansible_collections.eks_llm.inference.plugins.filter.trtllm_plan import FilterModule, trtllm_plan
from ansible_collections.eks_llm.inference.plugins.module_utils import trtllm_plan as plan_mod

NAMES = {
    "tensor_parallel": "trtllm_multinode_tensor_parallel",
    "pipeline_parallel": "trtllm_multinode_pipeline_parallel",
    "instance_type": "trtllm_multinode_instance_type",
    "max_nodes": "trtllm_multinode_max_nodes",
    "max_replicas": "trtllm_multinode_hpa.max_replicas",
}


@pytest.mark.parametrize(
    "tp, pp, instance_type, nodes, size, gpus, nvlink, efa",
    [
        (4, 2, "g5.12xlarge", 4, 2, 4, False, 1),  # seed 001: 8 ranks / 4 GPUs
        (4, 1, "g5.12xlarge", 1, 1, 4, False, 1),  # one node
        (8, 2, "p5.48xlarge", 2, 2, 8, True, 32),  # 16 ranks / 8 GPUs
        (8, 4, "p5.48xlarge", 4, 4, 8, True, 32),  # 32 ranks / 8 GPUs
        (2, 2, "g5.xlarge", 4, 4, 1, False, 0),  # one GPU per node: one pod per rank
    ],
)
def test_size_is_world_over_gpus_per_node(tp, pp, instance_type, nodes, size, gpus, nvlink, efa):
    result = plan_mod.plan(tp, pp, instance_type, nodes, names=NAMES)
    assert result["size"] == size
    assert result["gpus_per_node"] == gpus
    assert result["world_size"] == tp * pp
    assert result["nvlink"] is nvlink
    assert result["custom_all_reduce"] == ("enable" if nvlink else "disable")
    assert result["max_efa"] == efa
    assert result["max_groups"] == nodes // size


def test_seed_001_plan_in_full():
    # g5.12xlarge x up to 4 nodes (node group max 4), HPA max 2: two groups of two nodes fit.
    assert plan_mod.plan(4, 2, "g5.12xlarge", 4, 2, NAMES) == {
        "tensor_parallel": 4,
        "pipeline_parallel": 2,
        "world_size": 8,
        "instance_type": "g5.12xlarge",
        "gpu_model": "NVIDIA A10G",
        "gpus_per_node": 4,
        "size": 2,
        "max_efa": 1,
        "nvlink": False,
        "custom_all_reduce": "disable",
        "max_nodes": 4,
        "max_groups": 2,
        "max_replicas": 2,
    }


@pytest.mark.parametrize("tp, pp", [(2, 1), (3, 2), (1, 6), (2, 3)])
def test_world_not_a_multiple_of_gpus_per_node(tp, pp):
    # g5.12xlarge has 4 GPUs: 2, 6 and 6 ranks are not multiples of 4.
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(tp, pp, "g5.12xlarge", 4, names=NAMES)
    msg = str(err.value)
    assert "trtllm_multinode_tensor_parallel x trtllm_multinode_pipeline_parallel" in msg
    assert "= %d ranks is not a multiple of the 4 GPUs per node of g5.12xlarge" % (tp * pp) in msg
    assert len(err.value.errors) == 1


def test_size_above_the_node_count():
    # TP 8 x PP 2 on g5.12xlarge: 16 / 4 = 4 nodes per instance, the node group holds 2.
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(8, 2, "g5.12xlarge", 2, names=NAMES)
    assert "one model instance needs 4 nodes of g5.12xlarge" in str(err.value)
    assert "trtllm_multinode_max_nodes is 2" in str(err.value)


def test_hpa_groups_above_the_node_count():
    # seed 003 shape: p5.48xlarge max 2 nodes, TP 8 x PP 2 = 2 nodes per group: a second group does not fit.
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(8, 2, "p5.48xlarge", 2, 2, NAMES)
    msg = str(err.value)
    assert "trtllm_multinode_hpa.max_replicas is 2: 2 groups of 2 nodes need 4 nodes" in msg
    assert "at most 1 groups fit" in msg
    assert plan_mod.plan(8, 2, "p5.48xlarge", 2, 1, NAMES)["size"] == 2


@pytest.mark.parametrize("instance_type", ["g5.13xlarge", "G5.12XLARGE", "", None, 4])
def test_unknown_instance_type(instance_type):
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(4, 2, instance_type, 4, names=NAMES)
    msg = str(err.value)
    assert msg.startswith("trtllm_multinode_instance_type")
    assert len(err.value.errors) == 1


def test_unknown_instance_type_lists_the_known_ones():
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(4, 2, "g5.13xlarge", 4, names=NAMES)
    assert "unknown instance type 'g5.13xlarge'" in str(err.value)
    assert "g5.12xlarge" in str(err.value)


@pytest.mark.parametrize("instance_type", ["m6i.large", "inf2.48xlarge"])
def test_instance_type_without_nvidia_gpu(instance_type):
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(1, 1, instance_type, 4, names=NAMES)
    assert "trtllm_multinode_instance_type is %r, which has no NVIDIA GPU" % instance_type in str(err.value)


@pytest.mark.parametrize(
    "tp, pp, nodes, bad",
    [
        (0, 2, 4, "trtllm_multinode_tensor_parallel"),
        (4, -1, 4, "trtllm_multinode_pipeline_parallel"),
        (4, 2, 0, "trtllm_multinode_max_nodes"),
        ("four", 2, 4, "trtllm_multinode_tensor_parallel"),
        (4.5, 2, 4, "trtllm_multinode_tensor_parallel"),
        (True, 2, 4, "trtllm_multinode_tensor_parallel"),
    ],
)
def test_bad_numbers_name_the_variable(tp, pp, nodes, bad):
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(tp, pp, "g5.12xlarge", nodes, names=NAMES)
    assert str(err.value).startswith(bad + " must be a positive integer")


def test_every_problem_is_reported_at_once():
    errors = plan_mod.check(0, 2, "nope.large", 0, names=NAMES)[1]
    assert [e.split(" ")[0].rstrip(":") for e in errors] == [
        "trtllm_multinode_tensor_parallel",
        "trtllm_multinode_max_nodes",
        "trtllm_multinode_instance_type",
    ]


def test_numbers_as_strings_from_templates_are_accepted():
    assert plan_mod.plan("4", "2", "g5.12xlarge", "4", "2", NAMES)["size"] == 2


def test_default_names_without_a_mapping():
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.plan(2, 1, "g5.12xlarge", 4)
    assert "tensor_parallel x pipeline_parallel" in str(err.value)


def test_filter_returns_errors_instead_of_raising():
    assert FilterModule().filters()["trtllm_plan"] is trtllm_plan
    good = trtllm_plan(4, 2, "g5.12xlarge", 4, 2, NAMES)
    assert good["errors"] == [] and good["size"] == 2
    bad = trtllm_plan(2, 1, "g5.12xlarge", 4, None, NAMES)
    assert bad == {"errors": bad["errors"]} and len(bad["errors"]) == 1
