# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs of the shared wait options (the argument spec is WAIT_ARG_SPEC in module_utils/aws/common.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
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
      - The botocore waiter's C(MaxAttempts) is derived from it as C(ceil(wait_timeout / wait_sleep)), so the
        timeout is honoured whatever the waiter's built-in defaults are.
      - On timeout the module fails with the elapsed time and the last status observed.
    type: int
    default: 1200
  wait_sleep:
    description:
      - Seconds between two polls while waiting.
    type: int
    default: 10
"""
