"""ecr_repository with botocore's Stubber (no network): create / no-op / update / delete / guards / retries.

Shapes follow the ECR API reference (DescribeRepositories, ListTagsForResource, CreateRepository,
PutImageTagMutability, PutImageScanningConfiguration, TagResource/UntagResource with Key/Value tag
lists, DeleteRepository); the Stubber checks every request against botocore's service model.
"""

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import ecr_repository
from tests.unit.plugins.modules import aws_stubs

NAME = "neuron_2_18_1_repo"
ARN = "arn:aws:ecr:us-east-2:123456789012:repository/" + NAME
OWNER = {"eks_llm.inference/cluster": "llama2"}
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture()
def client():
    return boto3.client("ecr", region_name="us-east-2", aws_access_key_id="x", aws_secret_access_key="y")


def repo(mutability="MUTABLE", scan=True):
    return dict(
        repositoryArn=ARN, registryId="123456789012", repositoryName=NAME, createdAt=NOW,
        repositoryUri="123456789012.dkr.ecr.us-east-2.amazonaws.com/" + NAME,
        imageTagMutability=mutability, imageScanningConfiguration=dict(scanOnPush=scan),
        encryptionConfiguration=dict(encryptionType="AES256"),
    )


def found(stub, tags=None, **kwargs):
    stub.add_response("describe_repositories", {"repositories": [repo(**kwargs)]}, dict(repositoryNames=[NAME]))
    stub.add_response(
        "list_tags_for_resource",
        {"tags": [dict(Key=k, Value=v) for k, v in (OWNER if tags is None else tags).items()]},
        dict(resourceArn=ARN),
    )


def not_found(stub):
    stub.add_client_error("describe_repositories", service_error_code="RepositoryNotFoundException",
                          service_message="The repository does not exist", http_status_code=400,
                          expected_params=dict(repositoryNames=[NAME]))


def params(**over):
    base = dict(name=NAME, image_tag_mutability="MUTABLE", scan_on_push=True, encryption_type="AES256", kms_key=None,
                force_delete=False, owner_tags=dict(OWNER), state="present", tags=dict(OWNER), purge_tags=True)
    base.update(over)
    return base


def run(client, p, check_mode=False):
    """The module's reconcile step over the client wrapped as the module wraps it (retries on throttling)."""
    return ecr_repository.Repository(dict(ecr=resource.retrying(client)), p, check_mode).run()


def test_create_tags_the_repository(client):
    with Stubber(client) as stub:
        not_found(stub)
        stub.add_response(
            "create_repository", {"repository": repo()},
            dict(repositoryName=NAME, imageTagMutability="MUTABLE", imageScanningConfiguration=dict(scanOnPush=True),
                 encryptionConfiguration=dict(encryptionType="AES256"),
                 tags=[{"Key": "eks_llm.inference/cluster", "Value": "llama2"}]),
        )
        found(stub)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["changes"] == ["create ECR repository %s" % NAME]
    assert result["repository"]["repository_uri"].endswith("/" + NAME)
    assert result["repository"]["tags"] == OWNER


def test_identical_repository_is_a_no_op(client):
    with Stubber(client) as stub:
        found(stub)
        result = run(client, params())
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["changes"] == []


def test_update_mutability_scanning_and_tags(client):
    with Stubber(client) as stub:
        found(stub, tags=dict(OWNER, stale="1"), scan=False)
        stub.add_response("put_image_tag_mutability", {"imageTagMutability": "IMMUTABLE"},
                          dict(repositoryName=NAME, imageTagMutability="IMMUTABLE"))
        stub.add_response("put_image_scanning_configuration", {"imageScanningConfiguration": {"scanOnPush": True}},
                          dict(repositoryName=NAME, imageScanningConfiguration=dict(scanOnPush=True)))
        stub.add_response("untag_resource", {}, dict(resourceArn=ARN, tagKeys=["stale"]))
        stub.add_response("tag_resource", {}, dict(resourceArn=ARN, tags=[{"Key": "team", "Value": "llm"}]))
        found(stub, tags=dict(OWNER, team="llm"), mutability="IMMUTABLE")
        result = run(client, params(image_tag_mutability="IMMUTABLE", tags=dict(OWNER, team="llm")))
        stub.assert_no_pending_responses()
    assert result["changes"] == [
        "image_tag_mutability: MUTABLE -> IMMUTABLE", "scan_on_push: False -> True", "tags set: team", "tags removed: stale",
    ]
    assert result["diff"]["after"] == dict(image_tag_mutability="IMMUTABLE", scan_on_push=True, tags=dict(OWNER, team="llm"))


def test_check_mode_makes_no_mutating_call(client):
    with Stubber(client) as stub:
        found(stub, scan=False)
        result = run(client, params(), check_mode=True)
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["changes"] == ["scan_on_push: False -> True"]


@pytest.mark.parametrize("state", ["present", "absent"])
def test_foreign_repository_is_refused(client, state):
    with Stubber(client) as stub:
        found(stub, tags={"team": "other"})
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state=state))
        stub.assert_no_pending_responses()
    assert err.value.msg.startswith("Refusing to manage ECR repository %s" % NAME)


def test_delete_and_a_repository_with_images(client):
    with Stubber(client) as stub:
        found(stub)
        stub.add_response("delete_repository", {"repository": repo()}, dict(repositoryName=NAME, force=False))
        assert run(client, params(state="absent"))["changes"] == ["delete ECR repository %s" % NAME]
        found(stub)
        stub.add_client_error("delete_repository", service_error_code="RepositoryNotEmptyException",
                              service_message="The repository cannot be deleted because it still contains images",
                              http_status_code=400)
        with pytest.raises(common.AwsModuleError) as err:
            run(client, params(state="absent"))
        not_found(stub)
        assert run(client, params(state="absent"))["changed"] is False
        stub.assert_no_pending_responses()
    assert err.value.msg.endswith("still contains images; it still holds images; set force_delete=true to delete them too")


def run_main(monkeypatch, clients, args, ending):
    """main() with ``args`` over the stubbed clients, through the module's own client factory."""
    return aws_stubs.run_main(monkeypatch, ecr_repository, clients, dict(args, name=NAME, region="us-east-2"), ending)


def test_throttled_calls_are_retried_until_the_module_succeeds(client, clock, monkeypatch):
    with Stubber(client) as stub:
        for code in ("ThrottlingException", "ThrottlingException", "ThrottlingException"):
            stub.add_client_error("describe_repositories", service_error_code=code, service_message="Rate exceeded",
                                  http_status_code=400, expected_params=dict(repositoryNames=[NAME]))
        found(stub)
        result = run_main(monkeypatch, dict(ecr=client), dict(tags=OWNER, owner_tags=OWNER), aws_stubs.ExitJson)
        stub.assert_no_pending_responses()
    assert result["changed"] is False and result["repository"]["repository_name"] == NAME
    assert len(clock.sleeps) == 3


def test_a_non_throttling_error_fails_at_once_with_its_code(client, clock, monkeypatch):
    with Stubber(client) as stub:
        stub.add_client_error("describe_repositories", service_error_code="AccessDeniedException",
                              service_message="not authorized: ecr:DescribeRepositories", http_status_code=400)
        result = run_main(monkeypatch, dict(ecr=client), dict(state="absent"), aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"] == (
        "Failed to describe ECR repository %s: AccessDeniedException: not authorized: ecr:DescribeRepositories" % NAME
    )
    assert clock.sleeps == []
