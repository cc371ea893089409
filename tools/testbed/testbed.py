#!/usr/bin/env python3
"""The local Kubernetes test cluster: a real control plane with kwok fake nodes.

Upstream kube-apiserver, kube-controller-manager, kube-scheduler and etcd (built from the Go
module proxy by build.sh) run as local processes under ``kwokctl --runtime binary``; the
kwok controller plays the kubelets of fake EKS nodes (no container runs anywhere); the real
LeaderWorkerSet controller runs as a local process with its admission webhooks.

This module is the life cycle (start, reuse, stop, status) and the command line; the parts are
``runtime`` (paths, binaries, processes, lock), ``cluster`` (API client, CRDs, applying nodes),
``nodes`` (node groups -> fake Node objects) and ``lws_webhook`` (LWS controller and webhooks).

CLI (``.venv/bin/python tools/testbed/testbed.py ...``)::

    build                                   build the binaries (tools/testbed/build.sh)
    up [--nodes FILE | --scenario NAME]     start (or reuse) the test cluster; default scenario triton_vllm
    down                                    stop everything this test cluster started
    status                                  components, nodes, kubeconfig
    nodes (--file FILE | --scenario NAME)   apply fake nodes (replaces the other fake nodes)
    kubectl ARGS...                         run the pinned kubectl against the test cluster

A scenario's nodes come from its ``group_vars/scenario_<name>.yml`` (``vpc_eks_core_node_group``
and ``gpu_nodegroup_node_groups``); FILE is a YAML list of node groups in the same shape, or a
variables file with those two variables.

Python API (pytest fixtures)::

    from tools.testbed import testbed
    kubeconfig = testbed.ensure_up(scenario="triton_vllm")          # or nodes=[...node groups...]
    testbed.apply_nodes([...]); testbed.stop()
"""

import argparse
import os
import subprocess
import sys
import time

import yaml

TESTBED_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTBED_DIR))
if sys.path and os.path.abspath(sys.path[0]) == TESTBED_DIR:
    sys.path.pop(0)  # run as a script: import the sibling modules as tools.testbed.*, not top-level
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tools.testbed import cluster, lws_webhook, runtime  # noqa: E402
from tools.testbed import nodes as nodegen  # noqa: E402
from tools.testbed.cluster import api_client  # noqa: E402,F401  (public API)
from tools.testbed.runtime import KUBECONFIG, TestbedError, log  # noqa: E402

SCHEDULER_CONFIG = os.path.join(TESTBED_DIR, "kube-scheduler-config.yaml")
DEFAULT_SCENARIO = "triton_vllm"
STAND_IN = (
    "test double: kwok fake nodes (no containers run, no GPUs); real kube-apiserver, "
    "kube-scheduler, kube-controller-manager, etcd and LeaderWorkerSet controller"
)


def load_node_groups(path):
    """Node groups from a YAML file: a list of node groups (role shape), or a variables file
    with ``vpc_eks_core_node_group`` / ``gpu_nodegroup_node_groups``."""
    with open(path) as handle:
        data = yaml.safe_load(handle)
    if isinstance(data, dict):
        return nodegen.node_groups_from_vars(data, source=path)
    if isinstance(data, list):
        try:
            return [nodegen.role_shaped(group) for group in data]
        except nodegen.NodeGroupError as exc:
            raise nodegen.NodeGroupError("%s: %s" % (path, exc))
    raise TestbedError("%s: expected a list of node groups or a variables file with node groups" % path)


def apply_nodes(node_groups, zones=None, replace=True, wait=True, timeout=60):
    """Create the fake nodes of ``node_groups``; with ``replace`` delete other fake nodes.
    Returns the node names. Unchanged nodes are kept (their pods stay)."""
    with runtime.locked():
        return cluster.apply_nodes(node_groups, zones=zones, replace=replace, wait=wait, timeout=timeout)


# ---------------------------------------------------------------- lifecycle


def _write_kwokctl_config():
    v = runtime.versions()
    binary = runtime.binary
    scheduler_config = os.path.join(runtime.STATE_DIR, "kube-scheduler-config.yaml")
    with open(SCHEDULER_CONFIG) as src, open(scheduler_config, "w") as dst:
        dst.write(src.read())
    config = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        "options": {
            "runtime": "binary",
            "kubeVersion": v["K8S_VERSION"],
            "etcdVersion": v["ETCD_VERSION"].lstrip("v"),
            "kwokVersion": v["KWOK_VERSION"],
            "kubeApiserverBinary": binary("kube-apiserver"),
            "kubeControllerManagerBinary": binary("kube-controller-manager"),
            "kubeSchedulerBinary": binary("kube-scheduler"),
            "kubectlBinary": binary("kubectl"),
            "etcdBinary": binary("etcd"),
            "kwokControllerBinary": binary("kwok"),
            "kubeSchedulerConfig": scheduler_config,
            "enableCRDs": ["Stage"],
            "cacheDir": os.path.join(runtime.KWOK_WORKDIR, "cache"),
            "bindAddress": "127.0.0.1",
            "quietPull": True,
            "disableQPSLimits": True,
        },
    }
    path = os.path.join(runtime.STATE_DIR, "kwokctl.yaml")
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return path


def is_up():
    """True if a test cluster started from this checkout answers and its LWS controller runs."""
    state = runtime.read_state()
    return bool(state.get("complete")) and cluster.apiserver_ready() and lws_webhook.alive(state)


def _up_locked(node_groups, zones, replace=True):
    missing = runtime.missing_binaries()
    if missing:
        log("binaries missing (%s): running build.sh (slow the first time)" % ", ".join(missing))
        runtime.build()
    state = runtime.read_state()
    if state.get("complete") and state.get("bin_dir") != runtime.bin_dir():
        log("versions.env changed since this test cluster started: recreating it")
    elif state.get("complete") and cluster.apiserver_ready():
        if not lws_webhook.alive(state):
            log("LWS controller not running: restarting it")
            lws_webhook.start(state)
        if node_groups is not None:
            cluster.apply_nodes(node_groups, zones=zones, replace=replace)
        return KUBECONFIG

    started = time.time()
    _teardown_locked(quiet=True)
    try:
        return _create_locked(node_groups, zones, started)
    except BaseException:
        if os.environ.get("EKS_LLM_TESTBED_KEEP_FAILED"):
            log("start failed; left running for inspection (EKS_LLM_TESTBED_KEEP_FAILED)")
        else:
            log("start failed; tearing down (set EKS_LLM_TESTBED_KEEP_FAILED=1 to inspect)")
            _teardown_locked(quiet=True)
        raise


def _create_locked(node_groups, zones, started):
    os.makedirs(runtime.KWOK_WORKDIR, exist_ok=True)
    config_path = _write_kwokctl_config()
    log(
        "creating cluster %s (kwokctl --runtime binary, Kubernetes %s)"
        % (runtime.CLUSTER_NAME, runtime.versions()["K8S_VERSION"])
    )
    runtime.kwokctl(
        "create", "cluster", "--config", config_path, "--kubeconfig", KUBECONFIG, "--wait", "60s", "--timeout", "120s"
    )
    state = {"cluster": runtime.CLUSTER_NAME, "bin_dir": runtime.bin_dir(), "created": time.time(), "complete": False}
    runtime.write_state(state)
    if not cluster.apiserver_ready(timeout=5):
        raise TestbedError("kube-apiserver not ready after kwokctl create cluster")
    api_ready = time.time() - started
    cluster.apply_crds_and_stages()
    lws_webhook.start(state)
    if node_groups is None:
        node_groups = nodegen.node_groups_for(DEFAULT_SCENARIO)
    cluster.apply_nodes(node_groups, zones=zones)
    state["api_ready_seconds"] = round(api_ready, 1)
    state["up_seconds"] = round(time.time() - started, 1)
    state["complete"] = True
    runtime.write_state(state)
    log(
        "test cluster up: API ready in %.1f s, everything in %.1f s; KUBECONFIG=%s"
        % (api_ready, state["up_seconds"], KUBECONFIG)
    )
    log(STAND_IN)
    return KUBECONFIG


def ensure_up(nodes=None, scenario=None, zones=None, replace=True):
    """Reuse a running test cluster or start one; apply ``nodes`` (node groups, role shape) or the
    node groups of ``scenario`` (its group_vars/scenario_<name>.yml) if given. ``zones`` default
    to the rehearsal inventory's. ``replace=False`` keeps the other fake nodes, for a test cluster
    shared with other sessions. Returns the kubeconfig path."""
    if nodes is not None and scenario is not None:
        raise ValueError("give nodes or scenario, not both")
    node_groups = nodes if nodes is not None else (nodegen.node_groups_for(scenario) if scenario else None)
    with runtime.locked():
        return _up_locked(node_groups, zones, replace=replace)


def _teardown_locked(quiet=False):
    lws_webhook.stop(runtime.read_state())
    kwok_cluster_dir = os.path.join(runtime.KWOK_WORKDIR, "clusters", runtime.CLUSTER_NAME)
    if os.path.isdir(kwok_cluster_dir) and os.path.exists(runtime.binary("kwokctl")):
        proc = runtime.kwokctl("delete", "cluster", "--kubeconfig", KUBECONFIG, check=False, timeout=120)
        if proc.returncode != 0 and not quiet:
            log("kwokctl delete cluster failed: %s" % (proc.stderr or proc.stdout))
    for path in (runtime.STATE_FILE, KUBECONFIG):
        if os.path.exists(path):
            os.unlink(path)


def stop():
    """Stop the LWS controller and delete the kwok cluster (all its processes)."""
    with runtime.locked():
        _teardown_locked()
    log("test cluster stopped")


def status():
    """A dict describing the test cluster."""
    state = runtime.read_state()
    info = {
        "cluster": state.get("cluster"),
        "kubeconfig": KUBECONFIG if os.path.exists(KUBECONFIG) else None,
        "apiserver_ready": cluster.apiserver_ready(),
        "lws_controller_running": lws_webhook.alive(state),
        "bin_dir": runtime.bin_dir(),
        "missing_binaries": runtime.missing_binaries(),
        "stand_in": STAND_IN,
    }
    if info["apiserver_ready"]:
        info["nodes"] = cluster.node_summary()
        info["components"] = runtime.kwokctl("get", "components", check=False).stdout.strip()
    return info


# ---------------------------------------------------------------- CLI


def _parser():
    parser = argparse.ArgumentParser(prog="testbed.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the pinned binaries into the cache")
    up = sub.add_parser("up", help="start or reuse the test cluster")
    group = up.add_mutually_exclusive_group()
    group.add_argument("--nodes", metavar="FILE", help="YAML file of node groups (role shape)")
    group.add_argument("--scenario", metavar="NAME", help="nodes of group_vars/scenario_NAME.yml")
    sub.add_parser("down", help="stop the test cluster")
    sub.add_parser("status", help="show the test cluster state")
    nodes = sub.add_parser("nodes", help="apply fake nodes (replaces other fake nodes)")
    group = nodes.add_mutually_exclusive_group(required=True)
    group.add_argument("--file", metavar="FILE", help="YAML file of node groups (role shape)")
    group.add_argument("--scenario", metavar="NAME", help="nodes of group_vars/scenario_NAME.yml")
    nodes.add_argument("--keep-others", action="store_true", help="do not delete other fake nodes")
    kc = sub.add_parser("kubectl", help="run kubectl against the test cluster")
    kc.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            runtime.build()
        elif args.command == "up":
            started = time.time()
            groups = load_node_groups(args.nodes) if args.nodes else None
            ensure_up(nodes=groups, scenario=args.scenario)
            print(KUBECONFIG)
            log("ready in %.1f s (export KUBECONFIG=%s)" % (time.time() - started, KUBECONFIG))
        elif args.command == "down":
            stop()
        elif args.command == "status":
            info = status()
            print(yaml.safe_dump(info, sort_keys=False), end="")
            return 0 if info["apiserver_ready"] and info["lws_controller_running"] else 1
        elif args.command == "nodes":
            groups = load_node_groups(args.file) if args.file else nodegen.node_groups_for(args.scenario)
            if not cluster.apiserver_ready():
                raise TestbedError("the test cluster is not running (testbed.py up)")
            for name in apply_nodes(groups, replace=not args.keep_others):
                print(name)
        elif args.command == "kubectl":
            env = dict(os.environ, **runtime.kubectl_env())
            return subprocess.call([runtime.binary("kubectl"), "--kubeconfig", KUBECONFIG] + args.args, env=env)
    except (TestbedError, nodegen.NodeGroupError) as exc:
        log("error: %s" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
