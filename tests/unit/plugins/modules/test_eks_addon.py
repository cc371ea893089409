"""eks_addon with botocore's Stubber (no network): create / no-op / update / delete / errors / check mode.

moto does not implement the EKS add-on API, so these unit tests are the add-on module's proof. Stubbed
responses follow the shapes of the EKS API reference (DescribeAddon, CreateAddon, UpdateAddon, ...).
"""

import datetime
import json

import boto3
import botocore.waiter
import pytest
from ansible.module_utils.testing import patch_module_args
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common
from ansible_collections.eks_llm.inference.plugins.modules import eks_addon

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


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(botocore.waiter.time, "sleep", lambda s: None)


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
        result = eks_addon.ensure_present(
            client, params(configuration_values={"env": {"ENABLE_PREFIX_DELEGATION": "true"}}), check_mode=False
        )
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["addon"]["status"] == "ACTIVE"
    assert result["addon"]["tags"] == OWNER
    assert "duration" in result
    assert result["diff"]["before"] == {}


def test_existing_identical_addon_is_a_no_op(client):
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon(config="env:\n  ENABLE_PREFIX_DELEGATION: 'true'\n")}, DESCRIBE)
        # Same meaning as the YAML text above: no UpdateAddon may be sent.
        result = eks_addon.ensure_present(
            client, params(configuration_values='{"env": {"ENABLE_PREFIX_DELEGATION": "true"}}'), check_mode=False
        )
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
        result = eks_addon.ensure_present(
            client, params(configuration_values={"a": 1}, service_account_role_arn=role), check_mode=False
        )
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
        result = eks_addon.ensure_present(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["addon_version: v1.18.0-eksbuild.1 -> v1.19.2-eksbuild.1"]
    assert result["addon"]["addon_version"] == "v1.19.2-eksbuild.1"
    assert "duration" not in result


def test_check_mode_create_reports_intended_addon(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        result = eks_addon.ensure_present(client, params(), check_mode=True)
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
        assert eks_addon.resolve_version(client, CLUSTER, "vpc-cni", "latest") == "v1.19.10-eksbuild.1"
        assert eks_addon.resolve_version(client, CLUSTER, "vpc-cni", "default") == "v1.18.3-eksbuild.2"
    assert eks_addon.resolve_version(client, CLUSTER, "vpc-cni", "v1.2.3") == "v1.2.3"


def test_delete_waits_until_gone(client):
    with Stubber(client) as stub:
        stub.add_response("describe_addon", {"addon": addon()}, DESCRIBE)
        stub.add_response("delete_addon", {"addon": addon(status="DELETING")}, dict(DESCRIBE, preserve=False))
        stub.add_response("describe_addon", {"addon": addon(status="DELETING")}, DESCRIBE)
        not_found(stub, **DESCRIBE)
        result = eks_addon.ensure_absent(client, params(state="absent"), check_mode=False)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["delete add-on vpc-cni"]


def test_delete_missing_addon_is_a_no_op(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        result = eks_addon.ensure_absent(client, params(state="absent"), check_mode=False)
    assert result["changed"] is False


def test_create_error_names_addon_cluster_and_cause(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_client_error("create_addon", service_error_code="InvalidParameterException",
                              service_message="Addon version v9 is not supported", http_status_code=400)
        with pytest.raises(common.AwsModuleError) as err:
            eks_addon.ensure_present(client, params(addon_version="v9"), check_mode=False)
    assert err.value.msg == (
        "Failed to create add-on vpc-cni on cluster eks-llm: InvalidParameterException: Addon version v9 is not supported"
    )


def test_degraded_addon_fails_the_wait_with_health_issues(client):
    issue = [{"code": "InsufficientNumberOfReplicas", "message": "coredns has 0 ready replicas"}]
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_response("create_addon", {"addon": addon(status="CREATING")}, None)
        stub.add_response("describe_addon", {"addon": addon(status="DEGRADED", issues=issue)}, DESCRIBE)
        stub.add_response("describe_addon", {"addon": addon(status="DEGRADED", issues=issue)}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            eks_addon.ensure_present(client, params(), check_mode=False)
    assert "vpc-cni" in err.value.msg and "cluster eks-llm" in err.value.msg
    assert "DEGRADED" in err.value.msg and "0 ready replicas" in err.value.msg


def test_wait_timeout_sets_max_attempts(client):
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_response("create_addon", {"addon": addon(status="CREATING")}, None)
        for _attempt in range(3):  # wait_timeout 15 / wait_sleep 5 = 3 attempts, then a timeout
            stub.add_response("describe_addon", {"addon": addon(status="CREATING")}, DESCRIBE)
        stub.add_response("describe_addon", {"addon": addon(status="CREATING")}, DESCRIBE)  # last-status read
        with pytest.raises(common.AwsModuleError) as err:
            eks_addon.ensure_present(client, params(wait_timeout=15, wait_sleep=5), check_mode=False)
        stub.assert_no_pending_responses()
    assert "timed out" in err.value.msg and "status CREATING" in err.value.msg


@pytest.mark.parametrize("timeout, delay, attempts", [(1200, 10, 120), (15, 5, 3), (16, 5, 4), (0, 10, 1), (5, 0, 5)])
def test_max_attempts_covers_the_timeout(timeout, delay, attempts):
    assert common.max_attempts(timeout, delay) == attempts


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", [
    ({"a": "1"}, {"a": "1"}, True, {}, []),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
    ({"a": "1", "aws:x": "y"}, {}, True, {}, ["a"]),
    ({}, {"n": 3}, True, {"n": "3"}, []),
    ({"a": "1"}, None, True, {}, []),
])
def test_compare_tags(current, desired, purge, to_set, to_remove):
    assert common.compare_tags(current, desired, purge) == (to_set, to_remove)


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def test_module_entry_point_uses_the_eks_client_and_reports(client, monkeypatch):
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(AnsibleAWSModule, "exit_json", exit_json)
    monkeypatch.setattr(AnsibleAWSModule, "fail_json", fail_json)
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, service, **kw: client)
    with Stubber(client) as stub:
        not_found(stub, **DESCRIBE)
        stub.add_client_error("create_addon", service_error_code="ResourceNotFoundException",
                              service_message="No cluster found for name: eks-llm.", http_status_code=404)
        args = dict(cluster_name=CLUSTER, name="vpc-cni", region="us-west-2", wait=False)
        with patch_module_args(args):
            with pytest.raises(FailJson) as err:
                eks_addon.main()
    assert err.value.args[0]["msg"].startswith("Failed to create add-on vpc-cni on cluster eks-llm: ResourceNotFoundException")
    assert "diff" not in err.value.args[0]


def test_argument_spec_rejects_unknown_resolve_conflicts(monkeypatch):
    from ansible.module_utils.basic import AnsibleModule

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(AnsibleModule, "fail_json", fail_json)
    with patch_module_args(dict(cluster_name=CLUSTER, name="x", resolve_conflicts="MERGE")):
        with pytest.raises(FailJson) as err:
            eks_addon.main()
    assert "resolve_conflicts" in json.dumps(err.value.args[0])
