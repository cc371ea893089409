# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS authentication tokens without the AWS CLI, and the kubeconfig that uses them.

An EKS bearer token is ``k8s-aws-v1.`` followed by the unpadded base64url encoding of an STS
GetCallerIdentity URL presigned (SigV4, query string) with the header ``x-k8s-aws-id: <cluster>`` among
the signed headers. The cluster's authenticator replays the URL against STS to learn the caller.

The kubeconfig written for a cluster does not hold a token (it would expire after 15 minutes, in the
middle of a long play): its user runs this file as an exec credential plugin,
``<python> -c <this file's source> <cluster> <region>``, which prints a fresh ExecCredential whenever the
Kubernetes client needs one. The file is therefore self-contained: only the standard library and botocore.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import json
import sys

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
PRESIGN_EXPIRES_S = 60
# EKS accepts a token for 15 minutes; the ExecCredential says 14 so the client refreshes in time.
TOKEN_LIFETIME_S = 14 * 60
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


def sts_endpoint(region):
    """The regional STS endpoint the token is signed for (EKS expects the regional one)."""
    return "https://sts.%s.amazonaws.com" % region


def presigned_url(session, cluster_name, region, endpoint_url=None):
    """The STS GetCallerIdentity URL presigned with the cluster-id header (botocore session)."""
    client = session.create_client(
        "sts", region_name=region, endpoint_url=endpoint_url or sts_endpoint(region)
    )

    def add_cluster_header(request, **kwargs):
        request.headers[CLUSTER_ID_HEADER] = cluster_name

    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    return client.generate_presigned_url(
        "get_caller_identity", Params={}, ExpiresIn=PRESIGN_EXPIRES_S, HttpMethod="GET"
    )


def token_from_url(url):
    """``k8s-aws-v1.`` + unpadded base64url of the presigned URL."""
    encoded = base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii")
    return TOKEN_PREFIX + encoded.rstrip("=")


def url_from_token(token):
    """The presigned URL inside a token (the inverse of token_from_url)."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("not an EKS token: it does not start with %s" % TOKEN_PREFIX)
    encoded = token[len(TOKEN_PREFIX):]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")


def get_token(session, cluster_name, region, endpoint_url=None):
    """A bearer token for ``cluster_name`` signed with the session's credentials."""
    return token_from_url(presigned_url(session, cluster_name, region, endpoint_url))


def exec_credential(token, now=None):
    """The ExecCredential a Kubernetes client expects from an exec plugin."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    expires = now + datetime.timedelta(seconds=TOKEN_LIFETIME_S)
    return {
        "kind": "ExecCredential",
        "apiVersion": EXEC_API_VERSION,
        "spec": {},
        "status": {"expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": token},
    }


def kubeconfig(cluster_name, region, endpoint, certificate_authority_data, python, script, profile=None):
    """A kubeconfig (dict) for one EKS cluster whose user runs ``python -c script cluster region``.

    ``script`` is this module's source; ``profile`` is passed as AWS_PROFILE when given. Nothing in it
    is secret: it holds no token and no key.
    """
    exec_entry = {
        "apiVersion": EXEC_API_VERSION,
        "command": python,
        "args": ["-c", script, cluster_name, region],
        "interactiveMode": "Never",
        "provideClusterInfo": False,
    }
    if profile:
        exec_entry["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    name = "eks_llm-%s" % cluster_name
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority_data}}
        ],
        "users": [{"name": name, "user": {"exec": exec_entry}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }


def main(argv=None):
    """Exec credential plugin: ``python -c <source> CLUSTER REGION`` prints an ExecCredential.

    Credentials come from the standard botocore chain (environment, profile, SSO, instance role). The
    token is signed for the regional STS endpoint even when AWS_ENDPOINT_URL points elsewhere: it is
    checked by EKS, never sent by us.
    """
    import botocore.session

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.stderr.write("usage: python -c <eks_token source> CLUSTER REGION\n")
        return 2
    cluster_name, region = argv
    token = get_token(botocore.session.get_session(), cluster_name, region)
    sys.stdout.write(json.dumps(exec_credential(token)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
