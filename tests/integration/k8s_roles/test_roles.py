"""The monitoring and triton_vllm roles against the test cluster (kwok) and moto.

- molecule scenarios (converge, idempotence, verify, cleanup) for both roles;
- a -vvv run with fake secrets whose whole output must not contain them, while the cluster must (so the
  secret really went through the role).
"""

import base64
import os
import subprocess
import sys
import uuid

import pytest
import yaml

from tests.integration.k8s_roles.conftest import REPO_ROOT

# k8s (test cluster) and moto; marked k8s only so `-m aws` runs do not start a cluster.
pytestmark = [pytest.mark.k8s, pytest.mark.slow]

BIN = os.path.dirname(sys.executable)


def _run(cmd, env, timeout=1800):
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + "\n" + proc.stderr


MOLECULE_SCENARIOS = sorted(
    name
    for name in os.listdir(os.path.join(REPO_ROOT, "molecule"))
    if os.path.exists(os.path.join(REPO_ROOT, "molecule", name, "molecule.yml"))
)


@pytest.mark.molecule
@pytest.mark.parametrize("scenario", MOLECULE_SCENARIOS)
def test_molecule_scenario(scenario, role_env):
    token = "hf_mol_%s" % uuid.uuid4().hex
    password = "graf_mol_%s" % uuid.uuid4().hex
    env = dict(role_env, MOLECULE_FAKE_HF_TOKEN=token, MOLECULE_FAKE_GRAFANA_PASSWORD=password)
    rc, output = _run([os.path.join(BIN, "molecule"), "test", "-s", scenario], env)
    assert rc == 0, output[-8000:]
    assert token not in output and password not in output, "a fake secret was printed"


def _secret_value(kubeconfig, namespace, name, key):
    from kubernetes import client, config

    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    return base64.b64decode(api.read_namespaced_secret(name, namespace).data[key]).decode()


def test_secrets_never_printed_even_with_vvv(role_env, tmp_path):
    token = "hf_vvv_%s" % uuid.uuid4().hex
    password = "graf_vvv_%s" % uuid.uuid4().hex
    env = dict(role_env, MOLECULE_FAKE_HF_TOKEN=token, MOLECULE_FAKE_GRAFANA_PASSWORD=password)
    outputs = []
    with open(os.path.join(REPO_ROOT, "group_vars", "scenario_triton_vllm.yml"), encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    try:
        for name in ("monitoring", "triton_vllm"):
            # prepare creates what vpc_eks would (log group, model bucket) in moto; then the -vvv converge.
            for playbook, verbosity in (("prepare.yml", []), ("converge.yml", ["-vvv"])):
                rc, output = _run(
                    [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local"]
                    + verbosity
                    + ["molecule/%s/%s" % (name, playbook)],
                    env,
                )
                outputs.append(output)
                assert rc == 0, output[-6000:]
        kubeconfig = env["EKS_LLM_TESTBED_KUBECONFIG"]
        # The secrets did reach the cluster ...
        assert (
            _secret_value(kubeconfig, scenario["triton_vllm_namespace"], "huggingface", "HUGGING_FACE_TOKEN") == token
        )
        assert _secret_value(kubeconfig, "monitoring", "grafana-admin", "admin-password") == password
        # ... and appear nowhere in the output, in clear or base64.
        text = "\n".join(outputs)
        for secret in (token, password):
            assert secret not in text
            assert base64.b64encode(secret.encode()).decode() not in text
    finally:
        for playbook in ("molecule/triton_vllm/cleanup.yml", "molecule/monitoring/cleanup.yml"):
            _run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook], env)
