"""The rehearsal's stand-in Helm chart repository (a test double for the charts' public repositories).

Every chart a role declares in its ``<role>_charts`` default (chart_ref + chart_version) gets a stand-in
chart with the real name and the pinned version, whose one template renders the values the release receives
into a ConfigMap ``<release>-stand-in`` (key ``values.yaml``) and names itself in its labels. Where the real
chart ships CRDs that the collection's own objects need, the stand-in ships the same CRD files (the test
cluster's copies), as the real chart does from its ``crds/`` directory. The charts are packaged with the test
cluster's pinned helm, indexed, and served over HTTP on 127.0.0.1; the rehearsal points
``eks_llm_helm_repo_mirror`` at that URL, so the roles' real ``kubernetes.core.helm`` tasks install, upgrade
and compare real releases in the test cluster.

    python -m tools.rehearsal.charts build   # build the repository, print its directory
    python -m tools.rehearsal.charts serve   # build if needed, serve it detached, print the URL
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tools.testbed import runtime  # noqa: E402

OUT = os.path.join(REPO, "build", "rehearsal", "chart-repo")
STATE = os.path.join(REPO, "build", "rehearsal", "chart-repo.json")
CRD_DIR = os.path.join(REPO, "tools", "testbed", "crds")
STAND_IN = "stand-in Helm chart repository (each chart renders its values into a ConfigMap; no workload runs)"
# CRDs the real chart ships in its crds/ directory that the collection's own objects need.
SHIPPED_CRDS = {
    "kube-prometheus-stack": ["monitoring.coreos.com"],
    "lws": ["leaderworkerset.x-k8s.io", "disaggregatedset.x-k8s.io"],
    "karpenter": ["karpenter.sh", "karpenter.k8s.aws"],
}

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-stand-in
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/instance: {{ .Release.Name }}
    stand-in.eks-llm/chart: {{ .Chart.Name }}
  annotations:
    stand-in.eks-llm/what: "stand-in chart {{ .Chart.Name }} {{ .Chart.Version }}: renders its values, runs nothing"
data:
  chart: "{{ .Chart.Name }}-{{ .Chart.Version }}"
  values.yaml: |
{{ toYaml .Values | indent 4 }}
"""


def declared_charts(repo=REPO):
    """Sorted unique (chart_ref, chart_version) of every ``<role>_charts`` list in roles/*/defaults/main.yml."""
    found = set()
    for path in sorted(glob.glob(os.path.join(repo, "roles", "*", "defaults", "main.yml"))):
        with open(path) as handle:
            defaults = yaml.safe_load(handle) or {}
        for key, value in defaults.items():
            if key.endswith("_charts") and isinstance(value, list):
                for chart in value:
                    found.add((str(chart["chart_ref"]), str(chart["chart_version"])))
    return sorted(found)


def _fingerprint(charts):
    digest = hashlib.sha256(json.dumps(charts).encode())
    digest.update(TEMPLATE.encode())
    for name in sorted({d for dirs in SHIPPED_CRDS.values() for d in dirs}):
        for path in sorted(glob.glob(os.path.join(CRD_DIR, name, "*.yaml"))):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def _write_chart(root, name, version):
    chart = os.path.join(root, name)
    os.makedirs(os.path.join(chart, "templates"))
    with open(os.path.join(chart, "Chart.yaml"), "w") as handle:
        yaml.safe_dump(
            {
                "apiVersion": "v2",
                "name": name,
                "version": version,
                "description": "Stand-in for %s %s: renders its values into a ConfigMap (a test double)" % (name, version),
                "type": "application",
            },
            handle,
            sort_keys=False,
        )
    with open(os.path.join(chart, "templates", "configmap.yaml"), "w") as handle:
        handle.write(TEMPLATE)
    for crd_group in SHIPPED_CRDS.get(name, []):
        os.makedirs(os.path.join(chart, "crds"), exist_ok=True)
        for path in sorted(glob.glob(os.path.join(CRD_DIR, crd_group, "*.yaml"))):
            shutil.copy(path, os.path.join(chart, "crds", os.path.basename(path)))
    return chart


def build(out=OUT):
    """Build (or reuse) the repository directory: one packaged stand-in chart per declared chart + index.yaml."""
    charts = declared_charts()
    stamp = os.path.join(out, ".fingerprint")
    fingerprint = _fingerprint(charts)
    if os.path.exists(stamp) and open(stamp).read() == fingerprint:
        return out
    helm = runtime.binary("helm")
    shutil.rmtree(out, ignore_errors=True)
    work = out + ".src"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(out)
    env = dict(os.environ, HELM_CACHE_HOME=os.path.join(work, ".cache"), HELM_CONFIG_HOME=os.path.join(work, ".config"))
    for name, version in charts:
        chart = _write_chart(os.path.join(work, "%s-%s" % (name, version)), name, version)
        subprocess.run([helm, "package", chart, "--destination", out], check=True, capture_output=True, env=env)
    subprocess.run([helm, "repo", "index", out], check=True, capture_output=True, env=env)
    shutil.rmtree(work, ignore_errors=True)
    with open(stamp, "w") as handle:
        handle.write(fingerprint)
    return out


def _alive(url):
    try:
        urllib.request.urlopen(url + "/index.yaml", timeout=2).read()
        return True
    except OSError:
        return False


def serve():
    """Serve the repository on 127.0.0.1 (detached, reused while it answers); return its URL."""
    directory = build()
    if os.path.exists(STATE):
        with open(STATE) as handle:
            state = json.load(handle)
        if state.get("directory") == directory and _alive(state["url"]):
            return state["url"]
    port = runtime.free_port()
    log = open(os.path.join(os.path.dirname(OUT), "chart-repo.log"), "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", directory],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 20
    while not _alive(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("stand-in chart repository did not start; see build/rehearsal/chart-repo.log")
        time.sleep(0.1)
    with open(STATE, "w") as handle:
        json.dump({"url": url, "pid": proc.pid, "directory": directory}, handle)
    return url


def stop():
    if not os.path.exists(STATE):
        return
    with open(STATE) as handle:
        state = json.load(handle)
    runtime.stop_pid(state["pid"], "http.server")
    os.unlink(STATE)


def main(argv):
    command = argv[0] if argv else "serve"
    if command == "build":
        print(build())
    elif command == "serve":
        print(serve())
    elif command == "stop":
        stop()
    else:
        raise SystemExit("usage: charts.py build|serve|stop")


if __name__ == "__main__":
    main(sys.argv[1:])
