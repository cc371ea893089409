"""eks_nodegroup with botocore's Stubber (no network): EFA launch templates, placement, updates, guards.

moto 5.2.5 has no EC2 placement-group API, so the moto-backed role tests run without placement groups;
these tests prove the placement path instead: the launch template the module writes carries
``Placement.GroupName`` exactly as the EC2 API reference spells it (LaunchTemplatePlacementRequest).
Stubbed responses follow the EKS (DescribeNodegroup, CreateNodegroup, UpdateNodegroupConfig,
UpdateNodegroupVersion) and EC2 (DescribeLaunchTemplates, CreateLaunchTemplate, ...) API shapes;
the Stubber checks every request against botocore's service model.
"""

import datetime
import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.launch_template import efa_launch_template_data
from ansible_collections.eks_llm.inference.plugins.modules import eks_nodegroup
from tests.unit.plugins.modules import aws_stubs

CLUSTER = "trtllm-inference-cluster"
NAME = "efa"
LT_NAME = "trtllm-inference-cluster-efa"
LT_ID = "lt-0123456789abcdef0"
PG = "trtllm-inference-cluster-efa"
ROLE = "arn:aws:iam::123456789012:role/gpu-node"
ARN = "arn:aws:eks:us-east-1:123456789012:nodegroup/%s/%s/0000" % (CLUSTER, NAME)
OWNER = {"eks_llm.inference/cluster": CLUSTER}
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
DESCRIBE = {"clusterName": CLUSTER, "nodegroupName": NAME}
SGS = ["sg-0aaa", "sg-0bbb"]
# LaunchTemplatePlacementRequest (EC2 API reference): the cluster placement group by name.
PLACEMENT = {"GroupName": PG}


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


def raw_client(service):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


@pytest.fixture()
def eks():
    return raw_client("eks")


@pytest.fixture()
def ec2():
    return raw_client("ec2")


def wrapped(client):
    """The retry wrapper AnsibleAWSModule.client(retry_decorator=...) returns in main()."""
    return resource.retrying(client)


def data(placement=True):
    return efa_launch_template_data(4, SGS, 500, placement_group_name=PG if placement else None)


def nodegroup(status="ACTIVE", version="1", tags=None, scaling=(0, 2, 0), labels=None, taints=None):
    return dict(
        nodegroupName=NAME, nodegroupArn=ARN, clusterName=CLUSTER, version="1.30", status=status,
        capacityType="ON_DEMAND", instanceTypes=["p4d.24xlarge"], subnets=["subnet-a"], amiType="AL2_x86_64_GPU",
        nodeRole=ROLE, createdAt=NOW, modifiedAt=NOW,
        scalingConfig=dict(minSize=scaling[0], maxSize=scaling[1], desiredSize=scaling[2]),
        labels=dict(labels if labels is not None else {"nvidia.com/gpu.present": "true"}),
        taints=list(taints if taints is not None else [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]),
        launchTemplate=dict(name=LT_NAME, id=LT_ID, version=version),
        health={"issues": []},
        tags=dict(OWNER if tags is None else tags),
    )


def template(latest=1, tags=None):
    return dict(
        LaunchTemplateId=LT_ID, LaunchTemplateName=LT_NAME, LatestVersionNumber=latest, DefaultVersionNumber=1,
        Tags=[dict(Key=k, Value=v) for k, v in (OWNER if tags is None else tags).items()],
    )


def params(**over):
    base = dict(
        cluster_name=CLUSTER, name=NAME, state="present", node_role=ROLE, subnets=["subnet-a"],
        scaling_config=dict(min_size=0, max_size=2, desired_size=0), instance_types=["p4d.24xlarge"],
        ami_type="AL2_x86_64_GPU", disk_size=None, capacity_type="ON_DEMAND", kubernetes_version="1.30",
        launch_template=dict(id=None, name=LT_NAME, version=None, data=data()),
        labels={"nvidia.com/gpu.present": "true"},
        taints=[dict(key="nvidia.com/gpu", value="present", effect="NO_SCHEDULE")],
        update_config=None, owner_tags=dict(OWNER), required_tags={}, tags=dict(OWNER), purge_tags=False,
        wait=True, wait_timeout=60, wait_sleep=5,
    )
    base.update(over)
    return base


def run(eks, ec2, p, check_mode=False):
    return eks_nodegroup.Nodegroup(dict(eks=wrapped(eks), ec2=wrapped(ec2)), p, check_mode, region="us-east-1").run()


def lt_not_found(stub):
    stub.add_client_error(
        "describe_launch_templates", service_error_code="InvalidLaunchTemplateName.NotFoundException",
        service_message="At least one of the launch templates specified in the request does not exist.",
        http_status_code=400, expected_params=dict(LaunchTemplateNames=[LT_NAME]),
    )


def ng_not_found(stub):
    stub.add_client_error("describe_nodegroup", service_error_code="ResourceNotFoundException",
                          service_message="No node group found for name: efa.", http_status_code=404,
                          expected_params=DESCRIBE)


def lt_found(stub, latest=1, version_data=None, tags=None):
    stub.add_response("describe_launch_templates", {"LaunchTemplates": [template(latest, tags)]},
                      dict(LaunchTemplateNames=[LT_NAME]))
    stub.add_response(
        "describe_launch_template_versions",
        {"LaunchTemplateVersions": [dict(LaunchTemplateId=LT_ID, VersionNumber=latest,
                                         LaunchTemplateData=version_data if version_data is not None else data())]},
        dict(LaunchTemplateId=LT_ID, Versions=[str(latest)]),
    )


def test_create_efa_group_writes_the_placement_group_into_its_launch_template(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        ng_not_found(eks_stub)
        lt_not_found(ec2_stub)
        expected_data = data()
        assert expected_data["Placement"] == PLACEMENT
        ec2_stub.add_response(
            "create_launch_template",
            {"LaunchTemplate": dict(LaunchTemplateId=LT_ID, LaunchTemplateName=LT_NAME, LatestVersionNumber=1)},
            dict(
                LaunchTemplateName=LT_NAME, LaunchTemplateData=expected_data,
                TagSpecifications=[dict(ResourceType="launch-template", Tags=[dict(Key=k, Value=v) for k, v in OWNER.items()])],
            ),
        )
        eks_stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, dict(name=CLUSTER))
        eks_stub.add_response(
            "create_nodegroup", {"nodegroup": nodegroup(status="CREATING")},
            dict(
                clusterName=CLUSTER, nodegroupName=NAME, nodeRole=ROLE, subnets=["subnet-a"], capacityType="ON_DEMAND",
                scalingConfig=dict(minSize=0, maxSize=2, desiredSize=0), instanceTypes=["p4d.24xlarge"],
                amiType="AL2_x86_64_GPU", launchTemplate=dict(name=LT_NAME, version="1"),  # no diskSize with a template
                labels={"nvidia.com/gpu.present": "true"},
                taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
                tags=OWNER, version="1.30",
            ),
        )
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="CREATING")}, DESCRIBE)  # waiter
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)  # waiter
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)  # result
        result = run(eks, ec2, params())
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["actions"] == ["create_launch_template", "create"]
    assert result["changed"] is True
    assert result["launch_template_version"] == "1"
    assert result["nodegroup"]["status"] == "ACTIVE"
    assert result["nodegroup"]["labels"] == {"nvidia.com/gpu.present": "true"}


def test_placement_switched_off_adds_a_version_without_placement_and_rolls_it_out(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1")}, DESCRIBE)
        lt_found(ec2_stub, latest=1, version_data=data(placement=True))
        without = data(placement=False)
        assert "Placement" not in without
        ec2_stub.add_response(
            "create_launch_template_version",
            {"LaunchTemplateVersion": dict(LaunchTemplateId=LT_ID, VersionNumber=2)},
            dict(LaunchTemplateId=LT_ID, LaunchTemplateData=without),
        )
        eks_stub.add_response(
            "update_nodegroup_version", {"update": {"id": "u-1", "status": "InProgress"}},
            dict(clusterName=CLUSTER, nodegroupName=NAME, launchTemplate=dict(name=LT_NAME, version="2")),
        )
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="2")}, DESCRIBE)  # waiter
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="2")}, DESCRIBE)  # result
        result = run(eks, ec2, params(launch_template=dict(id=None, name=LT_NAME, version=None, data=without)))
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["actions"] == ["update_launch_template", "update_version"]
    assert "launchTemplate.version: 1 -> 2" in result["changes"]
    assert result["nodegroup"]["launch_template"]["version"] == "2"


def test_same_settings_and_template_data_make_no_call(eks, ec2):
    # what EC2 hands back: numbers as sent, plus keys it adds
    described = json.loads(json.dumps(data()))
    described["NetworkInterfaces"][0]["Ipv6AddressCount"] = 0
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)
        lt_found(ec2_stub, latest=1, version_data=described)
        result = run(eks, ec2, params())
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["actions"] == [] and result["changes"] == []


def test_config_update_waits_before_the_version_update(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1", tags={})}, DESCRIBE)
        eks_stub.add_response(
            "update_nodegroup_config", {"update": {"id": "u-1"}},
            dict(clusterName=CLUSTER, nodegroupName=NAME, scalingConfig=dict(minSize=1, maxSize=2, desiredSize=1)),
        )
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="UPDATING")}, DESCRIBE)  # waiter
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)  # waiter
        eks_stub.add_response(
            "update_nodegroup_version", {"update": {"id": "u-2"}},
            dict(clusterName=CLUSTER, nodegroupName=NAME, launchTemplate=dict(name=LT_NAME, version="3")),
        )
        eks_stub.add_response("tag_resource", {}, dict(resourceArn=ARN, tags={"team": "llm"}))
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="3")}, DESCRIBE)  # waiter
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="3")}, DESCRIBE)  # result
        result = run(
            eks, ec2,
            params(scaling_config=dict(min_size=1, max_size=2, desired_size=1), owner_tags={}, tags={"team": "llm"},
                   launch_template=dict(id=None, name=LT_NAME, version="3", data=None)),
        )
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()  # explicit version, no data: no EC2 call
    assert result["actions"] == ["update_config", "update_version", "tag"]


def test_immutable_change_fails_before_any_launch_template_call(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(eks, ec2, params(instance_types=["p5.48xlarge"]))
        ec2_stub.assert_no_pending_responses()
    assert "instanceTypes: ['p4d.24xlarge'] -> ['p5.48xlarge']" in err.value.msg
    assert err.value.msg.startswith("Failed to reconcile node group efa on cluster %s: EKS cannot change" % CLUSTER)
    assert err.value.result["actions"] == []


def test_foreign_node_group_is_refused(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2):
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(tags={"team": "other"})}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(eks, ec2, params())
    assert err.value.msg.startswith("Refusing to manage node group efa")
    assert "eks_llm.inference/cluster=%s" % CLUSTER in err.value.msg


def test_foreign_launch_template_is_not_changed(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        ng_not_found(eks_stub)
        lt_found(ec2_stub, latest=1, version_data=data(placement=False), tags={"team": "other"})
        with pytest.raises(common.AwsModuleError) as err:
            run(eks, ec2, params())
        ec2_stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Refusing to manage launch template %s" % LT_NAME)


def test_check_mode_create_makes_no_mutating_call(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        ng_not_found(eks_stub)
        lt_not_found(ec2_stub)
        eks_stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, dict(name=CLUSTER))
        result = run(eks, ec2, params(), check_mode=True)
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["actions"] == ["create_launch_template", "create"]
    assert result["nodegroup"]["nodegroup_name"] == NAME


def test_missing_cluster_fails_naming_it(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        ng_not_found(eks_stub)
        eks_stub.add_client_error("describe_cluster", service_error_code="ResourceNotFoundException",
                                  service_message="No cluster found", http_status_code=404)
        with pytest.raises(common.AwsModuleError) as err:
            run(eks, ec2, params(launch_template=None))
        ec2_stub.assert_no_pending_responses()
    assert "EKS cluster %s does not exist in region us-east-1" % CLUSTER in err.value.msg


def test_absent_without_required_tags_leaves_the_group_alone(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2):
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(tags={"team": "other"})}, DESCRIBE)
        result = run(eks, ec2, params(state="absent", owner_tags={}, required_tags=dict(OWNER)))
        eks_stub.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["skipped_reason"] == (
        "node group efa lacks the tags eks_llm.inference/cluster=%s (it has team=other); left alone" % CLUSTER
    )


def test_absent_deletes_the_group_then_its_owned_launch_template(eks, ec2):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)
        eks_stub.add_response("delete_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, DESCRIBE)
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, DESCRIBE)  # waiter
        ng_not_found(eks_stub)  # waiter: gone
        lt_found(ec2_stub)
        ec2_stub.add_response("delete_launch_template", {}, dict(LaunchTemplateId=LT_ID))
        result = run(eks, ec2, params(state="absent", required_tags=dict(OWNER),
                                      launch_template=dict(id=None, name=LT_NAME, version=None, data={})))
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["actions"] == ["delete", "delete_launch_template"]


@pytest.mark.parametrize(
    "args, text",
    [
        (dict(node_role=ROLE, subnets=["subnet-a"]), "scaling_config"),
        (dict(node_role=ROLE, subnets=["subnet-a"], scaling_config=dict(min_size=0, max_size=1, desired_size=0),
              launch_template=dict(id=LT_ID, data={})), "data"),
        (dict(state="absent", ami_type="AL2_x86_64_NVIDIA"), "ami_type"),
        (dict(state="absent", launch_template=dict(version="1")), "id, name"),
    ],
)
def test_argument_spec_guards(monkeypatch, args, text):
    assert text in run_main(monkeypatch, {}, args, aws_stubs.FailJson)["msg"]


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    return aws_stubs.run_main(monkeypatch, eks_nodegroup, clients, dict(args, cluster_name=CLUSTER, name=NAME, region="us-east-1"), ending)


def test_entry_point_reports_aws_failures(monkeypatch, eks, ec2, clock):
    with Stubber(eks) as eks_stub:
        eks_stub.add_client_error("describe_nodegroup", service_error_code="AccessDeniedException",
                                  service_message="not authorized: eks:DescribeNodegroup", http_status_code=403)
        result = run_main(monkeypatch, dict(eks=eks, ec2=ec2), dict(state="absent"), aws_stubs.FailJson)
        eks_stub.assert_no_pending_responses()
    assert result["msg"] == (
        "Failed to describe node group efa on cluster %s: AccessDeniedException: not authorized: eks:DescribeNodegroup"
        % CLUSTER
    )
    assert result["actions"] == [] and result["changed"] is False
    assert clock.sleeps == []  # not a throttling error: no retry


def test_throttled_calls_are_retried_until_the_module_succeeds(monkeypatch, eks, ec2, clock):
    with Stubber(eks) as eks_stub, Stubber(ec2) as ec2_stub:
        for code in ("ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"):
            eks_stub.add_client_error("describe_nodegroup", service_error_code=code, service_message="Rate exceeded",
                                      http_status_code=429, expected_params=DESCRIBE)
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(tags={"team": "other"})}, DESCRIBE)
        result = run_main(monkeypatch, dict(eks=eks, ec2=ec2), dict(state="absent", required_tags=OWNER), aws_stubs.ExitJson)
        eks_stub.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()
    assert result["changed"] is False and result["skipped_reason"].startswith("node group efa lacks the tags")
    assert len(clock.sleeps) == 4


def test_wait_reports_elapsed_seconds_and_a_throttled_poll_does_not_end_it(eks, ec2, clock):
    with Stubber(eks) as eks_stub, Stubber(ec2):
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, DESCRIBE)
        eks_stub.add_response("delete_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, DESCRIBE)
        eks_stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, DESCRIBE)  # poll at 0 s
        for _attempt in range(10):  # poll at 5 s: throttled through all the retries
            eks_stub.add_client_error("describe_nodegroup", service_error_code="TooManyRequestsException",
                                      service_message="Rate exceeded", http_status_code=429, expected_params=DESCRIBE)
        ng_not_found(eks_stub)  # next poll: gone
        # the retries' backoff (at most 3 + 6 + 12 + 24 + 48 + 4 * 60 s) stays within the wait_timeout
        result = run(eks, ec2, params(state="absent", launch_template=None, wait_timeout=3600))
        eks_stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["wait"]["last_status"] == "gone"
    assert result["wait"]["elapsed_s"] == round(clock.now, 1) > 10
