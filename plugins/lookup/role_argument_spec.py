# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: role_argument_spec
short_description: Read the argument spec of one of the collection's roles
version_added: 1.0.0
author: eks_llm.inference contributors (@eks-llm)
description:
  - Returns the options of the C(main) entry point of a role of this collection, read from the role's
    C(meta/argument_specs.yml) inside the collection (wherever it is installed).
  - Lets a play validate every role's inputs before any role runs, whatever C(--tags) selects.
options:
  _terms:
    description: Role names of this collection (without the collection prefix).
    type: list
    elements: str
    required: true
  defaults:
    description:
      - Keep the options' C(default) entries. V(false) drops them (recursively), so that
        C(ansible.builtin.validate_argument_spec) checks only the values given, not templated defaults that
        only the role itself can resolve.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Validate the inputs of role vpc_eks without running it
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ lookup('eks_llm.inference.role_argument_spec', 'vpc_eks') }}"
"""

RETURN = r"""
_raw:
  description: One mapping of option name to option spec per role named.
  type: list
  elements: dict
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.eks_llm.inference.plugins.plugin_utils.role_specs import main_options


def _without_defaults(options):
    out = {}
    for name, option in options.items():
        option = dict((k, v) for k, v in option.items() if k != "default")
        if isinstance(option.get("options"), dict):
            option["options"] = _without_defaults(option["options"])
        out[name] = option
    return out


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        keep_defaults = self.get_option("defaults")
        specs = []
        for role in terms:
            options = main_options(role)
            specs.append(options if keep_defaults else _without_defaults(options))
        return specs
