"""lws_gang_wait without a cluster: the list-then-watch loop over a fake CoreV1Api/CustomObjectsApi/Watch.

The fakes answer as the kubernetes client does with ``_preload_content=False`` (a response whose
``data`` is the apiserver's JSON) and as ``Watch.stream(..., deserialize=False)`` does (dict events
``{"type", "object"}``; an expired watch raises ApiException 410). A fake clock moves only when the
fake watch ends by its server-side timeout or the module pauses after a transient error. ``main()``
runs with ``patch_module_args`` and ``exit_json``/``fail_json`` patched to raise.
"""

import functools
import json

import pytest
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.rest import ApiException

from ansible_collections.eks_llm.inference.plugins.module_utils import lws_gang
from ansible_collections.eks_llm.inference.plugins.modules import lws_gang_wait
from tests.support.module_exits import ExitJson, FailJson, patch_module_exits
from tests.unit.plugins.module_utils.test_lws_gang import EFA_MESSAGE, event, node, pod

LWS = "leaderworkerset-sample"
NS = "default"
SELECTOR = "leaderworkerset.sigs.k8s.io/name=leaderworkerset-sample"
LWS_OBJ = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
           "metadata": {"name": LWS, "namespace": NS},
           "spec": {"replicas": 1, "leaderWorkerTemplate": {"size": 2}}}


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Response:
    def __init__(self, body):
        self.data = json.dumps(body).encode()


def with_version(obj, version):
    obj = json.loads(json.dumps(obj))
    obj["metadata"]["resourceVersion"] = str(version)
    return obj


class FakeCore:
    """CoreV1Api: pod lists (one body per call, the last repeats), events, nodes, all pods."""

    def __init__(self, pod_lists, events=(), nodes=(), all_pods=(), forbidden=()):
        self.pod_lists = list(pod_lists)
        self.events = list(events)
        self.nodes = list(nodes)
        self.all_pods = list(all_pods)
        self.forbidden = set(forbidden)
        self.calls = []

    def list_namespaced_pod(self, namespace, **kwargs):
        self.calls.append(("list_namespaced_pod", namespace, kwargs))
        if kwargs.get("watch"):
            raise AssertionError("the fake watch replaces watch calls")
        items, version = self.pod_lists.pop(0) if len(self.pod_lists) > 1 else self.pod_lists[0]
        return Response({"kind": "PodList", "metadata": {"resourceVersion": str(version)}, "items": items})

    def _answer(self, what, items):
        self.calls.append((what,))
        if what in self.forbidden:
            raise ApiException(status=403, reason="Forbidden")
        return Response({"items": items})

    def list_namespaced_event(self, namespace, **kwargs):
        assert kwargs["field_selector"] == "involvedObject.kind=Pod"
        return self._answer("events", self.events)

    def list_node(self, **kwargs):
        return self._answer("nodes", self.nodes)

    def list_pod_for_all_namespaces(self, **kwargs):
        return self._answer("all_pods", self.all_pods)


_SEED_LWS = object()  # FakeCustom's default: the seed LeaderWorkerSet (None means "not there")


class FakeCustom:
    def __init__(self, lws=_SEED_LWS, appear_after=0):
        self.lws = LWS_OBJ if lws is _SEED_LWS else lws
        self.appear_after = appear_after
        self.gets = 0

    def get_namespaced_custom_object(self, group, version, namespace, plural, name, **kwargs):
        assert (group, version, plural, namespace, name) == ("leaderworkerset.x-k8s.io", "v1", "leaderworkersets", NS, LWS)
        self.gets += 1
        if self.lws is None or self.gets <= self.appear_after:
            raise ApiException(status=404, reason="Not Found")
        return self.lws

    def list_namespaced_custom_object(self, *args, **kwargs):
        raise AssertionError("the fake watch replaces watch calls")


CLOSED = "closed by the server"


class FakeWatches:
    """Scripted watches: each ``stream`` call takes the next script, a list of events, exceptions,
    seconds passing and CLOSED (the server ends the watch).
    A script that runs out ends as the server's timeoutSeconds would: at the watch's start plus it."""

    def __init__(self, clock, scripts):
        self.clock = clock
        self.scripts = list(scripts)
        self.calls = []
        self.closed = 0

    def __call__(self):
        return self

    def stream(self, func, *args, **kwargs):
        self.calls.append((func.__name__, args, kwargs))
        script = self.scripts.pop(0) if self.scripts else []
        return self._gen(script, self.clock.now + kwargs["timeout_seconds"])

    def _gen(self, script, ends):
        try:
            for item in script:
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, (int, float)):  # time passes
                    self.clock.now += item
                    continue
                if item == CLOSED:  # the server ends the watch early
                    return
                yield item
            self.clock.now = max(self.clock.now, ends)
        finally:
            self.closed += 1

    def stop(self):
        pass


def params(**over):
    base = dict(name=LWS, namespace=NS, timeout=20, replicas=None, size=None, condition="Ready")
    base.update(over)
    return base


def watcher(core, custom, watches, clock, **over):
    return lws_gang_wait.GangWatcher(core, custom, watches, params(**over), clock=clock, sleep=clock.sleep)


def modified(p, version):
    return {"type": "MODIFIED", "object": with_version(p, version)}


# ------------------------------------------------------------------- waiting


def test_returns_on_the_event_that_makes_the_gang_ready():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1, ready=False)], 100)])
    watches = FakeWatches(clock, [[3, modified(pod(0, 1, ready=False), 101), 2, modified(pod(0, 1), 102),
                                   AssertionError("read past the ready event")]])
    result = watcher(core, FakeCustom(), watches, clock).run()
    assert result["ready"] is True and result["changed"] is False
    assert result["elapsed_s"] == 5.0  # the two pauses in the script, nothing more
    assert (result["replicas"], result["size"]) == (1, 2)
    assert result["groups"] == [{
        "index": 0, "leader": "leaderworkerset-sample-0", "workers": ["leaderworkerset-sample-0-1"],
        "pods": ["leaderworkerset-sample-0", "leaderworkerset-sample-0-1"], "ready": True, "ready_pods": 2,
        "group_key": "key0", "hosts": ["leaderworkerset-sample-0:4", "leaderworkerset-sample-0-1:4"]}]
    name, args, kwargs = watches.calls[0]
    assert name == "list_namespaced_pod" and args == (NS,)
    assert kwargs["label_selector"] == SELECTOR
    assert kwargs["resource_version"] == "100"  # watch from the list, no gap
    assert kwargs["timeout_seconds"] == 20
    assert watches.closed == 1
    assert clock.sleeps == []  # no sleep-polling


def test_already_ready_needs_no_watch():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1)], 7)])
    watches = FakeWatches(clock, [])
    assert watcher(core, FakeCustom(), watches, clock).run()["ready"] is True
    assert watches.calls == []


def test_added_and_deleted_pods_and_bookmarks():
    clock = Clock()
    core = FakeCore([([pod(0, 0)], 10)])
    watches = FakeWatches(clock, [[
        {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "11"}}},
        {"type": "ADDED", "object": with_version(pod(0, 1, ready=False), 12)},
        {"type": "DELETED", "object": with_version(pod(0, 0), 13)},
        20,
        CLOSED,
    ], [
        {"type": "ADDED", "object": with_version(pod(0, 0), 14)},
        modified(pod(0, 1), 15),
    ]])
    result = watcher(core, FakeCustom(), watches, clock, timeout=60).run()
    assert result["ready"] is True
    # the second watch resumes after the last event of the first
    assert watches.calls[1][2]["resource_version"] == "13"
    assert watches.calls[1][2]["timeout_seconds"] == 40  # 60 s minus the 20 s the first watch ran


def test_pods_deleted_while_waiting_are_diagnosed():
    clock = Clock()
    crashed = pod(0, 1, ready=False, container_status={
        "name": "triton", "restartCount": 1, "lastState": {"terminated": {"exitCode": 3, "reason": "Error"}},
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}})
    core = FakeCore([([pod(0, 0), pod(0, 1, ready=False)], 100)], nodes=[node("node-a")])
    watches = FakeWatches(clock, [[
        {"type": "DELETED", "object": with_version(crashed, 101)},
        {"type": "ADDED", "object": with_version(pod(0, 1, phase="Pending", ready=False), 102)},
    ]])
    with pytest.raises(lws_gang.GangError) as err:
        watcher(core, FakeCustom(), watches, clock).run()
    assert err.value.result["diagnosis"][-1].startswith("pod leaderworkerset-sample-0-1 (group 0): deleted 1 time ")
    assert err.value.result["diagnosis"][-1].endswith("CrashLoopBackOff, 1 restart, last exit code 3 (Error)")


def test_expired_watch_lists_again():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1, ready=False)], 100), ([pod(0, 0), pod(0, 1, ready=False)], 500)])
    watches = FakeWatches(clock, [[ApiException(status=410, reason="Expired: too old resource version")],
                                  [modified(pod(0, 1), 501)]])
    result = watcher(core, FakeCustom(), watches, clock).run()
    assert result["ready"] is True
    assert watches.calls[1][2]["resource_version"] == "500"
    assert [c[0] for c in core.calls].count("list_namespaced_pod") == 2


def test_transient_error_is_retried_after_a_short_pause():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1, ready=False)], 100)])
    watches = FakeWatches(clock, [[ApiException(status=503, reason="Service Unavailable")], [modified(pod(0, 1), 101)]])
    assert watcher(core, FakeCustom(), watches, clock).run()["ready"] is True
    assert clock.sleeps == [lws_gang_wait.RETRY_PAUSE]


def test_forbidden_is_raised_at_once():
    clock = Clock()
    core = FakeCore([([pod(0, 0, ready=False)], 100)])
    watches = FakeWatches(clock, [[ApiException(status=403, reason="Forbidden")]])
    with pytest.raises(ApiException) as err:
        watcher(core, FakeCustom(), watches, clock).run()
    assert err.value.status == 403


def test_timeout_fails_with_diagnosis_within_the_timeout():
    clock = Clock()
    pending = pod(0, 1, efa="2", node=None, phase="Pending", ready=False)
    core = FakeCore(
        [([pod(0, 0), pending], 100)],
        events=[event("leaderworkerset-sample-0-1", "FailedScheduling", EFA_MESSAGE, "2026-03-01T10:00:00Z")],
        nodes=[node("gpu-1")],
        all_pods=[pod(0, 0, node="gpu-1")],
    )
    watches = FakeWatches(clock, [[5, modified(pending, 101)], [modified(pending, 102), 4.5]])
    with pytest.raises(lws_gang.GangError) as err:
        watcher(core, FakeCustom(), watches, clock, timeout=20).run()
    lines = err.value.msg.split("\n")
    assert lines[0] == ("Timed out after 20 s waiting for LeaderWorkerSet default/leaderworkerset-sample: "
                        "0 of 1 groups ready (size 2, condition Ready)")
    assert lines[1] == ("group 0 (leader leaderworkerset-sample-0): 1/2 pods Ready; not Ready: "
                        "leaderworkerset-sample-0-1")
    assert lines[2] == "pod leaderworkerset-sample-0-1 (group 0 worker, Pending): unschedulable: " + EFA_MESSAGE
    # gpu-1: 1 EFA allocatable, the leader bound there holds it
    assert lines[3] == ("resource shortfall: vpc.amazonaws.com/efa: 1 unscheduled pod requests 2 each (2 in total); "
                        "1 matching node has 0 free of 1 allocatable, at most 0 on one node (gpu-1); "
                        "2 short on one node, 2 short in total")
    assert err.value.result["diagnosis"] == lines[1:]
    assert err.value.result["elapsed_s"] == 20.0
    assert err.value.result["ready"] is False
    # every watch asked the server to end by the deadline
    assert [c[2]["timeout_seconds"] for c in watches.calls] == [20]


def test_diagnosis_says_what_it_could_not_read():
    clock = Clock()
    core = FakeCore([([pod(0, 0, node=None, phase="Pending", ready=False)], 1)], forbidden={"nodes", "events", "all_pods"})
    with pytest.raises(lws_gang.GangError) as err:
        watcher(core, FakeCustom(), FakeWatches(clock, []), clock, size=1).run()
    assert "(events not readable (HTTP 403 Forbidden))" in err.value.result["diagnosis"]
    assert "(nodes not readable (HTTP 403 Forbidden))" in err.value.result["diagnosis"]


# ------------------------------------------------------------------- the LeaderWorkerSet object


def test_parameters_override_the_lws_spec():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(1, 0), pod(1, 1, ready=False)], 1)])
    result = watcher(core, FakeCustom(), FakeWatches(clock, []), clock, replicas=1, size=1).run()
    assert result["ready"] is True and (result["replicas"], result["size"]) == (1, 1)
    assert [g["pods"] for g in result["groups"]] == [["leaderworkerset-sample-0"]]


def test_missing_lws_with_replicas_and_size_watches_pods_alone():
    clock = Clock()
    core = FakeCore([([pod(0, 0)], 1)])
    custom = FakeCustom(lws=None)
    result = watcher(core, custom, FakeWatches(clock, []), clock, replicas=1, size=1).run()
    assert result["ready"] is True and custom.gets == 1


def test_missing_lws_is_waited_for():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1)], 1)])
    custom = FakeCustom(appear_after=1)
    watches = FakeWatches(clock, [[2, {"type": "ADDED", "object": with_version(LWS_OBJ, 9)}]])
    result = watcher(core, custom, watches, clock).run()
    assert result["ready"] is True and custom.gets == 2
    assert watches.calls[0][0] == "list_namespaced_custom_object"
    assert watches.calls[0][2]["field_selector"] == "metadata.name=leaderworkerset-sample"


def test_missing_lws_times_out_with_its_name():
    clock = Clock()
    custom = FakeCustom(lws=None)
    with pytest.raises(lws_gang.GangError) as err:
        watcher(FakeCore([([], 1)]), custom, FakeWatches(clock, []), clock, timeout=5).run()
    assert err.value.msg.startswith("Timed out after 5 s waiting for LeaderWorkerSet default/leaderworkerset-sample "
                                    "not found")
    assert clock.now - 1000.0 == 5


def test_zero_replicas_is_ready_at_once():
    clock = Clock()
    lws = dict(LWS_OBJ, spec={"replicas": 0, "leaderWorkerTemplate": {"size": 2}})
    result = watcher(FakeCore([([], 1)]), FakeCustom(lws=lws), FakeWatches(clock, []), clock).run()
    assert result["ready"] is True and result["groups"] == []


# ------------------------------------------------------------------- check mode


def test_check_mode_reports_and_waits_for_nothing():
    clock = Clock()
    core = FakeCore([([pod(0, 0), pod(0, 1, ready=False, container_status={
        "name": "triton", "restartCount": 4, "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}})], 1)], nodes=[node("node-a")])
    watches = FakeWatches(clock, [])
    result = watcher(core, FakeCustom(), watches, clock).run(check_mode=True)
    assert watches.calls == [] and clock.now == 1000.0
    assert result["ready"] is False and result["changed"] is False
    assert result["diagnosis"][1] == ("pod leaderworkerset-sample-0-1 (group 0 worker, Running): container triton: "
                                      "CrashLoopBackOff, 4 restarts, last exit code 137 (OOMKilled)")


def test_check_mode_missing_lws():
    clock = Clock()
    result = watcher(FakeCore([([], 1)]), FakeCustom(lws=None), FakeWatches(clock, []), clock).run(check_mode=True)
    assert result["ready"] is False and result["groups"] == []
    assert "not found" in result["diagnosis"][0]


# ------------------------------------------------------------------- main()


@pytest.fixture()
def fake_cluster(monkeypatch):
    """main() over the fakes: get_api_client, CoreV1Api, CustomObjectsApi and Watch patched."""
    clock = Clock()
    state = dict(core=None, custom=FakeCustom(), watches=FakeWatches(clock, []), auth=[])

    class Client:
        client = type("Dynamic", (), {"client": "api-client"})()

    def get_api_client(module):
        state["auth"].append(module.params.get("kubeconfig"))
        return Client()

    class Apis:
        @staticmethod
        def CoreV1Api(api):
            assert api == "api-client"
            return state["core"]

        @staticmethod
        def CustomObjectsApi(api):
            return state["custom"]

    class WatchModule:
        @staticmethod
        def Watch():
            return state["watches"]

    monkeypatch.setattr(lws_gang_wait, "get_api_client", get_api_client)
    monkeypatch.setattr(lws_gang_wait, "k8s_client", Apis)
    monkeypatch.setattr(lws_gang_wait, "k8s_watch", WatchModule)
    # the fake clock, which the fake watches move
    monkeypatch.setattr(lws_gang_wait, "GangWatcher",
                        functools.partial(lws_gang_wait.GangWatcher, clock=clock, sleep=clock.sleep))

    patch_module_exits(monkeypatch)
    return state


def run_main(args, ending):
    with patch_module_args(args):
        with pytest.raises(ending) as err:
            lws_gang_wait.main()
    return err.value.args[0]


def test_main_success_passes_auth_options(fake_cluster):
    fake_cluster["core"] = FakeCore([([pod(0, 0), pod(0, 1)], 1)])
    result = run_main(dict(name=LWS, namespace=NS, kubeconfig="/tmp/kubeconfig", timeout=5), ExitJson)
    assert result["changed"] is False and result["ready"] is True
    assert result["groups"][0]["hosts"] == ["leaderworkerset-sample-0:4", "leaderworkerset-sample-0-1:4"]
    assert fake_cluster["auth"] == ["/tmp/kubeconfig"]


def test_main_check_mode(fake_cluster):
    fake_cluster["core"] = FakeCore([([pod(0, 0)], 1)], nodes=[node("node-a")])
    result = run_main(dict(name=LWS, namespace=NS, _ansible_check_mode=True), ExitJson)
    assert result["ready"] is False
    assert result["diagnosis"][1].startswith("pod leaderworkerset-sample-0-1 (group 0 worker): not created")


def test_main_timeout_fails_with_groups_and_diagnosis(fake_cluster):
    fake_cluster["core"] = FakeCore([([pod(0, 0, ready=False)], 1)], nodes=[node("node-a")])
    result = run_main(dict(name=LWS, namespace=NS, timeout=3, size=1), FailJson)
    assert result["msg"].startswith("Timed out after 3 s waiting for LeaderWorkerSet default/leaderworkerset-sample")
    assert result["msg"].endswith("pod leaderworkerset-sample-0 (group 0 leader, Running): Running but not Ready")
    assert result["groups"][0]["ready"] is False and result["elapsed_s"] == 3.0


def test_main_api_error_is_actionable(fake_cluster):
    fake_cluster["core"] = FakeCore([([pod(0, 0, ready=False)], 1)])
    fake_cluster["watches"].scripts = [[ApiException(status=403, reason="Forbidden")]]
    result = run_main(dict(name=LWS, namespace=NS, timeout=3, size=1), FailJson)
    assert result["msg"] == ("Failed to watch the pods of LeaderWorkerSet default/leaderworkerset-sample: HTTP 403 "
                             "Forbidden; check the kubeconfig and the RBAC permissions (get leaderworkersets, "
                             "list/watch pods)")


@pytest.mark.parametrize("bad, message", [
    (dict(size=0), "size must be >= 1 (the leader counts), got 0"),
    (dict(timeout=-1), "timeout must be >= 0, got -1"),
    (dict(condition="Healthy"), "value of condition must be one of: Ready, Running, got: Healthy"),
])
def test_main_refuses_bad_input(fake_cluster, bad, message):
    fake_cluster["core"] = FakeCore([([], 1)])
    result = run_main(dict(dict(name=LWS, namespace=NS), **bad), FailJson)
    assert result["msg"] == message
