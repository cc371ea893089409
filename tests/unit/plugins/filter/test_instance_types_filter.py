"""Filter eks_llm.inference.instance_spec: the instance table exposed to YAML."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.eks_llm.inference.plugins.filter.instance_types import FilterModule, instance_spec


def test_filter_is_registered():
    assert FilterModule().filters()["instance_spec"] is instance_spec


@pytest.mark.parametrize("name, vcpus, gpus, neuron_cores, efa", [
    # AWS EC2 instance type pages: m6i.large 2 vCPU; g5.12xlarge 4 x A10G; inf2.48xlarge 12 devices x 2 cores;
    # p5.48xlarge 8 x H100 with 32 EFA interfaces.
    ("m6i.large", 2, 0, 0, False),
    ("g5.12xlarge", 48, 4, 0, True),
    ("inf2.48xlarge", 192, 0, 24, False),
    ("p5.48xlarge", 192, 8, 0, True),
])
def test_known_instance_types(name, vcpus, gpus, neuron_cores, efa):
    spec = instance_spec(name)
    assert (spec["instance_type"], spec["vcpus"], spec["gpus"], spec["neuron_cores"], spec["efa_supported"]) == (
        name, vcpus, gpus, neuron_cores, efa)


def test_unknown_type_names_the_known_types():
    with pytest.raises(AnsibleFilterError) as err:
        instance_spec("m9.huge")
    assert "unknown instance type 'm9.huge'" in str(err.value)
    assert "m6i.large" in str(err.value) and "g5.12xlarge" in str(err.value)


@pytest.mark.parametrize("value", [None, 3, ["m6i.large"]])
def test_non_string_input_is_rejected(value):
    with pytest.raises(AnsibleFilterError) as err:
        instance_spec(value)
    assert "known instance types" in str(err.value)


def test_returned_spec_is_a_copy():
    spec = instance_spec("g5.xlarge")
    spec["accelerator"]["count"] = 99
    assert instance_spec("g5.xlarge")["accelerator"]["count"] == 1
