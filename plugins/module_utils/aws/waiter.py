# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait loop of the collection's AWS modules.

A monotonic-clock poll with a deadline, instead of botocore waiters: a botocore waiter ends on the
first throttling error of a poll, and its attempts, not seconds, bound it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import (
    THROTTLING_CODES,
    AwsModuleError,
    error_code,
)


def wait_for(read, ready, failed, timeout, sleep, what):
    """Poll ``read()`` until the state it reports is in ``ready``; return ``dict(elapsed_s, last_status)``.

    ``read()`` returns ``(state, detail)``, for example ``("CREATING", "")`` or ``("gone", "")``.
    A poll answered with a throttling error (see THROTTLING_CODES, directly or as the cause of an
    AwsModuleError) counts as "not yet"; any other error ends the wait at once. The first poll is
    immediate, the next ones ``sleep`` seconds apart while ``elapsed + sleep <= timeout``.
    A state in ``failed`` or the deadline raise AwsModuleError naming ``what``, the elapsed seconds
    and the last status; its ``result`` holds ``wait: {elapsed_s, last_status}``.
    """
    sleep = max(1, int(sleep))
    start = time.monotonic()
    while True:
        try:
            state, detail = read()
            status = "%s (%s)" % (state, detail) if detail else str(state)
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) not in THROTTLING_CODES:
                raise
            state, status = None, "throttled (%s)" % error_code(exc)
        elapsed = time.monotonic() - start
        report = dict(elapsed_s=round(elapsed, 1), last_status=status)
        if state in ready:
            return report
        if state in failed:
            raise AwsModuleError(
                "Failed waiting for %s: it reached status %s after %.0f s" % (what, status, elapsed),
                result=dict(wait=report),
            )
        if elapsed + sleep > timeout:
            raise AwsModuleError(
                "Failed waiting for %s: timed out after %.0f s (wait_timeout %s s); last status: %s"
                % (what, elapsed, timeout, status),
                result=dict(wait=report),
            )
        time.sleep(sleep)
