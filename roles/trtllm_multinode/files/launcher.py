# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leader launcher of a multi-node Triton + TensorRT-LLM group (mounted from a ConfigMap).

Waits for the gang, then starts one tritonserver rank per GPU of every pod of the group with mpirun.
The gang is the contract of eks_llm.inference.lws_gang_wait: the pods labelled
leaderworkerset.sigs.k8s.io/group-key=<GROUP_KEY>, all GROUP_SIZE of them Ready (not being deleted); the
MPI hosts are "<pod>:<gpus_per_node>" in pod-name order. It watches the pods (kubectl get --watch, one
API watch) instead of polling them every 2 s as the upstream server.py does, and fails with the pods it
still misses when GANG_TIMEOUT runs out. Environment: NAMESPACE, GROUP_KEY, GROUP_SIZE, GPUS_PER_NODE,
WORLD_SIZE, MODEL_REPO, MPIRUN, HTTP_PORT, GRPC_PORT, METRICS_PORT, GANG_TIMEOUT, VERBOSE, ISO8601.
"""

import json
import os
import subprocess
import sys
import time

GROUP_KEY_LABEL = "leaderworkerset.sigs.k8s.io/group-key"


def pod_ready(pod):
    """Ready condition True and not being deleted (lws_gang_wait's condition Ready)."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    for cond in pod.get("status", {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def decode_stream(text):
    """Split concatenated JSON documents (kubectl get --watch -o json); return (objects, rest)."""
    decoder = json.JSONDecoder()
    objects, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return objects, ""
        try:
            obj, end = decoder.raw_decode(text, pos)
        except ValueError:
            return objects, text[pos:]
        objects.extend(obj.get("items", []) if obj.get("kind", "").endswith("List") else [obj])
        pos = end


def hosts(names, gpus_per_node):
    """MPI host slots, sorted by pod name (lws_gang_wait's groups[].hosts)."""
    return ["%s:%d" % (name, gpus_per_node) for name in sorted(names)]


def rank_args(rank, env):
    """tritonserver arguments of one rank (the upstream server.py launch)."""
    args = [
        "tritonserver", "--allow-cpu-metrics=false", "--allow-gpu-metrics=false", "--disable-auto-complete-config",
        "--id=rank%d" % rank, "--model-load-thread-count=2", "--model-repository=%s" % env["MODEL_REPO"],
    ]
    if rank == 0:
        args += ["--allow-metrics=true", "--metrics-interval-ms=1000", "--http-port=%s" % env["HTTP_PORT"],
                 "--grpc-port=%s" % env["GRPC_PORT"], "--metrics-port=%s" % env["METRICS_PORT"]]
        if env.get("VERBOSE") == "true":
            args.append("--log-verbose=1")
        if env.get("ISO8601") == "true":
            args.append("--log-format=ISO8601")
    else:
        args += ["--allow-http=false", "--allow-grpc=false", "--allow-metrics=false", "--model-control-mode=explicit",
                 "--load-model=tensorrt_llm", "--log-info=false", "--log-warning=false"]
    return args


def mpirun_argv(host_slots, env):
    world = int(env["WORLD_SIZE"])
    argv = [env.get("MPIRUN", "mpirun"), "--allow-run-as-root", "--report-bindings", "-mca", "plm_rsh_agent", "kubessh",
            "-np", str(world), "--host", ",".join(host_slots)]
    for rank in range(world):
        if rank:
            argv.append(":")
        argv += ["-n", "1"] + rank_args(rank, env)
    return argv


def wait_for_gang(env):
    """Watch the group's pods until GROUP_SIZE are Ready; return their names."""
    size, timeout = int(env["GROUP_SIZE"]), float(env.get("GANG_TIMEOUT", "1200"))
    deadline = time.monotonic() + timeout
    cmd = ["kubectl", "get", "pods", "-n", env["NAMESPACE"], "-l", "%s=%s" % (GROUP_KEY_LABEL, env["GROUP_KEY"]),
           "--watch", "-o", "json", "--request-timeout=0"]
    pods = {}
    while time.monotonic() < deadline:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        buf = ""
        try:
            os.set_blocking(proc.stdout.fileno(), True)
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                objects, buf = decode_stream(buf + line)
                for pod in objects:
                    pods[pod["metadata"]["name"]] = pod
                ready = sorted(name for name, pod in pods.items() if pod_ready(pod))
                if len(ready) >= size:
                    return ready[:size]
        finally:
            proc.kill()
            proc.wait()
        time.sleep(1)  # the watch ended (API timeout): start a new one from a fresh list
    missing = sorted(name for name, pod in pods.items() if not pod_ready(pod))
    sys.exit("gang not ready after %.0f s: %d of %d pods of group %s Ready; not Ready: %s"
             % (timeout, len(pods) - len(missing), size, env["GROUP_KEY"], ", ".join(missing) or "(not created yet)"))


def main():
    env = dict(os.environ)
    names = wait_for_gang(env)
    argv = mpirun_argv(hosts(names, int(env["GPUS_PER_NODE"])), env)
    print("gang ready: %s" % " ".join(names), flush=True)
    print("exec %s" % " ".join(argv), flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
