# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One entry per benchmark result format: its file names, marker keys, summary and per-request parsers.

Everything the rest of the package knows about a format is here; ``discovery`` only applies
these entries to paths. Adding a format means adding one ``Format`` to ``REGISTRY`` (and its
fixtures and a section in docs/benchmark_formats.md).

File roles:

* ``run``: a run summary, parsed into records;
* ``run_csv``: the CSV twin of a run summary, read only when the JSON export is not next to it;
* ``aggregate``: a summary over several ``run`` files (read alone, not reported next to them);
* ``per_request``: one entry per request, belonging to the run summary named by ``run_for``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os

from .genai_perf import (
    AIPERF,
    GENAI_PERF,
    PER_REQUEST_NAME,
    parse_aiperf_json,
    parse_aiperf_per_request,
    parse_genai_perf_json,
    parse_profile_csv,
)
from .guidellm import GUIDELLM, parse_guidellm
from .inference_perf import INFERENCE_PERF, parse_inference_perf
from .llmperf import (
    INDIVIDUAL_SUFFIX,
    LLMPERF,
    SUMMARY_SUFFIX,
    individual_path_for,
    parse_llmperf,
    parse_llmperf_per_request,
    summary_path_for,
)
from .vllm import VLLM, parse_vllm

RUN, RUN_CSV, AGGREGATE, PER_REQUEST = ("run", "run_csv", "aggregate", "per_request")


class Format(object):
    """How one tool's results are found and read.

    ``files``: ``(glob on the lower-case file name, role)`` pairs, tried in order.
    ``markers``: strings that all appear in the first 64 KiB of a ``run`` file with any other
    ``*.json`` name (``None``: never sniffed). ``parsers``: role -> ``f(path, warnings)`` giving
    records. ``per_request``: ``f(path)`` giving per-request samples, or ``None``.
    ``per_request_for(run_path)`` / ``run_for(per_request_path)``: the companion file's path.
    ``phase_copies``: a ``run`` file under ``<run dir>/<phase_copies>/<phase>/`` is the tool's
    per-phase copy of the run summary in ``<run dir>``.
    """

    def __init__(
        self,
        name,
        files,
        parsers,
        looked_for,
        markers=None,
        per_request=None,
        per_request_for=None,
        run_for=None,
        phase_copies=None,
    ):
        self.name = name
        self.files = tuple(files)
        self.parsers = parsers
        self.looked_for = looked_for
        self.markers = tuple(markers) if markers else None
        self.per_request = per_request
        self.per_request_for = per_request_for
        self.run_for = run_for
        self.phase_copies = phase_copies

    @property
    def patterns(self):
        """The file-name globs of this format (for ``ansible.builtin.find`` and the docs)."""
        return [pattern for pattern, _role in self.files]

    def role_by_name(self, path):
        base = os.path.basename(path).lower()
        for pattern, role in self.files:
            if fnmatch.fnmatchcase(base, pattern):
                return role
        return None

    def is_phase_copy(self, path):
        if not self.phase_copies:
            return False
        return os.path.basename(os.path.dirname(os.path.dirname(path))) == self.phase_copies

    def run_dir_of_phase_copy(self, path):
        return os.path.dirname(os.path.dirname(os.path.dirname(path)))


def _aiperf_per_request_for(run_path):
    candidate = os.path.join(os.path.dirname(run_path), PER_REQUEST_NAME)
    return candidate if os.path.isfile(candidate) else None


def _aiperf_run_for(per_request_path):
    directory = os.path.dirname(per_request_path)
    for name in ("profile_export_aiperf.json", "profile_export_aiperf.csv"):
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return os.path.join(directory, "profile_export_aiperf.json")


def _csv_of(tool):
    return lambda path, warnings: parse_profile_csv(path, tool, warnings)


REGISTRY = (
    Format(
        GENAI_PERF,
        files=(("*_genai_perf.json", RUN), ("*_genai_perf.csv", RUN_CSV)),
        parsers={RUN: parse_genai_perf_json, RUN_CSV: _csv_of(GENAI_PERF)},
        looked_for="*_genai_perf.json / *_genai_perf.csv (profile_export_genai_perf.*)",
    ),
    Format(
        AIPERF,
        files=(("*_aiperf.json", RUN), ("*_aiperf.csv", RUN_CSV), (PER_REQUEST_NAME, PER_REQUEST)),
        parsers={RUN: parse_aiperf_json, RUN_CSV: _csv_of(AIPERF)},
        looked_for="*_aiperf.json / *_aiperf.csv (profile_export_aiperf.*)",
        markers=('"aiperf_version"',),
        per_request=parse_aiperf_per_request,
        per_request_for=_aiperf_per_request_for,
        run_for=_aiperf_run_for,
        phase_copies="phases",
    ),
    Format(
        LLMPERF,
        files=(("*" + INDIVIDUAL_SUFFIX, PER_REQUEST), ("*" + SUMMARY_SUFFIX, RUN)),
        parsers={RUN: parse_llmperf},
        looked_for="*_summary.json (+ *_individual_responses.json)",
        markers=('"num_concurrent_requests"', '"results_'),
        per_request=parse_llmperf_per_request,
        per_request_for=individual_path_for,
        run_for=summary_path_for,
    ),
    Format(
        VLLM,
        files=(),
        parsers={RUN: parse_vllm},
        looked_for="*.json with model_id and request_throughput (vllm bench serve --save-result)",
        markers=('"model_id"', '"request_throughput"'),
    ),
    Format(
        GUIDELLM,
        files=(("benchmarks.json", RUN),),
        parsers={RUN: parse_guidellm},
        looked_for="benchmarks.json (or *.json with guidellm_version)",
        markers=('"guidellm_version"',),
    ),
    Format(
        INFERENCE_PERF,
        files=(("summary_lifecycle_metrics.json", AGGREGATE), ("stage_[0-9]*_lifecycle_metrics.json", RUN)),
        parsers={RUN: parse_inference_perf, AGGREGATE: parse_inference_perf},
        looked_for="stage_<N>_lifecycle_metrics.json / summary_lifecycle_metrics.json",
        markers=('"load_summary"', '"successes"'),
    ),
)

BY_NAME = dict((entry.name, entry) for entry in REGISTRY)
FORMATS = tuple(entry.name for entry in REGISTRY)
# Sniffing order: the most specific markers first (vLLM's two keys are the most generic).
SNIFF_ORDER = tuple(BY_NAME[name] for name in (AIPERF, GUIDELLM, INFERENCE_PERF, LLMPERF, VLLM))
