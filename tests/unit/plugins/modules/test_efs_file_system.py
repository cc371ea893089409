"""efs_file_system with botocore's Stubber (no network): create / no-op / update / delete / guards / retries.

Shapes follow the EFS API reference (DescribeFileSystems by CreationToken, ListTagsForResource,
DescribeMountTargets, DescribeMountTargetSecurityGroups, CreateFileSystem, CreateMountTarget,
ModifyMountTargetSecurityGroups, TagResource/UntagResource, DeleteMountTarget, DeleteFileSystem);
the Stubber checks every request against botocore's service model.
"""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import efs_file_system
from tests.unit.plugins.modules import aws_stubs

NAME = "trtllm-efs"
FS = "fs-0123456789abcdef0"
OWNER = {"eks_llm.inference/cluster": "trtllm-inference-cluster"}
TAGS = dict(OWNER, Name=NAME)
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
SG = ["sg-00000456"]


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture()
def client():
    return boto3.client("efs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def fs(state="available", targets=0):
    return dict(
        OwnerId="123456789012", CreationToken=NAME, FileSystemId=FS, CreationTime=NOW, LifeCycleState=state,
        NumberOfMountTargets=targets, SizeInBytes=dict(Value=6144), PerformanceMode="generalPurpose",
        ThroughputMode="bursting", Encrypted=True, Tags=[],
    )


def mt(subnet, state="available"):
    return dict(MountTargetId="fsmt-" + subnet, FileSystemId=FS, SubnetId=subnet, LifeCycleState=state)


def lookup(stub, state="available", targets=None):
    """One DescribeFileSystems + DescribeMountTargets pair (a poll of the wait loop)."""
    stub.add_response("describe_file_systems", {"FileSystems": [fs(state)]}, dict(CreationToken=NAME))
    stub.add_response("describe_mount_targets", {"MountTargets": targets or []}, dict(FileSystemId=FS))


def described(stub, tags=None, targets=(("subnet-0000000a", SG),)):
    """The reads of one full describe: file system, tags, mount targets and their security groups."""
    stub.add_response("describe_file_systems", {"FileSystems": [fs(targets=len(targets))]}, dict(CreationToken=NAME))
    stub.add_response("list_tags_for_resource",
                      {"Tags": [dict(Key=k, Value=v) for k, v in (TAGS if tags is None else tags).items()]},
                      dict(ResourceId=FS))
    stub.add_response("describe_mount_targets", {"MountTargets": [mt(s) for s, dummy in targets]}, dict(FileSystemId=FS))
    for subnet, groups in targets:
        stub.add_response("describe_mount_target_security_groups", {"SecurityGroups": groups},
                          dict(MountTargetId="fsmt-" + subnet))


def params(**over):
    base = dict(name=NAME, encrypt=True, kms_key_id=None, performance_mode="generalPurpose", throughput_mode="bursting",
                targets=[dict(subnet_id="subnet-0000000a", security_groups=SG)], owner_tags=dict(OWNER), state="present",
                tags=dict(OWNER), purge_tags=True, wait=True, wait_timeout=60, wait_sleep=5)
    base.update(over)
    return base


def run(client, p, check_mode=False):
    """The module's reconcile step over the client wrapped as the module wraps it (retries on throttling)."""
    return efs_file_system.FileSystem(dict(efs=resource.retrying(client)), p, check_mode).run()


def test_create_waits_for_the_file_system_before_its_mount_targets(client):
    with Stubber(client) as stub:
        stub.add_response("describe_file_systems", {"FileSystems": []}, dict(CreationToken=NAME))
        stub.add_response(
            "create_file_system", fs("creating"),
            dict(CreationToken=NAME, PerformanceMode="generalPurpose", ThroughputMode="bursting", Encrypted=True,
                 Tags=[{"Key": "Name", "Value": NAME}, {"Key": "eks_llm.inference/cluster", "Value": "trtllm-inference-cluster"}]),
        )
        lookup(stub, "creating")  # poll at 0 s
        lookup(stub)  # poll at 5 s: available, mount targets may be added
        stub.add_response("create_mount_target", mt("subnet-0000000a", "creating"),
                          dict(FileSystemId=FS, SubnetId="subnet-0000000a", SecurityGroups=SG))
        lookup(stub, targets=[mt("subnet-0000000a", "creating")])  # poll at 0 s
        lookup(stub, targets=[mt("subnet-0000000a")])  # poll at 5 s
        described(stub)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["create EFS file system trtllm-efs", "mount target in subnet-0000000a"]
    assert result["file_system"]["tags"] == TAGS
    assert result["file_system"]["mount_targets"][0]["security_groups"] == SG
    assert result["wait"] == {"elapsed_s": 10, "last_status": "available"}


def test_identical_file_system_is_a_no_op(client):
    with Stubber(client) as stub:
        described(stub)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["changes"] == []


def test_update_mount_targets_security_groups_and_tags(client):
    wanted = [dict(subnet_id="subnet-0000000a", security_groups=["sg-00000999"]), dict(subnet_id="subnet-0000000c", security_groups=None)]
    with Stubber(client) as stub:
        described(stub, tags=dict(TAGS, stale="1"), targets=(("subnet-0000000a", SG), ("subnet-0000000b", SG)))
        stub.add_response("delete_mount_target", {}, dict(MountTargetId="fsmt-subnet-0000000b"))
        stub.add_response("create_mount_target", mt("subnet-0000000c", "creating"), dict(FileSystemId=FS, SubnetId="subnet-0000000c"))
        stub.add_response("modify_mount_target_security_groups", {},
                          dict(MountTargetId="fsmt-subnet-0000000a", SecurityGroups=["sg-00000999"]))
        stub.add_response("untag_resource", {}, dict(ResourceId=FS, TagKeys=["stale"]))
        lookup(stub, targets=[mt("subnet-0000000a"), mt("subnet-0000000c")])  # poll at 0 s
        described(stub, targets=(("subnet-0000000a", ["sg-00000999"]), ("subnet-0000000c", SG)))
        result = run(client, params(targets=wanted))
        stub.assert_no_pending_responses()
    assert result["changes"] == [
        "mount target in subnet-0000000c", "delete mount target in subnet-0000000b",
        "security groups of mount target fsmt-subnet-0000000a -> ['sg-00000999']", "tags removed: stale",
    ]
    assert sorted(result["diff"]["after"]["mount_targets"]) == ["subnet-0000000a", "subnet-0000000c"]


def test_tags_left_alone_when_not_given(client):
    with Stubber(client) as stub:
        described(stub, tags={"Name": NAME, "team": "x", **OWNER})
        result = run(client, params(tags=None))
        stub.assert_no_pending_responses()
    assert result["changed"] is False


def test_check_mode_makes_no_mutating_call(client):
    with Stubber(client) as stub:
        described(stub)
        result = run(client, params(targets=[dict(subnet_id="subnet-0000000b", security_groups=SG)]), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changes"] == ["mount target in subnet-0000000b", "delete mount target in subnet-0000000a"]
    assert "wait" not in result


@pytest.mark.parametrize("state", ["present", "absent"])
def test_foreign_file_system_is_refused(client, state):
    with Stubber(client) as stub:
        described(stub, tags={"Name": NAME})
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state=state))
        stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Refusing to manage EFS file system trtllm-efs")


def test_delete_removes_mount_targets_first_and_waits_until_gone(client):
    with Stubber(client) as stub:
        described(stub)
        stub.add_response("delete_mount_target", {}, dict(MountTargetId="fsmt-subnet-0000000a"))
        stub.add_response("describe_mount_targets", {"MountTargets": [mt("subnet-0000000a", "deleting")]}, dict(FileSystemId=FS))
        stub.add_response("describe_mount_targets", {"MountTargets": []}, dict(FileSystemId=FS))
        stub.add_response("delete_file_system", {}, dict(FileSystemId=FS))
        stub.add_response("describe_file_systems", {"FileSystems": []}, dict(CreationToken=NAME))
        result = run(client, params(state="absent"))
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["changes"] == ["delete EFS file system trtllm-efs"]
    assert result["wait"] == {"elapsed_s": 5, "last_status": "gone"}


def test_mount_targets_that_stay_time_out_with_their_ids(client):
    with Stubber(client) as stub:
        described(stub)
        stub.add_response("delete_mount_target", {}, dict(MountTargetId="fsmt-subnet-0000000a"))
        for _poll in range(3):  # wait_timeout 10 / wait_sleep 5: polls at 0, 5 and 10 s
            stub.add_response("describe_mount_targets", {"MountTargets": [mt("subnet-0000000a", "deleting")]}, dict(FileSystemId=FS))
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state="absent", wait=False, wait_timeout=10))
        stub.assert_no_pending_responses()
    assert err.value.msg == (
        "Failed waiting for EFS file system trtllm-efs to lose its mount targets: timed out after 10 s "
        "(wait_timeout 10 s); last status: mount targets left (fsmt-subnet-0000000a)"
    )


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    return aws_stubs.run_main(monkeypatch, efs_file_system, clients, dict(args, name=NAME, region="us-east-1"), ending)


def test_throttled_calls_are_retried_until_the_module_succeeds(client, clock, monkeypatch):
    with Stubber(client) as stub:
        for _attempt in range(3):
            stub.add_client_error("describe_file_systems", service_error_code="ThrottlingException",
                                  service_message="Rate exceeded", http_status_code=429,
                                  expected_params=dict(CreationToken=NAME))
        described(stub)
        result = run_main(monkeypatch, dict(efs=client), dict(owner_tags=OWNER), aws_stubs.ExitJson)
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["file_system"]["file_system_id"] == FS
    assert len(clock.sleeps) == 3


def test_a_non_throttling_error_fails_at_once_with_its_code(client, clock, monkeypatch):
    with Stubber(client) as stub:
        stub.add_client_error("describe_file_systems", service_error_code="AccessDeniedException",
                              service_message="not authorized", http_status_code=403)
        result = run_main(monkeypatch, dict(efs=client), dict(state="absent"), aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"] == "Failed to describe EFS file system trtllm-efs: AccessDeniedException: not authorized"
    assert clock.sleeps == []
