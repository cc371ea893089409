"""lws_gang_wait through ansible against the test cluster: the real LWS controller, kube-scheduler and
kwok fake nodes (test double: no container runs; kwok stages write the pod status a kubelet would:
ready delay, never ready with an ``Unhealthy`` event, crash loop -- tools/testbed/stages/).

The module runs as users run it, ``ansible localhost -m eks_llm.inference.lws_gang_wait`` with the
test cluster's kubeconfig. Expected pod names, GPU slots, event messages and allocatable capacity are
read from the apiserver, not from the module.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.integration.k8s.conftest import NODE_GROUPS
from tests.integration.k8s.helpers import fetched_if, wait_for

pytestmark = pytest.mark.k8s

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LABELS = {
    "app.kubernetes.io/managed-by": "eks_llm.inference",
    "app.kubernetes.io/part-of": "k8s-integration-tests",
}
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
NAME_LABEL = "leaderworkerset.sigs.k8s.io/name"
FAIL_TIMEOUT = 20  # module timeout of the failure cases
MARGIN = 5  # the module fails within timeout + 5 s


@pytest.fixture(autouse=True)
def _our_nodes(testbed_kubeconfig):
    """Re-apply this directory's fake node groups (replace=False) before each test: the test cluster is
    shared, and another session may have replaced its fake nodes since the session fixture ran."""
    from tools.testbed import testbed

    testbed.apply_nodes(NODE_GROUPS, replace=False)


def _template(requests=None, instance_type="m5.xlarge", tolerate=False, annotations=None, name="app"):
    container = {"name": name, "image": "registry.invalid/triton-trtllm:test"}
    if requests:
        container["resources"] = {"requests": dict(requests), "limits": dict(requests)}
    spec = {"nodeSelector": {"node.kubernetes.io/instance-type": instance_type}, "containers": [container]}
    if tolerate:
        spec["tolerations"] = [GPU_TOLERATION]
    metadata = {"labels": dict(LABELS)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"metadata": metadata, "spec": spec}


def _lws(name, worker, leader=None, replicas=1, size=2, restart_policy=None):
    template = {"size": size, "workerTemplate": worker}
    if restart_policy:
        template["restartPolicy"] = restart_policy
    if leader is not None:
        template["leaderTemplate"] = leader
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": name, "labels": LABELS},
        "spec": {"replicas": replicas, "leaderWorkerTemplate": template},
    }


def _create(k8s, namespace, body):
    from kubernetes import client

    client.CustomObjectsApi(k8s).create_namespaced_custom_object(
        "leaderworkerset.x-k8s.io", "v1", namespace, "leaderworkersets", body
    )


def _core(k8s):
    from kubernetes import client

    return client.CoreV1Api(k8s)


def _pods(k8s, namespace, name):
    return _core(k8s).list_namespaced_pod(namespace, label_selector="%s=%s" % (NAME_LABEL, name)).items


def _events(k8s, namespace, pod_name, reason):
    items = _core(k8s).list_namespaced_event(namespace, field_selector="involvedObject.name=%s" % pod_name).items
    return [e.message for e in items if e.reason == reason]


def gang_wait(kubeconfig, check=False, **args):
    """Run the module with ``ansible`` (ad hoc); returns (task result, wall seconds)."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
    )
    args = dict(args, kubeconfig=kubeconfig)
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-i", "localhost,", "-c", "local",
           "-m", "eks_llm.inference.lws_gang_wait", "-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    began = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    wall = time.monotonic() - began
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible printed no JSON (rc %s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    result = out["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert bool(result.get("failed")) == (proc.returncode != 0), (proc.returncode, result)
    return result, wall


def _pod_lines(result, pod_name):
    return [line for line in result["msg"].split("\n") if line.startswith("pod %s " % pod_name)]


def _assert_failed_in_time(result):
    assert result.get("failed") is True, result
    assert FAIL_TIMEOUT <= result["elapsed_s"] <= FAIL_TIMEOUT + MARGIN, result["elapsed_s"]
    assert result["msg"].startswith("Timed out after %d s waiting for LeaderWorkerSet" % FAIL_TIMEOUT)


# ------------------------------------------------------------------------------------------ the gang forms


def test_gang_forms_check_mode_then_wait_then_again(k8s, namespace, testbed_kubeconfig):
    # 2 groups x 2 pods, 2 GPUs + 1 EFA each, on the tainted g5.12xlarge nodes; pods turn Ready after 8 s
    gpu = _template({"cpu": "1", "nvidia.com/gpu": "2", "vpc.amazonaws.com/efa": "1"}, "g5.12xlarge", tolerate=True,
                    annotations={"testbed.eks-llm/ready-delay": "8s"})
    _create(k8s, namespace, _lws("gang", gpu, replicas=2, size=2))

    checked, _wall = gang_wait(testbed_kubeconfig, check=True, name="gang", namespace=namespace, timeout=120)
    assert checked["changed"] is False and checked["ready"] is False
    assert checked["elapsed_s"] < 10, "check mode waits for nothing"
    assert [g["leader"] for g in checked["groups"]] == ["gang-0", "gang-1"]

    result, _wall = gang_wait(testbed_kubeconfig, name="gang", namespace=namespace, timeout=120)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False and result["ready"] is True
    assert (result["replicas"], result["size"]) == (2, 2)

    # what the apiserver says: members by group-index label, GPUs from the pods' limits
    pods = _pods(k8s, namespace, "gang")
    assert all(any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or []) for p in pods)
    expected = {}
    for p in pods:
        group = int(p.metadata.labels["leaderworkerset.sigs.k8s.io/group-index"])
        gpus = sum(int(c.resources.limits.get("nvidia.com/gpu", 0)) for c in p.spec.containers)
        expected.setdefault(group, []).append((p.metadata.name, gpus, p.metadata.labels))
    assert [g["index"] for g in result["groups"]] == [0, 1]
    for group in result["groups"]:
        members = sorted(expected[group["index"]])
        assert group["pods"] == [name for name, _gpus, _labels in members]
        assert group["hosts"] == ["%s:%d" % (name, gpus) for name, gpus, _labels in members]
        leader = [name for name, _g, labels in members if labels["leaderworkerset.sigs.k8s.io/worker-index"] == "0"]
        assert group["leader"] == leader[0]
        assert group["group_key"] == members[0][2]["leaderworkerset.sigs.k8s.io/group-key"]
        assert group["ready"] is True

    again, _wall = gang_wait(testbed_kubeconfig, name="gang", namespace=namespace, timeout=30)
    assert again["changed"] is False and again["ready"] is True
    assert again["groups"] == result["groups"]


# ------------------------------------------------------------------------------------------ failures


def test_worker_never_ready(k8s, namespace, testbed_kubeconfig):
    leader = _template({"cpu": "100m"})
    worker = _template({"cpu": "100m"}, annotations={"testbed.eks-llm/behavior": "never-ready"})
    _create(k8s, namespace, _lws("stuck", worker, leader=leader))

    # as upstream server.py counts (phase Running), the gang is complete
    running, _wall = gang_wait(testbed_kubeconfig, name="stuck", namespace=namespace, timeout=60, condition="Running")
    assert running.get("failed") is not True, running.get("msg")
    assert running["groups"][0]["pods"] == ["stuck-0", "stuck-0-1"]

    result, _wall = gang_wait(testbed_kubeconfig, name="stuck", namespace=namespace, timeout=FAIL_TIMEOUT)
    _assert_failed_in_time(result)
    assert "group 0 (leader stuck-0): 1/2 pods Ready; not Ready: stuck-0-1" in result["msg"].split("\n")
    unhealthy = _events(k8s, namespace, "stuck-0-1", "Unhealthy")
    assert unhealthy, "the never-ready stage records an Unhealthy event"
    lines = _pod_lines(result, "stuck-0-1")
    assert len(lines) == 1 and "readiness failing: %s" % unhealthy[-1] in lines[0], result["msg"]
    assert not _pod_lines(result, "stuck-0"), "the Ready leader is not reported"


def test_efa_shortfall(k8s, namespace, testbed_kubeconfig):
    # g5.12xlarge nodes have 1 EFA interface each; 2 per pod cannot fit
    body = _template({"cpu": "1", "nvidia.com/gpu": "4", "vpc.amazonaws.com/efa": "2"}, "g5.12xlarge", tolerate=True)
    _create(k8s, namespace, _lws("efa", body))
    wait_for(lambda: _events(k8s, namespace, "efa-0", "FailedScheduling"), 60, message="FailedScheduling of efa-0")

    result, _wall = gang_wait(testbed_kubeconfig, name="efa", namespace=namespace, timeout=FAIL_TIMEOUT)
    _assert_failed_in_time(result)
    lines = _pod_lines(result, "efa-0")
    assert len(lines) == 1 and "unschedulable:" in lines[0] and "Insufficient vpc.amazonaws.com/efa" in lines[0]
    # the Ready, tolerated g5.12xlarge nodes and their allocatable EFA, as the apiserver has them
    nodes = [
        n for n in _core(k8s).list_node().items
        if n.metadata.labels.get("node.kubernetes.io/instance-type") == "g5.12xlarge"
        and any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
        and not n.spec.unschedulable
    ]
    allocatable = sum(int(n.status.allocatable.get("vpc.amazonaws.com/efa", "0")) for n in nodes)
    shortfall = [line for line in result["msg"].split("\n") if line.startswith("resource shortfall: vpc.amazonaws.com/efa:")]
    assert len(shortfall) == 1, result["msg"]
    # leader and worker (created with the leader under the default startupPolicy) are both unschedulable
    assert "2 unscheduled pods request 2 each (4 in total)" in shortfall[0]
    assert "short on one node" in shortfall[0]  # 2 wanted, every node has 1 at most
    assert "of %d allocatable" % allocatable in shortfall[0]
    assert "%d matching node" % len(nodes) in shortfall[0]


def test_untolerated_taint(k8s, namespace, testbed_kubeconfig):
    body = _template({"cpu": "1", "nvidia.com/gpu": "4"}, "g5.12xlarge", tolerate=False)
    _create(k8s, namespace, _lws("taint", body))
    wait_for(lambda: _events(k8s, namespace, "taint-0", "FailedScheduling"), 60, message="FailedScheduling of taint-0")

    result, _wall = gang_wait(testbed_kubeconfig, name="taint", namespace=namespace, timeout=FAIL_TIMEOUT)
    _assert_failed_in_time(result)
    lines = _pod_lines(result, "taint-0")
    assert len(lines) == 1 and "untolerated taint {nvidia.com/gpu: present}" in lines[0], result["msg"]
    # the worker follows the leader (default startupPolicy creates it at once): it is reported too
    assert "taint-0-1" in result["msg"]


def test_crash_loop(k8s, namespace, testbed_kubeconfig):
    # restartPolicy None: the LWS controller leaves the crashing pod alone (its default recreates the group)
    worker = _template({"cpu": "100m"}, annotations={"testbed.eks-llm/behavior": "crash-loop"})
    _create(k8s, namespace, _lws("crash", worker, leader=_template({"cpu": "100m"}), restart_policy="None"))

    def crashing():
        pods = [p for p in _pods(k8s, namespace, "crash") if p.metadata.name == "crash-0-1"]
        statuses = pods[0].status.container_statuses if pods else None
        if statuses and statuses[0].state.waiting and statuses[0].state.waiting.reason == "CrashLoopBackOff":
            return statuses[0]
        return None

    wait_for(crashing, 40, message="crash-0-1 in CrashLoopBackOff")
    result, _wall = gang_wait(testbed_kubeconfig, name="crash", namespace=namespace, timeout=FAIL_TIMEOUT)
    _assert_failed_in_time(result)
    status = wait_for(crashing, 5, message="crash-0-1 still crashing")
    lines = _pod_lines(result, "crash-0-1")
    assert len(lines) == 1 and "container app: CrashLoopBackOff" in lines[0], result["msg"]
    assert "last exit code %d (Error)" % status.last_state.terminated.exit_code in lines[0]
    # restarts grow every 10 s: the module saw at least one and no more than the apiserver has now
    restarts = int(lines[0].split("CrashLoopBackOff, ")[1].split(" restart")[0])
    assert 1 <= restarts <= status.restart_count


def test_missing_lws_names_it(namespace, testbed_kubeconfig):
    result, _wall = gang_wait(testbed_kubeconfig, name="absent", namespace=namespace, timeout=3)
    assert result.get("failed") is True
    assert "LeaderWorkerSet %s/absent not found" % namespace in result["msg"]


def test_check_mode_on_missing_lws_reports(namespace, testbed_kubeconfig):
    result, _wall = gang_wait(testbed_kubeconfig, check=True, name="absent", namespace=namespace, timeout=60)
    assert result.get("failed") is not True and result["ready"] is False and result["groups"] == []
    assert result["elapsed_s"] < 10


def test_running_pods_named_as_the_controller_names_them(k8s, namespace, testbed_kubeconfig):
    # replicas/size from the parameters: group 1 of a 2-group LWS is left out
    _create(k8s, namespace, _lws("named", _template({"cpu": "100m"}), replicas=2, size=3))
    wait_for(
        fetched_if(lambda: _pods(k8s, namespace, "named"), lambda pods: len(pods) == 6),
        60,
        message="6 pods",
    )
    result, _wall = gang_wait(testbed_kubeconfig, name="named", namespace=namespace, timeout=60, replicas=1)
    assert result.get("failed") is not True, result.get("msg")
    names = sorted(p.metadata.name for p in _pods(k8s, namespace, "named")
                   if p.metadata.labels["leaderworkerset.sigs.k8s.io/group-index"] == "0")
    assert [g["pods"] for g in result["groups"]] == [names]
    assert result["groups"][0]["hosts"] == ["%s:1" % n for n in names]  # no accelerator: 1 slot each


def test_crash_loop_with_group_recreation(k8s, namespace, testbed_kubeconfig):
    # the default restartPolicy RecreateGroupOnPodRestart: the controller deletes the group at the first restart
    worker = _template({"cpu": "100m"}, annotations={"testbed.eks-llm/behavior": "crash-loop"})
    _create(k8s, namespace, _lws("recreate", worker, leader=_template({"cpu": "100m"})))
    wait_for(lambda: _pods(k8s, namespace, "recreate"), 30, message="pods of recreate")

    result, _wall = gang_wait(testbed_kubeconfig, name="recreate", namespace=namespace, timeout=FAIL_TIMEOUT)
    _assert_failed_in_time(result)
    deleted = [line for line in result["msg"].split("\n") if line.startswith("pod recreate-0-1 (group 0): deleted ")]
    assert len(deleted) == 1, result["msg"]
    assert "last seen: container app: CrashLoopBackOff, 1 restart, last exit code 1 (Error)" in deleted[0]
