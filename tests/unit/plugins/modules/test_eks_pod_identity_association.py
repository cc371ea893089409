"""eks_pod_identity_association with botocore's Stubber (no network).

moto does not implement the Pod Identity API, so these tests are the module's proof: create / no-op /
update / delete / add-on-owned refusal / error paths / check mode. Shapes follow the EKS API reference.
"""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import eks_pod_identity_association as mod
from tests.unit.plugins.modules import aws_stubs

CLUSTER = "eks-llm"
ROLE = "arn:aws:iam::123456789012:role/eks-llm-model-reader"
ROLE2 = "arn:aws:iam::123456789012:role/eks-llm-other"
ASSOC_ID = "a-abcdefghijklmnop1"
ASSOC_ARN = "arn:aws:eks:us-west-2:123456789012:podidentityassociation/eks-llm/" + ASSOC_ID
OWNER = {"eks_llm.inference/cluster": CLUSTER}
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
LIST = {"clusterName": CLUSTER, "namespace": "triton", "serviceAccount": "triton-server"}
DESCRIBE = {"clusterName": CLUSTER, "associationId": ASSOC_ID}


def assoc(role=ROLE, tags=None, owner=None):
    out = dict(
        clusterName=CLUSTER, namespace="triton", serviceAccount="triton-server", roleArn=role,
        associationArn=ASSOC_ARN, associationId=ASSOC_ID, createdAt=NOW, modifiedAt=NOW,
        tags=dict(OWNER if tags is None else tags),
    )
    if owner:
        out["ownerArn"] = owner
    return out


def summary():
    return {"associations": [{"clusterName": CLUSTER, "namespace": "triton", "serviceAccount": "triton-server",
                              "associationArn": ASSOC_ARN, "associationId": ASSOC_ID}]}


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture()
def client():
    return boto3.client("eks", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")


def params(**over):
    base = dict(cluster_name=CLUSTER, namespace="triton", service_account="triton-server", role_arn=ROLE,
                target_role_arn=None, disable_session_tags=None, state="present", tags=dict(OWNER), purge_tags=True,
                wait=True, wait_timeout=60, wait_sleep=5)
    base.update(over)
    return base


def run(client, p, check_mode=False):
    """The module's reconcile step over the client wrapped as the module wraps it (retries on throttling)."""
    return mod.Association(dict(eks=resource.retrying(client)), p, check_mode).run()


def test_create_after_cluster_is_active(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": []}, LIST)
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, {"name": CLUSTER})
        stub.add_response("create_pod_identity_association", {"association": assoc()},
                          dict(LIST, roleArn=ROLE, tags=OWNER))
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["association"]["association_id"] == ASSOC_ID
    assert result["association"]["tags"] == OWNER


def test_identical_association_is_a_no_op(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc()}, DESCRIBE)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["changes"] == []


def test_update_role_and_tags(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc(tags={"stale": "1"})}, DESCRIBE)
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, {"name": CLUSTER})
        stub.add_response("update_pod_identity_association", {"association": assoc(role=ROLE2)},
                          dict(DESCRIBE, roleArn=ROLE2))
        stub.add_response("untag_resource", {}, {"resourceArn": ASSOC_ARN, "tagKeys": ["stale"]})
        stub.add_response("tag_resource", {}, {"resourceArn": ASSOC_ARN, "tags": OWNER})
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc(role=ROLE2)}, DESCRIBE)
        result = run(client, params(role_arn=ROLE2))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert "role_arn: %s -> %s" % (ROLE, ROLE2) in result["changes"]
    assert result["diff"]["before"]["role_arn"] == ROLE and result["diff"]["after"]["role_arn"] == ROLE2
    assert result["association"]["role_arn"] == ROLE2


def test_check_mode_update_makes_no_mutating_call(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc()}, DESCRIBE)
        result = run(client, params(role_arn=ROLE2), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["association"]["role_arn"] == ROLE2


def test_check_mode_create_makes_no_call_but_the_lookup(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": []}, LIST)
        result = run(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["changes"] == ["create Pod Identity association for triton/triton-server"]


def test_delete(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc()}, DESCRIBE)
        stub.add_response("delete_pod_identity_association", {"association": assoc()}, DESCRIBE)
        result = run(client, params(state="absent"))
        stub.assert_no_pending_responses()
    assert result["changed"] is True


def test_delete_in_check_mode_and_when_missing(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc()}, DESCRIBE)
        stub.add_response("list_pod_identity_associations", {"associations": []}, LIST)
        assert run(client, params(state="absent"), check_mode=True)["changed"] is True
        assert run(client, params(state="absent"))["changed"] is False
        stub.assert_no_pending_responses()


def test_absent_on_a_missing_cluster_is_a_no_op(client):
    with Stubber(client) as stub:
        stub.add_client_error("list_pod_identity_associations", service_error_code="ResourceNotFoundException",
                              service_message="No cluster found for name: eks-llm.", http_status_code=404)
        assert run(client, params(state="absent"))["changed"] is False


def test_addon_owned_association_is_refused(client):
    owner = "arn:aws:eks:us-west-2:123456789012:addon/eks-llm/aws-efs-csi-driver/0000"
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_response("describe_pod_identity_association", {"association": assoc(owner=owner)}, DESCRIBE)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state="absent"))
        stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Failed to delete Pod Identity association for triton/triton-server on cluster eks-llm")
    assert owner in err.value.msg


def test_create_error_is_explained(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": []}, LIST)
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, {"name": CLUSTER})
        stub.add_client_error("create_pod_identity_association", service_error_code="InvalidParameterException",
                              service_message="Role trust policy does not allow pods.eks.amazonaws.com", http_status_code=400)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params())
    assert err.value.msg == (
        "Failed to create Pod Identity association for triton/triton-server on cluster eks-llm: "
        "InvalidParameterException: Role trust policy does not allow pods.eks.amazonaws.com"
    )


def test_cluster_that_never_gets_active_times_out_with_its_status(client):
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": []}, LIST)
        for _attempt in range(3):  # wait_timeout 10 / wait_sleep 5: polls at 0, 5 and 10 s
            stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "UPDATING"}}, {"name": CLUSTER})
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(wait_timeout=10, wait_sleep=5))
        stub.assert_no_pending_responses()
    assert err.value.msg == (
        "Failed waiting for EKS cluster eks-llm to become ACTIVE before changing the Pod Identity association for "
        "triton/triton-server: timed out after 10 s (wait_timeout 10 s); last status: UPDATING"
    )
    assert err.value.result["wait"] == {"elapsed_s": 10, "last_status": "UPDATING"}


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    args = dict(args, cluster_name=CLUSTER, namespace="triton", service_account="triton-server", region="us-west-2")
    return aws_stubs.run_main(monkeypatch, mod, clients, args, ending)


def test_throttled_calls_are_retried_until_the_module_succeeds(client, clock, monkeypatch):
    with Stubber(client) as stub:
        for code in ("TooManyRequestsException", "TooManyRequestsException", "ThrottlingException"):
            stub.add_client_error("list_pod_identity_associations", service_error_code=code,
                                  service_message="Rate exceeded", http_status_code=429, expected_params=LIST)
        stub.add_response("list_pod_identity_associations", summary(), LIST)
        stub.add_client_error("describe_pod_identity_association", service_error_code="Throttling",
                              service_message="Rate exceeded", http_status_code=429, expected_params=DESCRIBE)
        stub.add_response("describe_pod_identity_association", {"association": assoc()}, DESCRIBE)
        result = run_main(monkeypatch, dict(eks=client), dict(role_arn=ROLE, tags=OWNER), aws_stubs.ExitJson)
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["association"]["role_arn"] == ROLE
    assert len(clock.sleeps) == 4


def test_a_non_throttling_error_fails_at_once_with_its_code(client, clock, monkeypatch):
    with Stubber(client) as stub:
        stub.add_client_error("list_pod_identity_associations", service_error_code="AccessDeniedException",
                              service_message="not authorized", http_status_code=403)
        result = run_main(monkeypatch, dict(eks=client), dict(state="absent"), aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"] == (
        "Failed to look up Pod Identity association for triton/triton-server on cluster eks-llm: "
        "AccessDeniedException: not authorized"
    )
    assert clock.sleeps == []


def test_role_arn_is_required_when_present(monkeypatch):
    result = run_main(monkeypatch, {}, {}, aws_stubs.FailJson)
    assert "state is present but all of the following are missing: role_arn" in result["msg"]
