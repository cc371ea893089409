"""What the test cluster's API holds: a client, server-side apply of objects, the CRDs and kwok
stages (admission by CRD schema), and the fake nodes (``nodes`` makes them, this applies them).
"""

import hashlib
import json
import os
import time

import yaml

from tools.testbed import nodes as nodegen
from tools.testbed import runtime

CRD_DIR = os.path.join(runtime.TESTBED_DIR, "crds")
STAGE_DIR = os.path.join(runtime.TESTBED_DIR, "stages")
SPEC_HASH_ANNOTATION = "testbed.eks-llm/spec-hash"
FIELD_MANAGER = ("--server-side", "--force-conflicts", "--field-manager", "testbed")


def api_client():
    """A kubernetes.client.ApiClient for the test cluster."""
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=runtime.KUBECONFIG, client_configuration=configuration)
    return client.ApiClient(configuration)


def apiserver_ready(timeout=2):
    if not os.path.exists(runtime.KUBECONFIG):
        return False
    try:
        with api_client() as api:
            method, url, headers, _, _ = api.param_serialize("GET", "/readyz", auth_settings=["BearerToken"])
            response = api.call_api(method, url, headers, _request_timeout=timeout)
            response.read()
            return response.status == 200 and response.data.strip() == b"ok"
    except Exception:  # any failure means "not reachable"
        return False


def apply_objects(objects):
    """Server-side apply a list of objects with the pinned kubectl."""
    path = os.path.join(runtime.STATE_DIR, "apply-%d.yaml" % os.getpid())
    with open(path, "w") as handle:
        yaml.safe_dump_all(objects, handle, sort_keys=False)
    try:
        runtime.kubectl("apply", *FIELD_MANAGER, "-f", path)
    finally:
        os.unlink(path)


def apply_crds_and_stages():
    """The CRDs the collection's objects need (the apiserver checks their schemas) and kwok's stages."""
    runtime.kubectl("apply", *FIELD_MANAGER, "-R", "-f", CRD_DIR)
    runtime.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    runtime.kubectl("apply", *FIELD_MANAGER, "-f", STAGE_DIR)


# ---------------------------------------------------------------- fake nodes


def _spec_hash(node):
    return hashlib.sha256(json.dumps(node, sort_keys=True).encode()).hexdigest()[:16]


def apply_nodes(node_groups, zones=None, replace=True, wait=True, timeout=60):
    """Create the fake nodes of ``node_groups`` (role shape, see ``nodes``); with ``replace`` delete
    other fake nodes. Unchanged nodes are kept (their pods stay). Returns the node names.
    The caller holds ``runtime.locked()``."""
    from kubernetes import client

    desired = nodegen.nodes_for_groups(node_groups, zones)
    for node in desired:
        node["metadata"]["annotations"][SPEC_HASH_ANNOTATION] = _spec_hash(node)
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
            old = existing.get(node["metadata"]["name"])
            want = node["metadata"]["annotations"][SPEC_HASH_ANNOTATION]
            if old is not None and (old.metadata.annotations or {}).get(SPEC_HASH_ANNOTATION) != want:
                stale.append(node["metadata"]["name"])
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
        runtime.log("nodes: %d wanted, %d created, %d removed/replaced" % (len(desired), created, len(stale)))
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
    raise runtime.TestbedError("node %s was not deleted within %ds" % (name, timeout))


def _ready(node):
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def _wait_nodes_ready(core, names, timeout):
    pending = set(names)

    def all_ready():
        pending.difference_update(n.metadata.name for n in core.list_node().items if _ready(n))
        return not pending

    if not runtime.wait_until(all_ready, timeout, interval=0.3):
        raise runtime.TestbedError("fake nodes not Ready after %ds: %s" % (timeout, ", ".join(sorted(pending))))


def node_summary():
    """Name, instance type, node group and readiness of every node."""
    from kubernetes import client

    with api_client() as api:
        items = client.CoreV1Api(api).list_node().items
    return [
        {
            "name": n.metadata.name,
            "instance_type": n.metadata.labels.get("node.kubernetes.io/instance-type"),
            "group": (n.metadata.annotations or {}).get(nodegen.GROUP_ANNOTATION),
            "ready": _ready(n),
        }
        for n in items
    ]
