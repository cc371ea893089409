#!/usr/bin/env python
"""How soon ``lws_gang_wait`` returns after the last pod of a LeaderWorkerSet turns Ready.

On the local test cluster (tools/testbed: real kube-apiserver, kube-scheduler and LWS controller;
kwok fake nodes, a test double in which no container runs), each run creates a LeaderWorkerSet
(1 group of ``--size`` pods on an m5.xlarge fake node) whose pods turn Ready ``--ready-delay``
after they start (kwok stage annotation ``testbed.eks-llm/ready-delay``), and starts
``ansible localhost -m eks_llm.inference.lws_gang_wait`` at once, so that the module is already
watching when the pods turn Ready. Meanwhile this script watches the same pods itself and notes
when it sees the last one turn Ready; the module has returned when ansible prints the task result.
The notice time is the difference (it includes ansible printing the result; the readiness the
script sees and the one the module sees come from the same apiserver watch stream).
Prints every run and the median. Target: <= 1 s. Not a test (no timed assertions in tests); run:

    .venv/bin/python benchmarks/lws_gang_notice.py [--runs 5] [--ready-delay 10] [--size 2]

The test cluster is started when it is not up (tools/testbed/build.sh must have built its binaries)
and left running; its fake nodes are added with replace=False (shared test cluster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tools.testbed import testbed  # noqa: E402

# benchmark input (not a product value): one CPU fake node, as the k8s tests' "system" group
NODE_GROUPS = [dict(name="system", instance_type="m5.xlarge", min_size=1, max_size=1, desired_size=1)]
LABELS = {
    "app.kubernetes.io/managed-by": "eks_llm.inference",
    "app.kubernetes.io/part-of": "lws-gang-notice-benchmark",
}
NAME = "gang"


def lws_body(size, ready_delay):
    template = {
        "metadata": {"labels": dict(LABELS), "annotations": {"testbed.eks-llm/ready-delay": "%ds" % ready_delay}},
        "spec": {
            "nodeSelector": {"node.kubernetes.io/instance-type": "m5.xlarge"},
            "containers": [{"name": "app", "image": "registry.invalid/app:bench",
                            "resources": {"requests": {"cpu": "10m"}, "limits": {"cpu": "10m"}}}],
        },
    }
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": NAME, "labels": LABELS},
        "spec": {"replicas": 1, "leaderWorkerTemplate": {"size": size, "workerTemplate": template}},
    }


class ReadyWatcher(threading.Thread):
    """Watches the pods of the LWS; ``last_ready`` is the monotonic time it saw the size-th pod Ready."""

    def __init__(self, api, namespace, size):
        super().__init__(daemon=True)
        from kubernetes import client, watch

        self.core = client.CoreV1Api(api)
        self.watch = watch.Watch()
        self.namespace = namespace
        self.size = size
        self.ready = set()
        self.last_ready = None
        self.transition_times = {}

    def run(self):
        stream = self.watch.stream(
            self.core.list_namespaced_pod, self.namespace, label_selector="leaderworkerset.sigs.k8s.io/name=" + NAME,
            timeout_seconds=300, deserialize=False,
        )
        for event in stream:
            pod = event["object"]
            name = pod["metadata"]["name"]
            conds = {c["type"]: c for c in (pod.get("status") or {}).get("conditions") or []}
            if conds.get("Ready", {}).get("status") == "True" and name not in self.ready:
                self.ready.add(name)
                self.transition_times[name] = conds["Ready"].get("lastTransitionTime")
                if len(self.ready) == self.size:
                    self.last_ready = time.monotonic()
                    self.watch.stop()
                    return


def one_run(api, kubeconfig, size, ready_delay, timeout):
    from kubernetes import client

    core = client.CoreV1Api(api)
    namespace = "bench-%s" % uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace, labels=LABELS)))
    try:
        deadline = time.time() + 30
        while not any(sa.metadata.name == "default" for sa in core.list_namespaced_service_account(namespace).items):
            if time.time() > deadline:
                raise RuntimeError("namespace %s has no default ServiceAccount" % namespace)
            time.sleep(0.2)
        watcher = ReadyWatcher(api, namespace, size)
        watcher.start()
        client.CustomObjectsApi(api).create_namespaced_custom_object(
            "leaderworkerset.x-k8s.io", "v1", namespace, "leaderworkersets", lws_body(size, ready_delay)
        )
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, PYTHONUNBUFFERED="1")
        args = json.dumps(dict(name=NAME, namespace=namespace, kubeconfig=kubeconfig, timeout=timeout))
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-i", "localhost,", "-c", "local",
               "-m", "eks_llm.inference.lws_gang_wait", "-a", args]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_line = proc.stdout.readline()
        printed = time.monotonic()
        rest, err = proc.communicate()
        watcher.join(10)
        if proc.returncode != 0 or "SUCCESS" not in first_line:
            raise RuntimeError("lws_gang_wait failed (rc %s):\n%s%s\n%s" % (proc.returncode, first_line, rest, err))
        if watcher.last_ready is None:
            raise RuntimeError("the script's own watch did not see %d Ready pods" % size)
        return dict(
            namespace=namespace,
            notice_s=printed - watcher.last_ready,
            module_started_before_ready_s=watcher.last_ready - started,
            ready_transitions=sorted(watcher.transition_times.values()),
        )
    finally:
        core.delete_namespace(namespace)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ready-delay", type=int, default=10, help="seconds from pod start to Ready (kwok stage)")
    parser.add_argument("--size", type=int, default=2, help="pods per group")
    parser.add_argument("--timeout", type=int, default=120, help="the module's timeout")
    opts = parser.parse_args(argv)

    kubeconfig = testbed.ensure_up(nodes=NODE_GROUPS, replace=False)
    api = testbed.api_client()
    print("stand-in: %s" % testbed.STAND_IN)
    notices = []
    for index in range(opts.runs):
        run = one_run(api, kubeconfig, opts.size, opts.ready_delay, opts.timeout)
        if run["module_started_before_ready_s"] < 3:
            print("run %d: pods were Ready %.1f s after ansible started (module maybe not watching yet); skipped"
                  % (index + 1, run["module_started_before_ready_s"]))
            continue
        notices.append(run["notice_s"])
        print("run %d: returned %.3f s after the last pod turned Ready (ansible started %.1f s before it; "
              "Ready transitions %s)" % (index + 1, run["notice_s"], run["module_started_before_ready_s"],
                                         ", ".join(run["ready_transitions"])))
    if not notices:
        print("no usable run")
        return 1
    median = statistics.median(notices)
    print("lws_gang_wait notice time: median %.3f s over %d runs (min %.3f, max %.3f); target <= 1 s: %s"
          % (median, len(notices), min(notices), max(notices), "met" if median <= 1.0 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
