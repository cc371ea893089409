# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``main()`` of the benchmark facts modules (the one file of this package that uses Ansible).

``benchmark_facts``, ``genai_perf_facts`` and ``llmperf_facts`` differ only in the formats they
read; their options are documented once in the ``eks_llm.inference.benchmark`` doc fragment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule

from .discovery import AUTO, facts_result
from .errors import BenchmarkParseError


def facts_argument_spec(formats=None):
    """Options of a facts module; ``formats`` adds a ``format`` choice among them (and ``auto``)."""
    spec = dict(
        path=dict(type="path", required=True),
        per_request=dict(type="bool", default=True),
    )
    if formats:
        spec["format"] = dict(type="str", default=AUTO, choices=[AUTO] + list(formats))
    return spec


def run_facts_module(argument_spec, allowed):
    """Parse ``path`` for the ``allowed`` formats and exit with the facts (or fail naming the file)."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        result, warnings = facts_result(params["path"], params.get("format", AUTO), allowed, params["per_request"])
    except BenchmarkParseError as exc:
        module.fail_json(msg=exc.msg, exception=traceback.format_exc())
    for warning in warnings:
        module.warn(warning)
    module.exit_json(**result)
