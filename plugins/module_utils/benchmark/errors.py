# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exception types of the benchmark package: one for parsing, one for SLO checks and reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class BenchmarkParseError(Exception):
    """A benchmark artifact could not be read into a normalized record.

    ``msg`` is complete and actionable on its own (it names the file and what was
    expected); ``path`` is the file or directory concerned, for callers that want it apart.
    """

    def __init__(self, msg, path):
        super(BenchmarkParseError, self).__init__(msg)
        self.msg = msg
        self.path = path

    def __str__(self):
        return self.msg


class BenchmarkReportError(Exception):
    """Bad input to the SLO check or the report (unknown SLO objective, no records, ...)."""
