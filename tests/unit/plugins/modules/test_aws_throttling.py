"""Throttling proof for the modules whose APIs moto lacks: eks_addon and eks_pod_identity_association.

botocore's Stubber (no network) answers the create call and the wait's polls with several throttling
errors in a row, each of the four codes AWS uses (ThrottlingException, TooManyRequestsException,
Throttling, RequestLimitExceeded) once, then with success; every run goes through the module's main(), so
the client is wrapped by the module's own retry decorator. A fake clock records the backoff sleeps, so
the expected pauses come from amazon.aws's documented jittered backoff (a random pause of at most
``delay * 2 ** (n - 1)`` seconds before the n-th retry), not from our code.

The moto-backed modules are covered end to end by tests/integration/aws/test_throttling.py.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import common, resource
from ansible_collections.eks_llm.inference.plugins.modules import eks_addon
from ansible_collections.eks_llm.inference.plugins.modules import eks_pod_identity_association as pia
from tests.unit.plugins.modules import aws_stubs
from tests.unit.plugins.modules.test_eks_addon import addon
from tests.unit.plugins.modules.test_eks_pod_identity_association import assoc

CLUSTER = "eks-llm"
OWNER = {"eks_llm.inference/cluster": CLUSTER}
ROLE = "arn:aws:iam::123456789012:role/eks-llm-model-reader"
CODES = ("ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded")
ADDON = {"clusterName": CLUSTER, "addonName": "vpc-cni"}
ASSOC = {"clusterName": CLUSTER, "namespace": "triton", "serviceAccount": "triton-server"}

clock = pytest.fixture(autouse=True)(aws_stubs.fake_clock)


@pytest.fixture(autouse=True)
def _default_retry_delay(monkeypatch):
    monkeypatch.delenv(resource.RETRY_DELAY_ENV, raising=False)


@pytest.fixture()
def eks():
    return boto3.client("eks", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")


def throttle(stub, method, codes, params):
    """The next calls of ``method`` answer with ``codes`` in turn (429 for TooManyRequestsException, else 400)."""
    for code in codes:
        stub.add_client_error(method, service_error_code=code, service_message="Rate exceeded",
                              http_status_code=429 if code == "TooManyRequestsException" else 400, expected_params=params)


def assert_backoff(sleeps, delay=3, max_delay=60):
    """Each retry pause lies within amazon.aws's jittered bound for its position in its run of retries."""
    for n, seconds in enumerate(sleeps, start=1):
        assert 0 <= seconds <= min(delay * 2 ** (n - 1), max_delay), (n, seconds, sleeps)


def addon_main(monkeypatch, eks, ending=aws_stubs.ExitJson, **args):
    args = dict(dict(cluster_name=CLUSTER, name="vpc-cni", addon_version="v1.19.2-eksbuild.1", tags=OWNER,
                     wait_timeout=60, wait_sleep=5, region="us-west-2"), **args)
    return aws_stubs.run_main(monkeypatch, eks_addon, dict(eks=eks), args, ending)


def pia_main(monkeypatch, eks, ending=aws_stubs.ExitJson, **args):
    args = dict(dict(cluster_name=CLUSTER, namespace="triton", service_account="triton-server", role_arn=ROLE,
                     tags=OWNER, wait_timeout=60, wait_sleep=5, region="us-west-2"), **args)
    return aws_stubs.run_main(monkeypatch, pia, dict(eks=eks), args, ending)


def test_eks_addon_create_and_wait_poll_survive_each_throttling_code(monkeypatch, eks, clock):
    create = dict(ADDON, addonVersion="v1.19.2-eksbuild.1", tags=OWNER)
    with Stubber(eks) as stub:
        stub.add_client_error("describe_addon", service_error_code="ResourceNotFoundException",
                              service_message="No addon: vpc-cni", http_status_code=404, expected_params=ADDON)
        throttle(stub, "create_addon", CODES, create)
        stub.add_response("create_addon", {"addon": addon(status="CREATING")}, create)
        throttle(stub, "describe_addon", reversed(CODES), ADDON)  # the wait's first poll
        stub.add_response("describe_addon", {"addon": addon()}, ADDON)
        stub.add_response("describe_addon", {"addon": addon()}, ADDON)  # the read-back
        result = addon_main(monkeypatch, eks)
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["addon"]["status"] == "ACTIVE"
    assert result["wait"]["last_status"] == "ACTIVE"
    assert len(clock.sleeps) == 8  # one backoff pause per throttling error, no wait_sleep (first poll ready)
    assert_backoff(clock.sleeps[:4])
    assert_backoff(clock.sleeps[4:])


def test_eks_addon_wait_survives_a_poll_throttled_through_every_attempt(monkeypatch, eks, clock):
    """A poll whose 10 attempts are all throttled counts as "not yet": the wait polls again and succeeds."""
    with Stubber(eks) as stub:
        stub.add_response("describe_addon", {"addon": addon()}, ADDON)
        stub.add_response("delete_addon", {"addon": addon(status="DELETING")}, dict(ADDON, preserve=False))
        throttle(stub, "describe_addon", CODES * 2 + CODES[:2], ADDON)  # poll 1: all 10 attempts throttled
        stub.add_client_error("describe_addon", service_error_code="ResourceNotFoundException",
                              service_message="No addon: vpc-cni", http_status_code=404, expected_params=ADDON)  # poll 2
        result = addon_main(monkeypatch, eks, state="absent", wait_timeout=1200)
        stub.assert_no_pending_responses()
    assert result["changed"] is True and result["changes"] == ["delete add-on vpc-cni"]
    assert result["wait"]["last_status"] == "gone"
    assert clock.sleeps[-1] == 5  # wait_sleep between the throttled poll and the next one
    assert len(clock.sleeps) == 9 + 1  # 9 backoff pauses inside poll 1, then wait_sleep
    assert_backoff(clock.sleeps[:9])


def test_eks_addon_fails_when_throttled_longer_than_the_wait(monkeypatch, eks, clock):
    """The control: polls throttled through the whole wait_timeout end the wait with the last status."""
    with Stubber(eks) as stub:
        stub.add_response("describe_addon", {"addon": addon()}, ADDON)
        stub.add_response("delete_addon", {"addon": addon(status="DELETING")}, dict(ADDON, preserve=False))
        throttle(stub, "describe_addon", ["ThrottlingException"] * 10 * 50, ADDON)
        result = addon_main(monkeypatch, eks, aws_stubs.FailJson, state="absent", wait_timeout=10)
    assert "timed out" in result["msg"]
    assert result["msg"].endswith("last status: throttled (ThrottlingException)")


def test_pod_identity_association_create_survives_each_throttling_code(monkeypatch, eks, clock):
    create = dict(ASSOC, roleArn=ROLE, tags=OWNER)
    with Stubber(eks) as stub:
        throttle(stub, "list_pod_identity_associations", CODES[:2], ASSOC)
        stub.add_response("list_pod_identity_associations", {"associations": []}, ASSOC)
        throttle(stub, "describe_cluster", CODES, {"name": CLUSTER})  # the wait for an ACTIVE cluster
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, {"name": CLUSTER})
        throttle(stub, "create_pod_identity_association", tuple(reversed(CODES)) + CODES[:2], create)
        stub.add_response("create_pod_identity_association", {"association": assoc()}, create)
        result = pia_main(monkeypatch, eks)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["association"]["role_arn"] == ROLE and result["association"]["tags"] == OWNER
    assert len(clock.sleeps) == 2 + 4 + 6
    assert_backoff(clock.sleeps[:2])
    assert_backoff(clock.sleeps[2:6])
    assert_backoff(clock.sleeps[6:])


def test_pod_identity_association_cluster_wait_survives_a_poll_throttled_through_every_attempt(monkeypatch, eks, clock):
    create = dict(ASSOC, roleArn=ROLE, tags=OWNER)
    with Stubber(eks) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": []}, ASSOC)
        throttle(stub, "describe_cluster", ["RequestLimitExceeded"] * 10, {"name": CLUSTER})  # poll 1
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "UPDATING"}}, {"name": CLUSTER})
        stub.add_response("describe_cluster", {"cluster": {"name": CLUSTER, "status": "ACTIVE"}}, {"name": CLUSTER})
        stub.add_response("create_pod_identity_association", {"association": assoc()}, create)
        result = pia_main(monkeypatch, eks, wait_timeout=1200)
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    # the 9 backoff pauses of poll 1 and two wait_sleep pauses, all inside the wait
    assert clock.sleeps[9:] == [5, 5]
    assert_backoff(clock.sleeps[:9])
    assert result["wait"]["last_status"] == "ACTIVE"
    assert result["wait"]["elapsed_s"] == pytest.approx(sum(clock.sleeps), abs=0.1)


def test_a_non_throttling_code_is_not_retried(monkeypatch, eks, clock):
    with Stubber(eks) as stub:
        stub.add_client_error("list_pod_identity_associations", service_error_code="ServiceUnavailableException",
                              service_message="try later", http_status_code=503, expected_params=ASSOC)
        result = pia_main(monkeypatch, eks, aws_stubs.FailJson)
    assert result["msg"].endswith("ServiceUnavailableException: try later")
    assert clock.sleeps == []


# --- the retry delay setting ------------------------------------------------------------------------


def test_retry_delay_defaults_to_three_seconds():
    assert resource.retry_delay({}) == 3
    assert resource.retry_delay({resource.RETRY_DELAY_ENV: " "}) == 3


@pytest.mark.parametrize("text, seconds", [("0.2", 0.2), ("1", 1.0), ("5", 5.0)])
def test_retry_delay_is_read_from_the_environment(text, seconds):
    assert resource.retry_delay({"EKS_LLM_AWS_RETRY_DELAY": text}) == seconds


@pytest.mark.parametrize("text", ["0", "-1", "soon", "nan"])
def test_an_invalid_retry_delay_is_refused(text):
    with pytest.raises(common.AwsModuleError) as err:
        resource.retry_delay({"EKS_LLM_AWS_RETRY_DELAY": text})
    assert err.value.msg.startswith("EKS_LLM_AWS_RETRY_DELAY must be a positive number of seconds")


def test_main_uses_the_retry_delay_setting(monkeypatch, eks, clock):
    monkeypatch.setenv("EKS_LLM_AWS_RETRY_DELAY", "0.5")
    with Stubber(eks) as stub:
        throttle(stub, "describe_addon", ["ThrottlingException"] * 6, ADDON)
        stub.add_response("describe_addon", {"addon": addon(version="v1.19.2-eksbuild.1")}, ADDON)
        result = addon_main(monkeypatch, eks)
        stub.assert_no_pending_responses()
    assert result["changed"] is False
    assert len(clock.sleeps) == 6
    assert_backoff(clock.sleeps, delay=0.5, max_delay=10)
    assert max(clock.sleeps) <= 10  # 20 x the delay, instead of 60 s


def test_main_refuses_an_invalid_retry_delay_before_any_call(monkeypatch, eks):
    monkeypatch.setenv("EKS_LLM_AWS_RETRY_DELAY", "soon")
    with Stubber(eks) as stub:  # no response queued: any call would fail the Stubber
        result = addon_main(monkeypatch, eks, aws_stubs.FailJson)
        stub.assert_no_pending_responses()
    assert result["msg"].startswith("EKS_LLM_AWS_RETRY_DELAY must be a positive number of seconds")
