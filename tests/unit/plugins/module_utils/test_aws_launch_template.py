"""EFA launch-template data (plugins/module_utils/aws/launch_template.py and the filter over it).

Expected values come from the EC2 documentation, not from the code: EFA interfaces - one per network
card, card 0 at device index 0, the others at device index 1, InterfaceType "efa" ("Maximize network
bandwidth on accelerated computing instances"); a cluster placement group is named in
LaunchTemplateData.Placement.GroupName (EC2 API reference, LaunchTemplatePlacementRequest). The data is
also checked against botocore's EC2 request shape, so EC2 would accept it.
"""

import pytest
from ansible.errors import AnsibleFilterError
from botocore.session import Session
from botocore.validate import ParamValidator

from ansible_collections.eks_llm.inference.plugins.filter.launch_template import FilterModule, efa_launch_template_data
from ansible_collections.eks_llm.inference.plugins.module_utils.aws import launch_template as lt

EC2_MODEL = Session().get_service_model("ec2")


def ec2_accepts(data):
    shape = EC2_MODEL.operation_model("CreateLaunchTemplate").input_shape
    report = ParamValidator().validate(dict(LaunchTemplateName="x", LaunchTemplateData=data), shape)
    return report.generate_report()


def test_filter_is_registered():
    assert set(FilterModule().filters()) == {"efa_launch_template_data"}


def test_p5_data_with_placement_group():
    data = lt.efa_launch_template_data(32, ["sg-1", "sg-2"], 500, placement_group_name="trtllm-gpu")
    assert data["Placement"] == {"GroupName": "trtllm-gpu"}
    nics = data["NetworkInterfaces"]
    assert [n["NetworkCardIndex"] for n in nics] == list(range(32))
    assert [n["DeviceIndex"] for n in nics] == [0] + [1] * 31
    assert {n["InterfaceType"] for n in nics} == {"efa"}
    assert all(n["Groups"] == ["sg-1", "sg-2"] for n in nics)
    assert data["BlockDeviceMappings"] == [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 500, "VolumeType": "gp3", "DeleteOnTermination": True}}
    ]
    assert data["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}
    assert ec2_accepts(data) == ""


@pytest.mark.parametrize("placement", [None, ""])
def test_without_placement_group_there_is_no_placement(placement):
    data = efa_launch_template_data(4, ["sg-1"], 100, placement_group_name=placement)
    assert "Placement" not in data
    assert len(data["NetworkInterfaces"]) == 4
    assert ec2_accepts(data) == ""


@pytest.mark.parametrize(
    "args, text",
    [
        ((0, ["sg-1"], 100), "efa_interfaces must be >= 1"),
        ((4, [], 100), "security_group_ids is empty"),
        ((4, ["", None], 100), "security_group_ids is empty"),
        ((4, ["sg-1"], 0), "disk_size must be >= 1"),
        (("four", ["sg-1"], 100), "must be integers"),
    ],
)
def test_bad_input_is_refused(args, text):
    with pytest.raises(ValueError, match=text):
        lt.efa_launch_template_data(*args)
    with pytest.raises(AnsibleFilterError, match=text):
        efa_launch_template_data(*args)


def test_comparison_ignores_types_and_added_keys():
    desired_data = {"NetworkInterfaces": [{"DeviceIndex": 0, "Groups": ["sg-1", "sg-2"], "DeleteOnTermination": True}]}
    current = {
        "NetworkInterfaces": [
            {"DeviceIndex": "0", "Groups": ["sg-2", "sg-1"], "DeleteOnTermination": "true", "Extra": 1}
        ],
        # moto copies create-time tag specifications into version 1's data
        "TagSpecifications": [{"ResourceType": "instance", "Tags": []}],
    }
    assert lt.launch_template_data_equal(current, desired_data)
    current["NetworkInterfaces"][0]["DeviceIndex"] = 1
    assert not lt.launch_template_data_equal(current, desired_data)


def test_a_placement_no_longer_wanted_is_a_difference():
    with_pg = lt.efa_launch_template_data(4, ["sg-1"], 100, placement_group_name="pg")
    without = lt.efa_launch_template_data(4, ["sg-1"], 100)
    assert lt.launch_template_data_equal(with_pg, with_pg)
    assert not lt.launch_template_data_equal(with_pg, without)
    assert not lt.launch_template_data_equal(without, with_pg)
