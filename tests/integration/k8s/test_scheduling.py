"""Scheduling on the test bed: the real LWS controller, kube-scheduler and kwok fake nodes.

Test double: kwok fake nodes (no containers run, no GPUs). Everything else is upstream code:
kube-apiserver, kube-scheduler (with the my-scheduler profile), kube-controller-manager
(StatefulSets) and the LeaderWorkerSet controller with its webhooks.
"""

import pytest

from tests.integration.k8s.helpers import fetched_if, wait_for

pytestmark = pytest.mark.k8s

LABELS = {
    "app.kubernetes.io/managed-by": "eks_llm.inference",
    "app.kubernetes.io/part-of": "k8s-integration-tests",
}
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def _lws(name, replicas=2, size=2, tolerate=True, instance_type="g5.12xlarge"):
    pod_spec = {
        "nodeSelector": {"node.kubernetes.io/instance-type": instance_type},
        "containers": [
            {
                "name": "triton",
                "image": "registry.invalid/triton-trtllm:test",
                "resources": {
                    "requests": {
                        "cpu": "4",
                        "memory": "16Gi",
                        "nvidia.com/gpu": "4",
                        "vpc.amazonaws.com/efa": "1",
                    },
                    "limits": {"nvidia.com/gpu": "4", "vpc.amazonaws.com/efa": "1"},
                },
            }
        ],
    }
    if tolerate:
        pod_spec["tolerations"] = [GPU_TOLERATION]
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": name, "labels": LABELS},
        "spec": {
            "replicas": replicas,
            "leaderWorkerTemplate": {
                "size": size,
                "workerTemplate": {"metadata": {"labels": LABELS}, "spec": pod_spec},
            },
        },
    }


def _pod(name, resources, **spec):
    """A one-container pod requesting (and limited to) ``resources``; ``spec`` adds pod spec fields."""
    container = {
        "name": "app",
        "image": "registry.invalid/app:test",
        "resources": {"requests": dict(resources), "limits": dict(resources)},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": LABELS},
        "spec": dict(spec, containers=[container]),
    }


def _custom(k8s):
    from kubernetes import client

    return client.CustomObjectsApi(k8s)


def _core(k8s):
    from kubernetes import client

    return client.CoreV1Api(k8s)


def _pods(k8s, namespace, selector=None):
    return _core(k8s).list_namespaced_pod(namespace, label_selector=selector).items


def _ready(pod):
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _scheduling_messages(k8s, namespace, pod_name):
    events = _core(k8s).list_namespaced_event(namespace, field_selector="involvedObject.name=%s" % pod_name).items
    return [e.message for e in events if e.reason == "FailedScheduling"]


def test_lws_groups_scheduled_on_gpu_nodes_and_ready(k8s, namespace):
    custom = _custom(k8s)
    custom.create_namespaced_custom_object(
        "leaderworkerset.x-k8s.io", "v1", namespace, "leaderworkersets", _lws("trtllm")
    )

    # the LWS controller creates the leader StatefulSet and one worker StatefulSet per group
    from kubernetes import client

    apps = client.AppsV1Api(k8s)
    sts = wait_for(
        lambda: (
            [s.metadata.name for s in apps.list_namespaced_stateful_set(namespace).items]
            if len(apps.list_namespaced_stateful_set(namespace).items) >= 3
            else None
        ),
        60,
        message="leader + 2 worker StatefulSets",
    )
    assert sorted(sts) == ["trtllm", "trtllm-0", "trtllm-1"]

    pods = wait_for(
        fetched_if(
            lambda: _pods(k8s, namespace, "leaderworkerset.sigs.k8s.io/name=trtllm"),
            lambda p: len(p) == 4 and all(_ready(x) for x in p),
        ),
        120,
        message="4 Ready LWS pods",
    )
    nodes = {n.metadata.name: n for n in _core(k8s).list_node().items}
    used = set()
    for pod in pods:
        node = nodes[pod.spec.node_name]
        assert node.metadata.labels["node.kubernetes.io/instance-type"] == "g5.12xlarge"
        assert node.status.allocatable["nvidia.com/gpu"] == "4"
        used.add(pod.spec.node_name)
    assert len(used) == 4, "4 GPUs per pod on 4-GPU nodes means one pod per node"
    # the LWS pod webhook labelled the pods with their group and worker index
    indexes = sorted(
        (
            p.metadata.labels["leaderworkerset.sigs.k8s.io/group-index"],
            p.metadata.labels["leaderworkerset.sigs.k8s.io/worker-index"],
        )
        for p in pods
    )
    assert indexes == [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")]

    def lws_available():
        status = custom.get_namespaced_custom_object(
            "leaderworkerset.x-k8s.io", "v1", namespace, "leaderworkersets", "trtllm"
        ).get("status", {})
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        if status.get("readyReplicas") == 2 and conditions.get("Available") == "True":
            return status
        return None

    status = wait_for(lws_available, 60, message="LWS readyReplicas 2 and Available=True")
    assert status["replicas"] == 2


def test_lws_without_toleration_stays_pending_on_taint(k8s, namespace):
    _custom(k8s).create_namespaced_custom_object(
        "leaderworkerset.x-k8s.io",
        "v1",
        namespace,
        "leaderworkersets",
        _lws("untolerated", replicas=1, tolerate=False),
    )
    leader = wait_for(
        lambda: _pods(k8s, namespace, "leaderworkerset.sigs.k8s.io/name=untolerated"),
        60,
        message="leader pod created by the LWS controller",
    )[0]
    messages = wait_for(
        lambda: _scheduling_messages(k8s, namespace, leader.metadata.name),
        60,
        message="FailedScheduling event",
    )
    assert any("untolerated taint {nvidia.com/gpu: present}" in m for m in messages), messages
    pod = _core(k8s).read_namespaced_pod(leader.metadata.name, namespace)
    assert pod.status.phase == "Pending" and not pod.spec.node_name


def test_more_efa_than_a_node_has_stays_pending(k8s, namespace):
    # g5.12xlarge has 1 EFA interface (AWS EFA supported instance types)
    pod = _pod(
        "efa-hungry",
        {"vpc.amazonaws.com/efa": "2"},
        nodeSelector={"node.kubernetes.io/instance-type": "g5.12xlarge"},
        tolerations=[GPU_TOLERATION],
    )
    _core(k8s).create_namespaced_pod(namespace, pod)
    messages = wait_for(lambda: _scheduling_messages(k8s, namespace, "efa-hungry"), 60, message="FailedScheduling")
    assert any("Insufficient vpc.amazonaws.com/efa" in m for m in messages), messages
    assert _core(k8s).read_namespaced_pod("efa-hungry", namespace).status.phase == "Pending"


def test_my_scheduler_places_neuron_pod_on_inf2(k8s, namespace):
    # test data: a Neuron pod bound by the scheduler profile my-scheduler (kube-scheduler-config.yaml)
    pod = _pod("neuron-vllm", {"aws.amazon.com/neuron": "6"}, schedulerName="my-scheduler", restartPolicy="Never")
    _core(k8s).create_namespaced_pod(namespace, pod)
    scheduled = wait_for(
        fetched_if(lambda: _core(k8s).read_namespaced_pod("neuron-vllm", namespace), lambda p: p.spec.node_name),
        60,
        message="pod bound by my-scheduler",
    )
    node = _core(k8s).read_node(scheduled.spec.node_name)
    assert node.metadata.labels["node.kubernetes.io/instance-type"] == "inf2.48xlarge"
    events = _core(k8s).list_namespaced_event(namespace, field_selector="involvedObject.name=neuron-vllm").items
    # the scheduler profile that bound the pod reports as its scheduler name
    assert any(e.reason == "Scheduled" and e.reporting_component == "my-scheduler" for e in events), [
        (e.reason, e.reporting_component) for e in events
    ]
