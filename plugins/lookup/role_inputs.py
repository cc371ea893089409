# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: role_inputs
short_description: The values of a role's inputs, each computed on its own
version_added: 1.0.0
author: eks_llm.inference contributors (@eks-llm)
description:
  - Returns, for a role of this collection, a mapping of every input its C(meta/argument_specs.yml) lists (entry
    point C(main)) that is defined, to its templated value (role defaults included when the role is running).
  - An input whose template cannot be computed (for example C(gpu_nodegroup_node_groups[0]) of an empty list) fails
    the lookup with the input's name and the cause, instead of one error for the whole mapping.
  - Feeds C(ansible.builtin.validate_argument_spec) in the roles' preflight, so every input is checked against the spec
    with the role's templated defaults resolved.
options:
  _terms:
    description: Role names of this collection (without the collection prefix).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Check every input of role vpc_eks (run inside the role, so that its defaults are defined)
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ lookup('eks_llm.inference.role_argument_spec', 'vpc_eks', defaults=false) }}"
    provided_arguments: "{{ lookup('eks_llm.inference.role_inputs', 'vpc_eks') }}"
"""

RETURN = r"""
_raw:
  description: One mapping of input name to value per role named.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.eks_llm.inference.plugins.plugin_utils.role_specs import main_options


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        out = []
        for role in terms:
            values = {}
            problems = []
            for name in main_options(role):
                if name not in variables:
                    continue
                try:
                    values[name] = self._templar.template(variables[name])
                except AnsibleError as exc:
                    problems.append(
                        "%s cannot be computed: %s (it is built from other variables; check those, e.g. an empty list "
                        "where an item is read)" % (name, getattr(exc, "message", None) or exc)
                    )
            if problems:
                raise AnsibleLookupError("; ".join(problems))
            out.append(values)
        return out
