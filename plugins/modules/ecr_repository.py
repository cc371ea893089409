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
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eks_llm.inference.aws
  - eks_llm.inference.aws.owner
attributes:
  diff_mode:
    details: Shows tag mutability, scan on push and tags before and after.
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


from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import arg_spec, tags_after
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.resource import AwsResource, run_module


def argument_spec():
    return arg_spec(
        wait=False,
        name=dict(type="str", required=True),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"], default="MUTABLE"),
        scan_on_push=dict(type="bool", default=True),
        encryption_type=dict(type="str", choices=["AES256", "KMS"], default="AES256"),
        kms_key=dict(type="str", no_log=False),
        force_delete=dict(type="bool", default=False),
    )


class Repository(AwsResource):
    KIND = "ECR repository"
    RESULT = "repository"
    SERVICES = ("ecr",)
    NOT_FOUND = ("RepositoryNotFoundException",)

    def describe(self):
        found = self.call("describe", self.ecr.describe_repositories, gone=self.NOT_FOUND, repositoryNames=[self.name])
        if not found:
            return None
        repo = found["repositories"][0]
        tags = self.call("describe", self.ecr.list_tags_for_resource, resourceArn=repo["repositoryArn"]).get("tags")
        return dict(repo, tags=boto3_tag_list_to_ansible_dict(tags))

    def view(self, resource):
        return dict(
            image_tag_mutability=resource.get("imageTagMutability"),
            scan_on_push=bool((resource.get("imageScanningConfiguration") or {}).get("scanOnPush")),
            tags=dict(resource.get("tags") or {}),
        )

    def apply_tags(self, arn, to_set, to_remove):
        if to_remove:
            self.call("untag", self.ecr.untag_resource, resourceArn=arn, tagKeys=to_remove)
        if to_set:
            self.call("tag", self.ecr.tag_resource, resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(to_set))

    def present(self):
        params = self.params
        current = self.describe()
        wanted = dict(
            imageTagMutability=params["image_tag_mutability"],
            imageScanningConfiguration=dict(scanOnPush=params["scan_on_push"]),
        )
        if current is None:
            request = dict(wanted, repositoryName=self.name, encryptionConfiguration=dict(encryptionType=params["encryption_type"]))
            if params["kms_key"]:
                request["encryptionConfiguration"]["kmsKey"] = params["kms_key"]
            tags = dict((str(k), str(v)) for k, v in (params["tags"] or {}).items())
            if tags:
                request["tags"] = ansible_dict_to_boto3_tag_list(tags)
            intended = dict(wanted, repositoryName=self.name, tags=tags)
            return self.create(intended, lambda: self.make(request))

        self.guard(current.get("tags"))
        if current.get("imageTagMutability") != params["image_tag_mutability"]:
            self.change("image_tag_mutability: %s -> %s" % (current.get("imageTagMutability"), params["image_tag_mutability"]))
        scan = bool((current.get("imageScanningConfiguration") or {}).get("scanOnPush"))
        if scan != params["scan_on_push"]:
            self.change("scan_on_push: %s -> %s" % (scan, params["scan_on_push"]))
        to_set, to_remove = self.plan_tags(current.get("tags"))
        after = dict(current, tags=tags_after(current.get("tags"), to_set, to_remove), **wanted)
        return self.update(current, after, lambda: self.apply(current, scan, to_set, to_remove))

    def make(self, request):
        self.call("create", self.ecr.create_repository, **request)
        return self.describe()

    def apply(self, current, scan, to_set, to_remove):
        params = self.params
        if current.get("imageTagMutability") != params["image_tag_mutability"]:
            self.call(
                "update", self.ecr.put_image_tag_mutability,
                repositoryName=self.name, imageTagMutability=params["image_tag_mutability"],
            )
        if scan != params["scan_on_push"]:
            self.call(
                "update", self.ecr.put_image_scanning_configuration,
                repositoryName=self.name, imageScanningConfiguration=dict(scanOnPush=params["scan_on_push"]),
            )
        self.apply_tags(current["repositoryArn"], to_set, to_remove)
        return self.describe()

    def absent(self):
        current = self.describe()
        if current is None:
            return self.result
        self.guard(current.get("tags"))
        hints = dict(RepositoryNotEmptyException="it still holds images; set force_delete=true to delete them too")
        return self.delete(current, lambda: self.call(
            "delete", self.ecr.delete_repository, hints=hints, repositoryName=self.name, force=self.params["force_delete"]
        ))


def main():
    run_module(Repository, argument_spec(), required_if=[("encryption_type", "KMS", ("kms_key",))])


if __name__ == "__main__":
    main()
