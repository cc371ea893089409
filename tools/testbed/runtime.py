"""Where the test cluster lives and how its processes run: paths, pinned binaries, commands,
the per-checkout lock and state file, and process supervision.

Nothing here knows about nodes, CRDs or the LWS controller (see ``cluster`` and ``lws_webhook``).
"""

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

TESTBED_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTBED_DIR))

CLUSTER_NAME = "eks-llm-testbed"
STATE_DIR = os.environ.get("EKS_LLM_TESTBED_DIR") or os.path.join(REPO_ROOT, "build", "testbed")
KUBECONFIG = os.path.join(STATE_DIR, "kubeconfig")
KWOK_WORKDIR = os.path.join(STATE_DIR, "kwok")
STATE_FILE = os.path.join(STATE_DIR, "state.json")
LOCK_FILE = os.path.join(STATE_DIR, ".lock")
VERSIONS_FILE = os.path.join(TESTBED_DIR, "versions.env")
BUILD_SH = os.path.join(TESTBED_DIR, "build.sh")
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


class TestbedError(RuntimeError):
    """The test cluster could not be built, started or reached."""


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


# ---------------------------------------------------------------- commands


def run(args, check=True, capture=True, env=None, timeout=300):
    merged = dict(os.environ)
    merged.update(env or {})
    proc = subprocess.run(args, capture_output=capture, text=True, env=merged, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise TestbedError(
            "command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(args), proc.stdout or "", proc.stderr or "")
        )
    return proc


def kubectl_env():
    return {"KUBECACHEDIR": os.path.join(STATE_DIR, "kube-cache")}


def kubectl(*args, check=True, timeout=300):
    """Run the pinned kubectl against the test cluster; returns the CompletedProcess."""
    return run(
        [binary("kubectl"), "--kubeconfig", KUBECONFIG] + list(args), check=check, env=kubectl_env(), timeout=timeout
    )


def kwokctl(*args, check=True, timeout=300):
    return run(
        [binary("kwokctl"), "--name", CLUSTER_NAME] + list(args),
        check=check,
        env={"KWOK_WORKDIR": KWOK_WORKDIR, "KUBECONFIG": KUBECONFIG},
        timeout=timeout,
    )


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- lock and state


@contextlib.contextmanager
def locked():
    """The per-checkout lock every start, stop and node change takes."""
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_state():
    try:
        with open(STATE_FILE) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def write_state(state):
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
    os.replace(tmp, STATE_FILE)


# ---------------------------------------------------------------- process supervision


def pid_alive(pid, needle):
    """True if ``pid`` runs a command line containing ``needle`` (guards against reuse)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return needle.encode() in handle.read()
    except (OSError, TypeError):
        return False


def stop_pid(pid, needle, timeout=15):
    """SIGTERM the process ``pid`` if it still runs ``needle``; SIGKILL it after ``timeout`` s."""
    if not pid_alive(pid, needle):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline and pid_alive(pid, needle):
        time.sleep(0.2)
    if pid_alive(pid, needle):
        os.kill(pid, signal.SIGKILL)


def wait_until(predicate, timeout, interval=0.2):
    """Poll ``predicate`` until it is true; False after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
