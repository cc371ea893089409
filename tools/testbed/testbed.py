#!/usr/bin/env python3
"""The local Kubernetes test bed: a real control plane with kwok fake nodes.

Upstream kube-apiserver, kube-controller-manager, kube-scheduler and etcd (built from the Go
module proxy by build.sh) run as local processes under ``kwokctl --runtime binary``; the
kwok controller plays the kubelets of fake EKS nodes (no container runs anywhere); the real
LeaderWorkerSet controller runs as a local process with its admission webhooks.

CLI (``.venv/bin/python tools/testbed/testbed.py ...``)::

    build                                   build the binaries (tools/testbed/build.sh)
    up [--nodes FILE | --scenario NAME]     start (or reuse) the test bed; default scenario triton_vllm
    down                                    stop everything this test bed started
    status                                  components, nodes, kubeconfig
    nodes (--file FILE | --scenario NAME)   apply fake nodes (replaces the other fake nodes)
    kubectl ARGS...                         run the pinned kubectl against the test bed

Python API (pytest fixtures)::

    from tools.testbed import testbed
    kubeconfig = testbed.ensure_up(nodes=[...node groups...])
    testbed.apply_nodes([...]); testbed.stop()
"""

import argparse
import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

TESTBED_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTBED_DIR))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tools.testbed import nodes as nodegen  # noqa: E402

CLUSTER_NAME = "eks-llm-testbed"
STATE_DIR = os.environ.get("EKS_LLM_TESTBED_DIR") or os.path.join(REPO_ROOT, "build", "testbed")
KUBECONFIG = os.path.join(STATE_DIR, "kubeconfig")
KWOK_WORKDIR = os.path.join(STATE_DIR, "kwok")
LWS_DIR = os.path.join(STATE_DIR, "lws")
STATE_FILE = os.path.join(STATE_DIR, "state.json")
LOCK_FILE = os.path.join(STATE_DIR, ".lock")
VERSIONS_FILE = os.path.join(TESTBED_DIR, "versions.env")
BUILD_SH = os.path.join(TESTBED_DIR, "build.sh")
CRD_DIR = os.path.join(TESTBED_DIR, "crds")
STAGE_DIR = os.path.join(TESTBED_DIR, "stages")
SCENARIO_DIR = os.path.join(TESTBED_DIR, "scenarios")
SCHEDULER_CONFIG = os.path.join(TESTBED_DIR, "kube-scheduler-config.yaml")
DEFAULT_SCENARIO = "triton_vllm"
BINARIES = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "kwok",
    "kwokctl",
    "kubectl",
    "helm",
    "lws-controller",
)
STAND_IN = (
    "test double: kwok fake nodes (no containers run, no GPUs); real kube-apiserver, "
    "kube-scheduler, kube-controller-manager, etcd and LeaderWorkerSet controller"
)
LWS_WEBHOOK_NAME = "eks-llm-testbed-lws"


class TestbedError(RuntimeError):
    """The test bed could not be built, started or reached."""


def log(message):
    print("[testbed %s] %s" % (time.strftime("%H:%M:%S"), message), file=sys.stderr, flush=True)


# ---------------------------------------------------------------- versions and binaries


def versions():
    """KEY=value pairs of versions.env."""
    result = {}
    with open(VERSIONS_FILE) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                result[key.strip()] = value.strip()
    return result


def bin_dir():
    """The per-version cache directory build.sh fills (same rule as build.sh)."""
    root = os.environ.get("EKS_LLM_TESTBED_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "eks_llm_testbed"
    )
    with open(VERSIONS_FILE, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    return os.path.join(root, digest, "bin")


def binary(name):
    return os.path.join(bin_dir(), name)


def missing_binaries():
    return [name for name in BINARIES if not os.access(binary(name), os.X_OK)]


def build():
    """Build the binaries (idempotent)."""
    subprocess.run(["bash", BUILD_SH], check=True)
    missing = missing_binaries()
    if missing:
        raise TestbedError("build.sh finished but these are missing: %s" % ", ".join(missing))


# ---------------------------------------------------------------- small helpers


def _run(args, check=True, capture=True, env=None, timeout=300):
    merged = dict(os.environ)
    merged.update(env or {})
    proc = subprocess.run(args, capture_output=capture, text=True, env=merged, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise TestbedError(
            "command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(args), proc.stdout or "", proc.stderr or "")
        )
    return proc


def kubectl(*args, check=True, timeout=300):
    """Run the pinned kubectl against the test bed; returns the CompletedProcess."""
    return _run(
        [binary("kubectl"), "--kubeconfig", KUBECONFIG] + list(args),
        check=check,
        env={"KUBECACHEDIR": os.path.join(STATE_DIR, "kube-cache")},
        timeout=timeout,
    )


def _kwokctl(*args, check=True, timeout=300):
    return _run(
        [binary("kwokctl"), "--name", CLUSTER_NAME] + list(args),
        check=check,
        env={"KWOK_WORKDIR": KWOK_WORKDIR, "KUBECONFIG": KUBECONFIG},
        timeout=timeout,
    )


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _locked():
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state():
    try:
        with open(STATE_FILE) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _write_state(state):
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
    os.replace(tmp, STATE_FILE)


def _pid_alive(pid, needle):
    """True if ``pid`` runs a command line containing ``needle`` (guards against reuse)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return needle.encode() in handle.read()
    except (OSError, TypeError):
        return False


# ---------------------------------------------------------------- kubernetes client


def api_client():
    """A kubernetes.client.ApiClient for the test bed."""
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=KUBECONFIG, client_configuration=configuration)
    return client.ApiClient(configuration)


def _apiserver_ready(timeout=2):
    if not os.path.exists(KUBECONFIG):
        return False
    try:
        with api_client() as api:
            method, url, headers, _, _ = api.param_serialize("GET", "/readyz", auth_settings=["BearerToken"])
            response = api.call_api(method, url, headers, _request_timeout=timeout)
            response.read()
            return response.status == 200 and response.data.strip() == b"ok"
    except Exception:  # any failure means "not reachable"
        return False


# ---------------------------------------------------------------- configuration files


def _write_kwokctl_config():
    v = versions()
    scheduler_config = os.path.join(STATE_DIR, "kube-scheduler-config.yaml")
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
            "cacheDir": os.path.join(KWOK_WORKDIR, "cache"),
            "bindAddress": "127.0.0.1",
            "quietPull": True,
            "disableQPSLimits": True,
        },
    }
    path = os.path.join(STATE_DIR, "kwokctl.yaml")
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return path


# ---------------------------------------------------------------- LWS controller


def _lws_certificates():
    """Self-signed CA and a serving certificate for 127.0.0.1; returns the CA PEM."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_dir = os.path.join(LWS_DIR, "certs")
    os.makedirs(cert_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = now + datetime.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eks-llm-testbed webhook CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    with open(os.path.join(cert_dir, "ca.crt"), "wb") as handle:
        handle.write(ca_pem)
    with open(os.path.join(cert_dir, "tls.crt"), "wb") as handle:
        handle.write(cert.public_bytes(pem))
    fd = os.open(os.path.join(cert_dir, "tls.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_pem, cert_dir


def _webhook_configurations(port, ca_pem):
    """URL-based webhook configurations for the local LWS controller. The paths, rules and
    object selectors are those of the LWS v0.9/v0.10 manifests (config/webhook)."""
    import base64

    ca_bundle = base64.b64encode(ca_pem).decode()

    def hook(name, path, group, resources, operations, pod_selector=False):
        item = {
            "name": name,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "timeoutSeconds": 10,
            "clientConfig": {"url": "https://127.0.0.1:%d%s" % (port, path), "caBundle": ca_bundle},
            "rules": [
                {
                    "apiGroups": [group],
                    "apiVersions": ["v1"],
                    "operations": operations,
                    "resources": resources,
                }
            ],
        }
        if pod_selector:
            item["objectSelector"] = {
                "matchExpressions": [{"key": "leaderworkerset.sigs.k8s.io/name", "operator": "Exists"}]
            }
        return item

    labels = {"app.kubernetes.io/managed-by": "eks-llm-testbed"}
    mutating = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": LWS_WEBHOOK_NAME, "labels": labels},
        "webhooks": [
            hook(
                "mleaderworkerset.kb.io",
                "/mutate-leaderworkerset-x-k8s-io-v1-leaderworkerset",
                "leaderworkerset.x-k8s.io",
                ["leaderworkersets"],
                ["CREATE", "UPDATE"],
            ),
            hook("mpod.kb.io", "/mutate--v1-pod", "", ["pods"], ["CREATE"], pod_selector=True),
        ],
    }
    validating = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": LWS_WEBHOOK_NAME, "labels": labels},
        "webhooks": [
            hook(
                "vleaderworkerset.kb.io",
                "/validate-leaderworkerset-x-k8s-io-v1-leaderworkerset",
                "leaderworkerset.x-k8s.io",
                ["leaderworkersets"],
                ["CREATE", "UPDATE"],
            ),
            hook(
                "vpod.kb.io",
                "/validate--v1-pod",
                "",
                ["pods"],
                ["CREATE", "UPDATE"],
                pod_selector=True,
            ),
            hook(
                "vdisaggregatedset.kb.io",
                "/validate-disaggregatedset-x-k8s-io-v1-disaggregatedset",
                "disaggregatedset.x-k8s.io",
                ["disaggregatedsets"],
                ["CREATE", "UPDATE"],
            ),
        ],
    }
    return [mutating, validating]


def _wait_tls(port, timeout):
    deadline = time.time() + timeout
    context = ssl.create_default_context(cafile=os.path.join(LWS_DIR, "certs", "ca.crt"))
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                with context.wrap_socket(sock, server_hostname="127.0.0.1"):
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _wait_http_ok(url, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _start_lws(state):
    """Start the LWS controller as a local process and register its webhooks."""
    os.makedirs(LWS_DIR, exist_ok=True)
    ca_pem, cert_dir = _lws_certificates()
    port, probe_port = _free_port(), _free_port()
    config = {
        "apiVersion": "config.lws.x-k8s.io/v1alpha1",
        "kind": "Configuration",
        "leaderElection": {"leaderElect": False},
        "internalCertManagement": {"enable": False},
        "webhook": {"host": "127.0.0.1", "port": port, "certDir": cert_dir},
        "metrics": {"bindAddress": "0"},
        "health": {"healthProbeBindAddress": "127.0.0.1:%d" % probe_port},
    }
    config_path = os.path.join(LWS_DIR, "config.yaml")
    with open(config_path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    log_path = os.path.join(LWS_DIR, "lws-controller.log")
    env = dict(os.environ, KUBECONFIG=KUBECONFIG)
    with open(log_path, "ab") as log_handle:
        proc = subprocess.Popen(
            [binary("lws-controller"), "--config", config_path, "--zap-log-level", "info"],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    state["lws"] = {"pid": proc.pid, "port": port, "probe_port": probe_port, "log": log_path}
    _write_state(state)
    if not _wait_http_ok("http://127.0.0.1:%d/readyz" % probe_port, 60) or not _wait_tls(port, 60):
        raise TestbedError("LWS controller did not become ready; see %s" % log_path)
    _apply_objects(_webhook_configurations(port, ca_pem))
    log("LWS controller %s running (pid %d, webhooks on 127.0.0.1:%d)" % (versions()["LWS_VERSION"], proc.pid, port))


def _stop_pid(pid, needle, timeout=15):
    if not _pid_alive(pid, needle):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline and _pid_alive(pid, needle):
        time.sleep(0.2)
    if _pid_alive(pid, needle):
        os.kill(pid, signal.SIGKILL)


def _lws_alive(state):
    lws = state.get("lws") or {}
    return bool(lws.get("pid")) and _pid_alive(lws["pid"], "lws-controller")


# ---------------------------------------------------------------- applying objects


def _apply_objects(objects):
    """Server-side apply a list of objects with the pinned kubectl."""
    path = os.path.join(STATE_DIR, "apply-%d.yaml" % os.getpid())
    with open(path, "w") as handle:
        yaml.safe_dump_all(objects, handle, sort_keys=False)
    try:
        kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "testbed", "-f", path)
    finally:
        os.unlink(path)


def _apply_crds_and_stages():
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager",
        "testbed",
        "-R",
        "-f",
        CRD_DIR,
    )
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "testbed", "-f", STAGE_DIR)


# ---------------------------------------------------------------- nodes


def load_scenario(name):
    """The node groups of a named preset in tools/testbed/scenarios/<name>.yml."""
    path = os.path.join(SCENARIO_DIR, "%s.yml" % name)
    if not os.path.exists(path):
        known = sorted(f[:-4] for f in os.listdir(SCENARIO_DIR) if f.endswith(".yml"))
        raise TestbedError("unknown scenario %r; known: %s" % (name, ", ".join(known)))
    return load_node_groups(path)


def load_node_groups(path):
    """Node groups from a YAML file: a list, or a mapping with ``node_groups``."""
    with open(path) as handle:
        data = yaml.safe_load(handle)
    if isinstance(data, dict):
        region = data.get("region")
        groups = data.get("node_groups") or []
        if region:
            groups = [dict(group, region=group.get("region", region)) for group in groups]
        return groups
    if isinstance(data, list):
        return data
    raise TestbedError("%s: expected a list of node groups or a mapping with node_groups" % path)


def _spec_hash(node):
    return hashlib.sha256(json.dumps(node, sort_keys=True).encode()).hexdigest()[:16]


def apply_nodes(node_groups, replace=True, wait=True, timeout=60):
    """Create the fake nodes of ``node_groups``; with ``replace`` delete other fake nodes.
    Returns the node names. Unchanged nodes are kept (their pods stay)."""
    with _locked():
        return _apply_nodes(node_groups, replace=replace, wait=wait, timeout=timeout)


def _apply_nodes(node_groups, replace=True, wait=True, timeout=60):
    from kubernetes import client

    desired = nodegen.nodes_for_groups(node_groups)
    for node in desired:
        node["metadata"]["annotations"]["testbed.eks-llm/spec-hash"] = _spec_hash(node)
    with api_client() as api:
        core = client.CoreV1Api(api)
        existing = {
            n.metadata.name: n
            for n in core.list_node().items
            if (n.metadata.annotations or {}).get(nodegen.KWOK_ANNOTATION) == "fake"
        }
        names = [n["metadata"]["name"] for n in desired]
        stale = [name for name in existing if name not in names] if replace else []
        for node in desired:
            name = node["metadata"]["name"]
            old = existing.get(name)
            want = node["metadata"]["annotations"]["testbed.eks-llm/spec-hash"]
            if old is not None:
                if (old.metadata.annotations or {}).get("testbed.eks-llm/spec-hash") == want:
                    continue
                stale.append(name)
        for name in stale:
            core.delete_node(name)
        for name in stale:
            _wait_gone(core, name)
        created = 0
        for node in desired:
            name = node["metadata"]["name"]
            if name in existing and name not in stale:
                continue
            core.create_node(node)
            created += 1
        log("nodes: %d wanted, %d created, %d removed/replaced" % (len(desired), created, len(stale)))
        if wait:
            _wait_nodes_ready(core, names, timeout)
    return names


def _wait_gone(core, name, timeout=30):
    from kubernetes.client.rest import ApiException

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            core.read_node(name)
        except ApiException as exc:
            if exc.status == 404:
                return
            raise
        time.sleep(0.2)
    raise TestbedError("node %s was not deleted within %ds" % (name, timeout))


def _wait_nodes_ready(core, names, timeout):
    deadline = time.time() + timeout
    pending = set(names)
    while time.time() < deadline:
        for node in core.list_node().items:
            if node.metadata.name in pending:
                for cond in node.status.conditions or []:
                    if cond.type == "Ready" and cond.status == "True":
                        pending.discard(node.metadata.name)
        if not pending:
            return
        time.sleep(0.3)
    raise TestbedError("fake nodes not Ready after %ds: %s" % (timeout, ", ".join(sorted(pending))))


# ---------------------------------------------------------------- lifecycle


def is_up():
    """True if a test bed started from this checkout answers and its LWS controller runs."""
    state = _read_state()
    return bool(state.get("complete")) and _apiserver_ready() and _lws_alive(state)


def _up_locked(node_groups, replace=True):
    missing = missing_binaries()
    if missing:
        log("binaries missing (%s): running build.sh (slow the first time)" % ", ".join(missing))
        build()
    state = _read_state()
    if state.get("complete") and state.get("bin_dir") != bin_dir():
        log("versions.env changed since this test bed started: recreating it")
    elif state.get("complete") and _apiserver_ready():
        if not _lws_alive(state):
            log("LWS controller not running: restarting it")
            _start_lws(state)
        if node_groups is not None:
            _apply_nodes(node_groups, replace=replace)
        return KUBECONFIG

    started = time.time()
    _teardown_locked(quiet=True)
    try:
        return _create_locked(node_groups, started)
    except BaseException:
        if os.environ.get("EKS_LLM_TESTBED_KEEP_FAILED"):
            log("start failed; left running for inspection (EKS_LLM_TESTBED_KEEP_FAILED)")
        else:
            log("start failed; tearing down (set EKS_LLM_TESTBED_KEEP_FAILED=1 to inspect)")
            _teardown_locked(quiet=True)
        raise


def _create_locked(node_groups, started):
    os.makedirs(KWOK_WORKDIR, exist_ok=True)
    config_path = _write_kwokctl_config()
    log("creating cluster %s (kwokctl --runtime binary, Kubernetes %s)" % (CLUSTER_NAME, versions()["K8S_VERSION"]))
    _kwokctl(
        "create",
        "cluster",
        "--config",
        config_path,
        "--kubeconfig",
        KUBECONFIG,
        "--wait",
        "60s",
        "--timeout",
        "120s",
    )
    state = {"cluster": CLUSTER_NAME, "bin_dir": bin_dir(), "created": time.time(), "complete": False}
    _write_state(state)
    if not _apiserver_ready(timeout=5):
        raise TestbedError("kube-apiserver not ready after kwokctl create cluster")
    api_ready = time.time() - started
    _apply_crds_and_stages()
    _start_lws(state)
    _apply_nodes(node_groups if node_groups is not None else load_scenario(DEFAULT_SCENARIO))
    state["api_ready_seconds"] = round(api_ready, 1)
    state["up_seconds"] = round(time.time() - started, 1)
    state["complete"] = True
    _write_state(state)
    log(
        "test bed up: API ready in %.1f s, everything in %.1f s; KUBECONFIG=%s"
        % (api_ready, state["up_seconds"], KUBECONFIG)
    )
    log(STAND_IN)
    return KUBECONFIG


def ensure_up(nodes=None, scenario=None, replace=True):
    """Reuse a running test bed or start one; apply ``nodes`` (node groups) or the
    ``scenario`` preset if given (``replace=False``: keep the other fake nodes, for a test bed
    shared with other sessions). Returns the kubeconfig path."""
    if nodes is not None and scenario is not None:
        raise ValueError("give nodes or scenario, not both")
    node_groups = nodes if nodes is not None else (load_scenario(scenario) if scenario else None)
    with _locked():
        return _up_locked(node_groups, replace=replace)


def _teardown_locked(quiet=False):
    state = _read_state()
    lws = state.get("lws") or {}
    if lws.get("pid"):
        _stop_pid(lws["pid"], "lws-controller")
    if os.path.isdir(os.path.join(KWOK_WORKDIR, "clusters", CLUSTER_NAME)) and os.path.exists(binary("kwokctl")):
        proc = _kwokctl("delete", "cluster", "--kubeconfig", KUBECONFIG, check=False, timeout=120)
        if proc.returncode != 0 and not quiet:
            log("kwokctl delete cluster failed: %s" % (proc.stderr or proc.stdout))
    for path in (STATE_FILE, KUBECONFIG):
        if os.path.exists(path):
            os.unlink(path)


def stop():
    """Stop the LWS controller and delete the kwok cluster (all its processes)."""
    with _locked():
        _teardown_locked()
    log("test bed stopped")


def status():
    """A dict describing the test bed."""
    state = _read_state()
    info = {
        "cluster": state.get("cluster"),
        "kubeconfig": KUBECONFIG if os.path.exists(KUBECONFIG) else None,
        "apiserver_ready": _apiserver_ready(),
        "lws_controller_running": _lws_alive(state),
        "bin_dir": bin_dir(),
        "missing_binaries": missing_binaries(),
        "stand_in": STAND_IN,
    }
    if info["apiserver_ready"]:
        from kubernetes import client

        with api_client() as api:
            nodes = client.CoreV1Api(api).list_node().items
        info["nodes"] = [
            {
                "name": n.metadata.name,
                "instance_type": n.metadata.labels.get("node.kubernetes.io/instance-type"),
                "group": (n.metadata.annotations or {}).get(nodegen.GROUP_ANNOTATION),
                "ready": any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or []),
            }
            for n in nodes
        ]
        info["components"] = _kwokctl("get", "components", check=False).stdout.strip()
    return info


# ---------------------------------------------------------------- CLI


def main(argv=None):
    parser = argparse.ArgumentParser(prog="testbed.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the pinned binaries into the cache")
    up = sub.add_parser("up", help="start or reuse the test bed")
    group = up.add_mutually_exclusive_group()
    group.add_argument("--nodes", metavar="FILE", help="YAML file of node groups")
    group.add_argument("--scenario", metavar="NAME", help="preset in tools/testbed/scenarios/")
    sub.add_parser("down", help="stop the test bed")
    sub.add_parser("status", help="show the test bed state")
    nodes = sub.add_parser("nodes", help="apply fake nodes (replaces other fake nodes)")
    group = nodes.add_mutually_exclusive_group(required=True)
    group.add_argument("--file", metavar="FILE")
    group.add_argument("--scenario", metavar="NAME")
    nodes.add_argument("--keep-others", action="store_true", help="do not delete other fake nodes")
    kc = sub.add_parser("kubectl", help="run kubectl against the test bed")
    kc.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            build()
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
            groups = load_node_groups(args.file) if args.file else load_scenario(args.scenario)
            if not _apiserver_ready():
                raise TestbedError("the test bed is not running (testbed.py up)")
            for name in apply_nodes(groups, replace=not args.keep_others):
                print(name)
        elif args.command == "kubectl":
            env = dict(os.environ, KUBECACHEDIR=os.path.join(STATE_DIR, "kube-cache"))
            return subprocess.call([binary("kubectl"), "--kubeconfig", KUBECONFIG] + args.args, env=env)
    except (TestbedError, nodegen.NodeGroupError) as exc:
        log("error: %s" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
