"""Pure LWS gang logic (plugins/module_utils/lws_gang.py): grouping, readiness, MPI slots, diagnosis.

Pods, events and nodes are dicts in the apiserver's JSON shape (``kubectl get -o json``), written by
hand from the Kubernetes API reference and the LWS pod labels; the expected names, slots and
phrases are worked out from those inputs, not taken from the code's output. Scheduler messages are
the kube-scheduler's wording (the same text the test cluster's real kube-scheduler produces in
tests/integration/k8s/test_scheduling.py).
"""

from decimal import Decimal

import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils import lws_gang

LWS = "leaderworkerset-sample"


def pod(group, worker, phase="Running", ready=True, gpus="4", efa="1", node="node-a", lws=LWS, labels=True,
        container_status=None, conditions=None, deleting=False, **spec):
    name = "%s-%d" % (lws, group) if worker == 0 else "%s-%d-%d" % (lws, group, worker)
    meta = {"name": name, "namespace": "default", "labels": {"leaderworkerset.sigs.k8s.io/name": lws}}
    if labels:
        meta["labels"].update({
            "leaderworkerset.sigs.k8s.io/group-index": str(group),
            "leaderworkerset.sigs.k8s.io/worker-index": str(worker),
            "leaderworkerset.sigs.k8s.io/group-key": "key%d" % group,
        })
    if deleting:
        meta["deletionTimestamp"] = "2026-03-01T10:00:00Z"
    resources = {}
    if gpus is not None:
        resources = {"requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": gpus, "vpc.amazonaws.com/efa": efa},
                     "limits": {"nvidia.com/gpu": gpus, "vpc.amazonaws.com/efa": efa}}
    body = {"containers": [{"name": "triton", "image": "registry.invalid/t:1", "resources": resources}]}
    if node:
        body["nodeName"] = node
    body.update(spec)
    if conditions is None:
        conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    status = {"phase": phase, "conditions": conditions}
    if container_status is not None:
        status["containerStatuses"] = [container_status]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body, "status": status}


def event(pod_name, reason, message, when, kind="Warning"):
    return {
        "kind": "Event",
        "metadata": {"name": "%s.%s" % (pod_name, when), "creationTimestamp": when},
        "involvedObject": {"kind": "Pod", "name": pod_name, "namespace": "default"},
        "reason": reason,
        "message": message,
        "type": kind,
        "lastTimestamp": when,
    }


def node(name, ready="True", gpus="4", efa="1", labels=None, taints=None, unschedulable=False, reason=None):
    body = {}
    if taints:
        body["taints"] = taints
    if unschedulable:
        body["unschedulable"] = True
    cond = {"type": "Ready", "status": ready}
    if reason:
        cond.update(reason=reason, message="Kubelet stopped posting node status.")
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels or {"node.kubernetes.io/instance-type": "g5.12xlarge"})},
        "spec": body,
        "status": {
            "conditions": [cond],
            "allocatable": {"cpu": "47810m", "memory": "187000Mi", "pods": "110", "nvidia.com/gpu": gpus,
                            "vpc.amazonaws.com/efa": efa},
        },
    }


# ------------------------------------------------------------------- indexes, shape, quantities


def test_indexes_from_labels_and_from_names():
    assert lws_gang.pod_indexes(pod(3, 0)) == (3, 0)
    assert lws_gang.pod_indexes(pod(1, 2)) == (1, 2)
    # no index labels (not yet mutated): the LWS naming convention tells
    assert lws_gang.pod_indexes(pod(12, 0, labels=False), LWS) == (12, 0)
    assert lws_gang.pod_indexes(pod(12, 7, labels=False), LWS) == (12, 7)
    stray = pod(0, 0, labels=False)
    stray["metadata"]["name"] = "something-else"
    assert lws_gang.pod_indexes(stray, LWS) is None


def test_lws_shape_and_crd_defaults():
    assert lws_gang.lws_shape({"spec": {"replicas": 2, "leaderWorkerTemplate": {"size": 4}}}) == (2, 4)
    # the CRD defaults both to 1
    assert lws_gang.lws_shape({"spec": {"leaderWorkerTemplate": {}}}) == (1, 1)
    assert lws_gang.lws_shape({"spec": {"replicas": 0, "leaderWorkerTemplate": {"size": 2}}}) == (0, 2)


@pytest.mark.parametrize("text, expected", [
    ("500m", Decimal("0.5")), ("4", Decimal(4)), ("16Gi", Decimal(16 * 1024**3)), ("1k", Decimal(1000)),
    ("187000Mi", Decimal(187000 * 1024**2)), ("1e3", Decimal(1000)), (2, Decimal(2)), (None, Decimal(0)),
])
def test_parse_quantity(text, expected):
    assert lws_gang.parse_quantity(text) == expected


def test_parse_quantity_refuses_garbage():
    with pytest.raises(ValueError):
        lws_gang.parse_quantity("four")


@pytest.mark.parametrize("resources, expected", [
    ({"nvidia.com/gpu": "4"}, 4),
    ({"aws.amazon.com/neuron": "6"}, 6),
    ({"aws.amazon.com/neuroncore": "2"}, 2),
    ({"cpu": "8"}, 1),
])
def test_gpus_per_node_from_limits(resources, expected):
    p = pod(0, 0, gpus=None)
    p["spec"]["containers"][0]["resources"] = {"limits": resources}
    assert lws_gang.gpus_per_node(p) == expected


def test_gpus_per_node_sums_containers_and_falls_back_to_requests():
    p = pod(0, 0, gpus=None)
    p["spec"]["containers"] = [
        {"name": "a", "resources": {"limits": {"nvidia.com/gpu": "2"}}},
        {"name": "b", "resources": {"requests": {"nvidia.com/gpu": "1"}}},
        {"name": "c"},
    ]
    assert lws_gang.gpus_per_node(p) == 3


def test_pod_requests_max_of_init_and_sum_plus_overhead():
    p = pod(0, 0, gpus=None)
    p["spec"]["containers"] = [
        {"name": "a", "resources": {"requests": {"cpu": "1"}}},
        {"name": "b", "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}},
    ]
    p["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "2"}}}]
    p["spec"]["overhead"] = {"cpu": "100m"}
    got = lws_gang.pod_requests(p)
    assert got["cpu"] == Decimal("2.1")
    assert got["memory"] == Decimal(1024**3)


# ------------------------------------------------------------------- readiness and groups


@pytest.mark.parametrize("kwargs, condition, expected", [
    (dict(phase="Running", ready=True), "Ready", True),
    (dict(phase="Running", ready=False), "Ready", False),
    (dict(phase="Running", ready=False), "Running", True),
    (dict(phase="Pending", ready=False), "Running", False),
    (dict(phase="Running", ready=True, deleting=True), "Ready", False),
    (dict(phase="Running", ready=True, deleting=True), "Running", False),
    (dict(phase="Running", conditions=[]), "Ready", False),
])
def test_pod_is_ready(kwargs, condition, expected):
    assert lws_gang.pod_is_ready(pod(0, 0, **kwargs), condition) is expected


def test_pod_is_ready_refuses_unknown_condition():
    with pytest.raises(ValueError):
        lws_gang.pod_is_ready(pod(0, 0), "Healthy")


def test_summarize_two_groups_of_two():
    pods = [pod(1, 1), pod(0, 1), pod(0, 0), pod(1, 0, ready=False)]
    groups = lws_gang.summarize(pods, LWS, 2, 2)
    assert groups == [
        {"index": 0, "leader": "leaderworkerset-sample-0", "workers": ["leaderworkerset-sample-0-1"],
         "pods": ["leaderworkerset-sample-0", "leaderworkerset-sample-0-1"], "ready": True, "ready_pods": 2,
         "group_key": "key0",
         "hosts": ["leaderworkerset-sample-0:4", "leaderworkerset-sample-0-1:4"]},
        {"index": 1, "leader": "leaderworkerset-sample-1", "workers": ["leaderworkerset-sample-1-1"],
         "pods": ["leaderworkerset-sample-1", "leaderworkerset-sample-1-1"], "ready": False, "ready_pods": 1,
         "group_key": "key1",
         "hosts": ["leaderworkerset-sample-1:4", "leaderworkerset-sample-1-1:4"]},
    ]
    assert not lws_gang.all_ready(groups)
    assert lws_gang.all_ready(groups[:1])


def test_summarize_running_condition_counts_unready_running_pods():
    pods = [pod(0, 0, ready=False), pod(0, 1, ready=False)]
    assert lws_gang.summarize(pods, LWS, 1, 2, "Running")[0]["ready"] is True
    assert lws_gang.summarize(pods, LWS, 1, 2, "Ready")[0]["ready"] is False


def test_summarize_missing_pods_and_extra_groups():
    # group 1 is beyond replicas (scale-down leftover); group 0 lacks its worker
    pods = [pod(0, 0), pod(1, 0), pod(1, 1)]
    groups = lws_gang.summarize(pods, LWS, 1, 2)
    assert len(groups) == 1
    assert groups[0]["pods"] == ["leaderworkerset-sample-0", "leaderworkerset-sample-0-1"]
    assert groups[0]["hosts"] == ["leaderworkerset-sample-0:4"]  # no slot for a pod that does not exist
    assert groups[0]["ready"] is False and groups[0]["ready_pods"] == 1


def test_pods_sorted_by_name_as_upstream():
    # upstream server.py sorts names as strings; with 11 pods "-10" sorts before "-2"
    pods = [pod(0, w) for w in range(11)]
    group = lws_gang.summarize(pods, LWS, 1, 11)[0]
    assert group["pods"] == sorted(["leaderworkerset-sample-0"] + ["leaderworkerset-sample-0-%d" % w for w in range(1, 11)])
    assert group["pods"][0] == "leaderworkerset-sample-0"
    assert group["pods"][2] == "leaderworkerset-sample-0-10"
    assert group["workers"][-1] == "leaderworkerset-sample-0-10"


def test_no_groups_is_not_ready():
    assert lws_gang.all_ready([]) is False


# ------------------------------------------------------------------- diagnosis of one pod


EFA_MESSAGE = ("0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
               "4 Insufficient vpc.amazonaws.com/efa. preemption: 0/5 nodes are available: "
               "1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.")
TAINT_MESSAGE = ("0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                 "4 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/5 nodes are available: "
                 "5 Preemption is not helpful for scheduling.")


def test_unschedulable_takes_latest_failed_scheduling_event():
    p = pod(0, 1, phase="Pending", ready=False, node=None)
    events = [event(p["metadata"]["name"], "FailedScheduling", "0/5 nodes are available: old", "2026-03-01T10:00:00Z"),
              event(p["metadata"]["name"], "FailedScheduling", EFA_MESSAGE, "2026-03-01T10:00:09Z")]
    assert lws_gang.pod_problems(p, events) == ["unschedulable: " + EFA_MESSAGE]


def test_unschedulable_from_pod_condition_without_events():
    p = pod(0, 1, phase="Pending", node=None, conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": TAINT_MESSAGE}])
    problems = lws_gang.pod_problems(p, [])
    assert problems == ["unschedulable: " + TAINT_MESSAGE]
    assert "untolerated taint {nvidia.com/gpu: present}" in problems[0]


def test_pending_without_any_scheduler_word():
    p = pod(0, 1, phase="Pending", node=None, conditions=[])
    assert lws_gang.pod_problems(p, []) == ["Pending, not scheduled yet (no scheduling event)"]


def test_crash_loop_restarts_and_exit_code():
    status = {"name": "triton", "ready": False, "restartCount": 3,
              "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
              "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}}}
    p = pod(0, 1, ready=False, container_status=status)
    events = [event(p["metadata"]["name"], "BackOff", "Back-off restarting failed container", "2026-03-01T10:00:09Z")]
    assert lws_gang.pod_problems(p, events, node("node-a")) == [
        "container triton: CrashLoopBackOff, 3 restarts, last exit code 1 (Error)"]


def test_image_pull_back_off():
    status = {"name": "triton", "ready": False, "restartCount": 0,
              "state": {"waiting": {"reason": "ImagePullBackOff",
                                    "message": 'Back-off pulling image "registry.invalid/t:1"'}}}
    p = pod(0, 0, phase="Pending", ready=False, container_status=status)
    assert lws_gang.pod_problems(p, [], node("node-a")) == [
        'container triton: image pull back-off (ImagePullBackOff): Back-off pulling image "registry.invalid/t:1"']


def test_readiness_failing_uses_last_unhealthy_event():
    status = {"name": "triton", "ready": False, "restartCount": 0, "state": {"running": {}}}
    p = pod(0, 0, ready=False, container_status=status)
    name = p["metadata"]["name"]
    events = [
        event(name, "Unhealthy", "Readiness probe failed: connection refused", "2026-03-01T10:00:01Z"),
        event(name, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503",
              "2026-03-01T10:00:05Z"),
        event(name, "Started", "Started container triton", "2026-03-01T10:00:00Z", kind="Normal"),
    ]
    assert lws_gang.pod_problems(p, events, node("node-a")) == [
        "readiness failing: Readiness probe failed: HTTP probe failed with statuscode: 503"]


def test_running_not_ready_without_event():
    p = pod(0, 0, ready=False, conditions=[
        {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [triton]"}])
    assert lws_gang.pod_problems(p, [], node("node-a")) == [
        "Running but not Ready (ContainersNotReady): containers with unready status: [triton]"]


def test_node_not_ready_and_node_gone():
    p = pod(0, 1, ready=False)
    bad = node("node-a", ready="Unknown", reason="NodeStatusUnknown")
    problems = lws_gang.pod_problems(p, [], bad)
    assert problems[0] == ("node node-a not ready: Ready=Unknown (NodeStatusUnknown): "
                           "Kubelet stopped posting node status.")
    assert lws_gang.pod_problems(p, [], None)[0] == "node node-a not found"
    # nodes not readable at all: say nothing about the node
    assert not any("node" in text for text in lws_gang.pod_problems(p, [], None, node_known=False))


def test_other_warning_events_are_reported():
    p = pod(0, 0, phase="Pending", ready=False)
    events = [event(p["metadata"]["name"], "FailedMount",
                    'MountVolume.SetUp failed for volume "model-repository" : not found', "2026-03-01T10:00:01Z")]
    assert lws_gang.pod_problems(p, events, node("node-a"))[-1] == (
        'last warning event FailedMount: MountVolume.SetUp failed for volume "model-repository" : not found')


def test_deleting_and_failed_pods():
    p = pod(0, 0, phase="Failed", ready=False, deleting=True)
    p["status"]["reason"] = "Evicted"
    problems = lws_gang.pod_problems(p, [], node("node-a"))
    assert problems[0] == "being deleted (since 2026-03-01T10:00:00Z)"
    assert problems[1] == "phase Failed (Evicted)"


def test_insufficient_resources_parsing():
    assert lws_gang.insufficient_resources(EFA_MESSAGE) == ["vpc.amazonaws.com/efa"]
    assert lws_gang.insufficient_resources(
        "0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 Insufficient cpu, 4 Too many pods.") == [
        "nvidia.com/gpu", "cpu", "pods"]
    assert lws_gang.insufficient_resources(TAINT_MESSAGE) == []


# ------------------------------------------------------------------- whole diagnosis and shortfall


def test_node_matching_selector_taints_cordon_ready():
    gpu_taint = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    tolerating = pod(0, 0, nodeSelector={"node.kubernetes.io/instance-type": "g5.12xlarge"},
                     tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
    plain = pod(0, 0)
    assert lws_gang.node_matches(tolerating, node("a", taints=gpu_taint))
    assert not lws_gang.node_matches(plain, node("a", taints=gpu_taint))
    assert not lws_gang.node_matches(tolerating, node("a", labels={"node.kubernetes.io/instance-type": "m5.xlarge"}))
    assert not lws_gang.node_matches(tolerating, node("a", unschedulable=True))
    assert not lws_gang.node_matches(tolerating, node("a", ready="False"))
    equal = pod(0, 0, tolerations=[{"key": "nvidia.com/gpu", "operator": "Equal", "value": "present"}])
    assert lws_gang.node_matches(equal, node("a", taints=gpu_taint))


def test_diagnose_efa_shortfall_lines():
    # 2 groups of 2, each pod wants 4 GPUs + 2 EFA; 2 nodes with 1 EFA each, one of them used by another pod
    selector = {"node.kubernetes.io/instance-type": "g5.12xlarge"}
    pods = [pod(0, 0, efa="2", node=None, phase="Pending", ready=False, nodeSelector=selector),
            pod(0, 1, efa="2", node=None, phase="Pending", ready=False, nodeSelector=selector)]
    events = [event(p["metadata"]["name"], "FailedScheduling", EFA_MESSAGE, "2026-03-01T10:00:0%dZ" % i)
              for i, p in enumerate(pods)]
    nodes = [node("gpu-1"), node("gpu-2"), node("cpu-1", labels={"node.kubernetes.io/instance-type": "m5.xlarge"})]
    other = pod(9, 0, lws="other", node="gpu-2", efa="1")
    groups = lws_gang.summarize(pods, LWS, 1, 2)
    lines = lws_gang.diagnose(groups, pods, LWS, "Ready", events=events, nodes=nodes, all_pods=[other])
    assert lines[0] == ("group 0 (leader leaderworkerset-sample-0): 0/2 pods Ready; not Ready: "
                        "leaderworkerset-sample-0, leaderworkerset-sample-0-1")
    assert lines[1] == "pod leaderworkerset-sample-0 (group 0 leader, Pending): unschedulable: " + EFA_MESSAGE
    assert lines[2] == "pod leaderworkerset-sample-0-1 (group 0 worker, Pending): unschedulable: " + EFA_MESSAGE
    # 2 pods x 2 EFA = 4 wanted; gpu-1 has 1 free, gpu-2 has 0 free (1 - 1): 1 short on the freest node, 3 in all
    assert lines[3] == ("resource shortfall: vpc.amazonaws.com/efa: 2 unscheduled pods request 2 each (4 in total); "
                        "2 matching nodes have 1 free of 2 allocatable, at most 1 on one node (gpu-1); "
                        "1 short on one node, 3 short in total")
    assert len(lines) == 4


def test_diagnose_without_node_or_pod_permissions():
    pods = [pod(0, 0, efa="2", node=None, phase="Pending", ready=False)]
    events = [event("leaderworkerset-sample-0", "FailedScheduling", EFA_MESSAGE, "2026-03-01T10:00:00Z")]
    groups = lws_gang.summarize(pods, LWS, 1, 1)
    lines = lws_gang.diagnose(groups, pods, LWS, "Ready", events=events, nodes=None, all_pods=None)
    assert lines[-1] == ("resource shortfall: vpc.amazonaws.com/efa: 1 unscheduled pod requests 2 each (2 in total); "
                         "nodes not readable, free capacity unknown")


def test_diagnose_missing_pods_and_skips_ready_groups():
    pods = [pod(0, 0), pod(0, 1), pod(1, 0, ready=False, container_status={
        "name": "triton", "restartCount": 0, "state": {"running": {}}})]
    groups = lws_gang.summarize(pods, LWS, 2, 2)
    lines = lws_gang.diagnose(groups, pods, LWS, "Ready", events=[], nodes=[node("node-a")], all_pods=[])
    assert lines == [
        "group 1 (leader leaderworkerset-sample-1): 0/2 pods Ready; not Ready: leaderworkerset-sample-1, "
        "leaderworkerset-sample-1-1",
        "pod leaderworkerset-sample-1 (group 1 leader, Running): Running but not Ready",
        "pod leaderworkerset-sample-1-1 (group 1 worker): not created (the LWS controller has not made it yet; "
        "workers wait for the leader with startupPolicy LeaderReady)",
    ]


def test_memory_shortfall_is_readable():
    p = pod(0, 0, node=None, phase="Pending", ready=False, gpus=None)
    p["spec"]["containers"][0]["resources"] = {"requests": {"memory": "200Gi"}}
    msg = "0/1 nodes are available: 1 Insufficient memory."
    lines = lws_gang.shortfall([(p, msg)], [node("gpu-1")], [])
    # allocatable 187000Mi = 182.617 Gi (187000 / 1024); 200Gi - 182.617Gi = 17.383Gi short
    assert lines == ["resource shortfall: memory: 1 unscheduled pod requests 200Gi each (200Gi in total); "
                     "1 matching node has 182.617Gi free of 182.617Gi allocatable, at most 182.617Gi on one node "
                     "(gpu-1); 17.383Gi short on one node, 17.383Gi short in total"]


def test_diagnose_reports_pods_deleted_while_waiting():
    crashed = pod(0, 1, ready=False, container_status={
        "name": "triton", "restartCount": 1, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}})
    leader_before = pod(0, 0)
    now = [pod(0, 0, phase="Pending", ready=False), pod(0, 1, phase="Pending", ready=False)]
    groups = lws_gang.summarize(now, LWS, 1, 2)
    deleted = {"leaderworkerset-sample-0-1": (2, crashed), "leaderworkerset-sample-0": (2, leader_before)}
    lines = lws_gang.diagnose(groups, now, LWS, "Ready", events=[], nodes=[node("node-a")], all_pods=[],
                              deleted=deleted)
    assert len(lines) == 5
    assert lines[3] == (
        "pod leaderworkerset-sample-0 (group 0): deleted 2 times while waiting (under the default restartPolicy "
        "RecreateGroupOnPodRestart the LWS controller recreates a group when one of its pods restarts); "
        "last seen: phase Running")
    assert lines[4].endswith("last seen: container triton: CrashLoopBackOff, 1 restart, last exit code 1 (Error)")
