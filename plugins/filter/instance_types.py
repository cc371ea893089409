# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expose the collection's instance-type table to YAML: ``eks_llm.inference.instance_spec``.

Documentation lives in the YAML sidecar ``instance_spec.yml`` (ansible-core filter docs convention).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.eks_llm.inference.plugins.module_utils import instance_types


def instance_spec(instance_type):
    """Return the spec dict of ``instance_type``; raise AnsibleFilterError naming the known types."""
    if not isinstance(instance_type, str):
        raise AnsibleFilterError(
            "instance_spec expects an instance type name (string), got %s %r; known instance types: %s"
            % (type(instance_type).__name__, instance_type, ", ".join(instance_types.known_instance_types()))
        )
    try:
        return instance_types.get(instance_type)
    except instance_types.UnknownInstanceType as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """eks_llm.inference instance-type filters."""

    def filters(self):
        return {"instance_spec": instance_spec}
