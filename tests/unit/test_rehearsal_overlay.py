"""The rehearsal runs the production path: site.yml -i inventories/aws plus one overlay that holds only the
stand-ins' endpoints and switches. These tests hold the overlay to that: every key it sets is one of the
allowed stand-in settings below, and the configuration the roles receive (playbooks/show_config.yml) differs
between inventories/aws alone and inventories/aws + overlay in exactly the overlay's keys."""

import json
import os
import subprocess

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, ".venv", "bin")
OVERLAY = "tools/rehearsal/overlay.yml"

# The stand-in settings an overlay may hold, each with why (written here, independently of the overlay).
ALLOWED = {
    "eks_llm_kubeconfig": "endpoint: the test cluster instead of the EKS endpoint",
    "vpc_eks_kubeconfig_path": "endpoint: where the kubeconfig of the moto cluster goes (not the test cluster's file)",
    "eks_llm_helm_repo_mirror": "endpoint: the stand-in chart repository",
    "eks_llm_eks_addons_api_enabled": "switch: moto lacks the EKS add-on API",
    "eks_llm_pod_identity_api_enabled": "switch: moto lacks the Pod Identity API",
    "gpu_nodegroup_placement_group_enabled": "switch: moto lacks EC2 placement groups",
    "gpu_nodegroup_gpu_wait_timeout": "switch: fake GPU nodes report their GPUs at once",
    "benchmark_mode": "switch: aiperf on this machine instead of the in-cluster Job",
    "benchmark_target_url": "endpoint: the inference simulator",
    "benchmark_output_dir": "endpoint: where the rehearsal's report goes",
}
STAND_IN_ENV = {
    "EKS_LLM_KUBECONFIG": "/nonexistent/testbed/kubeconfig",
    "EKS_LLM_CHART_REPO": "http://127.0.0.1:1/charts",
    "EKS_LLM_SIMULATOR_URL": "http://127.0.0.1:2",
    "HF_TOKEN": "test-not-a-token",
    "GRAFANA_ADMIN_PASSWORD": "test-not-a-password",
}


def _overlay():
    with open(os.path.join(REPO, OVERLAY)) as handle:
        return yaml.safe_load(handle)


def _shown(*extra):
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        **STAND_IN_ENV,
    )
    cmd = [os.path.join(BIN, "ansible-playbook"), "playbooks/show_config.yml", "-i", "inventories/aws"]
    cmd += ["-e", "scenario=triton_vllm", *extra]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    task = json.loads(proc.stdout)["plays"][-1]["tasks"][-1]
    return json.loads(task["hosts"]["localhost"]["msg"])


def test_the_overlay_holds_only_stand_in_settings():
    keys = set(_overlay())
    assert keys, "the overlay is empty"
    assert keys <= set(ALLOWED), "not a stand-in setting: %s" % sorted(keys - set(ALLOWED))


def test_the_overlay_changes_nothing_else():
    alone, overlaid = _shown(), _shown("-e", "@" + OVERLAY)
    changed = {key for key in set(alone) | set(overlaid) if alone.get(key) != overlaid.get(key)}
    assert changed == set(_overlay()), "differences outside the overlay: %s" % sorted(changed - set(_overlay()))
    # the endpoints arrive as the environment gave them
    assert overlaid["eks_llm_kubeconfig"] == STAND_IN_ENV["EKS_LLM_KUBECONFIG"]
    assert overlaid["eks_llm_helm_repo_mirror"] == STAND_IN_ENV["EKS_LLM_CHART_REPO"]
    assert overlaid["benchmark_target_url"] == STAND_IN_ENV["EKS_LLM_SIMULATOR_URL"]
    # the production inventory's own cluster, region and zones are the rehearsal's
    for key in ("eks_llm_cluster_name", "eks_llm_region", "eks_llm_availability_zones"):
        assert overlaid[key] == alone[key]


def test_no_second_inventory():
    assert sorted(os.listdir(os.path.join(REPO, "inventories"))) == ["aws"]
