# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs shared by the collection's AWS modules (argument specs: module_utils/aws/common.py).

``eks_llm.inference.aws``: O(state), the attributes (with the descriptions of
``ansible.builtin.action_common_attributes``) and the retry note of every module;
``eks_llm.inference.aws.owner``: O(owner_tags); ``eks_llm.inference.aws.wait``: the wait options.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  state:
    description: Whether the resource should exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the resource and reports what would change; makes no mutating call and does not wait.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Shows the settings the module manages before and after.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: aws
notes:
  - Every AWS call is retried with jittered exponential backoff (up to 10 attempts) when AWS answers with
    a throttling error (C(Throttling), C(ThrottlingException), C(TooManyRequestsException),
    C(RequestLimitExceeded)); any other error fails the module at once, naming the AWS error code.
  - The first pause is at most 3 seconds, doubling up to 60; the environment variable E(EKS_LLM_AWS_RETRY_DELAY)
    on the machine that runs the module sets another first pause in seconds (the ceiling is 20 times it), for
    tests that inject throttling.
"""

    OWNER = r"""
options:
  owner_tags:
    description:
      - Tags an existing resource must carry before the module changes or deletes it. If it exists without
        them the module fails and changes nothing.
    type: dict
    default: {}
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until the resource reaches its target state (for example V(ACTIVE), or gone after deletion)
        before returning.
      - Never waits in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait at most when O(wait=true).
      - The module polls at once, then every O(wait_sleep) seconds while the next poll is within this
        limit; a poll answered with a throttling error counts as "not yet".
      - On timeout the module fails with the elapsed time and the last status observed; RV(wait) reports
        both on success too.
    type: int
    default: 1200
  wait_sleep:
    description:
      - Seconds between two polls while waiting.
    type: int
    default: 10
"""
