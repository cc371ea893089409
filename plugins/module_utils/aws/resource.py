# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The skeleton of the collection's AWS modules.

A module is a subclass of :class:`AwsResource` (``KIND``, ``RESULT``, ``SERVICES``, ``describe()``,
``view()``, ``present()``, ``absent()``) and a ``main()`` calling :func:`run_module`. Every AWS call
goes through :meth:`AwsResource.call`: retried with jittered backoff on throttling (clients from
:func:`retrying`), AWS errors turned into "Failed to <action> <kind> <name>: <Code>: <Message>".
Every wait goes through :meth:`AwsResource.wait` (the poll loop of ``waiter.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

try:
    from botocore.exceptions import BotoCoreError, ClientError

    AWS_ERRORS = (ClientError, BotoCoreError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    THROTTLING_CODES,
    AwsModuleError,
    compare_tags,
    error_cause,
    error_code,
    failure_message,
    owner_problem,
    snake,
    tag_lines,
)
from ansible_collections.eks_llm.inference.plugins.module_utils.aws.waiter import wait_for

# The backoff of every AWS call on a throttling error: up to RETRIES attempts (the first call included), the
# n-th retry after a random pause of at most min(delay * 2 ** (n - 1), MAX_DELAY_FACTOR * delay) seconds
# (amazon.aws AWSRetry.jittered_backoff). ``delay`` is RETRY_DELAY (3 s, so at most 60 s between two attempts)
# unless the environment variable named by RETRY_DELAY_ENV sets another positive number of seconds on the
# machine that runs the module, for example EKS_LLM_AWS_RETRY_DELAY=0.1 in tests that answer calls with
# throttling errors on purpose and must not wait minutes. Anything else in it fails the module.
RETRIES = 10
RETRY_DELAY = 3
MAX_DELAY_FACTOR = 20
RETRY_DELAY_ENV = "EKS_LLM_AWS_RETRY_DELAY"


def retry_delay(environ=None):
    """The first backoff delay in seconds: RETRY_DELAY, or the positive number in $EKS_LLM_AWS_RETRY_DELAY."""
    text = (os.environ if environ is None else environ).get(RETRY_DELAY_ENV, "").strip()
    if not text:
        return RETRY_DELAY
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise AwsModuleError(
            "%s must be a positive number of seconds (the first retry delay on throttling), got %r; "
            "unset it to use the default of %s s" % (RETRY_DELAY_ENV, text, RETRY_DELAY)
        )
    return value


def retry_decorator(environ=None):
    """Jittered exponential backoff on the throttling codes (3 s doubling up to 60 s, 10 attempts by default).

    See RETRIES, RETRY_DELAY, MAX_DELAY_FACTOR and RETRY_DELAY_ENV.
    """
    delay = retry_delay(environ)
    return AWSRetry.jittered_backoff(
        retries=RETRIES, delay=delay, max_delay=delay * MAX_DELAY_FACTOR, catch_extra_error_codes=list(THROTTLING_CODES)
    )


def retrying(client):
    """``client`` wrapped as ``AnsibleAWSModule.client(..., retry_decorator=retry_decorator())`` wraps it."""
    return RetryingBotoClientWrapper(client, retry_decorator())


class AwsResource(object):
    """Reconciles one AWS resource. Subclasses set the class attributes and write the four methods."""

    KIND = "resource"  # the resource in messages, e.g. "EKS cluster"
    RESULT = "resource"  # the result key holding the resource, snake_case
    SERVICES = ("eks",)  # one client attribute per service, e.g. self.eks
    NOT_FOUND = ("ResourceNotFoundException",)  # error codes of describe calls meaning "absent"
    KEEP = ("tags", "Tags")  # keys whose values the result keeps as they are

    def __init__(self, clients, params, check_mode, region=None):
        for service in self.SERVICES:
            setattr(self, service, clients[service])
        self.params = params
        self.check_mode = check_mode
        self.region = region
        self.name = params.get("name")
        self.scope = None  # e.g. "cluster eks-llm" for the resources inside a cluster
        self.result = {"changed": False, "changes": [], self.RESULT: {}}

    # ---- to write in each module --------------------------------------------------------------------

    def describe(self):
        """The resource as the API describes it, or None."""
        raise NotImplementedError

    def view(self, resource):
        """The managed settings of a (non-empty) resource, for --diff."""
        raise NotImplementedError

    def present(self):
        """Create or reconcile the resource; return the result."""
        raise NotImplementedError

    def absent(self):
        """Delete the resource if it exists; return the result."""
        raise NotImplementedError

    def run(self):
        return self.present() if self.params["state"] == "present" else self.absent()

    # ---- calls and failures -------------------------------------------------------------------------

    def call(self, action, method, gone=(), hints=None, about=None, **kwargs):
        """``method(**kwargs)`` with retries on throttling.

        An error whose code is in ``gone`` returns None; any other fails the module with
        "Failed to <action> <kind> <name>...: <Code>: <Message>" (``about`` = (kind, name) when the
        call is about something else than the resource) and the hint ``hints[code]`` if any.
        """
        try:
            return method(aws_retry=True, **kwargs)
        except AWS_ERRORS as exc:
            code = error_code(exc)
            if code in gone:
                return None
            self.fail(action, error_cause(exc), (hints or {}).get(code), about=about, exc=exc)

    def fail(self, action, cause, hint=None, about=None, exc=None):
        kind, name = about or (self.KIND, self.name)
        raise AwsModuleError(failure_message(action, kind, name, cause, self.scope, hint), result=self.result, cause=exc)

    def guard(self, tags, about=None):
        """Refuse to go on when ``tags`` lack O(owner_tags)."""
        kind, name = about or (self.KIND, self.name)
        problem = owner_problem(kind, name, tags, self.params.get("owner_tags"))
        if problem:
            raise AwsModuleError(problem, result=self.result)

    # ---- changes and result -------------------------------------------------------------------------

    def change(self, *lines):
        self.result["changes"].extend(lines)
        self.result["changed"] = self.result["changed"] or bool(lines)

    def plan_tags(self, current, desired=None):
        """``(to_set, to_remove)`` for O(tags)/O(purge_tags) (or ``desired``), recorded as changes."""
        to_set, to_remove = compare_tags(current, self.params["tags"] if desired is None else desired, self.params["purge_tags"])
        self.change(*tag_lines(to_set, to_remove))
        return to_set, to_remove

    def apply_tags(self, arn, to_set, to_remove):
        """EKS spelling (tags as a dict); ECR and EFS override it."""
        if to_remove:
            self.call("untag", self.eks.untag_resource, resourceArn=arn, tagKeys=to_remove)
        if to_set:
            self.call("tag", self.eks.tag_resource, resourceArn=arn, tags=to_set)

    def diff(self, before, after):
        self.result["diff"] = dict(before=self.view(before) if before else {}, after=self.view(after) if after else {})

    def done(self, resource):
        self.result[self.RESULT] = snake(resource, self.KEEP)
        return self.result

    # ---- the reconcile flow -------------------------------------------------------------------------

    def create(self, intended, make, label=None, details=()):
        """Report the creation of ``intended`` (and the ``details`` lines); outside check mode ``make()``
        creates and returns the resource."""
        self.change("create %s %s" % (self.KIND, label or self.name), *details)
        self.diff(None, intended)
        return self.done(intended if self.check_mode else make())

    def update(self, current, after, apply):
        """Report ``current`` -> ``after``; when something changed and not in check mode, ``apply()``
        makes the change and returns the resource as it now is."""
        self.diff(current, after)
        if self.check_mode or not self.result["changed"]:
            return self.done(after)
        return self.done(apply() or after)

    def delete(self, current, remove, label=None):
        """Report the deletion of ``current``; outside check mode ``remove()`` deletes it."""
        self.change("delete %s %s" % (self.KIND, label or self.name))
        self.diff(current, None)
        if not self.check_mode:
            remove()
        return self.result

    # ---- waiting ------------------------------------------------------------------------------------

    def status(self):
        """``(state, detail)`` of the resource for :meth:`wait`: its status and health issues, or "gone"."""
        resource = self.describe()
        if not resource:
            return "gone", ""
        issues = (resource.get("health") or {}).get("issues") or []
        return resource.get("status"), "; ".join("%s %s" % (i.get("code"), i.get("message")) for i in issues)

    def wait(self, what, ready=("ACTIVE",), failed=(), read=None, always=False, about=None):
        """Wait (O(wait_timeout), O(wait_sleep)) until :meth:`status` (or ``read``) reports a state in ``ready``.

        Skipped in check mode, and without O(wait) unless ``always``. Adds the seconds waited and the
        last status to the result's ``wait``.
        """
        if self.check_mode or not (self.params["wait"] or always):
            return
        kind, name = about or (self.KIND, self.name)
        scope = " on %s" % self.scope if self.scope and not about else ""
        subject = "%s %s%s to %s" % (kind, name, scope, what)
        try:
            report = wait_for(read or self.status, ready, failed, self.params["wait_timeout"], self.params["wait_sleep"], subject)
        except AwsModuleError as exc:
            self._add_wait(exc.result.get("wait"))
            raise AwsModuleError(exc.msg, result=self.result, cause=exc.cause)
        self._add_wait(report)

    def _add_wait(self, report):
        if report:
            before = self.result.get("wait", {}).get("elapsed_s", 0)
            self.result["wait"] = dict(report, elapsed_s=round(before + report["elapsed_s"], 1))


def finish(module, operation):
    """Run ``operation()`` and end the module with its result (``diff`` only in diff mode).

    An AwsModuleError ends it with ``fail_json`` (message, traceback and the partial result it carries).
    """
    try:
        result = operation()
    except AwsModuleError as exc:
        result = dict(exc.result)
        if not module._diff:
            result.pop("diff", None)
        module.fail_json(msg=exc.msg, exception=traceback.format_exc(), **result)
        return
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def run_module(resource_class, argument_spec, **module_kwargs):
    """The ``main()`` of every module: AnsibleAWSModule, clients with retries, reconcile, report."""
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **module_kwargs)
    try:
        decorator = retry_decorator()
    except AwsModuleError as exc:
        module.fail_json(msg=exc.msg)
    else:
        clients = dict((service, module.client(service, retry_decorator=decorator)) for service in resource_class.SERVICES)
        resource = resource_class(clients, module.params, module.check_mode, region=module.region)
        finish(module, resource.run)
