# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EFA launch-template data for YAML: ``eks_llm.inference.efa_launch_template_data``.

Documentation lives in the YAML sidecar ``efa_launch_template_data.yml``; the data is built by the
pure function in ``plugins/module_utils/aws/launch_template.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.eks_llm.inference.plugins.module_utils.aws import launch_template


def efa_launch_template_data(efa_interfaces, security_group_ids, disk_size, placement_group_name=None):
    """``LaunchTemplateData`` of an EFA node group; AnsibleFilterError for inputs EC2 would reject."""
    try:
        return launch_template.efa_launch_template_data(
            efa_interfaces, security_group_ids, disk_size, placement_group_name=placement_group_name or None
        )
    except ValueError as exc:
        raise AnsibleFilterError("efa_launch_template_data: %s" % exc)


class FilterModule(object):
    """eks_llm.inference launch-template filters."""

    def filters(self):
        return {"efa_launch_template_data": efa_launch_template_data}
