"""eks_kubeconfig against moto's in-process EKS (a stand-in for the EKS API): write, no-op, check mode, absent."""

import json
import os
import stat

import boto3
import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from moto import mock_aws

from ansible_collections.eks_llm.inference.plugins.modules import eks_kubeconfig

REGION = "us-west-2"


@pytest.fixture()
def cluster(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        eks = boto3.client("eks", region_name=REGION)
        eks.create_cluster(
            name="eks-llm",
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": []},
        )
        yield eks.describe_cluster(name="eks-llm")["cluster"]


def run(capsys, **args):
    args.setdefault("region", REGION)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            eks_kubeconfig.main()
    return json.loads(capsys.readouterr().out)


def test_writes_a_private_kubeconfig_for_the_cluster_then_reports_no_change(cluster, tmp_path, capsys):
    path = tmp_path / "sub" / "kubeconfig"
    first = run(capsys, cluster_name="eks-llm", path=str(path))
    assert first["changed"] is True, first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    config = yaml.safe_load(path.read_text())
    assert config["clusters"][0]["cluster"]["server"] == cluster["endpoint"]
    assert config["clusters"][0]["cluster"]["certificate-authority-data"] == cluster["certificateAuthority"]["data"]
    entry = config["users"][0]["user"]["exec"]
    assert entry["args"][-2:] == ["eks-llm", REGION]
    second = run(capsys, cluster_name="eks-llm", path=str(path))
    assert second["changed"] is False, second


def test_check_mode_writes_nothing(cluster, tmp_path, capsys):
    path = tmp_path / "kubeconfig"
    result = run(capsys, cluster_name="eks-llm", path=str(path), _ansible_check_mode=True)
    assert result["changed"] is True and not path.exists()


def test_a_loosened_mode_is_a_change(cluster, tmp_path, capsys):
    path = tmp_path / "kubeconfig"
    run(capsys, cluster_name="eks-llm", path=str(path))
    os.chmod(path, 0o644)
    assert run(capsys, cluster_name="eks-llm", path=str(path))["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_missing_cluster_fails_naming_it(cluster, tmp_path, capsys):
    result = run(capsys, cluster_name="nope", path=str(tmp_path / "k"))
    assert result["failed"] and "nope" in result["msg"] and "does not exist" in result["msg"]


def test_absent_removes_the_file(cluster, tmp_path, capsys):
    path = tmp_path / "kubeconfig"
    run(capsys, cluster_name="eks-llm", path=str(path))
    assert run(capsys, cluster_name="eks-llm", path=str(path), state="absent")["changed"] is True
    assert not path.exists()
    assert run(capsys, cluster_name="eks-llm", path=str(path), state="absent")["changed"] is False
