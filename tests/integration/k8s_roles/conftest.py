"""Fixtures for role tests against the local test cluster (kwok nodes, real control plane) and moto.

All are stand-ins: tools/testbed (upstream kube-apiserver/scheduler/controller-manager with kwok fake
EKS nodes) for Kubernetes, a moto server for AWS, and the stand-in chart repository (tools/rehearsal/charts.py)
for the charts' repositories. Nothing here reaches AWS or a public chart repository.
"""

import os
import sys

import pytest

# the one moto session fixture, shared with the AWS tests
from tests.integration.aws.conftest import moto_server  # noqa: F401  pylint: disable=unused-import
from tools.rehearsal import charts
from tools.testbed import runtime

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.fixture(scope="session")
def testbed_kubeconfig():
    """The running test bed's kubeconfig; starts it when it is not up. Its fake nodes are the node
    groups of group_vars/scenario_triton_vllm.yml (tools/testbed/nodes.py:node_groups_for)."""
    from tools.testbed import testbed

    if os.environ.get("EKS_LLM_TESTBED_KUBECONFIG"):
        return os.environ["EKS_LLM_TESTBED_KUBECONFIG"]
    # Always (re)apply the scenario's fake nodes: a test bed started by other tests may carry other
    # node groups. replace=False keeps those, so a shared test bed keeps working for its other users.
    print("\n[stand-in] local test cluster (kwok fake nodes) with the triton_vllm node groups")
    return testbed.ensure_up(scenario="triton_vllm", replace=False)


@pytest.fixture()
def role_env(moto_server, testbed_kubeconfig):  # noqa: F811  (the fixture imported above)
    """Environment for ansible-playbook / molecule: AWS -> moto, Kubernetes -> test bed, venv Python."""
    moto_server.reset()
    env = dict(os.environ)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        env.pop(key, None)
    env.update(moto_server.env())
    env.update(
        {
            "EKS_LLM_TESTBED_KUBECONFIG": testbed_kubeconfig,
            "ANSIBLE_CONFIG": os.path.join(REPO_ROOT, "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            # the stand-in chart repository (molecule scenarios that install charts read it) and the test
            # cluster's pinned helm and kubectl
            "EKS_LLM_CHART_REPO": charts.serve(),
            "PATH": os.pathsep.join([runtime.bin_dir(), os.path.dirname(sys.executable), env.get("PATH", "")]),
        }
    )
    return env
