"""The default StorageClass vpc_eks applies, and the tasks that apply and remove it.

Expected values are those of the aws-ebs-csi-driver and of Kubernetes, written here as literals (not read from the
role): the CSI driver name ``ebs.csi.aws.com`` and its ``type``/``encrypted``/``tagSpecification_<n>`` parameters
(aws-ebs-csi-driver docs/parameters.md, docs/tagging.md), the default-class annotation of the DefaultStorageClass
admission plugin, and the ownership tag/label of the collection (CONTRIBUTING.md).
"""

import os

import pytest
import yaml

from tests.unit.roles.role_render import ROLES_DIR, RoleRenderer

ROLE_DIR = os.path.join(ROLES_DIR, "vpc_eks")


def _role(**extra):
    variables = {"eks_llm_cluster_name": "eks-llm", "eks_llm_region": "us-west-2", "eks_llm_scenario": "triton_vllm"}
    variables.update(extra)
    return RoleRenderer("vpc_eks", variables)


@pytest.fixture(scope="module")
def storage_class():
    return _role().template_yaml("storageclass.yaml.j2")


def test_a_default_gp3_storage_class_of_the_ebs_csi_driver(storage_class):
    sc = storage_class
    assert sc["apiVersion"] == "storage.k8s.io/v1" and sc["kind"] == "StorageClass"
    assert sc["metadata"]["name"] == "gp3"
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc["provisioner"] == "ebs.csi.aws.com"
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"
    assert sc["parameters"]["type"] == "gp3"
    assert sc["parameters"]["encrypted"] == "true"  # a string: StorageClass parameters are map[string]string
    assert all(isinstance(v, str) for v in sc["parameters"].values())


def test_labelled_ours_and_volumes_tagged_with_the_ownership_tag(storage_class):
    assert storage_class["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "eks_llm.inference"
    assert storage_class["metadata"]["labels"]["app.kubernetes.io/part-of"] == "triton_vllm"
    assert storage_class["parameters"]["tagSpecification_1"] == "eks_llm.inference/cluster=eks-llm"


def test_the_name_follows_its_variable():
    sc = _role(vpc_eks_default_storage_class_name="ebs-gp3").template_yaml("storageclass.yaml.j2")
    assert sc["metadata"]["name"] == "ebs-gp3"


def _tasks(name):
    with open(os.path.join(ROLE_DIR, "tasks", name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _flatten(tasks):
    for task in tasks:
        yield task
        yield from _flatten(task.get("block", []))


def test_present_applies_it_through_the_role_kubeconfig_only_when_switched_on():
    (block,) = [t for t in _tasks("present.yml") if "StorageClass" in t["name"] and "block" in t]
    when = " ".join(block["when"])
    assert "vpc_eks_default_storage_class_enabled" in when
    assert "vpc_eks_kubeconfig | length > 0" in when  # never through an implicit kubeconfig
    applied = [t for t in block["block"] if "kubernetes.core.k8s" in t]
    assert len(applied) == 1 and "storageclass.yaml.j2" in applied[0]["kubernetes.core.k8s"]["definition"]
    assert applied[0]["kubernetes.core.k8s"]["state"] == "present"


def test_absent_removes_it_only_when_it_carries_our_label():
    tasks = list(_flatten(_tasks("absent.yml")))
    (lookup,) = [t for t in tasks if "kubernetes.core.k8s_info" in t and t["kubernetes.core.k8s_info"]["kind"] == "StorageClass"]
    assert lookup["kubernetes.core.k8s_info"]["label_selectors"] == ["app.kubernetes.io/managed-by=eks_llm.inference"]
    (delete,) = [t for t in tasks if "kubernetes.core.k8s" in t and t["kubernetes.core.k8s"].get("kind") == "StorageClass"]
    assert delete["kubernetes.core.k8s"]["state"] == "absent"
    assert lookup["register"] in delete["when"]
    # removed before the cluster goes away (while its API still answers)
    names = [t["name"] for t in _tasks("absent.yml")]
    assert names.index(delete["name"]) < [i for i, n in enumerate(names) if "EKS cluster" in n][0]


def test_switches_default_on_in_defaults_and_argument_spec():
    with open(os.path.join(ROLE_DIR, "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    with open(os.path.join(ROLE_DIR, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    for name in ("vpc_eks_default_storage_class_enabled", "vpc_eks_ebs_csi_driver_enabled"):
        assert defaults[name] is True and options[name]["default"] is True and options[name]["type"] == "bool"
