"""The lws role's reading of the installed LWS version and its refusal of the upgrade across the CRD break.

Expected values are independent of the role: the break as the LWS project documents it (chart README in
/work/shared/charts/lws-0.10.0, "Upgrading from v0.7.0 or earlier": charts up to v0.7.0 render the CRD from
templates/crds/, v0.8.0+ ship it in crds/; kubernetes-sigs/lws#880), the OCI-published chart version v0.10.0
(charts README), and the shapes helm_info / k8s_info return.
"""

import os

import pytest
import yaml
from ansible.template import trust_as_template

from tests.unit.roles.role_render import REPO_ROOT, ROLES_DIR, RoleRenderer

ROLE_DIR = os.path.join(ROLES_DIR, "lws")
CHART_README = os.path.join(os.path.dirname(REPO_ROOT), "shared", "charts", "lws-0.10.0", "README.md")
CRD = "leaderworkersets.leaderworkerset.x-k8s.io"


def _release(chart, app_version=""):
    return {"status": {"name": "lws", "namespace": "lws-system", "chart": chart, "app_version": app_version,
                       "status": "deployed"}}


def _deployment(image):
    return {"resources": [{"spec": {"template": {"spec": {"containers": [
        {"name": "kube-rbac-proxy", "image": "gcr.io/kubebuilder/kube-rbac-proxy:v0.8.0"},
        {"name": "manager", "image": image}]}}}}]}


def _crd(annotations=None):
    return {"resources": [{"metadata": {"name": CRD, "annotations": annotations}}]}


def _role(release=None, deployment=None, crd=None, **extra):
    variables = {
        "__lws_release_info": release if release is not None else {"skipped": True},
        "__lws_deployment_info": deployment if deployment is not None else {"resources": []},
        "__lws_crd_info": crd if crd is not None else _crd(),
    }
    variables.update(extra)
    return RoleRenderer("lws", variables)


def _refusal(role):
    with open(os.path.join(ROLE_DIR, "tasks", "preflight.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (block,) = [t for t in tasks if "block" in t]
    (task,) = [t for t in block["block"] if "Refuse" in t["name"]]
    allowed = role.expr(task["ansible.builtin.assert"]["that"])
    return allowed, role.templar.template(trust_as_template(task["ansible.builtin.assert"]["fail_msg"]))


def test_the_documented_break_is_the_one_the_role_names():
    with open(CHART_README, encoding="utf-8") as handle:
        text = handle.read()
    assert "Upgrading from v0.7.0 or earlier" in text and "Starting\nwith v0.8.0" in text and "#880" in text
    role = _role()
    assert role.var("__lws_last_before_break") == "0.7.0"
    assert role.var("__lws_first_after_break") == "0.8.0"


def test_the_target_is_the_oci_chart_version_and_the_image_follows_it():
    role = _role()
    assert role.var("__lws_target_version") == "v0.10.0"
    assert role.var("lws_values")["image"]["manager"]["tag"] == "v0.10.0"


@pytest.mark.parametrize(
    "image,installed,refused",
    [
        ("registry.k8s.io/lws/lws:v0.3.0", "v0.3.0", True),  # the seed's manifests
        ("registry.k8s.io/lws/lws:v0.7.0", "v0.7.0", True),  # the last release before the break
        ("registry.k8s.io/lws/lws:v0.8.0", "v0.8.0", False),
        ("registry.k8s.io/lws/lws:v0.10.0", "v0.10.0", False),
        ("registry.k8s.io/lws/lws:v0.6.2@sha256:" + "a" * 64, "v0.6.2", True),
        ("localhost:5000/lws:main", "main", False),  # no version to compare
    ],
)
def test_a_manifest_install_is_read_from_the_deployment_image(image, installed, refused):
    role = _role(deployment=_deployment(image))
    assert role.var("__lws_installed_version") == installed
    allowed, message = _refusal(role)
    assert allowed is (not refused)
    if refused:
        assert "from %s" % installed in message and "to v0.10.0" in message
        assert "image %s" % image in message and "kubernetes-sigs/lws#880" in message
        assert "installed without Helm" in message


@pytest.mark.parametrize(
    "release,installed",
    [
        (_release("lws-0.1.0", "v0.7.0"), "v0.7.0"),  # installed from the repository's chart: app version wins
        (_release("lws-0.6.1"), "0.6.1"),  # no app version: the chart version
        (_release("lws-v0.10.0", "v0.10.0"), "v0.10.0"),
    ],
)
def test_a_helm_release_wins_over_the_deployment(release, installed):
    role = _role(release=release, deployment=_deployment("registry.k8s.io/lws/lws:v0.9.0"))
    assert role.var("__lws_installed_version") == installed


def test_a_helm_release_before_the_break_is_refused_until_the_crd_is_kept():
    release = _release("lws-0.1.0", "v0.7.0")
    allowed, message = _refusal(_role(release=release))
    assert allowed is False
    assert "kubectl annotate crd %s helm.sh/resource-policy=keep --overwrite" % CRD in message
    allowed, _message = _refusal(_role(release=release, crd=_crd({"helm.sh/resource-policy": "keep"})))
    assert allowed is True


def test_a_manifest_install_is_refused_even_with_the_keep_annotation():
    role = _role(deployment=_deployment("registry.k8s.io/lws/lws:v0.3.0"), crd=_crd({"helm.sh/resource-policy": "keep"}))
    allowed, _message = _refusal(role)
    assert allowed is False


def test_nothing_installed_is_a_fresh_install():
    role = _role(crd={"resources": []})
    assert role.var("__lws_installed_version") == ""
    allowed, _message = _refusal(role)
    assert allowed is True


def test_the_oci_reference_is_used_without_a_mirror_and_the_name_with_one():
    with open(os.path.join(ROLE_DIR, "tasks", "present.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (helm,) = [t for t in tasks if "kubernetes.core.helm" in t]
    chart = _role().var("lws_charts")[0]
    for mirror, ref in (("", "oci://registry.k8s.io/lws/charts/lws"), ("http://127.0.0.1:8879", "lws")):
        role = _role(lws_helm_repo_mirror=mirror, item=chart)
        assert role.expr(helm["kubernetes.core.helm"]["chart_ref"].strip("{} ")) == ref
