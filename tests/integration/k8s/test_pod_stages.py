"""kwok stages of the test bed: per-pod annotations ask for a ready delay, a never-ready
container or a crash loop (tools/testbed/stages/).

Test double: kwok fake nodes -- no container runs; kwok writes the pod status a kubelet would.
"""

import datetime
import time

import pytest

from tests.integration.k8s.helpers import fetched_if, wait_for

pytestmark = pytest.mark.k8s

LABELS = {
    "app.kubernetes.io/managed-by": "eks_llm.inference",
    "app.kubernetes.io/part-of": "k8s-integration-tests",
}


def _pod(name, annotations):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": LABELS, "annotations": annotations},
        "spec": {
            "nodeSelector": {"node.kubernetes.io/instance-type": "m5.xlarge"},
            "containers": [{"name": "app", "image": "registry.invalid/app:test"}],
        },
    }


def _core(k8s):
    from kubernetes import client

    return client.CoreV1Api(k8s)


def _condition(pod, kind):
    for cond in pod.status.conditions or []:
        if cond.type == kind:
            return cond
    return None


def test_ready_delay_annotation(k8s, namespace):
    delay = 12
    core = _core(k8s)
    core.create_namespaced_pod(namespace, _pod("slow-pull", {"testbed.eks-llm/ready-delay": "%ds" % delay}))
    started = wait_for(
        fetched_if(lambda: core.read_namespaced_pod("slow-pull", namespace), lambda p: p.status.pod_ip),
        30,
        message="pod started on a fake node",
    )
    created = started.metadata.creation_timestamp
    time.sleep(delay / 2)
    pod = core.read_namespaced_pod("slow-pull", namespace)
    assert pod.status.phase == "Pending"
    assert _condition(pod, "Ready").status == "False"
    assert pod.status.container_statuses[0].state.waiting.reason == "ContainerCreating"

    ready = wait_for(
        fetched_if(
            lambda: core.read_namespaced_pod("slow-pull", namespace),
            lambda p: _condition(p, "Ready") and _condition(p, "Ready").status == "True",
        ),
        delay + 30,
        message="pod Ready after the delay",
    )
    became_ready = _condition(ready, "Ready").last_transition_time
    # apiserver timestamps have 1 s resolution
    assert became_ready - created >= datetime.timedelta(seconds=delay - 1), (created, became_ready)
    assert ready.status.phase == "Running"


def test_never_ready_annotation(k8s, namespace):
    core = _core(k8s)
    core.create_namespaced_pod(namespace, _pod("stuck", {"testbed.eks-llm/behavior": "never-ready"}))
    pod = wait_for(
        fetched_if(lambda: core.read_namespaced_pod("stuck", namespace), lambda p: p.status.phase == "Running"),
        30,
        message="pod Running",
    )
    time.sleep(3)
    pod = core.read_namespaced_pod("stuck", namespace)
    assert _condition(pod, "Ready").status == "False"
    assert pod.status.container_statuses[0].ready is False


def test_crash_loop_annotation(k8s, namespace):
    core = _core(k8s)
    core.create_namespaced_pod(namespace, _pod("crasher", {"testbed.eks-llm/behavior": "crash-loop"}))

    def crashing():
        pod = core.read_namespaced_pod("crasher", namespace)
        statuses = pod.status.container_statuses or []
        if statuses and statuses[0].state.waiting and statuses[0].state.waiting.reason == "CrashLoopBackOff":
            return statuses[0]
        return None

    status = wait_for(crashing, 40, message="CrashLoopBackOff")
    assert status.restart_count >= 1
    assert status.last_state.terminated.exit_code == 1
