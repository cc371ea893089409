# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalized benchmark record, unit conversion and safe readers shared by all parsers.

A record describes one benchmark run (one concurrency level or one load step). Its keys are
the contract of the benchmark fixtures' independently computed ``expected.json``: times in milliseconds,
throughputs per second, ``None`` where the tool does not report a value (never 0, never a
value recomputed from per-request data).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from .errors import BenchmarkParseError

RECORD_KEYS = (
    "tool",
    "tool_version",
    "model",
    "concurrency",
    "request_count",
    "error_count",
    "request_throughput_rps",
    "output_token_throughput_tps",
    "ttft_ms",
    "itl_ms",
    "request_latency_ms",
    "input_tokens",
    "output_tokens",
)
LATENCY_KEYS = ("ttft_ms", "itl_ms", "request_latency_ms")
TOKEN_KEYS = ("input_tokens", "output_tokens")
STAT_KEYS = ("avg", "p50", "p90", "p99")

# Unit spellings written by the tools, mapped to the factor that converts to our unit.
# Latencies -> milliseconds.
TIME_UNITS = {"ms": 1.0, "ns": 1e-6, "us": 1e-3, "s": 1000.0, "sec": 1000.0}
# Request throughput -> requests per second.
REQUEST_RATE_UNITS = {"requests/sec": 1.0, "per sec": 1.0}
# Token throughput -> tokens per second.
TOKEN_RATE_UNITS = {"tokens/sec": 1.0}
# Token counts (sequence lengths).
TOKEN_UNITS = {"tokens": 1.0}
# Request counts.
COUNT_UNITS = {"count": 1.0, "requests": 1.0}

UNIT_KINDS = {
    "time": TIME_UNITS,
    "request_rate": REQUEST_RATE_UNITS,
    "token_rate": TOKEN_RATE_UNITS,
    "tokens": TOKEN_UNITS,
    "count": COUNT_UNITS,
}


def new_record(tool):
    """An all-null record for ``tool``."""
    record = dict((key, None) for key in RECORD_KEYS)
    record["tool"] = tool
    for key in LATENCY_KEYS:
        record[key] = dict((stat, None) for stat in STAT_KEYS)
    for key in TOKEN_KEYS:
        record[key] = {"avg": None}
    return record


def stats(avg=None, p50=None, p90=None, p99=None):
    return {"avg": avg, "p50": p50, "p90": p90, "p99": p99}


def number(value, path, where):
    """``value`` as float, ``None`` for null/NaN; error for anything that is not a number.

    Numeric strings are accepted because some tools write numbers as strings
    (llmperf's ``results_number_*_tokens_min``).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise BenchmarkParseError(
            "Failed to read %s in %s: expected a number, found boolean %r" % (where, path, value),
            path,
        )
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if text in ("", "N/A", "n/a"):
            return None
        try:
            result = float(text)
        except ValueError:
            raise BenchmarkParseError(
                "Failed to read %s in %s: expected a number, found %r" % (where, path, value),
                path,
            ) from None
    else:
        raise BenchmarkParseError(
            "Failed to read %s in %s: expected a number, found %s %r" % (where, path, type(value).__name__, value),
            path,
        )
    if math.isnan(result):
        return None
    return result


def count(value, path, where):
    """A request count as int (tools write 64.0); ``None`` stays ``None``."""
    result = number(value, path, where)
    if result is None:
        return None
    if result < 0 or result != int(result):
        raise BenchmarkParseError(
            "Failed to read %s in %s: expected a whole non-negative count, found %r" % (where, path, value),
            path,
        )
    return int(result)


def scale(value, factor):
    return None if value is None else value * factor


def unit_factor(unit, kind, path, where, tool):
    """Factor converting ``unit`` (as written in the file) to our unit for ``kind``."""
    table = UNIT_KINDS[kind]
    key = unit.strip().lower() if isinstance(unit, str) else unit
    if key not in table:
        raise BenchmarkParseError(
            "Failed to read %s in %s: unknown unit %r; expected one of %s (%s export)"
            % (where, path, unit, ", ".join(sorted(table)), tool),
            path,
        )
    return table[key]


def read_text(path, what):
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        raise BenchmarkParseError("Failed to read %s %s: %s" % (what, path, exc), path) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BenchmarkParseError(
            "Failed to read %s %s: not UTF-8 text (%s); expected the file as the tool wrote it" % (what, path, exc),
            path,
        ) from exc


def load_json(path, what, expect=dict):
    """Parse a whole JSON file; the top level must be ``expect`` (dict or list)."""
    return parse_json(read_text(path, what), path, what, expect)


def parse_json(text, path, what, expect=dict, where=None):
    """Parse JSON ``text`` read from ``path``; ``where`` (e.g. ``"line 3"``) names the part of the file."""
    prefix = "%s: " % where if where else ""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BenchmarkParseError(
            "Failed to parse %s %s: %sinvalid JSON (%s); the file looks truncated or is not a %s"
            % (what, path, prefix, exc, what),
            path,
        ) from exc
    if not isinstance(data, expect):
        raise BenchmarkParseError(
            "Failed to parse %s %s: %s is a JSON %s, expected a JSON %s"
            % (what, path, where or "top level", _json_type(data), _json_type(expect())),
            path,
        )
    return data


def _json_type(value):
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def dig(data, keys):
    """``data[k1][k2]...`` or ``None`` when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def sort_key(item):
    """Sort (record, source, index) items by concurrency, unknown concurrency last."""
    record, source, index = item
    concurrency = record["concurrency"]
    return (concurrency is None, concurrency if concurrency is not None else 0, source, index)
