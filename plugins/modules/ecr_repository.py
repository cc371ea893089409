#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: Manage a private Amazon ECR repository with tags and an ownership guard
version_added: 1.0.0
description:
  - Create, reconcile (tag mutability, scan on push, tags) or delete a private ECR repository.
  - M(community.aws.ecs_ecr) (community.aws 10.0.0) has no tag support, so it cannot put the collection's
    ownership tag on a repository; this module can, and refuses to change or delete a repository that lacks the
    tags given in O(owner_tags).
author:
  - eks_llm.inference contributors (@eks-llm)
options:
  name:
    description: Repository name.
    type: str
    required: true
  image_tag_mutability:
    description: Whether image tags can be overwritten.
    type: str
    choices: [MUTABLE, IMMUTABLE]
    default: MUTABLE
  scan_on_push:
    description: Scan images for vulnerabilities when they are pushed.
    type: bool
    default: true
  encryption_type:
    description: Encryption at rest, set at creation only (not compared afterwards).
    type: str
    choices: [AES256, KMS]
    default: AES256
  kms_key:
    description: KMS key for O(encryption_type=KMS).
    type: str
  force_delete:
    description: With O(state=absent), delete the repository even if it still holds images.
    type: bool
    default: false
  owner_tags:
    description: Tags an existing repository must carry before it is changed or deleted.
    type: dict
    default: {}
  state:
    description: Whether the repository should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the repository and reports what would change; no mutating call.
  diff_mode:
    support: full
    details: Shows tag mutability, scan on push and tags before and after.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Private repository for the Neuron vLLM image (seed 002)
  eks_llm.inference.ecr_repository:
    name: neuron_2_18_1_repo
    tags:
      eks_llm.inference/cluster: llama2
    owner_tags:
      eks_llm.inference/cluster: llama2
"""

RETURN = r"""
repository:
  description: The repository (snake_case keys). Empty when absent.
  returned: always
  type: dict
  contains:
    repository_name:
      description: Name.
      type: str
      sample: neuron_2_18_1_repo
    repository_arn:
      description: ARN.
      type: str
      sample: arn:aws:ecr:us-east-2:123456789012:repository/neuron_2_18_1_repo
    repository_uri:
      description: URI to push to.
      type: str
      sample: 123456789012.dkr.ecr.us-east-2.amazonaws.com/neuron_2_18_1_repo
    tags:
      description: Tags.
      type: dict
      sample: {"eks_llm.inference/cluster": "llama2"}
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["scan_on_push: False -> True"]
"""


try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    AwsModuleError,
    compare_tags,
    error_cause,
    error_code,
    failure_message,
    finish,
    owner_problem,
)

KIND = "ECR repository"


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"], default="MUTABLE"),
        scan_on_push=dict(type="bool", default=True),
        encryption_type=dict(type="str", choices=["AES256", "KMS"], default="AES256"),
        kms_key=dict(type="str", no_log=False),
        force_delete=dict(type="bool", default=False),
        owner_tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def tag_dict(tag_list):
    return dict((t["Key"], t["Value"]) for t in tag_list or [])


def describe(client, name):
    try:
        repo = client.describe_repositories(repositoryNames=[name])["repositories"][0]
        repo["tags"] = tag_dict(client.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"))
        return repo
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        if error_code(exc) == "RepositoryNotFoundException":
            return None
        raise AwsModuleError(failure_message("describe", KIND, name, error_cause(exc)), cause=exc)


def view(repo):
    if not repo:
        return {}
    return dict(
        image_tag_mutability=repo.get("imageTagMutability"),
        scan_on_push=bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        tags=dict(repo.get("tags") or {}),
    )


def snake(repo):
    return camel_dict_to_snake_dict(dict((k, v) for k, v in (repo or {}).items() if v is not None), ignore_list=["tags"])


def ensure_present(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], repository={})
    current = describe(client, name)
    if current is None:
        kwargs = dict(
            repositoryName=name,
            imageTagMutability=params["image_tag_mutability"],
            imageScanningConfiguration=dict(scanOnPush=params["scan_on_push"]),
            encryptionConfiguration=dict(encryptionType=params["encryption_type"]),
        )
        if params["kms_key"]:
            kwargs["encryptionConfiguration"]["kmsKey"] = params["kms_key"]
        tags = dict((str(k), str(v)) for k, v in (params["tags"] or {}).items())
        if tags:
            kwargs["tags"] = [dict(Key=k, Value=v) for k, v in sorted(tags.items())]
        intended = dict(
            repositoryName=name,
            imageTagMutability=params["image_tag_mutability"],
            imageScanningConfiguration=kwargs["imageScanningConfiguration"],
            tags=tags,
        )
        result.update(changed=True, changes=["create %s %s" % (KIND, name)])
        result["diff"] = dict(before={}, after=view(intended))
        if check_mode:
            result["repository"] = snake(intended)
            return result
        try:
            client.create_repository(**kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise AwsModuleError(failure_message("create", KIND, name, error_cause(exc)), result=result, cause=exc)
        result["repository"] = snake(describe(client, name))
        return result

    problem = owner_problem(KIND, name, current.get("tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    changes = []
    after = dict(current)
    calls = []
    if current.get("imageTagMutability") != params["image_tag_mutability"]:
        changes.append("image_tag_mutability: %s -> %s" % (current.get("imageTagMutability"), params["image_tag_mutability"]))
        calls.append(("put_image_tag_mutability", dict(repositoryName=name, imageTagMutability=params["image_tag_mutability"])))
        after["imageTagMutability"] = params["image_tag_mutability"]
    scan = bool((current.get("imageScanningConfiguration") or {}).get("scanOnPush"))
    if scan != params["scan_on_push"]:
        changes.append("scan_on_push: %s -> %s" % (scan, params["scan_on_push"]))
        calls.append((
            "put_image_scanning_configuration",
            dict(repositoryName=name, imageScanningConfiguration=dict(scanOnPush=params["scan_on_push"])),
        ))
        after["imageScanningConfiguration"] = dict(scanOnPush=params["scan_on_push"])
    to_set, to_remove = compare_tags(current.get("tags"), params["tags"], params["purge_tags"])
    if to_remove:
        changes.append("tags removed: %s" % ", ".join(to_remove))
        calls.append(("untag_resource", dict(resourceArn=current["repositoryArn"], tagKeys=to_remove)))
    if to_set:
        changes.append("tags set: %s" % ", ".join(sorted(to_set)))
        calls.append((
            "tag_resource",
            dict(resourceArn=current["repositoryArn"], tags=[dict(Key=k, Value=v) for k, v in sorted(to_set.items())]),
        ))
    tags = dict(current.get("tags") or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    after["tags"] = tags
    result.update(changed=bool(changes), changes=changes)
    result["diff"] = dict(before=view(current), after=view(after))
    if check_mode or not changes:
        result["repository"] = snake(after)
        return result
    try:
        for method, kwargs in calls:
            getattr(client, method)(**kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AwsModuleError(failure_message("update", KIND, name, error_cause(exc)), result=result, cause=exc)
    result["repository"] = snake(describe(client, name))
    return result


def ensure_absent(client, params, check_mode):
    name = params["name"]
    result = dict(changed=False, changes=[], repository={})
    current = describe(client, name)
    if current is None:
        return result
    problem = owner_problem(KIND, name, current.get("tags"), params["owner_tags"])
    if problem:
        raise AwsModuleError(problem)
    result.update(changed=True, changes=["delete %s %s" % (KIND, name)])
    result["diff"] = dict(before=view(current), after={})
    if check_mode:
        return result
    try:
        client.delete_repository(repositoryName=name, force=params["force_delete"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        hint = "it still holds images; set force_delete=true to delete them too" if error_code(exc) == "RepositoryNotEmptyException" else None
        raise AwsModuleError(failure_message("delete", KIND, name, error_cause(exc), hint=hint), result=result, cause=exc)
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("encryption_type", "KMS", ("kms_key",))],
        supports_check_mode=True,
    )
    client = module.client("ecr")
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    finish(module, lambda: ensure(client, module.params, module.check_mode))


if __name__ == "__main__":
    main()
