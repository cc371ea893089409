"""eks_cluster with botocore's Stubber (no network): create / no-op / update / delete / guards / retries.

Request and response shapes follow the EKS API reference (CreateCluster, DescribeCluster,
UpdateClusterConfig, TagResource, UntagResource, DeleteCluster); the Stubber checks every request
against botocore's service model. Expected requests are written from the module's options and the
API reference, not copied from the module's output.
"""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import eks_cluster
from tests.unit.plugins.modules import aws_stubs

NAME = "eks-llm"
ARN = "arn:aws:eks:us-west-2:123456789012:cluster/eks-llm"
ROLE = "arn:aws:iam::123456789012:role/eks-llm-cluster"
OWNER = {"eks_llm.inference/cluster": NAME}
SUBNETS = ["subnet-a", "subnet-b"]
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
DESCRIBE = {"name": NAME}
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture()
def client():
    return boto3.client("eks", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")


def cluster(status="ACTIVE", logs=tuple(ALL_LOGS), public=True, private=True, cidrs=("0.0.0.0/0",), mode="API", tags=None):
    off = [t for t in ALL_LOGS if t not in logs]
    setups = ([dict(types=list(logs), enabled=True)] if logs else []) + ([dict(types=off, enabled=False)] if off else [])
    return dict(
        name=NAME, arn=ARN, createdAt=NOW, version="1.33", roleArn=ROLE, status=status,
        endpoint="https://ABCD.gr7.us-west-2.eks.amazonaws.com",
        resourcesVpcConfig=dict(subnetIds=SUBNETS, securityGroupIds=[], clusterSecurityGroupId="sg-0c",
                                vpcId="vpc-1", endpointPublicAccess=public, endpointPrivateAccess=private,
                                publicAccessCidrs=list(cidrs)),
        logging=dict(clusterLogging=setups),
        accessConfig=dict(authenticationMode=mode),
        tags=dict(OWNER if tags is None else tags),
    )


def params(**over):
    base = dict(
        name=NAME, version="1.33", role_arn=ROLE, subnets=list(SUBNETS), security_groups=[],
        endpoint_public_access=True, endpoint_private_access=True, public_access_cidrs=["0.0.0.0/0"],
        logging=list(ALL_LOGS), authentication_mode="API", bootstrap_cluster_creator_admin_permissions=True,
        owner_tags=dict(OWNER), state="present", tags=dict(OWNER), purge_tags=True,
        wait=True, wait_timeout=60, wait_sleep=5,
    )
    base.update(over)
    return base


def run(client, p, check_mode=False):
    """The module's reconcile step over the client wrapped as the module wraps it (retries on throttling)."""
    return eks_cluster.Cluster(dict(eks=resource.retrying(client)), p, check_mode).run()


def not_found(stub):
    stub.add_client_error("describe_cluster", service_error_code="ResourceNotFoundException",
                          service_message="No cluster found for name: eks-llm.", http_status_code=404,
                          expected_params=DESCRIBE)


def test_create_sends_logging_endpoint_access_and_authentication_mode_then_waits(client):
    with Stubber(client) as stub:
        not_found(stub)
        stub.add_response(
            "create_cluster", {"cluster": cluster(status="CREATING")},
            dict(
                name=NAME, roleArn=ROLE, version="1.33", tags=OWNER,
                resourcesVpcConfig=dict(subnetIds=SUBNETS, securityGroupIds=[], endpointPublicAccess=True,
                                        endpointPrivateAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
                # UpdateClusterConfig/CreateCluster take enabled and disabled types as separate setups
                logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True},
                                            {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]},
                accessConfig=dict(bootstrapClusterCreatorAdminPermissions=True, authenticationMode="API"),
            ),
        )
        stub.add_response("describe_cluster", {"cluster": cluster(status="CREATING")}, DESCRIBE)  # poll at 0 s
        stub.add_response("describe_cluster", {"cluster": cluster(logs=["api", "audit"])}, DESCRIBE)  # poll at 5 s
        stub.add_response("describe_cluster", {"cluster": cluster(logs=["api", "audit"])}, DESCRIBE)  # result
        result = run(client, params(logging=["audit", "api"]))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["create EKS cluster eks-llm"]
    assert result["cluster"]["status"] == "ACTIVE"
    assert result["cluster"]["tags"] == OWNER
    assert result["wait"] == {"elapsed_s": 5, "last_status": "ACTIVE"}
    assert result["diff"]["after"]["logging"] == ["api", "audit"]


def test_identical_cluster_is_a_no_op(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["changes"] == []
    assert "wait" not in result


def test_updates_go_one_at_a_time_waiting_for_active_in_between(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster(logs=[], tags=dict(OWNER, stale="1"))}, DESCRIBE)
        stub.add_response(
            "update_cluster_config", {"update": {"id": "u-1", "status": "InProgress"}},
            dict(name=NAME, logging={"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]}),
        )
        stub.add_response("describe_cluster", {"cluster": cluster(status="UPDATING")}, DESCRIBE)  # poll at 0 s
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)  # poll at 5 s
        stub.add_response(
            "update_cluster_config", {"update": {"id": "u-2", "status": "InProgress"}},
            dict(name=NAME, resourcesVpcConfig=dict(endpointPublicAccess=False, endpointPrivateAccess=True,
                                                    publicAccessCidrs=["0.0.0.0/0"])),
        )
        stub.add_response("untag_resource", {}, dict(resourceArn=ARN, tagKeys=["stale"]))
        stub.add_response("describe_cluster", {"cluster": cluster(public=False)}, DESCRIBE)  # poll at 0 s
        stub.add_response("describe_cluster", {"cluster": cluster(public=False)}, DESCRIBE)  # result
        result = run(client, params(endpoint_public_access=False))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"][0] == "logging: none -> " + ", ".join(sorted(ALL_LOGS))
    assert result["changes"][-1] == "tags removed: stale"
    assert result["cluster"]["resources_vpc_config"]["endpoint_public_access"] is False
    assert result["wait"] == {"elapsed_s": 5, "last_status": "ACTIVE"}


def test_check_mode_update_makes_no_mutating_call(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster(logs=["api"])}, DESCRIBE)
        result = run(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["logging: api -> api, audit, authenticator, controllerManager, scheduler"]
    assert result["diff"]["after"]["logging"] == sorted(ALL_LOGS)


def test_kubernetes_version_is_compared_never_changed(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(version="1.34"))
        stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Failed to reconcile EKS cluster eks-llm: its Kubernetes version is 1.33, requested 1.34")


@pytest.mark.parametrize("state", ["present", "absent"])
def test_foreign_cluster_is_refused(client, state):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster(tags={"team": "other"})}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state=state))
        stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Refusing to manage EKS cluster eks-llm")


def test_delete_waits_until_gone(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)
        stub.add_response("delete_cluster", {"cluster": cluster(status="DELETING")}, DESCRIBE)
        stub.add_response("describe_cluster", {"cluster": cluster(status="DELETING")}, DESCRIBE)  # poll at 0 s
        not_found(stub)  # poll at 5 s
        result = run(client, params(state="absent"))
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["changes"] == ["delete EKS cluster eks-llm"]
    assert result["wait"] == {"elapsed_s": 5, "last_status": "gone"}


def test_delete_with_node_groups_names_the_cause_and_what_to_do(client):
    with Stubber(client) as stub:
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)
        stub.add_client_error("delete_cluster", service_error_code="ResourceInUseException",
                              service_message="Cluster has nodegroups attached", http_status_code=409)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state="absent"))
    assert err.value.msg == (
        "Failed to delete EKS cluster eks-llm: ResourceInUseException: Cluster has nodegroups attached; "
        "delete its node groups and Fargate profiles first"
    )


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    return aws_stubs.run_main(monkeypatch, eks_cluster, clients, dict(args, name=NAME, region="us-west-2"), ending)


def test_throttled_calls_are_retried_until_the_module_succeeds(client, clock, monkeypatch):
    args = dict(role_arn=ROLE, subnets=SUBNETS, version="1.33", logging=ALL_LOGS, authentication_mode="API",
                tags=OWNER, owner_tags=OWNER)
    with Stubber(client) as stub:
        for code in ("TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"):
            stub.add_client_error("describe_cluster", service_error_code=code, service_message="Rate exceeded",
                                  http_status_code=429, expected_params=DESCRIBE)
        stub.add_response("describe_cluster", {"cluster": cluster()}, DESCRIBE)
        result = run_main(monkeypatch, dict(eks=client), args, aws_stubs.ExitJson)
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["cluster"]["status"] == "ACTIVE"
    assert len(clock.sleeps) == 4


def test_a_non_throttling_error_fails_at_once_with_its_code(client, clock, monkeypatch):
    with Stubber(client) as stub:
        stub.add_client_error("describe_cluster", service_error_code="AccessDeniedException",
                              service_message="not authorized: eks:DescribeCluster", http_status_code=403)
        result = run_main(monkeypatch, dict(eks=client), dict(state="absent"), aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"] == "Failed to describe EKS cluster eks-llm: AccessDeniedException: not authorized: eks:DescribeCluster"
    assert clock.sleeps == []


def test_role_and_subnets_are_required_when_present(monkeypatch):
    result = run_main(monkeypatch, {}, {}, aws_stubs.FailJson)
    assert "state is present but all of the following are missing: role_arn, subnets" in result["msg"]
