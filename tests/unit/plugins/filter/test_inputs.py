"""unknown_inputs: misspelt role inputs are reported with the closest real one."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.eks_llm.inference.plugins.filter.inputs import unknown_inputs

OPTIONS = {"vpc_eks_vpc_cidr": {}, "vpc_eks_nat_gateway_mode": {}, "vpc_eks_state": {}}


def test_misspelt_input_names_the_closest_real_one():
    names = ["vpc_eks_vpc_cdir", "vpc_eks_vpc_cidr", "eks_llm_region", "__vpc_eks_plan", "ansible_host"]
    assert unknown_inputs(names, OPTIONS, "vpc_eks") == [
        "vpc_eks_vpc_cdir is not an input of role vpc_eks; did you mean vpc_eks_vpc_cidr?"
    ]


def test_nothing_close_lists_the_inputs():
    (msg,) = unknown_inputs(["vpc_eks_flux_capacitor"], OPTIONS, "vpc_eks")
    assert msg.startswith("vpc_eks_flux_capacitor is not an input of role vpc_eks; the inputs of role vpc_eks are: ")
    assert "vpc_eks_nat_gateway_mode" in msg


def test_known_inputs_and_other_prefixes_pass():
    assert unknown_inputs(list(OPTIONS) + ["gpu_nodegroup_x", "vpc_eksx"], OPTIONS, "vpc_eks") == []


def test_options_as_a_list_of_names():
    assert unknown_inputs(["vpc_eks_stat"], list(OPTIONS), "vpc_eks") == [
        "vpc_eks_stat is not an input of role vpc_eks; did you mean vpc_eks_state?"
    ]


def test_role_must_be_named():
    with pytest.raises(AnsibleFilterError, match="role must be a role name"):
        unknown_inputs([], OPTIONS, "")
