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

from .errors import BenchmarkParseError
from .record import sort_key
from .registry import AGGREGATE, BY_NAME, FORMATS, PER_REQUEST, REGISTRY, RUN, RUN_CSV, SNIFF_ORDER

AUTO = "auto"
_SNIFF_BYTES = 65536
# What each format's files are called, for error messages.
LOOKED_FOR = dict((entry.name, entry.looked_for) for entry in REGISTRY)


class ParseResult(object):
    """Records sorted by concurrency (unknown last), the file each came from, warnings and per-request data.

    ``per_request``: one entry per run whose tool wrote a per-request file next to it (when asked
    for), in record order: ``{"concurrency", "run", "source", "samples"}``.
    """

    def __init__(self, records, sources, warnings, per_request=None):
        self.records = records
        self.sources = sources
        self.warnings = warnings
        self.per_request = per_request or []


def classify(path, sniff=True):
    """``(format, role)`` of a file, or ``None`` when it is not a benchmark artifact we know."""
    for entry in REGISTRY:
        role = entry.role_by_name(path)
        if role is not None:
            return entry.name, role
    if sniff and path.lower().endswith(".json"):
        return _sniff(path)
    return None


def _sniff(path):
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except (IOError, OSError) as exc:
        raise BenchmarkParseError("Failed to read %s while detecting its format: %s" % (path, exc), path) from exc
    for entry in SNIFF_ORDER:
        if all(marker in head for marker in entry.markers):
            return entry.name, RUN
    return None


def _run_of(path, fmt):
    """The run summary a per-request file belongs to; an error when it is not there."""
    entry = BY_NAME[fmt]
    run = entry.run_for(path)
    if not os.path.isfile(run):
        raise BenchmarkParseError(
            "Found %s per-request export %s without its summary %s next to it; %s writes both files "
            "(incomplete copy of the artifact directory?)" % (fmt, path, os.path.basename(run), fmt),
            path,
        )
    return run


def _role_for_explicit(path, fmt):
    """Role of a file given with an explicit format (no sniffing: the caller said what it is)."""
    entry = BY_NAME[fmt]
    role = entry.role_by_name(path)
    if role is not None:
        return role
    if RUN_CSV in entry.parsers and path.lower().endswith(".csv"):
        return RUN_CSV
    return RUN


def _check_formats(fmt, allowed, path):
    if fmt != AUTO and fmt not in allowed:
        raise BenchmarkParseError(
            "Cannot read %s as %r: unknown benchmark format; expected one of %s"
            % (path, fmt, ", ".join((AUTO,) + tuple(allowed))),
            path,
        )


def parse_path(path, fmt=AUTO, allowed=FORMATS, per_request=False):
    """Parse a result file or a directory of artifacts (searched recursively) into records.

    ``fmt`` is ``auto`` or one of ``allowed``; with ``auto`` every format in ``allowed`` is
    detected. With ``per_request``, the per-request file each run has next to it is read too.
    Raises BenchmarkParseError for a missing path, an empty directory, a file that cannot be
    read, or a directory without results of the requested formats.
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
        if role == PER_REQUEST:  # a per-request file given alone: read the run it belongs to
            file_path = _run_of(file_path, file_fmt)
            role = BY_NAME[file_fmt].role_by_name(file_path)
        for index, record in enumerate(BY_NAME[file_fmt].parsers[role](file_path, warnings)):
            items.append((record, file_path, index))
    items.sort(key=sort_key)
    records, sources = [i[0] for i in items], [i[1] for i in items]
    return ParseResult(records, sources, warnings, _per_request(records, sources) if per_request else None)


def _per_request(records, sources):
    """Per-request samples of every run whose tool wrote them next to its summary."""
    entries, read = [], {}
    for record, source in zip(records, sources):
        entry = BY_NAME[record["tool"]]  # the parsers name their records after the format
        if entry.per_request is None:
            continue
        companion = entry.per_request_for(source)
        if companion is None:
            continue
        if companion not in read:
            read[companion] = entry.per_request(companion)
        entries.append(
            {"concurrency": record["concurrency"], "run": source, "source": companion, "samples": read[companion]}
        )
    return entries


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
    mine = _drop_phase_copies(mine)
    by_dir = {}
    for entry in mine:
        by_dir.setdefault(os.path.dirname(entry[0]), []).append(entry)
    jobs = []
    for directory in sorted(by_dir):
        jobs.extend(_runs_in_directory(directory, by_dir[directory], warnings))
    return jobs


def _drop_phase_copies(found):
    """Leave out per-phase copies of a run summary (aiperf ``phases/<phase>/``) whose run was found too."""
    runs = set((os.path.dirname(path), fmt) for path, fmt, role in found if role in (RUN, RUN_CSV))
    return [
        (path, fmt, role)
        for path, fmt, role in found
        if not (BY_NAME[fmt].is_phase_copy(path) and (BY_NAME[fmt].run_dir_of_phase_copy(path), fmt) in runs)
    ]


def _runs_in_directory(directory, entries, warnings):
    roles = set((fmt, role) for _path, fmt, role in entries)
    jobs = []
    for file_path, fmt, role in entries:
        if role == RUN_CSV and (fmt, RUN) in roles:
            continue  # the same run as the JSON export next to it, which has full precision and settings
        if role == PER_REQUEST:
            _run_of(file_path, fmt)  # read with its run summary; an error when that is missing
            continue
        if role == AGGREGATE and (fmt, RUN) in roles:
            warnings.append(
                "%s: not reported as a run; it aggregates the %s run files next to it, which are reported "
                "one record each" % (file_path, fmt)
            )
            continue
        jobs.append((file_path, fmt, role))
    return jobs


def facts_result(path, fmt=AUTO, allowed=FORMATS, per_request=True):
    """What a ``*_facts`` module returns, and the warnings to show. Pure: no Ansible here."""
    result = parse_path(path, fmt, allowed, per_request)
    return (
        dict(
            changed=False,
            ansible_facts=dict(benchmark_results=result.records),
            sources=result.sources,
            per_request=result.per_request,
        ),
        result.warnings,
    )
