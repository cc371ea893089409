# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers shared by the collection's AWS modules: tags, ownership, error text, result shape,
add-on configuration values.

No boto3 call and no Ansible module object here; the module skeleton (clients with retries, the
reconcile flow) is in ``resource.py``, the one poll loop in ``waiter.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

try:
    import yaml
except ImportError:  # PyYAML ships with ansible-core; keep the helpers importable anyway
    yaml = None

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# The ownership tag every AWS resource of the collection carries.
OWNER_TAG_KEY = "eks_llm.inference/cluster"

# Error codes AWS answers when a caller is throttled: retried with jittered backoff by every call, and
# a throttled poll does not end a wait.
THROTTLING_CODES = ("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded")

# Shared options: the dicts live here, the docs in doc fragment eks_llm.inference.aws (.wait, .owner).
WAIT_ARG_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1200),
    wait_sleep=dict(type="int", default=10),
)

# Options every module of the skeleton takes (docs: fragments eks_llm.inference.aws and amazon.aws.tags).
STATE_TAGS_ARG_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


class AwsModuleError(Exception):
    """An error with a message for the user, an optional partial result and the exception behind it."""

    def __init__(self, msg, result=None, cause=None):
        super(AwsModuleError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}
        self.cause = cause


def arg_spec(wait=True, owner=True, **options):
    """The module's options plus fresh copies of the shared ones (state, tags, purge_tags; wait; owner_tags)."""
    spec = copy.deepcopy(STATE_TAGS_ARG_SPEC)
    if wait:
        spec.update(copy.deepcopy(WAIT_ARG_SPEC))
    if owner:
        spec["owner_tags"] = dict(type="dict", default={})
    spec.update(options)
    return spec


# --- tags -------------------------------------------------------------------------------------


def compare_tags(current, desired, purge=True):
    """``(to_set, to_remove)`` turning the tag dict ``current`` into ``desired`` (amazon.aws compare_aws_tags).

    ``desired`` None means "do not manage tags" (nothing to do); values are compared as strings; keys
    starting with ``aws:`` are AWS-reserved and never removed; both results are sorted by key.
    """
    if desired is None:
        return {}, []
    desired = dict((str(k), str(v)) for k, v in desired.items())
    to_set, to_remove = compare_aws_tags(dict(current or {}), desired, purge)
    return dict(sorted(to_set.items())), sorted(to_remove)


def tags_after(current, to_set, to_remove):
    """The tag dict once ``to_set`` is set and ``to_remove`` removed."""
    tags = dict(current or {})
    tags.update(to_set)
    for key in to_remove:
        tags.pop(key, None)
    return tags


def tag_lines(to_set, to_remove):
    """The ``changes`` lines of a tag update."""
    lines = []
    if to_set:
        lines.append("tags set: %s" % ", ".join(sorted(to_set)))
    if to_remove:
        lines.append("tags removed: %s" % ", ".join(to_remove))
    return lines


def missing_tags(tags, required):
    """The key/values of ``required`` that ``tags`` do not carry (values compared as strings)."""
    tags = tags or {}
    return dict((k, str(v)) for k, v in (required or {}).items() if tags.get(k) != str(v))


def tag_text(tags):
    return ", ".join("%s=%s" % kv for kv in sorted((tags or {}).items())) or "no tags"


def owner_problem(kind, name, tags, owner_tags):
    """"" when ``tags`` carry every key/value of ``owner_tags``, else a refusal sentence."""
    missing = missing_tags(tags, owner_tags)
    if not missing:
        return ""
    return (
        "Refusing to manage %s %s: it exists but does not carry the ownership tag(s) %s (it has %s); "
        "it was not created by eks_llm.inference for this cluster. Remove or rename it, or tag it if it "
        "really belongs to this cluster." % (kind, name, tag_text(missing), tag_text(tags))
    )


# --- errors -----------------------------------------------------------------------------------


def error_code(exc):
    """The AWS error code of a ClientError (or of the cause of an AwsModuleError), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    cause = getattr(exc, "cause", None)
    return error_code(cause) if cause is not None else None


def error_cause(exc):
    """Short text for an exception: ``<Code>: <Message>`` for AWS ClientErrors."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        return ("%s: %s" % (err.get("Code", ""), err.get("Message", ""))).strip(": ") or str(exc)
    return str(exc)


def failure_message(action, kind, name, cause, scope=None, hint=None):
    """'Failed to <action> <kind> <name>[ on <scope>]: <cause>[; <hint>]'."""
    msg = "Failed to %s %s %s" % (action, kind, name)
    if scope:
        msg += " on %s" % scope
    msg += ": %s" % cause
    if hint:
        msg += "; %s" % hint
    return msg


# --- results ----------------------------------------------------------------------------------


def snake(resource, keep=("tags", "Tags")):
    """An API object with snake_case keys (amazon.aws/ansible camel_dict_to_snake_dict).

    Top-level None values are left out; the values under the keys in ``keep`` (tags, labels) are not
    converted. None or {} gives {}.
    """
    if not resource:
        return {}
    return camel_dict_to_snake_dict(
        dict((k, v) for k, v in resource.items() if v is not None), ignore_list=list(keep)
    )


# --- add-on configuration values --------------------------------------------------------------


def parse_configuration(value):
    """Parse add-on configuration values (JSON or YAML text, or a dict) into Python data.

    Empty/None means "no configuration" and parses to None. Unparseable text is returned as is,
    so that it is still compared as a string.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        return value or None
    text = str(value).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    if yaml is not None:
        try:
            parsed = yaml.safe_load(text)
            if isinstance(parsed, (dict, list)):
                return parsed
        except yaml.YAMLError:
            pass
    return text


def configuration_text(value):
    """The string the EKS API takes: dicts as compact, key-sorted JSON; strings unchanged."""
    if value is None:
        return None
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def same_configuration(current, desired):
    """True when two configuration values mean the same data (JSON vs YAML vs dict)."""
    return parse_configuration(current) == parse_configuration(desired)
