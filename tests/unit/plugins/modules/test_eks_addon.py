"""eks_addon with botocore's Stubber (no network): create / no-op / update / delete / errors / check mode.

moto does not implement the EKS add-on API, so these unit tests are the add-on module's proof. Stubbed
responses follow the shapes of the EKS API reference (DescribeAddon, CreateAddon, UpdateAddon, ...).
"""

import datetime
import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import eks_addon
from tests.unit.plugins.modules import aws_stubs

CLUSTER = "eks-llm"
ARN = "arn:aws:eks:us-west-2:123456789012:addon/eks-llm/vpc-cni/00000000-0000-0000-0000-000000000000"
OWNER = {"eks_llm.inference/cluster": CLUSTER}
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def addon(status="ACTIVE", version="v1.19.2-eksbuild.1", config=None, role=None, tags=None, issues=None):
    out = dict(
        addonName="vpc-cni",
        clusterName=CLUSTER,
        status=status,
        addonVersion=version,
        addonArn=ARN,
        createdAt=NOW,
        modifiedAt=NOW,
        health={"issues": issues or []},
        tags=dict(OWNER if tags is None else tags),
    )
    if config is not None:
        out["configurationValues"] = config
    if role:
        out["serviceAccountRoleArn"] = role
    return out


def not_found(stub, method="describe_addon", **params):
    stub.add_client_error(method, service_error_code="ResourceNotFoundException", service_message="No addon: vpc-cni",
                          http_status_code=404, expected_params=params or None)


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture()
def client():
    return boto3.client("eks", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")


def params(**over):
    base = dict(
        cluster_name=CLUSTER, name="vpc-cni", state="present", addon_version="v1.19.2-eksbuild.1",
        configuration_values=None, service_account_role_arn=None, resolve_conflicts="OVERWRITE",
        preserve=False, tags=dict(OWNER), purge_tags=True, wait=True, wait_timeout=60, wait_sleep=5,
    )
    base.update(over)
    return base


DESCRIBE = {"clusterName": CLUSTER, "addonName": "vpc-cni"}


def run(client, p, check_mode=False):
    """The module's reconcile step over the client wrapped as the module wraps it (retries on throttling)."""
    return eks_addon.Addon(dict(eks=resource.retrying(client)), p, check_mode).run()


def test_create_waits_until_active(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_response(
            "create_addon", {"addon": addon(status="CREATING")},
            dict(clusterName=CLUSTER, addonName="vpc-cni", addonVersion="v1.19.2-eksbuild.1",
                 resolveConflicts="OVERWRITE", tags=OWNER, configurationValues='{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}'),
        )
        stub.add_response("describe_addon", {"addon": addon(status="CREATING")}, DESCRIBE)  # waiter poll 1
        stub.add_response("describe_addon", {"addon": addon()}, DESCRIBE)  # waiter poll 2
        stub.add_response("describe_addon", {"addon": addon(config='{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}')}, DESCRIBE)
        result = run(client, params(configuration_values={"env": {"ENABLE_PREFIX_DELEGATION": "true"}}))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["addon"]["status"] == "ACTIVE"
    assert result["addon"]["tags"] == OWNER
    assert result["wait"] == {"elapsed_s": 5, "last_status": "ACTIVE"}  # polls at 0 s (CREATING) and 5 s
    assert result["diff"]["before"] == {}


def test_existing_identical_addon_is_a_no_op(client):
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon(config="env:\n  ENABLE_PREFIX_DELEGATION: 'true'\n")}, DESCRIBE)
        # Same meaning as the YAML text above: no UpdateAddon may be sent.
        result = run(client, params(configuration_values='{"env": {"ENABLE_PREFIX_DELEGATION": "true"}}'))
        stub.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["changes"] == []


def test_update_version_config_role_and_tags(client):
    role = "arn:aws:iam::123456789012:role/cni"
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon(version="v1.18.0-eksbuild.1", tags={"old": "x"})}, DESCRIBE)
        stub.add_response(
            "update_addon", {"update": {"id": "u-1", "status": "InProgress", "type": "AddonUpdate"}},
            dict(clusterName=CLUSTER, addonName="vpc-cni", addonVersion="v1.19.2-eksbuild.1",
                 configurationValues='{"a":1}', serviceAccountRoleArn=role, resolveConflicts="OVERWRITE"),
        )
        stub.add_response("untag_resource", {}, dict(resourceArn=ARN, tagKeys=["old"]))
        stub.add_response("tag_resource", {}, dict(resourceArn=ARN, tags=OWNER))
        stub.add_response("describe_addon", {"addon": addon(status="UPDATING")}, DESCRIBE)
        stub.add_response("describe_addon", {"addon": addon()}, DESCRIBE)
        stub.add_response("describe_addon", {"addon": addon(config='{"a":1}', role=role)}, DESCRIBE)
        result = run(client, params(configuration_values={"a": 1}, service_account_role_arn=role))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert "addon_version: v1.18.0-eksbuild.1 -> v1.19.2-eksbuild.1" in result["changes"]
    assert "configuration_values" in result["changes"]
    assert result["diff"]["before"]["tags"] == {"old": "x"}
    assert result["diff"]["after"]["tags"] == OWNER


def test_check_mode_makes_no_mutating_call(client):
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon(version="v1.18.0-eksbuild.1")}, DESCRIBE)
        # Only the read is stubbed: any UpdateAddon/TagResource would raise.
        result = run(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["addon_version: v1.18.0-eksbuild.1 -> v1.19.2-eksbuild.1"]
    assert result["addon"]["addon_version"] == "v1.19.2-eksbuild.1"
    assert "wait" not in result


def test_check_mode_create_reports_intended_addon(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        result = run(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["create add-on vpc-cni"]
    assert result["addon"]["addon_version"] == "v1.19.2-eksbuild.1"


def test_latest_and_default_versions_are_resolved(client):
    versions = {
        "addons": [{
            "addonName": "vpc-cni",
            "addonVersions": [
                {"addonVersion": "v1.18.3-eksbuild.2", "compatibilities": [{"clusterVersion": "1.33", "defaultVersion": True}]},
                {"addonVersion": "v1.19.10-eksbuild.1", "compatibilities": [{"clusterVersion": "1.33", "defaultVersion": False}]},
                {"addonVersion": "v1.19.9-eksbuild.1", "compatibilities": [{"clusterVersion": "1.33"}]},
                {"addonVersion": "v1.20.0-eksbuild.1", "compatibilities": [{"clusterVersion": "1.34"}]},
            ],
        }]
    }
    cluster = {"cluster": {"name": CLUSTER, "version": "1.33"}}
    with Stubber(client) as stub:
        for _attempt in range(2):
            stub.add_response("describe_cluster", cluster, {"name": CLUSTER})
            stub.add_response("describe_addon_versions", versions, {"addonName": "vpc-cni", "kubernetesVersion": "1.33"})
        addon = eks_addon.Addon(dict(eks=resource.retrying(client)), params(), False)
        assert addon.resolve_version("latest") == "v1.19.10-eksbuild.1"
        assert addon.resolve_version("default") == "v1.18.3-eksbuild.2"
        stub.assert_no_pending_responses()
    assert addon.resolve_version("v1.2.3") == "v1.2.3"


def test_delete_waits_until_gone(client):
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon()}, DESCRIBE)
        stub.add_response("delete_addon", {"addon": addon(status="DELETING")}, dict(DESCRIBE, preserve=False))
        stub.add_response("describe_addon", {"addon": addon(status="DELETING")}, DESCRIBE)
        not_found(stub, **DESCRIBE)
        result = run(client, params(state="absent"))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["delete add-on vpc-cni"]


def test_delete_missing_addon_is_a_no_op(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        result = run(client, params(state="absent"))
    assert result["changed"] is False


def test_create_error_names_addon_cluster_and_cause(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_client_error("create_addon", service_error_code="InvalidParameterException",
                              service_message="Addon version v9 is not supported", http_status_code=400)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(addon_version="v9"))
    assert err.value.msg == (
        "Failed to create add-on vpc-cni on cluster eks-llm: InvalidParameterException: Addon version v9 is not supported"
    )


def test_degraded_addon_fails_the_wait_with_health_issues(client):
    issue = [{"code": "InsufficientNumberOfReplicas", "message": "coredns has 0 ready replicas"}]
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_response("create_addon", {"addon": addon(status="CREATING")}, None)
        stub.add_response("describe_addon", {"addon": addon(status="DEGRADED", issues=issue)}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params())
        stub.assert_no_pending_responses()
    assert "vpc-cni" in err.value.msg and "cluster eks-llm" in err.value.msg
    assert "DEGRADED" in err.value.msg and "0 ready replicas" in err.value.msg
    assert err.value.result["wait"]["last_status"].startswith("DEGRADED")


def test_wait_timeout_bounds_the_polls(client, clock):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_response("create_addon", {"addon": addon(status="CREATING")}, None)
        for _attempt in range(4):  # wait_timeout 15 / wait_sleep 5: polls at 0, 5, 10 and 15 s, then a timeout
            stub.add_response("describe_addon", {"addon": addon(status="CREATING")}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(wait_timeout=15, wait_sleep=5))
        stub.assert_no_pending_responses()
    assert "timed out after 15 s" in err.value.msg and "last status: CREATING" in err.value.msg
    assert clock.now == 15


def test_throttled_calls_are_retried_until_the_module_succeeds(client, clock, monkeypatch):
    """Through main(): the client factory wraps the EKS client with the retrying backoff."""
    with Stubber(client) as stub:
        for code in ("TooManyRequestsException", "ThrottlingException", "Throttling"):
            stub.add_client_error("describe_addon", service_error_code=code, service_message="Rate exceeded",
                                  http_status_code=429, expected_params=DESCRIBE)
        stub.add_response("describe_addon", {"addon": addon()}, DESCRIBE)
        result = run_main(monkeypatch, dict(eks=client), dict(cluster_name=CLUSTER, name="vpc-cni", tags=OWNER), aws_stubs.ExitJson)
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["addon"]["status"] == "ACTIVE"
    assert len(clock.sleeps) == 3


def test_a_non_throttling_error_fails_at_once_with_its_code(client, clock, monkeypatch):
    with Stubber(client) as stub:
        stub.add_client_error("describe_addon", service_error_code="AccessDeniedException",
                              service_message="not authorized: eks:DescribeAddon", http_status_code=403)
        result = run_main(monkeypatch, dict(eks=client), dict(cluster_name=CLUSTER, name="vpc-cni"), aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"] == (
        "Failed to describe add-on vpc-cni on cluster eks-llm: AccessDeniedException: not authorized: eks:DescribeAddon"
    )
    assert clock.sleeps == []


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    return aws_stubs.run_main(monkeypatch, eks_addon, clients, dict(args, region="us-west-2"), ending)


def test_module_entry_point_uses_the_eks_client_and_reports(client, monkeypatch):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_client_error("create_addon", service_error_code="ResourceNotFoundException",
                              service_message="No cluster found for name: eks-llm.", http_status_code=404)
        result = run_main(monkeypatch, dict(eks=client), dict(cluster_name=CLUSTER, name="vpc-cni", wait=False), aws_stubs.FailJson)
    assert result["msg"].startswith("Failed to create add-on vpc-cni on cluster eks-llm: ResourceNotFoundException")
    assert "diff" not in result


def test_argument_spec_rejects_unknown_resolve_conflicts(monkeypatch):
    result = aws_stubs.run_main(monkeypatch, eks_addon, {}, dict(cluster_name=CLUSTER, name="x", resolve_conflicts="MERGE"),
                                aws_stubs.FailJson)
    assert "resolve_conflicts" in json.dumps(result)
