"""Module entry of eks_llm.inference.node_group_plan: pure, check mode, changed=False, fail_json on bad input."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.eks_llm.inference.plugins.modules import node_group_plan


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(node_group_plan.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(node_group_plan.AnsibleModule, "fail_json", fail_json)


def run(args):
    with patch_module_args(args):
        node_group_plan.main()


SCENARIO_001 = dict(
    cluster_name="trtllm-inference-cluster",
    region="us-east-1",  # scenarios.md: seed 001 §vpc_eks (region us-east-1)
    kubernetes_version="1.30",
    node_groups=[
        dict(
            name="efa-compute-ng-2",  # scenarios.md: seed 001 §gpu_nodegroup
            instance_type="g5.12xlarge",
            min_size=1,
            max_size=4,
            desired_size=2,
            efa=True,
            labels={"nvidia.com/gpu": "present"},
            taints=[dict(key="nvidia.com/gpu", value="present", effect="NoSchedule")],
        )
    ],
    _ansible_check_mode=True,
)


def test_valid_input_returns_the_plan_unchanged_in_check_mode():
    with pytest.raises(ExitJson) as info:
        run(SCENARIO_001)
    result = info.value.args[0]
    assert result["changed"] is False
    (group,) = result["plan"]["node_groups"]
    # AWS: g5.12xlarge supports one EFA interface
    assert group["efa_interfaces"] == 1
    assert group["eks_taints"] == [dict(key="nvidia.com/gpu", value="present", effect="NO_SCHEDULE")]
    assert result["plan"]["efa_groups"] == ["efa-compute-ng-2"]
    json.dumps(result)  # everything it returns is JSON


def test_bad_input_fails_with_every_problem():
    args = dict(SCENARIO_001, region="")
    args["node_groups"] = [dict(SCENARIO_001["node_groups"][0], min_size=5)]
    with pytest.raises(FailJson) as info:
        run(args)
    result = info.value.args[0]
    assert result["msg"].startswith("Invalid node-group input (2 problem(s)): ")
    assert result["errors"] == [
        "gpu_nodegroup_region is required (an AWS region such as us-west-2); got an empty value",
        "gpu_nodegroup_node_groups[0] (name 'efa-compute-ng-2').min_size (5) must not be greater than max_size (4)",
    ]


def test_core_node_group_is_validated_alone():
    args = dict(cluster_name="eks-llm", region="us-west-2", kubernetes_version="1.30",
                core_node_group=dict(instance_types=["m6i.large"], min_size=1, max_size=3, desired_size=2))
    with pytest.raises(ExitJson) as info:
        run(args)
    assert info.value.args[0]["plan"] == {
        "core_node_group": dict(name="core", instance_types=["m6i.large"], min_size=1, max_size=3, desired_size=2,
                                disk_size=100)
    }
    args["core_node_group"] = dict(args["core_node_group"], desired_size=9)
    with pytest.raises(FailJson) as info:
        run(args)
    assert info.value.args[0]["errors"] == [
        "vpc_eks_core_node_group.desired_size (9) must be within [min_size, max_size] = [1, 3]"
    ]
