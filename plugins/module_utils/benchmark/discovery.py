# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find benchmark artifacts under a path, pick the parser for each, return sorted records.

Detection (``format: auto``) is by file name first, then, for other ``*.json`` files, by a
marker key in the first 64 KiB (tools write their identifying keys first). Files that match
no format are not benchmark artifacts (plots, inputs, configs) and are ignored; every file that
does match is parsed, and a failure is an error, never a skip. See docs/benchmark_formats.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from .errors import BenchmarkParseError
from .genai_perf import AIPERF, GENAI_PERF, parse_aiperf_json, parse_genai_perf_json, parse_profile_csv
from .guidellm import GUIDELLM, parse_guidellm
from .inference_perf import INFERENCE_PERF, parse_inference_perf
from .llmperf import INDIVIDUAL_SUFFIX, LLMPERF, SUMMARY_SUFFIX, parse_llmperf, summary_path_for
from .record import sort_key
from .vllm import VLLM, parse_vllm

AUTO = "auto"
FORMATS = (GENAI_PERF, AIPERF, LLMPERF, VLLM, GUIDELLM, INFERENCE_PERF)

# File roles: a "run" file gives records; companions belong to a run file next to them.
_JSON, _CSV, _SUMMARY, _INDIVIDUAL, _STAGE, _PER_REQUEST = ("json", "csv", "summary", "individual", "stage", "records")

_STAGE_NAME = re.compile(r"^stage_\d+_lifecycle_metrics\.json$")
_SNIFF_BYTES = 65536
_SNIFF_MARKERS = (
    # (format, role, keys that must all appear near the top of the file)
    (AIPERF, _JSON, ('"aiperf_version"',)),
    (GUIDELLM, _JSON, ('"guidellm_version"',)),
    (INFERENCE_PERF, _STAGE, ('"load_summary"', '"successes"')),
    (LLMPERF, _SUMMARY, ('"num_concurrent_requests"', '"results_')),
    (VLLM, _JSON, ('"model_id"', '"request_throughput"')),
)

# What each format's files are called, for error messages.
LOOKED_FOR = {
    GENAI_PERF: "*_genai_perf.json / *_genai_perf.csv (profile_export_genai_perf.*)",
    AIPERF: "*_aiperf.json / *_aiperf.csv (profile_export_aiperf.*)",
    LLMPERF: "*_summary.json (+ *_individual_responses.json)",
    VLLM: "*.json with model_id and request_throughput (vllm bench serve --save-result)",
    GUIDELLM: "benchmarks.json (or *.json with guidellm_version)",
    INFERENCE_PERF: "stage_<N>_lifecycle_metrics.json / summary_lifecycle_metrics.json",
}


class ParseResult(object):
    """Records sorted by concurrency (unknown last), the file each came from, and warnings."""

    def __init__(self, records, sources, warnings):
        self.records = records
        self.sources = sources
        self.warnings = warnings


def classify(path, sniff=True):
    """``(format, role)`` of a file, or ``None`` when it is not a benchmark artifact we know."""
    base = os.path.basename(path).lower()
    if base.endswith("_genai_perf.json"):
        return GENAI_PERF, _JSON
    if base.endswith("_genai_perf.csv"):
        return GENAI_PERF, _CSV
    if base.endswith("_aiperf.json"):
        return AIPERF, _JSON
    if base.endswith("_aiperf.csv"):
        return AIPERF, _CSV
    if base == "profile_export.jsonl":
        return AIPERF, _PER_REQUEST
    if base == "summary_lifecycle_metrics.json":
        return INFERENCE_PERF, _SUMMARY
    if _STAGE_NAME.match(base):
        return INFERENCE_PERF, _STAGE
    if base.endswith(INDIVIDUAL_SUFFIX):
        return LLMPERF, _INDIVIDUAL
    if base.endswith(SUMMARY_SUFFIX):
        return LLMPERF, _SUMMARY
    if base == "benchmarks.json":
        return GUIDELLM, _JSON
    if sniff and base.endswith(".json"):
        return _sniff(path)
    return None


def _sniff(path):
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except (IOError, OSError) as exc:
        raise BenchmarkParseError("Failed to read %s while detecting its format: %s" % (path, exc), path) from exc
    for fmt, role, markers in _SNIFF_MARKERS:
        if all(marker in head for marker in markers):
            return fmt, role
    return None


def _parse_file(path, fmt, role, warnings):
    if fmt in (GENAI_PERF, AIPERF):
        if role == _PER_REQUEST:
            raise BenchmarkParseError(
                "Cannot read %s as a run summary: profile_export.jsonl is aiperf's per-request export; pass "
                "profile_export_aiperf.json (or .csv) or the artifact directory" % path,
                path,
            )
        if role == _CSV:
            return parse_profile_csv(path, fmt, warnings)
        return parse_genai_perf_json(path, warnings) if fmt == GENAI_PERF else parse_aiperf_json(path, warnings)
    if fmt == LLMPERF:
        if role == _INDIVIDUAL:
            summary = summary_path_for(path)
            if not os.path.isfile(summary):
                raise BenchmarkParseError(
                    "Cannot read llmperf results %s: no summary %s next to it; llmperf writes "
                    "<model>_<in>_<out>_summary.json with every individual responses file" % (path, summary),
                    path,
                )
            return parse_llmperf(summary, warnings, individual_path=path)
        return parse_llmperf(path, warnings)
    if fmt == VLLM:
        return parse_vllm(path, warnings)
    if fmt == GUIDELLM:
        return parse_guidellm(path, warnings)
    return parse_inference_perf(path, warnings)


def _role_for_explicit(path, fmt):
    """Role of a file given with an explicit format (no sniffing: the caller said what it is)."""
    found = classify(path, sniff=False)
    if found is not None and found[0] == fmt:
        return found[1]
    if fmt in (GENAI_PERF, AIPERF) and path.lower().endswith(".csv"):
        return _CSV
    return _JSON


def _check_formats(fmt, allowed, path):
    if fmt != AUTO and fmt not in allowed:
        raise BenchmarkParseError(
            "Cannot read %s as %r: unknown benchmark format; expected one of %s"
            % (path, fmt, ", ".join((AUTO,) + tuple(allowed))),
            path,
        )


def parse_path(path, fmt=AUTO, allowed=FORMATS):
    """Parse a result file or a directory of artifacts (searched recursively) into records.

    ``fmt`` is ``auto`` or one of ``allowed``; with ``auto`` every format in ``allowed`` is
    detected. Raises BenchmarkParseError for a missing path, an empty directory, a file that
    cannot be read, or a directory without results of the requested formats.
    """
    allowed = tuple(allowed)
    _check_formats(fmt, allowed, path)
    selected = allowed if fmt == AUTO else (fmt,)
    wanted = " or ".join(selected) if len(selected) < len(FORMATS) else "benchmark"
    warnings = []
    if not os.path.exists(path):
        raise BenchmarkParseError(
            "Benchmark results path %s does not exist; expected a %s result file or a directory of "
            "benchmark artifacts" % (path, wanted),
            path,
        )
    if os.path.isdir(path):
        jobs = _plan_directory(path, selected, wanted, warnings)
    else:
        if fmt == AUTO:
            found = classify(path)
            if found is None or found[0] not in selected:
                raise BenchmarkParseError(
                    "Cannot detect the format of %s: %s; expected one of: %s; or set the format explicitly"
                    % (
                        path,
                        "it looks like %s output" % found[0] if found else "no known file name or marker key",
                        "; ".join(LOOKED_FOR[f] for f in selected),
                    ),
                    path,
                )
            jobs = [(path, found[0], found[1])]
        else:
            jobs = [(path, fmt, _role_for_explicit(path, fmt))]
    items = []
    for file_path, file_fmt, role in jobs:
        for index, record in enumerate(_parse_file(file_path, file_fmt, role, warnings)):
            items.append((record, file_path, index))
    items.sort(key=sort_key)
    return ParseResult([i[0] for i in items], [i[1] for i in items], warnings)


def _plan_directory(path, selected, wanted, warnings):
    """The (file, format, role) list to parse under ``path``: one run file per run."""
    seen_files = 0
    found = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            seen_files += 1
            file_path = os.path.join(root, name)
            kind = classify(file_path)
            if kind is not None:
                found.append((file_path, kind[0], kind[1]))
    if not seen_files:
        raise BenchmarkParseError(
            "Benchmark results directory %s is empty; expected %s result files (searched recursively)" % (path, wanted),
            path,
        )
    mine = [entry for entry in found if entry[1] in selected]
    if not mine:
        others = sorted(set(entry[1] for entry in found))
        raise BenchmarkParseError(
            "No %s results found under %s (searched recursively for: %s); %s"
            % (
                wanted,
                path,
                "; ".join(LOOKED_FOR[f] for f in selected),
                (
                    "found %s output instead" % ", ".join(others)
                    if others
                    else "no file there is a known benchmark artifact"
                ),
            ),
            path,
        )
    by_dir = {}
    for entry in mine:
        by_dir.setdefault(os.path.dirname(entry[0]), []).append(entry)
    jobs = []
    for directory in sorted(by_dir):
        jobs.extend(_runs_in_directory(directory, by_dir[directory], warnings))
    return jobs


def _runs_in_directory(directory, entries, warnings):
    roles = set((fmt, role) for _path, fmt, role in entries)
    jobs = []
    for file_path, fmt, role in entries:
        if role == _CSV and (fmt, _JSON) in roles:
            continue  # the same run as the JSON export next to it, which has full precision and settings
        if role == _PER_REQUEST:
            if (fmt, _JSON) not in roles and (fmt, _CSV) not in roles:
                raise BenchmarkParseError(
                    "Found aiperf per-request export %s without profile_export_aiperf.json or .csv next to it; "
                    "the run summary is missing (incomplete copy of the artifact directory?)" % file_path,
                    file_path,
                )
            continue
        if role == _INDIVIDUAL:
            if not os.path.isfile(summary_path_for(file_path)):
                raise BenchmarkParseError(
                    "Found llmperf individual responses %s without its summary %s; llmperf writes both files"
                    % (file_path, os.path.basename(summary_path_for(file_path))),
                    file_path,
                )
            continue  # read together with its summary
        if fmt == INFERENCE_PERF and role == _SUMMARY and (INFERENCE_PERF, _STAGE) in roles:
            warnings.append(
                "%s: not reported as a run; it aggregates the stage_<N>_lifecycle_metrics.json files next to "
                "it, which are reported one record per load stage" % file_path
            )
            continue
        jobs.append((file_path, fmt, role))
    return jobs


def facts_result(path, fmt=AUTO, allowed=FORMATS):
    """What a ``*_facts`` module returns, and the warnings to show. Pure: no Ansible here."""
    result = parse_path(path, fmt, allowed)
    return (
        dict(changed=False, ansible_facts=dict(benchmark_results=result.records), sources=result.sources),
        result.warnings,
    )
