"""The EKS token and the kubeconfig's exec plugin, checked against an independent SigV4 presign.

The reference signature is computed here from the AWS Signature Version 4 specification with hashlib/hmac
only (canonical request → string to sign → derived key), not with botocore, at a frozen clock.
"""

import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
from unittest import mock
from urllib.parse import parse_qsl, quote, urlsplit

import botocore.session
import pytest

from ansible_collections.eks_llm.inference.plugins.module_utils import eks_token

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime.datetime(2026, 12, 2, 7, 0, 0)


def _session():
    session = botocore.session.Session()
    session.set_credentials(KEY_ID, SECRET)
    return session


def _reference_url(cluster, region, now=NOW, expires=60):
    """SigV4 query-string presign of GET sts GetCallerIdentity with x-k8s-aws-id signed (AWS docs)."""
    host = "sts.%s.amazonaws.com" % region
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = "%s/%s/sts/aws4_request" % (now.strftime("%Y%m%d"), region)
    query = {
        "Action": "GetCallerIdentity",
        "Version": "2011-06-15",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "%s/%s" % (KEY_ID, scope),
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
    }
    canonical_query = "&".join("%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in sorted(query.items()))
    canonical_headers = "host:%s\nx-k8s-aws-id:%s\n" % (host, cluster)
    canonical_request = "\n".join(
        ["GET", "/", canonical_query, canonical_headers, "host;x-k8s-aws-id", hashlib.sha256(b"").hexdigest()]
    )
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def sign(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(sign(("AWS4" + SECRET).encode(), now.strftime("%Y%m%d")), region), "sts"), "aws4_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return "https://%s/?%s&X-Amz-Signature=%s" % (host, canonical_query, signature)


def _frozen():
    return mock.patch("botocore.auth.get_current_datetime", return_value=NOW)


@pytest.mark.parametrize("cluster,region", [("eks-llm", "us-west-2"), ("trtllm-cluster", "us-east-1")])
def test_token_carries_the_reference_presigned_url(cluster, region):
    with _frozen():
        token = eks_token.get_token(_session(), cluster, region)
    assert token.startswith("k8s-aws-v1.")
    assert "=" not in token, "base64url padding must be stripped"
    ours = urlsplit(eks_token.url_from_token(token))
    ref = urlsplit(_reference_url(cluster, region))
    assert (ours.scheme, ours.netloc, ours.path) == (ref.scheme, ref.netloc, ref.path)
    assert dict(parse_qsl(ours.query)) == dict(parse_qsl(ref.query))


def test_a_different_cluster_changes_the_signature():
    with _frozen():
        one = dict(parse_qsl(urlsplit(eks_token.url_from_token(eks_token.get_token(_session(), "a", "us-west-2"))).query))
        two = dict(parse_qsl(urlsplit(eks_token.url_from_token(eks_token.get_token(_session(), "b", "us-west-2"))).query))
    assert one["X-Amz-Signature"] != two["X-Amz-Signature"]


def test_token_is_signed_for_regional_sts_even_with_an_endpoint_override(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    with _frozen():
        url = eks_token.url_from_token(eks_token.get_token(_session(), "eks-llm", "eu-west-1"))
    assert urlsplit(url).netloc == "sts.eu-west-1.amazonaws.com"


def test_url_from_token_rejects_other_strings():
    with pytest.raises(ValueError, match="k8s-aws-v1"):
        eks_token.url_from_token("Bearer abc")


def test_exec_credential_shape_and_expiry():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    cred = eks_token.exec_credential("k8s-aws-v1.x", now=now)
    assert cred["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert cred["kind"] == "ExecCredential"
    assert cred["status"] == {"token": "k8s-aws-v1.x", "expirationTimestamp": "2026-01-01T12:14:00Z"}


def test_exec_plugin_runs_from_the_kubeconfig_alone(tmp_path):
    """Run the exec entry exactly as a Kubernetes client would: command + args, credentials from the env."""
    source = open(eks_token.__file__).read()
    config = eks_token.kubeconfig("eks-llm", "us-west-2", "https://example.eks", "Q0E=", sys.executable, source)
    entry = config["users"][0]["user"]["exec"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    proc = subprocess.run([entry["command"]] + entry["args"], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    cred = json.loads(proc.stdout)
    url = urlsplit(eks_token.url_from_token(cred["status"]["token"]))
    query = dict(parse_qsl(url.query))
    assert url.netloc == "sts.us-west-2.amazonaws.com"
    assert query["X-Amz-Credential"].startswith(KEY_ID + "/")
    assert query["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id"
    assert query["X-Amz-Expires"] == "60"


def test_kubeconfig_holds_no_secret_and_loads_in_the_kubernetes_client(tmp_path):
    import yaml
    from kubernetes import config as k8s_config

    source = open(eks_token.__file__).read()
    cfg = eks_token.kubeconfig("eks-llm", "us-west-2", "https://abc.eks.amazonaws.com", "Q0E=", sys.executable, source, profile="p")
    text = yaml.safe_dump(cfg)
    user = cfg["users"][0]["user"]
    assert sorted(user) == ["exec"], "the user entry holds no token, only the exec plugin"
    assert "k8s-aws-v1." + "a" not in text and SECRET not in text and KEY_ID not in text
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    loader = k8s_config.kube_config.KubeConfigLoader(config_dict=yaml.safe_load(text))
    assert loader.current_context["name"] == "eks_llm-eks-llm"
    assert loader._cluster["server"] == "https://abc.eks.amazonaws.com"
    assert cfg["users"][0]["user"]["exec"]["env"] == [{"name": "AWS_PROFILE", "value": "p"}]
