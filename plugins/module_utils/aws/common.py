# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the collection's AWS modules (eks_addon, eks_pod_identity_association, ...).

Pure functions (tags, ownership, error text, configuration comparison, waiter arithmetic) take and
return plain values; only :func:`run_waiter` touches a boto3 client, and it never takes the
Ansible module object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import math
import time
import traceback

try:
    import botocore
except ImportError:  # handled by AnsibleAWSModule (missing boto3/botocore)
    botocore = None

try:
    import yaml
except ImportError:  # PyYAML ships with ansible-core; keep the helpers importable anyway
    yaml = None

# The ownership tag every AWS resource of the collection carries (CONTRIBUTING.md, design.md).
OWNER_TAG_KEY = "eks_llm.inference/cluster"

# Shared `wait` options: the dict lives here, the docs in doc fragment eks_llm.inference.aws_wait.
WAIT_ARG_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1200),
    wait_sleep=dict(type="int", default=10),
)


class AwsModuleError(Exception):
    """An error with a message for the user and an optional partial result."""

    def __init__(self, msg, result=None, cause=None):
        super(AwsModuleError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}
        self.cause = cause


def wait_arg_spec():
    """A fresh copy of the shared wait options."""
    return copy.deepcopy(WAIT_ARG_SPEC)


# --- tags -------------------------------------------------------------------------------------


def compare_tags(current, desired, purge=True):
    """Return ``(to_set, to_remove)`` turning ``current`` into ``desired``.

    ``desired`` None means "do not manage tags" (nothing to do). Keys starting with ``aws:`` are
    AWS-reserved and never removed.
    """
    current = dict(current or {})
    if desired is None:
        return {}, []
    desired = dict((str(k), str(v)) for k, v in desired.items())
    to_set = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    to_remove = []
    if purge:
        to_remove = sorted(k for k in current if k not in desired and not k.startswith("aws:"))
    return to_set, to_remove


def owner_problem(kind, name, tags, owner_tags):
    """"" when ``tags`` carry every key/value of ``owner_tags``, else a refusal sentence."""
    tags = tags or {}
    missing = dict((k, v) for k, v in (owner_tags or {}).items() if tags.get(k) != str(v))
    if not missing:
        return ""
    return (
        "Refusing to manage %s %s: it exists but does not carry the ownership tag(s) %s (it has %s); "
        "it was not created by eks_llm.inference for this cluster. Remove or rename it, or tag it if it "
        "really belongs to this cluster."
        % (
            kind,
            name,
            ", ".join("%s=%s" % (k, v) for k, v in sorted(missing.items())),
            ", ".join("%s=%s" % (k, v) for k, v in sorted(tags.items())) or "no tags",
        )
    )


# --- errors -----------------------------------------------------------------------------------


def error_cause(exc):
    """Short text for an exception: ``<Code>: <Message>`` for AWS ClientErrors."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        code = err.get("Code", "")
        message = err.get("Message", "")
        return ("%s: %s" % (code, message)).strip(": ") or str(exc)
    return str(exc)


def error_code(exc):
    """The AWS error code of a ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def failure_message(action, kind, name, cause, scope=None, hint=None):
    """'Failed to <action> <kind> <name>[ on <scope>]: <cause>[; <hint>]'."""
    msg = "Failed to %s %s %s" % (action, kind, name)
    if scope:
        msg += " on %s" % scope
    msg += ": %s" % cause
    if hint:
        msg += "; %s" % hint
    return msg


# --- configuration values ---------------------------------------------------------------------


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


# --- waiting ----------------------------------------------------------------------------------


def max_attempts(timeout, delay):
    """Attempts a botocore waiter needs so that ``attempts * delay`` covers ``timeout`` seconds."""
    delay = max(1, int(delay))
    return max(1, int(math.ceil(float(max(0, timeout)) / delay)))


def run_waiter(client, waiter_name, timeout, delay, describe=None, **params):
    """Run botocore waiter ``waiter_name`` with MaxAttempts derived from ``timeout``.

    Returns the elapsed seconds. On failure or timeout raises :class:`AwsModuleError` whose
    message names the waiter, the elapsed time and the last status observed (``describe`` is an
    optional callable returning a short status text, called once after a failure).
    """
    start = time.monotonic()
    waiter = client.get_waiter(waiter_name)
    config = {"Delay": max(1, int(delay)), "MaxAttempts": max_attempts(timeout, delay)}
    try:
        waiter.wait(WaiterConfig=config, **params)
    except botocore.exceptions.WaiterError as exc:
        elapsed = time.monotonic() - start
        last = exc.last_response or {}
        observed = ""
        if describe is not None:
            try:
                observed = describe()
            except Exception as inner:  # pylint: disable=broad-except
                observed = "could not read the last status: %s" % error_cause(inner)
        if not observed:
            observed = error_cause_from_response(last)
        reason = "timed out" if "Max attempts exceeded" in str(exc) else "stopped (terminal state)"
        raise AwsModuleError(
            "Waiter %s %s after %.0fs (timeout %ss); last observed: %s"
            % (waiter_name, reason, elapsed, timeout, observed or "nothing"),
            cause=exc,
        )
    return time.monotonic() - start


def error_cause_from_response(response):
    if not isinstance(response, dict):
        return ""
    if "Error" in response:
        return "%s: %s" % (response["Error"].get("Code", ""), response["Error"].get("Message", ""))
    for key in ("addon", "cluster", "nodegroup"):
        obj = response.get(key)
        if isinstance(obj, dict):
            text = "status %s" % obj.get("status")
            issues = (obj.get("health") or {}).get("issues") or []
            if issues:
                text += "; issues: " + "; ".join(
                    "%s %s" % (i.get("code", ""), i.get("message", "")) for i in issues
                )
            return text
    return ""


def finish(module, operation, on_failure=None):
    """Run ``operation()`` and end the module with its result.

    An AwsModuleError ends it with ``fail_json`` (message, traceback and the partial result the
    error carries, updated with ``on_failure()`` when given); ``diff`` is returned only in diff mode.
    """
    try:
        result = operation()
    except AwsModuleError as exc:
        result = dict(exc.result)
        if on_failure is not None:
            result.update(on_failure())
        if not module._diff:
            result.pop("diff", None)
        module.fail_json(msg=exc.msg, exception=traceback.format_exc(), **result)
        return
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
