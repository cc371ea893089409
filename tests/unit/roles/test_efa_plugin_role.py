"""The efa_plugin role's derived values and checks, rendered with Ansible's own templating (no cluster).

Expected values are independent of the role: the EFA interface counts of EC2 instance types as AWS publishes them
(EC2 User Guide, "Elastic Fabric Adapter" supported instance types and network cards: g5.12xlarge 1, p4d.24xlarge 4,
p5.48xlarge 32; g4dn.xlarge and inf2.xlarge have none) and the chart's published values.yaml.
"""

import os

import pytest
import yaml

from tests.unit.roles.role_render import ROLES_DIR, RoleRenderer

ROLE_DIR = os.path.join(ROLES_DIR, "efa_plugin")
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def _group(name, instance_type, desired, efa):
    return {"name": name, "instance_type": instance_type, "min_size": 1, "max_size": 4, "desired_size": desired,
            "efa": efa, "taints": [GPU_TAINT]}


NODE_GROUPS = [_group("efa-a", "g5.12xlarge", 2, True), _group("efa-b", "p5.48xlarge", 1, True),
               _group("plain", "g4dn.xlarge", 3, False), {"name": "core", "instance_type": "m6i.large", "min_size": 1,
                                                          "max_size": 1, "desired_size": 1}]


def _assert_vars(task_file, marker):
    """The vars of the assert task of ``task_file`` whose name contains ``marker``."""
    with open(os.path.join(ROLE_DIR, "tasks", task_file), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (task,) = [t for t in tasks if marker in t["name"] and "ansible.builtin.assert" in t]
    return task["vars"]


def _role(**extra):
    variables = {"eks_llm_kubeconfig": "/tmp/kubeconfig", "gpu_nodegroup_node_groups": NODE_GROUPS}
    variables.update(extra)
    return RoleRenderer("efa_plugin", variables)


def _preflight_errors(**extra):
    return _role(**dict(_assert_vars("preflight.yml", "EFA instance types"), **extra)).var("__errors")


def _node(name, instance_type, efa=None):
    allocatable = {"cpu": "47", "nvidia.com/gpu": "4"}
    if efa is not None:
        allocatable["vpc.amazonaws.com/efa"] = str(efa)
    return {"metadata": {"name": name, "labels": {"node.kubernetes.io/instance-type": instance_type}},
            "status": {"allocatable": allocatable}}


def test_instance_types_and_node_count_come_from_the_efa_node_groups():
    role = _role()
    assert sorted(role.var("efa_plugin_instance_types")) == ["g5.12xlarge", "p5.48xlarge"]
    assert int(role.var("efa_plugin_expected_nodes")) == 3


def test_expected_efa_interfaces_per_type_are_the_aws_counts():
    assert _role().var("__efa_plugin_expected_efa") == {"g5.12xlarge": 1, "p5.48xlarge": 32}


def test_chart_affinity_lists_only_the_efa_types_and_tolerates_the_gpu_taint():
    values = _role().var("efa_plugin_values")
    assert values["supportedInstanceLabels"] == {"keys": ["node.kubernetes.io/instance-type"],
                                                 "values": ["g5.12xlarge", "p5.48xlarge"]}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    # a toleration without value tolerates the GPU taint whatever its value
    assert all("value" not in t for t in values["tolerations"])


def test_the_defaults_pass_preflight():
    assert _preflight_errors() == []


@pytest.mark.parametrize("bad_type", ["g4dn.xlarge", "inf2.xlarge"])
def test_preflight_refuses_a_type_without_efa_naming_it(bad_type):
    errors = _preflight_errors(efa_plugin_instance_types=["g5.12xlarge", bad_type])
    assert len(errors) == 1
    assert bad_type in errors[0] and "efa_plugin_instance_types" in errors[0] and "no EFA interface" in errors[0]
    assert "g5.12xlarge" not in errors[0]


def test_an_unknown_type_fails_naming_the_known_ones():
    with pytest.raises(Exception, match="unknown instance type 'g5.13xlarge'"):
        _preflight_errors(efa_plugin_instance_types=["g5.13xlarge"])


def test_preflight_refuses_no_efa_type_at_all():
    errors = _preflight_errors(gpu_nodegroup_node_groups=[_group("plain", "g4dn.xlarge", 1, False)])
    assert len(errors) == 1 and "efa_plugin_instance_types is empty" in errors[0]


def test_preflight_refuses_values_that_drift_from_the_instance_types():
    values = {"supportedInstanceLabels": {"keys": ["node.kubernetes.io/instance-type"], "values": ["g5.12xlarge"]}}
    errors = _preflight_errors(efa_plugin_values=values)
    assert len(errors) == 1 and "efa_plugin_values.supportedInstanceLabels" in errors[0]


def test_the_wait_names_exactly_the_nodes_short_of_their_efa_interfaces():
    nodes = [
        _node("ip-10-0-0-1", "g5.12xlarge", 1),
        _node("ip-10-0-0-2", "g5.12xlarge"),  # the plugin is not running there
        _node("ip-10-0-0-3", "p5.48xlarge", 32),
        _node("ip-10-0-0-4", "p5.48xlarge", 4),  # a launch template that attached 4 of 32 interfaces
    ]
    short = _role(__efa_plugin_nodes={"resources": nodes}).var("__efa_plugin_nodes_short")
    assert short == [
        "ip-10-0-0-2 (g5.12xlarge): allocatable vpc.amazonaws.com/efa 0, expected 1",
        "ip-10-0-0-4 (p5.48xlarge): allocatable vpc.amazonaws.com/efa 4, expected 32",
    ]


def test_the_wait_selects_the_efa_types_and_the_extra_labels():
    selectors = _role(efa_plugin_node_selector={"example.com/efa": "true"}).var("__efa_plugin_node_label_selectors")
    assert selectors == ["node.kubernetes.io/instance-type in (g5.12xlarge,p5.48xlarge)", "example.com/efa=true"]


def test_the_wait_timeout_is_a_variable_named_in_the_task_name():
    with open(os.path.join(ROLE_DIR, "tasks", "present.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (block,) = [t for t in tasks if "block" in t]
    (wait,) = [t for t in block["block"] if t["name"].startswith("present | Wait for")]
    assert wait["name"].endswith("{{ efa_plugin_wait_timeout }}")
    assert "efa_plugin_wait_timeout" in wait["retries"]
    assert "not ansible_check_mode" in block["when"]
