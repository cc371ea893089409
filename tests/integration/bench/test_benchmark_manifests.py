"""The apiserver accepts what the benchmark role and vpc_eks would apply for scenario triton_vllm.

The seed-000 Job (initContainer `test`, container `perf`), its ConfigMaps and results PVC, and vpc_eks' default
StorageClass are rendered with the roles' own templates and created in the local test cluster (a stand-in: upstream
kube-apiserver with kwok fake nodes) as a server-side dry run with strict field validation: the apiserver, not our
code, says whether every field exists and every value is valid. Nothing is stored.
"""

import json
import subprocess

import pytest
import yaml

from tests.integration.k8s_roles.conftest import testbed_kubeconfig  # noqa: F401  pylint: disable=unused-import
from tests.unit.roles.role_render import RoleRenderer
from tests.unit.roles.test_benchmark_templates import _render as render_benchmark

pytestmark = [pytest.mark.k8s]


@pytest.fixture(scope="module")
def kubectl(testbed_kubeconfig):  # noqa: F811
    """The test cluster's pinned kubectl (tools/testbed/versions.env) against its kubeconfig."""
    from tools.testbed import runtime

    return [runtime.binary("kubectl"), "--kubeconfig", testbed_kubeconfig]


def _dry_run_create(kubectl, body, namespace=None):
    """Create the object with --dry-run=server --validate=strict (the apiserver refuses unknown or duplicate fields);
    the apiserver's answer, defaults applied."""
    if namespace:
        body = dict(body, metadata=dict(body["metadata"], namespace=namespace))
    proc = subprocess.run(
        kubectl + ["create", "--dry-run=server", "--validate=strict", "-o", "json", "-f", "-"],
        input=json.dumps(body),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError("the apiserver refused %s/%s: %s" % (body["kind"], body["metadata"]["name"], proc.stderr))
    return json.loads(proc.stdout)


def test_strict_validation_rejects_an_unknown_field(kubectl):
    """The check can fail: a field the API does not know is refused."""
    bogus = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict-check"}, "data": {}, "bogus": 1}
    with pytest.raises(AssertionError, match="bogus"):
        _dry_run_create(kubectl, bogus, "default")


def test_seed_job_and_objects_pass_strict_server_validation(kubectl):
    role, job = render_benchmark()
    docs = [d for d in yaml.safe_load_all(role.template_text("objects.yaml.j2")) if d and d["kind"] != "Namespace"]
    docs.append(role.template_yaml("reader_pod.yaml.j2"))
    docs.append(job)
    created = {}
    for body in docs:
        # the seed's namespace does not exist in the test cluster: the dry run goes to `default`
        created[body["kind"] + "/" + body["metadata"]["name"]] = _dry_run_create(kubectl, body, "default")
    answer = created["Job/triton-client"]
    pod = answer["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["test"]
    assert [c["name"] for c in pod["containers"]] == ["perf"]
    assert answer["spec"]["backoffLimit"] == 0
    for container in pod["initContainers"] + pod["containers"]:
        assert container["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert set(created) >= {"ConfigMap/triton-client-prompts", "ConfigMap/triton-client-script", "PersistentVolumeClaim/triton-client-results"}


def test_default_storage_class_passes_strict_server_validation(kubectl):
    sc = RoleRenderer(
        "vpc_eks", {"eks_llm_cluster_name": "eks-llm", "eks_llm_region": "us-west-2", "eks_llm_scenario": "triton_vllm"}
    ).template_yaml("storageclass.yaml.j2")
    answer = _dry_run_create(kubectl, sc)
    assert answer["provisioner"] == "ebs.csi.aws.com"
    assert answer["volumeBindingMode"] == "WaitForFirstConsumer"
    assert answer["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
