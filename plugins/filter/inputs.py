# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find variables that look like a role's inputs but are not: ``eks_llm.inference.unknown_inputs``.

Documentation lives in the YAML sidecar ``unknown_inputs.yml``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible.errors import AnsibleFilterError


def unknown_inputs(names, options, role):
    """Messages for every name with the prefix ``<role>_`` that is not one of ``options``.

    Each message names the variable, the role and the closest real input (or the list of inputs when
    nothing is close). Internal names (``__<role>_...``) do not have the prefix and are never reported.
    """
    if not isinstance(role, str) or not role:
        raise AnsibleFilterError("unknown_inputs: role must be a role name, got %r" % (role,))
    known = sorted(options)
    prefix = role + "_"
    messages = []
    for name in sorted(set(str(n) for n in names)):
        if not name.startswith(prefix) or name in options:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        if close:
            hint = "did you mean %s?" % close[0]
        else:
            hint = "the inputs of role %s are: %s" % (role, ", ".join(known))
        messages.append("%s is not an input of role %s; %s" % (name, role, hint))
    return messages


class FilterModule(object):
    """eks_llm.inference input filters."""

    def filters(self):
        return {"unknown_inputs": unknown_inputs}
