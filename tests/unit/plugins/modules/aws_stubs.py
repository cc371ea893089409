"""Test support for the AWS module tests (botocore Stubber): a fake clock and a main() runner.

Not a test file: the tests of eks_cluster, eks_nodegroup, eks_addon, eks_pod_identity_association,
efs_file_system and ecr_repository import it.
"""

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils import modules as aws_modules
from ansible_collections.eks_llm.inference.plugins.module_utils.aws import waiter


class FakeTime:
    """A clock that moves only when the wait loop or the retry backoff sleeps (and records the sleeps)."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def fake_clock(monkeypatch):
    """Fixture body: the wait loop and AWSRetry's backoff use a FakeTime."""
    fake = FakeTime()
    monkeypatch.setattr(waiter, "time", fake)
    monkeypatch.setattr(cloud, "time", fake)
    return fake


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def run_main(monkeypatch, module, clients, args, ending=ExitJson):
    """Run ``module.main()`` with ``args``; return what it passed to exit_json/fail_json.

    ``clients`` maps a service name to a (stubbed) boto3 client: the real client factory of
    AnsibleAWSModule gets it instead of a new connection, so the retry wrapper is the module's own.
    """

    def end(self, **kwargs):
        raise ending(kwargs)

    monkeypatch.setattr(AnsibleModule, "exit_json", end)
    monkeypatch.setattr(AnsibleModule, "fail_json", end)
    monkeypatch.setattr(aws_modules, "boto3_conn", lambda mod, conn_type=None, resource=None, **kw: clients[resource])
    with patch_module_args(args):
        with pytest.raises(ending) as err:
            module.main()
    return err.value.args[0]


def throttled(stub, method, codes, params):
    """Answer the next calls of ``method`` with the throttling ``codes``, one each."""
    for code in codes:
        stub.add_client_error(method, service_error_code=code, service_message="Rate exceeded",
                              http_status_code=429 if code != "Throttling" else 400, expected_params=params)
