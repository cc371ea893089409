"""Fixtures for the Kubernetes integration tests: the local test bed (tools/testbed).

A real kube-apiserver/etcd/kube-scheduler/kube-controller-manager and the real LeaderWorkerSet
controller; the nodes are kwok fake nodes (test doubles: no kubelet, no container runs, no GPU).
The session fixture reuses a running test bed, else starts one and stops it at the end.
Set EKS_LLM_TESTBED_KEEP=1 to leave a test bed this session started running.
"""

import os
import time
import uuid

import pytest

from tests.integration.k8s.helpers import node_group
from tools.testbed import testbed

# Test inputs (not product values): the node groups the k8s tests schedule onto, in the shape the
# gpu_nodegroup role takes. Instance shapes come from plugins/module_utils/instance_types.py through
# the node generator; zones are the rehearsal inventory's.
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
NODE_GROUPS = [
    # CPU node: the kwok stage tests (ready delay, never ready, crash loop) select m5.xlarge
    node_group("system", "m5.xlarge", 1),
    # 4 GPUs and 1 EFA interface per node, tainted: the LWS gang, untolerated-taint and EFA tests
    node_group("efa-compute", "g5.12xlarge", 4, efa=True, labels={"nvidia.com/gpu": "present"}, taints=[GPU_TAINT]),
    # Neuron devices, no taint: my-scheduler binds the Neuron pod here
    node_group("neuron", "inf2.48xlarge", 1),
]


@pytest.fixture(scope="session")
def testbed_kubeconfig():
    started_here = not testbed.is_up()
    began = time.time()
    # replace=False: add our nodes, keep fake nodes other sessions sharing the test bed use
    kubeconfig = testbed.ensure_up(nodes=NODE_GROUPS, replace=False)
    print(
        "\n[stand-in] %s; %s in %.1f s; KUBECONFIG=%s"
        % (testbed.STAND_IN, "started" if started_here else "reused", time.time() - began, kubeconfig)
    )
    yield kubeconfig
    if started_here and not os.environ.get("EKS_LLM_TESTBED_KEEP"):
        testbed.stop()


@pytest.fixture(scope="session")
def k8s(testbed_kubeconfig):
    """A kubernetes.client.ApiClient for the test bed."""
    api = testbed.api_client()
    yield api
    api.close()


@pytest.fixture(autouse=True)
def _name_the_stand_in(record_property):
    record_property("stand_in", "test double: kwok fake nodes (no containers run)")


@pytest.fixture()
def namespace(k8s):
    """A fresh namespace (with its default ServiceAccount) for one test."""
    from kubernetes import client

    core = client.CoreV1Api(k8s)
    name = "t-%s" % uuid.uuid4().hex[:8]
    core.create_namespace(
        client.V1Namespace(
            metadata=client.V1ObjectMeta(
                name=name,
                labels={
                    "app.kubernetes.io/managed-by": "eks_llm.inference",
                    "app.kubernetes.io/part-of": "k8s-integration-tests",
                },
            )
        )
    )
    deadline = time.time() + 30
    while True:
        if any(sa.metadata.name == "default" for sa in core.list_namespaced_service_account(name).items):
            break
        if time.time() > deadline:
            raise AssertionError("namespace %s has no default ServiceAccount after 30 s" % name)
        time.sleep(0.2)
    yield name
    core.delete_namespace(name)
