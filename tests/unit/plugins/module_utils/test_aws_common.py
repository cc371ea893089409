"""The AWS module skeleton: tag/ownership helpers, the retrying client factory and the one wait loop.

Retries: AWSRetry.jittered_backoff (amazon.aws) must retry the four throttling codes AWS documents
(EC2 "RequestLimitExceeded", most JSON APIs "ThrottlingException", query APIs "Throttling", REST APIs
such as EKS "TooManyRequestsException") and nothing else. Calls go through a botocore Stubber on a
real boto3 EKS client, so every request is checked against the service model.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource, waiter
from tests.unit.plugins.modules import aws_stubs

clock = pytest.fixture()(aws_stubs.fake_clock)


@pytest.fixture()
def eks():
    return boto3.client("eks", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")


def throttle(stub, method, code):
    stub.add_client_error(method, service_error_code=code, service_message="Rate exceeded", http_status_code=429)


class Cluster(resource.AwsResource):
    KIND = "EKS cluster"
    RESULT = "cluster"

    def describe(self):
        found = self.call("describe", self.eks.describe_cluster, gone=self.NOT_FOUND, name=self.name)
        return found and found["cluster"]


def cluster(eks, **params):
    base = dict(name="eks-llm", state="present", wait=True, wait_timeout=60, wait_sleep=5, tags=None, purge_tags=True)
    base.update(params)
    return Cluster(dict(eks=resource.retrying(eks)), base, check_mode=False)


# --- tags and ownership -----------------------------------------------------------------------


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", [
    ({"a": "1"}, {"a": "1"}, True, {}, []),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
    ({"a": "1", "aws:x": "y"}, {}, True, {}, ["a"]),
    ({}, {"n": 3}, True, {"n": "3"}, []),
    ({"a": "1"}, None, True, {}, []),
    ({"c": "1", "a": "1"}, {"b": "2", "x": "9"}, True, {"b": "2", "x": "9"}, ["a", "c"]),
])
def test_compare_tags(current, desired, purge, to_set, to_remove):
    got_set, got_remove = common.compare_tags(current, desired, purge)
    assert (got_set, got_remove) == (to_set, to_remove)
    assert list(got_set) == sorted(got_set)  # stable request order for the APIs taking tag lists


def test_missing_tags_compares_values_as_strings():
    assert common.missing_tags({"a": "1"}, {"a": 1}) == {}
    assert common.missing_tags({"a": "1"}, {"a": 2, "b": "x"}) == {"a": "2", "b": "x"}


def test_owner_problem_names_missing_and_present_tags():
    assert common.owner_problem("ECR repository", "r", {common.OWNER_TAG_KEY: "c"}, {common.OWNER_TAG_KEY: "c"}) == ""
    text = common.owner_problem("ECR repository", "r", {"team": "x"}, {common.OWNER_TAG_KEY: "c"})
    assert text.startswith("Refusing to manage ECR repository r: ")
    assert "eks_llm.inference/cluster=c (it has team=x)" in text


def test_snake_keeps_tag_keys_and_drops_nones():
    assert common.snake({"clusterName": "c", "tags": {"KeepCase": "v"}, "version": None}) == {
        "cluster_name": "c", "tags": {"KeepCase": "v"}
    }
    assert common.snake({"FileSystemId": "fs-1", "Tags": {"eks_llm.inference/cluster": "c"}}) == {
        "file_system_id": "fs-1", "tags": {"eks_llm.inference/cluster": "c"}
    }
    assert common.snake({"labels": {"nvidia.com/gpuPresent": "true"}}, keep=("labels",)) == {
        "labels": {"nvidia.com/gpuPresent": "true"}
    }
    assert common.snake(None) == {}


# --- the wait loop ----------------------------------------------------------------------------


@pytest.mark.parametrize("timeout, sleep, polls", [(15, 5, 4), (10, 5, 3), (16, 5, 4), (0, 10, 1), (1200, 10, 121)])
def test_wait_polls_at_once_then_every_sleep_seconds_up_to_the_timeout(clock, timeout, sleep, polls):
    seen = []

    def read():
        seen.append(clock.now)
        return "CREATING", ""

    with pytest.raises(common.AwsModuleError) as err:
        waiter.wait_for(read, ("ACTIVE",), (), timeout, sleep, "thing x to become ACTIVE")
    assert seen == [i * sleep for i in range(polls)]
    assert seen[-1] <= timeout
    assert "timed out after %d s (wait_timeout %d s); last status: CREATING" % (seen[-1], timeout) in err.value.msg
    assert err.value.result["wait"] == {"elapsed_s": seen[-1], "last_status": "CREATING"}


def test_wait_reports_elapsed_seconds_and_last_status(clock):
    states = iter([("CREATING", ""), ("CREATING", ""), ("ACTIVE", "")])
    assert waiter.wait_for(lambda: next(states), ("ACTIVE",), (), 60, 7, "x") == {"elapsed_s": 14, "last_status": "ACTIVE"}


def test_wait_stops_at_a_failure_state_with_its_detail(clock):
    states = iter([("CREATING", ""), ("DEGRADED", "InsufficientNumberOfReplicas 0 ready replicas")])
    with pytest.raises(common.AwsModuleError) as err:
        waiter.wait_for(lambda: next(states), ("ACTIVE",), ("DEGRADED",), 60, 5, "add-on a to become ACTIVE")
    assert err.value.msg == (
        "Failed waiting for add-on a to become ACTIVE: it reached status DEGRADED "
        "(InsufficientNumberOfReplicas 0 ready replicas) after 5 s"
    )


@pytest.mark.parametrize("code", common.THROTTLING_CODES)
def test_a_throttled_poll_does_not_end_the_wait(clock, eks, code):
    """No retry wrapper here (retries=1 gives up at once): the wait loop itself must survive the poll."""
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper

    probe = Cluster(dict(eks=RetryingBotoClientWrapper(eks, AWSRetry.jittered_backoff(retries=1))),
                    dict(name="eks-llm", state="present", wait=True, wait_timeout=60, wait_sleep=5), False)
    with Stubber(eks) as stub:
        stub.add_response("describe_cluster", {"cluster": {"name": "eks-llm", "status": "CREATING"}}, {"name": "eks-llm"})
        throttle(stub, "describe_cluster", code)
        stub.add_response("describe_cluster", {"cluster": {"name": "eks-llm", "status": "ACTIVE"}}, {"name": "eks-llm"})
        probe.wait("become ACTIVE")
        stub.assert_no_pending_responses()
    assert probe.result["wait"] == {"elapsed_s": 10, "last_status": "ACTIVE"}
    assert clock.sleeps == [5, 5]


def test_a_throttled_last_poll_is_the_reported_status(clock, eks):
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper

    probe = Cluster(dict(eks=RetryingBotoClientWrapper(eks, AWSRetry.jittered_backoff(retries=1))),
                    dict(name="eks-llm", state="present", wait=True, wait_timeout=5, wait_sleep=5), False)
    with Stubber(eks) as stub:
        stub.add_response("describe_cluster", {"cluster": {"name": "eks-llm", "status": "CREATING"}}, {"name": "eks-llm"})
        throttle(stub, "describe_cluster", "TooManyRequestsException")
        with pytest.raises(common.AwsModuleError) as err:
            probe.wait("become ACTIVE")
    assert err.value.msg.endswith("last status: throttled (TooManyRequestsException)")
    assert err.value.result["wait"]["last_status"] == "throttled (TooManyRequestsException)"


def test_a_poll_failing_otherwise_ends_the_wait_at_once(clock, eks):
    probe = cluster(eks)
    with Stubber(eks) as stub:
        stub.add_client_error("describe_cluster", service_error_code="AccessDeniedException",
                              service_message="not authorized: eks:DescribeCluster", http_status_code=403)
        with pytest.raises(common.AwsModuleError) as err:
            probe.wait("become ACTIVE")
        stub.assert_no_pending_responses()
    assert err.value.msg == (
        "Failed to describe EKS cluster eks-llm: AccessDeniedException: not authorized: eks:DescribeCluster"
    )
    assert clock.sleeps == []


def test_no_wait_in_check_mode_or_without_wait(clock, eks):
    with Stubber(eks) as stub:  # any call would raise: nothing is stubbed
        cluster(eks, wait=False).wait("become ACTIVE")
        probe = cluster(eks)
        probe.check_mode = True
        probe.wait("become ACTIVE")
        stub.assert_no_pending_responses()
    assert "wait" not in probe.result


# --- the retrying client factory --------------------------------------------------------------


@pytest.mark.parametrize("code", common.THROTTLING_CODES)
def test_calls_are_retried_with_backoff_on_throttling(clock, eks, code):
    probe = cluster(eks)
    with Stubber(eks) as stub:
        for _attempt in range(3):
            throttle(stub, "describe_cluster", code)
        stub.add_response("describe_cluster", {"cluster": {"name": "eks-llm", "status": "ACTIVE"}}, {"name": "eks-llm"})
        assert probe.describe()["status"] == "ACTIVE"
        stub.assert_no_pending_responses()
    # jittered exponential backoff: a random share of 3, 6 and 12 seconds
    assert len(clock.sleeps) == 3
    assert all(0 <= slept <= limit for slept, limit in zip(clock.sleeps, (3, 6, 12)))


def test_other_errors_are_not_retried_and_name_the_code(clock, eks):
    probe = cluster(eks)
    with Stubber(eks) as stub:
        stub.add_client_error("describe_cluster", service_error_code="InvalidParameterException",
                              service_message="bad name", http_status_code=400)
        with pytest.raises(common.AwsModuleError) as err:
            probe.describe()
        stub.assert_no_pending_responses()
    assert "InvalidParameterException: bad name" in err.value.msg
    assert clock.sleeps == []
    assert common.error_code(err.value) == "InvalidParameterException"


def test_retries_give_up_after_ten_attempts(clock, eks):
    probe = cluster(eks)
    with Stubber(eks) as stub:
        for _attempt in range(10):
            throttle(stub, "describe_cluster", "ThrottlingException")
        with pytest.raises(common.AwsModuleError) as err:
            probe.describe()
        stub.assert_no_pending_responses()
    assert err.value.msg == "Failed to describe EKS cluster eks-llm: ThrottlingException: Rate exceeded"
    assert len(clock.sleeps) == 9
