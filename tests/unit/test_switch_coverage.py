"""Every role path that a test setting switches off is exercised somewhere else, and says where.

The rehearsal overlay, molecule and the integration playbooks switch some role paths off because a stand-in
lacks the API behind them (moto has no EKS add-on, Pod Identity or EC2 placement-group API). This contract
lists each such switch with the tests that exercise the code behind it and what those tests do not reach;
it fails when a test setting switches off something not listed here, or a listed test no longer exists.
"""

import ast
import glob
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# switch -> (tests that exercise what it switches off, what is still not exercised)
COVERAGE = {
    "eks_llm_helm_enabled": (
        ["tests/integration/scenario/test_rehearsal.py::test_helm_releases_are_the_pinned_charts"],
        "the real charts' templates (the rehearsal installs stand-in charts with the real names and versions; "
        "values keys are checked against the published defaults by tests/unit/test_chart_values.py)",
    ),
    "eks_llm_eks_addons_api_enabled": (
        [
            "tests/unit/plugins/modules/test_eks_addon.py::test_create_waits_until_active",
            "tests/unit/plugins/modules/test_eks_addon.py::test_existing_identical_addon_is_a_no_op",
        ],
        "the role tasks that call the module (moto answers 404 for the add-on API)",
    ),
    "vpc_eks_addons_api_enabled": (
        ["tests/unit/plugins/modules/test_eks_addon.py::test_update_version_config_role_and_tags"],
        "the role tasks that call the module (moto answers 404 for the add-on API)",
    ),
    "eks_llm_pod_identity_api_enabled": (
        ["tests/unit/plugins/modules/test_eks_pod_identity_association.py::test_create_after_cluster_is_active"],
        "the role tasks that call the module (moto answers 404 for the Pod Identity API)",
    ),
    "vpc_eks_pod_identity_api_enabled": (
        ["tests/unit/plugins/modules/test_eks_pod_identity_association.py::test_create_after_cluster_is_active"],
        "the role tasks that call the module (moto answers 404 for the Pod Identity API)",
    ),
    "gpu_nodegroup_placement_group_enabled": (
        ["tests/integration/aws/test_gpu_nodegroup.py::test_scenario_001_efa_group"],
        "the placement-group task itself (moto answers 500 for the placement-group API); the EFA node group, "
        "its launch template and interfaces are exercised",
    ),
    "gpu_nodegroup_device_plugin_enabled": (
        ["tests/integration/scenario/test_rehearsal.py::test_helm_releases_are_the_pinned_charts"],
        "nothing: the moto-only playbooks switch it off because no cluster is behind moto; the rehearsal installs it",
    ),
    "gpu_nodegroup_gpu_wait_enabled": (
        ["tests/integration/scenario/test_rehearsal.py::test_triton_pods_are_scheduled_on_gpu_nodes_and_ready"],
        "nothing: the moto-only playbooks switch it off; the rehearsal waits for the fake GPU nodes",
    ),
    "gpu_nodegroup_karpenter_manifests_enabled": (
        ["tests/integration/k8s/test_role_manifests.py::test_karpenter_manifests_are_accepted_by_the_crd_schemas"],
        "a Karpenter controller acting on them (no Karpenter runs in the test cluster yet)",
    ),
}

# Where tests switch role paths off.
TEST_SETTINGS = [
    "tools/rehearsal/overlay.yml",
    "molecule/*/vars/*.yml",
    "molecule/*/converge.yml",
    "tests/integration/aws/playbooks/*.yml",
]


def _switched_off():
    found = set()
    for pattern in TEST_SETTINGS:
        for path in glob.glob(os.path.join(REPO, pattern)):
            with open(path) as handle:
                text = handle.read()
            found |= set(re.findall(r"^\s*(\w+_enabled):\s*false\b", text, flags=re.M))
    return found


def _test_exists(ref):
    path, name = ref.split("::")
    with open(os.path.join(REPO, path)) as handle:
        tree = ast.parse(handle.read())
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def test_every_switched_off_path_is_listed():
    missing = sorted(_switched_off() - set(COVERAGE))
    assert missing == [], "switched off in a test setting, covered nowhere listed: %s" % missing


def test_every_listed_covering_test_exists():
    gone = [ref for tests, _gap in COVERAGE.values() for ref in tests if not _test_exists(ref)]
    assert gone == []


def test_every_listed_switch_is_a_role_input():
    inputs = set()
    for path in glob.glob(os.path.join(REPO, "roles", "*", "meta", "argument_specs.yml")):
        with open(path) as handle:
            inputs |= set(yaml.safe_load(handle)["argument_specs"]["main"]["options"])
    collection_wide = {name for name in COVERAGE if name.startswith("eks_llm_")}
    assert sorted(set(COVERAGE) - inputs - collection_wide) == []
