"""The LeaderWorkerSet controller of the test cluster: a local process whose admission webhooks
the apiserver reaches by URL (https://127.0.0.1:<port>), with a self-signed CA made at start.

``start(state)`` writes certificates and the controller's configuration, starts the controller,
waits for its health probe and webhook port, and registers the webhook configurations;
``alive(state)`` and ``stop(state)`` look after the process recorded in the state file.
"""

import base64
import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import urllib.request

import yaml

from tools.testbed import cluster, runtime

LWS_DIR = os.path.join(runtime.STATE_DIR, "lws")
CERT_DIR = os.path.join(LWS_DIR, "certs")
WEBHOOK_NAME = "eks-llm-testbed-lws"
PROCESS = "lws-controller"
READY_TIMEOUT = 60

# (kind, webhook name, path, API group, resources, operations, pods only of an LWS) -- the paths,
# rules and object selectors of the LWS v0.9/v0.10 manifests (config/webhook).
WEBHOOKS = (
    (
        "MutatingWebhookConfiguration",
        "mleaderworkerset.kb.io",
        "/mutate-leaderworkerset-x-k8s-io-v1-leaderworkerset",
        "leaderworkerset.x-k8s.io",
        "leaderworkersets",
        ["CREATE", "UPDATE"],
        False,
    ),
    ("MutatingWebhookConfiguration", "mpod.kb.io", "/mutate--v1-pod", "", "pods", ["CREATE"], True),
    (
        "ValidatingWebhookConfiguration",
        "vleaderworkerset.kb.io",
        "/validate-leaderworkerset-x-k8s-io-v1-leaderworkerset",
        "leaderworkerset.x-k8s.io",
        "leaderworkersets",
        ["CREATE", "UPDATE"],
        False,
    ),
    ("ValidatingWebhookConfiguration", "vpod.kb.io", "/validate--v1-pod", "", "pods", ["CREATE", "UPDATE"], True),
    (
        "ValidatingWebhookConfiguration",
        "vdisaggregatedset.kb.io",
        "/validate-disaggregatedset-x-k8s-io-v1-disaggregatedset",
        "disaggregatedset.x-k8s.io",
        "disaggregatedsets",
        ["CREATE", "UPDATE"],
        False,
    ),
)


def _certificate(subject, issuer, public_key, signing_key, not_after, ca, extensions=()):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def certificates(cert_dir=CERT_DIR, days=30):
    """A self-signed CA and a serving certificate for 127.0.0.1 in ``cert_dir`` (ca.crt, tls.crt,
    tls.key); returns the CA certificate as PEM bytes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(cert_dir, exist_ok=True)
    not_after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eks-llm-testbed webhook CA")])
    ca_cert = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, not_after, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = _certificate(subject, ca_name, key.public_key(), ca_key, not_after, ca=False, extensions=[san])

    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    with open(os.path.join(cert_dir, "ca.crt"), "wb") as handle:
        handle.write(ca_pem)
    with open(os.path.join(cert_dir, "tls.crt"), "wb") as handle:
        handle.write(cert.public_bytes(pem))
    fd = os.open(os.path.join(cert_dir, "tls.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_pem


def webhook_configurations(port, ca_pem):
    """The mutating and validating webhook configurations pointing at the local controller."""
    ca_bundle = base64.b64encode(ca_pem).decode()
    labels = {"app.kubernetes.io/managed-by": "eks-llm-testbed"}
    configurations = {}
    for kind, name, path, group, resource, operations, lws_pods_only in WEBHOOKS:
        hook = {
            "name": name,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "timeoutSeconds": 10,
            "clientConfig": {"url": "https://127.0.0.1:%d%s" % (port, path), "caBundle": ca_bundle},
            "rules": [{"apiGroups": [group], "apiVersions": ["v1"], "operations": operations, "resources": [resource]}],
        }
        if lws_pods_only:
            hook["objectSelector"] = {
                "matchExpressions": [{"key": "leaderworkerset.sigs.k8s.io/name", "operator": "Exists"}]
            }
        configuration = configurations.setdefault(
            kind,
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": kind,
                "metadata": {"name": WEBHOOK_NAME, "labels": labels},
                "webhooks": [],
            },
        )
        configuration["webhooks"].append(hook)
    return list(configurations.values())


def _tls_answers(port, context):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            with context.wrap_socket(sock, server_hostname="127.0.0.1"):
                return True
    except OSError:
        return False


def _http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def start(state):
    """Start the LWS controller as a local process and register its webhooks (records it in ``state``)."""
    os.makedirs(LWS_DIR, exist_ok=True)
    ca_pem = certificates()
    port, probe_port = runtime.free_port(), runtime.free_port()
    config = {
        "apiVersion": "config.lws.x-k8s.io/v1alpha1",
        "kind": "Configuration",
        "leaderElection": {"leaderElect": False},
        "internalCertManagement": {"enable": False},
        "webhook": {"host": "127.0.0.1", "port": port, "certDir": CERT_DIR},
        "metrics": {"bindAddress": "0"},
        "health": {"healthProbeBindAddress": "127.0.0.1:%d" % probe_port},
    }
    config_path = os.path.join(LWS_DIR, "config.yaml")
    with open(config_path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    log_path = os.path.join(LWS_DIR, "lws-controller.log")
    with open(log_path, "ab") as log_handle:
        proc = subprocess.Popen(
            [runtime.binary(PROCESS), "--config", config_path, "--zap-log-level", "info"],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ, KUBECONFIG=runtime.KUBECONFIG),
            start_new_session=True,
        )
    state["lws"] = {"pid": proc.pid, "port": port, "probe_port": probe_port, "log": log_path}
    runtime.write_state(state)
    context = ssl.create_default_context(cafile=os.path.join(CERT_DIR, "ca.crt"))
    ready = runtime.wait_until(lambda: _http_ok("http://127.0.0.1:%d/readyz" % probe_port), READY_TIMEOUT)
    if not ready or not runtime.wait_until(lambda: _tls_answers(port, context), READY_TIMEOUT):
        raise runtime.TestbedError("LWS controller did not become ready; see %s" % log_path)
    cluster.apply_objects(webhook_configurations(port, ca_pem))
    runtime.log(
        "LWS controller %s running (pid %d, webhooks on 127.0.0.1:%d)"
        % (runtime.versions()["LWS_VERSION"], proc.pid, port)
    )


def alive(state):
    lws = state.get("lws") or {}
    return bool(lws.get("pid")) and runtime.pid_alive(lws["pid"], PROCESS)


def stop(state):
    lws = state.get("lws") or {}
    if lws.get("pid"):
        runtime.stop_pid(lws["pid"], PROCESS)
