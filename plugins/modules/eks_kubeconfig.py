#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_kubeconfig
short_description: Write a kubeconfig for an EKS cluster that authenticates without the AWS CLI
version_added: 1.0.0
description:
  - Reads the cluster's endpoint and certificate authority with C(eks:DescribeCluster) and writes a kubeconfig
    for it to O(path) (mode C(0600), parent directory created with mode C(0700)).
  - The kubeconfig's user is an exec credential plugin that runs O(python) with the collection's own token
    generator (an STS GetCallerIdentity URL presigned with the C(x-k8s-aws-id) header, as EKS expects), so
    neither the AWS CLI nor a token is stored; every Kubernetes client (kubernetes.core, kubectl, helm)
    gets a fresh token when it needs one, also in plays longer than a token's 15 minutes.
  - The file holds no secret. It is written as JSON (a valid kubeconfig) and rewritten only when its content
    would change, so a second run reports no change.
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  path:
    description: Where to write the kubeconfig.
    type: path
    required: true
  state:
    description: V(present) writes the kubeconfig (the cluster must be ACTIVE); V(absent) removes the file.
    type: str
    choices: [present, absent]
    default: present
  python:
    description:
      - Python interpreter the exec plugin runs; it needs botocore.
      - Defaults to the interpreter running this module (for a control-node play, the playbook's Python).
    type: str
  exec_profile:
    description:
      - AWS profile the exec plugin uses (written as C(AWS_PROFILE) in the exec entry).
      - Defaults to none, so the plugin uses the environment of whoever runs the Kubernetes client.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the file would change and writes nothing.
  diff_mode:
    support: none
    description: The file holds no secret but is not diffed; the result names the endpoint.
  platform:
    support: full
    platforms: posix
    description: Runs where the kubeconfig is used, normally the control node.
"""

EXAMPLES = r"""
- name: Write the kubeconfig of the new cluster
  eks_llm.inference.eks_kubeconfig:
    cluster_name: eks-llm
    region: us-west-2
    path: "{{ playbook_dir }}/build/eks-llm/kubeconfig"

- name: Use it
  kubernetes.core.k8s_info:
    kubeconfig: "{{ playbook_dir }}/build/eks-llm/kubeconfig"
    kind: Node
"""

RETURN = r"""
path:
  description: The kubeconfig written (or that would be written).
  returned: always
  type: str
context:
  description: Name of the kubeconfig's context (and of its cluster and user entries).
  returned: when state=present
  type: str
  sample: eks_llm-eks-llm
endpoint:
  description: The cluster's API server endpoint.
  returned: when state=present
  type: str
"""

import inspect
import json
import os
import sys

try:
    import botocore  # noqa: F401  (AnsibleAWSModule reports a missing botocore)
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.eks_llm.inference.plugins.module_utils import eks_token
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import retry_decorator


def _read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def _write(path, config):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        os.makedirs(parent, mode=0o700)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)


def _desired(module, cluster):
    script = inspect.getsource(eks_token)
    return eks_token.kubeconfig(
        cluster_name=module.params["cluster_name"],
        region=module.region,
        endpoint=cluster["endpoint"],
        certificate_authority_data=cluster["certificateAuthority"]["data"],
        python=module.params["python"] or sys.executable,
        script=script,
        profile=module.params["exec_profile"],
    )


def ensure_present(module):
    path = module.params["path"]
    client = module.client("eks", retry_decorator=retry_decorator())
    name = module.params["cluster_name"]
    try:
        cluster = client.describe_cluster(aws_retry=True, name=name)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        module.fail_json(msg="EKS cluster %s does not exist in %s: create it first (role vpc_eks)" % (name, module.region))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:  # pylint: disable=duplicate-except
        module.fail_json_aws(err, msg="Could not describe EKS cluster %s" % name)
    if cluster.get("status") != "ACTIVE" or not cluster.get("endpoint"):
        module.fail_json(msg="EKS cluster %s is %s, not ACTIVE: no kubeconfig can be written yet" % (name, cluster.get("status")))
    desired = _desired(module, cluster)
    current = _read(path)
    mode_ok = os.path.exists(path) and (os.stat(path).st_mode & 0o777) == 0o600
    changed = current != desired or not mode_ok
    if changed and not module.check_mode:
        _write(path, desired)
    module.exit_json(changed=changed, path=path, context=desired["current-context"], endpoint=cluster["endpoint"])


def ensure_absent(module):
    path = module.params["path"]
    changed = os.path.exists(path)
    if changed and not module.check_mode:
        os.remove(path)
    module.exit_json(changed=changed, path=path)


def argument_spec():
    return dict(
        cluster_name=dict(type="str", required=True),
        path=dict(type="path", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        python=dict(type="str"),
        exec_profile=dict(type="str"),
    )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params["state"] == "absent":
        ensure_absent(module)
    ensure_present(module)


if __name__ == "__main__":
    main()
