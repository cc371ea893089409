# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks for the opening's validation.

``eks_llm.inference.unknown_inputs`` finds variables that look like a role's inputs but are not;
``eks_llm.inference.cidr_blocks_problems`` checks a list of IPv4 CIDR blocks (any prefix length).
Documentation lives in the YAML sidecars ``unknown_inputs.yml`` and ``cidr_blocks_problems.yml``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress

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


def cidr_blocks_problems(values, var):
    """Messages for every entry of ``values`` that is not an IPv4 block ``a.b.c.d/n`` without host bits.

    Each message names ``var`` with the entry's index, the value and what is allowed; empty when all are fine.
    A bare address (no ``/n``) is refused: AWS would read it as one host, which is rarely what was meant.
    """
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        return ["%s must be a list of IPv4 CIDR blocks such as 203.0.113.0/24, got %r" % (var, values)]
    messages = []
    for index, value in enumerate(values):
        where = "%s[%d] %r" % (var, index, value)
        text = value if isinstance(value, str) else ""
        if "/" not in text:
            messages.append("%s is not an IPv4 CIDR block a.b.c.d/n (add the prefix length, e.g. /32 for one address)" % where)
            continue
        try:
            net = ipaddress.IPv4Network(text.strip(), strict=False)
        except ValueError as exc:
            messages.append("%s is not an IPv4 CIDR block a.b.c.d/n: %s" % (where, exc))
            continue
        if str(net) != text.strip():
            messages.append("%s has host bits set; the block is %s" % (where, net))
    return messages


class FilterModule(object):
    """eks_llm.inference input filters."""

    def filters(self):
        return {"unknown_inputs": unknown_inputs, "cidr_blocks_problems": cidr_blocks_problems}
