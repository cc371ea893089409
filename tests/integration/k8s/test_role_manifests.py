"""Role manifests that no converge applies in the rehearsal are accepted by the real kube-apiserver.

gpu_nodegroup's Karpenter NodePool and EC2NodeClass (rendered only with gpu_nodegroup_mode=karpenter and
gpu_nodegroup_karpenter_manifests_enabled) are rendered through the role's own templates and variables, then
created with a server-side dry run against the test cluster, whose CRDs are Karpenter's published v1.14.0 ones:
the apiserver checks them against the CRD schemas (enums, patterns, required fields). The inputs are seed 004's
NodePool (tests/integration/aws/playbooks/gpu_nodegroup_004.yml). Test double: no Karpenter controller runs.
"""

import os

import pytest
import yaml
from kubernetes import client

from tests.unit.roles.role_render import RoleRenderer

pytestmark = pytest.mark.k8s

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SEED_004 = os.path.join(REPO, "tests", "integration", "aws", "playbooks", "gpu_nodegroup_004.yml")


def _rendered(**overrides):
    with open(SEED_004) as handle:
        play_vars = dict(yaml.safe_load(handle)[0]["vars"])
    play_vars.update(
        {
            "eks_llm_scenario": "k8s-integration-tests",
            "gpu_nodegroup_karpenter_manifests_enabled": True,
            "eks_llm_tags": {},
        }
    )
    play_vars.update(overrides)
    role = RoleRenderer("gpu_nodegroup", play_vars)
    return [role.template_yaml(name) for name in ("ec2nodeclass.yaml.j2", "nodepool.yaml.j2")]


def _dry_run_create(k8s, obj):
    group, version = obj["apiVersion"].split("/")
    plural = {"NodePool": "nodepools", "EC2NodeClass": "ec2nodeclasses"}[obj["kind"]]
    return client.CustomObjectsApi(k8s).create_cluster_custom_object(group, version, plural, obj, dry_run="All")


def test_karpenter_manifests_are_accepted_by_the_crd_schemas(k8s):
    for obj in _rendered():
        created = _dry_run_create(k8s, obj)
        assert created["kind"] == obj["kind"]
        assert created["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "eks_llm.inference"


def test_a_bad_karpenter_value_is_refused_by_the_schema(k8s):
    """The same path fails when a value breaks the CRD schema: the test above can fail."""
    node_class, node_pool = _rendered(gpu_nodegroup_karpenter_consolidation_policy="Sometimes")
    with pytest.raises(client.exceptions.ApiException) as info:
        _dry_run_create(k8s, node_pool)
    assert info.value.status == 422
    assert "consolidationPolicy" in info.value.body
