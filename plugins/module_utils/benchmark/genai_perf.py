# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""genai-perf and aiperf summary exports (``profile_export_{genai_perf,aiperf}.{json,csv}``).

Both tools write one object per metric with its own ``unit`` and ``avg``/``pNN`` statistics;
the unit of every metric we read is checked and converted (``ms``, ``ns`` ... -> ms).
aiperf is genai-perf's successor and keeps the same metric shape; the run settings live in a
different ``input_config`` layout, so each tool has its own settings reader.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import os
import re

from .errors import BenchmarkParseError
from .record import count, dig, load_json, new_record, number, parse_json, read_text, unit_factor

GENAI_PERF = "genai-perf"
AIPERF = "aiperf"

GENAI_PERF_LAYOUTS = (
    "genai-perf 0.0.16 nested input_config (input_config.perf_analyzer.stimulus, input_config.model_names) "
    "or the older flat input_config (input_config.concurrency, input_config.model)"
)
AIPERF_LAYOUT = "aiperf 0.13 export (aiperf_version, input_config.phases[], input_config.models.items[])"

# metric object name in the JSON -> (record key, unit kind)
_LATENCY_METRICS = (
    ("time_to_first_token", "ttft_ms"),
    ("inter_token_latency", "itl_ms"),
    ("request_latency", "request_latency_ms"),
)
_TOKEN_METRICS = (
    ("input_sequence_length", "input_tokens"),
    ("output_sequence_length", "output_tokens"),
)
_REQUIRED_METRICS = ("request_latency", "request_throughput")

# Directory names genai-perf/aiperf give their artifact directories end in ``concurrency<N>``
# (seed 000: artifacts/opt350m-triton-vllm-concurrency8/). Used only for the CSV exports,
# which do not record the run settings.
_CONCURRENCY_DIR = re.compile(r"(?:^|[^A-Za-z0-9])concurrency(\d+)$", re.IGNORECASE)


def concurrency_from_dir(path):
    """Concurrency from the artifact directory name (``...-concurrency8``), else ``None``."""
    match = _CONCURRENCY_DIR.search(os.path.basename(os.path.dirname(os.path.abspath(path))))
    return int(match.group(1)) if match else None


def _metric(data, name, kind, path, tool, scalar=False):
    """Convert one metric object; ``None`` (all stats) if the tool did not write it."""
    obj = data.get(name)
    if obj is None:
        return None
    where = "metric %r" % name
    if not isinstance(obj, dict):
        raise BenchmarkParseError(
            "Failed to read %s in %s: expected an object with 'unit' and 'avg', found %r" % (where, path, obj),
            path,
        )
    if "unit" not in obj:
        raise BenchmarkParseError(
            "Failed to read %s in %s: no 'unit' field; every %s metric object carries its unit" % (where, path, tool),
            path,
        )
    factor = unit_factor(obj["unit"], kind, path, where, tool)
    keys = ("avg",) if scalar else ("avg", "p50", "p90", "p99")
    out = {}
    for key in keys:
        value = number(obj.get(key), path, "%s.%s" % (name, key))
        out[key] = None if value is None else value * factor
    return out


def _fill_metrics(record, data, path, tool):
    missing = [name for name in _REQUIRED_METRICS if name not in data]
    if missing:
        raise BenchmarkParseError(
            "Failed to parse %s export %s: no %s metric object; expected a %s summary export (profile_export_%s.json)"
            % (tool, path, " or ".join(repr(m) for m in missing), tool, tool.replace("-", "_")),
            path,
        )
    for name, key in _LATENCY_METRICS:
        converted = _metric(data, name, "time", path, tool)
        if converted is not None:
            record[key] = converted
    for name, key in _TOKEN_METRICS:
        converted = _metric(data, name, "tokens", path, tool, scalar=True)
        if converted is not None:
            record[key] = converted
    rps = _metric(data, "request_throughput", "request_rate", path, tool, scalar=True)
    record["request_throughput_rps"] = rps["avg"]
    tps = _metric(data, "output_token_throughput", "token_rate", path, tool, scalar=True)
    record["output_token_throughput_tps"] = tps["avg"] if tps else None
    requests = _metric(data, "request_count", "count", path, tool, scalar=True)
    record["request_count"] = count(requests["avg"], path, "request_count.avg") if requests else None


def _drop_ttft_if_not_streaming(record, streaming, path, warnings, tool):
    """TTFT/ITL are not measured without streaming; the file's TTFT is then the request latency."""
    if streaming is not False:
        return
    if any(v is not None for v in record["ttft_ms"].values()) or any(v is not None for v in record["itl_ms"].values()):
        warnings.append(
            "%s: %s run without streaming; time to first token was not measured (the file's value is the "
            "request latency), ttft_ms and itl_ms are reported as null" % (path, tool)
        )
    for key in ("ttft_ms", "itl_ms"):
        record[key] = dict((stat, None) for stat in record[key])


def _int_setting(value, path, where):
    if value is None:
        return None
    return count(value, path, where)


def parse_genai_perf_json(path, warnings):
    data = load_json(path, "genai-perf export")
    if "aiperf_version" in data:
        raise BenchmarkParseError(
            "Failed to parse genai-perf export %s: this is an aiperf export (it has 'aiperf_version'); "
            "use format aiperf" % path,
            path,
        )
    cfg = data.get("input_config")
    if not isinstance(cfg, dict):
        raise BenchmarkParseError(
            "Failed to parse genai-perf export %s: no 'input_config' object; expected %s" % (path, GENAI_PERF_LAYOUTS),
            path,
        )
    if isinstance(cfg.get("perf_analyzer"), dict) or "model_names" in cfg:
        # genai-perf 0.0.16 (nested config)
        concurrency = dig(cfg, ("perf_analyzer", "stimulus", "concurrency"))
        where = "input_config.perf_analyzer.stimulus.concurrency"
        models = cfg.get("model_names")
        streaming = dig(cfg, ("endpoint", "streaming"))
    elif "concurrency" in cfg or "model" in cfg:
        # older releases (flat config)
        concurrency = cfg.get("concurrency")
        where = "input_config.concurrency"
        models = cfg.get("model")
        streaming = cfg.get("streaming")
    else:
        raise BenchmarkParseError(
            "Failed to parse genai-perf export %s: input_config has neither 'perf_analyzer'/'model_names' nor "
            "'concurrency'/'model'; expected %s" % (path, GENAI_PERF_LAYOUTS),
            path,
        )
    record = new_record(GENAI_PERF)
    record["model"] = _first_model(models, path)
    record["concurrency"] = _int_setting(concurrency, path, where)
    _fill_metrics(record, data, path, GENAI_PERF)
    if streaming is None:
        # Settings do not say: genai-perf writes inter_token_latency only for streaming runs.
        streaming = "inter_token_latency" in data
    _drop_ttft_if_not_streaming(record, streaming, path, warnings, GENAI_PERF)
    return [record]


def _first_model(models, path):
    if models is None:
        return None
    if isinstance(models, str):
        return models
    if isinstance(models, list) and models and isinstance(models[0], str):
        return models[0]
    if isinstance(models, list) and not models:
        return None
    raise BenchmarkParseError(
        "Failed to read the model name in %s: expected a list of names, found %r" % (path, models), path
    )


def parse_aiperf_json(path, warnings):
    data = load_json(path, "aiperf export")
    if "aiperf_version" not in data or not isinstance(data.get("input_config"), dict):
        raise BenchmarkParseError(
            "Failed to parse aiperf export %s: no 'aiperf_version' or 'input_config'; expected %s"
            % (path, AIPERF_LAYOUT),
            path,
        )
    cfg = data["input_config"]
    record = new_record(AIPERF)
    record["tool_version"] = data["aiperf_version"]
    items = dig(cfg, ("models", "items"))
    if isinstance(items, list) and items:
        if not isinstance(items[0], dict):
            raise BenchmarkParseError(
                "Failed to read input_config.models.items[0] in %s: expected an object with 'name'" % path, path
            )
        record["model"] = items[0].get("name")
    phases = cfg.get("phases")
    if phases is not None:
        if not isinstance(phases, list):
            raise BenchmarkParseError(
                "Failed to read input_config.phases in %s: expected a list; expected %s" % (path, AIPERF_LAYOUT), path
            )
        profiling = [p for p in phases if isinstance(p, dict) and p.get("kind") == "profiling"]
        if len(profiling) > 1:
            raise BenchmarkParseError(
                "Failed to read input_config.phases in %s: %d profiling phases, expected one per export"
                % (path, len(profiling)),
                path,
            )
        if profiling:
            record["concurrency"] = _int_setting(
                profiling[0].get("concurrency"), path, "input_config.phases[kind=profiling].concurrency"
            )
    _fill_metrics(record, data, path, AIPERF)
    completed = _metric(data, "completed_request_count", "count", path, AIPERF, scalar=True)
    errors = _metric(data, "error_request_count", "count", path, AIPERF, scalar=True)
    if completed is not None and record["request_count"] is not None:
        record["error_count"] = count(completed["avg"], path, "completed_request_count.avg") - record["request_count"]
    elif errors is not None:
        record["error_count"] = count(errors["avg"], path, "error_request_count.avg")
    _drop_ttft_if_not_streaming(record, dig(cfg, ("endpoint", "streaming")), path, warnings, AIPERF)
    return [record]


# --- aiperf per-request export (profile_export.jsonl) -----------------------------------------

PER_REQUEST_NAME = "profile_export.jsonl"
# per-request metric name -> (sample key, unit kind)
_PER_REQUEST_METRICS = (
    ("time_to_first_token", "ttft_ms", "time"),
    ("inter_token_latency", "itl_ms", "time"),
    ("request_latency", "request_latency_ms", "time"),
    ("output_sequence_length", "output_tokens", "tokens"),
)


def parse_aiperf_per_request(path):
    """Per-request samples of an aiperf ``profile_export.jsonl`` (profiling phase only, warm-up skipped).

    Each sample: ``ttft_ms``, ``itl_ms``, ``request_latency_ms``, ``output_tokens`` (``None`` when the
    line has no such metric) and ``error`` (bool). Units are read from each metric's ``unit``.
    """
    what = "aiperf per-request export"
    samples = []
    for number_, line in enumerate(read_text(path, what).splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        where = "line %d" % number_
        row = parse_json(line, path, what, dict, where)
        if not isinstance(row.get("metrics", {}), dict):
            raise BenchmarkParseError(
                "Failed to parse %s %s: %s has no 'metrics' object; expected one JSON object per request "
                "(metadata, metrics, error)" % (what, path, where),
                path,
            )
        if dig(row, ("metadata", "benchmark_phase")) not in (None, "profiling"):
            continue
        metrics = row.get("metrics") or {}
        sample = {}
        for name, key, kind in _PER_REQUEST_METRICS:
            entry = metrics.get(name)
            at = "%s metric %r" % (where, name)
            if isinstance(entry, dict):
                factor = unit_factor(entry.get("unit"), kind, path, at, AIPERF)
                value = number(entry.get("value"), path, at)
                sample[key] = None if value is None else value * factor
            else:
                sample[key] = number(entry, path, at)
        sample["error"] = bool(row.get("error"))
        samples.append(sample)
    return samples


# --- CSV exports -------------------------------------------------------------------------------

# CSV metric label (lower case, unit stripped) -> (record key, unit kind, statistics row?)
_CSV_STAT_ROWS = {
    "time to first token": ("ttft_ms", "time"),
    "inter token latency": ("itl_ms", "time"),
    "request latency": ("request_latency_ms", "time"),
    "input sequence length": ("input_tokens", "tokens"),
    "output sequence length": ("output_tokens", "tokens"),
}
_CSV_SCALAR_ROWS = {
    "request throughput": ("request_throughput_rps", "request_rate"),
    "output token throughput": ("output_token_throughput_tps", "token_rate"),
    "request count": ("request_count", "count"),
    "completed requests (success + error)": ("completed", "count"),
    "error request count": ("errors", "count"),
}
_LABEL = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def _split_label(label):
    """``"Time To First Token (ms)"`` -> (``"time to first token"``, ``"ms"``)."""
    text = label.strip()
    lowered = text.lower()
    if lowered in _CSV_SCALAR_ROWS or lowered in _CSV_STAT_ROWS:
        return lowered, None
    match = _LABEL.match(text)
    if match:
        return match.group(1).strip().lower(), match.group(2).strip()
    return lowered, None


def _csv_sections(text):
    """Blank-line separated sections of rows; each section starts with its header row."""
    sections, current = [], []
    for row in csv.reader(io.StringIO(text, newline="")):
        if not any(cell.strip() for cell in row):
            if current:
                sections.append(current)
            current = []
            continue
        current.append(row)
    if current:
        sections.append(current)
    return sections


def parse_profile_csv(path, tool, warnings):
    """genai-perf or aiperf ``profile_export_*.csv``: statistics section + ``Metric,Value`` section.

    The CSV rounds to two decimals and carries no run settings: model and tool version are
    null, concurrency comes from the artifact directory name (``...-concurrency<N>``).
    """
    what = "%s CSV export" % tool
    text = read_text(path, what)
    stat_rows, scalar_rows = {}, {}
    for section in _csv_sections(text):
        header = [cell.strip().lower() for cell in section[0]]
        if not header or header[0] != "metric":
            continue  # GPU telemetry / server metrics sections
        for row in section[1:]:
            if len(row) != len(header):
                raise BenchmarkParseError(
                    "Failed to parse %s %s: a row of section %r has %d cells, the header has %d; "
                    "the file looks truncated (row %r)"
                    % (what, path, ",".join(section[0]), len(row), len(header), row),
                    path,
                )
            name, unit = _split_label(row[0])
            if header[1:] == ["value"]:
                if name in _CSV_SCALAR_ROWS:
                    scalar_rows[name] = (unit, row[1], row[0])
            elif name in _CSV_STAT_ROWS:
                stat_rows[name] = (unit, dict(zip(header[1:], row[1:])), row[0])
    if "request latency" not in stat_rows or "request throughput" not in scalar_rows:
        raise BenchmarkParseError(
            "Failed to parse %s %s: no 'Request Latency (ms)' statistics row or no 'Request Throughput' "
            "row in a 'Metric,Value' section; expected a %s profile_export CSV (statistics section "
            "'Metric,avg,min,max,...' then 'Metric,Value')" % (what, path, tool),
            path,
        )
    record = new_record(tool)
    record["concurrency"] = concurrency_from_dir(path)
    for name, (unit, cells, label) in stat_rows.items():
        key, kind = _CSV_STAT_ROWS[name]
        factor = _csv_unit(unit, kind, path, label, tool)
        stats = dict((stat, _scaled(cells.get(stat), factor, path, "%s %s" % (label, stat))) for stat in record[key])
        record[key] = stats
    extra = {}
    for name, (unit, cell, label) in scalar_rows.items():
        key, kind = _CSV_SCALAR_ROWS[name]
        factor = _csv_unit(unit, kind, path, label, tool)
        value = _scaled(cell, factor, path, label)
        if kind == "count":
            value = count(value, path, label)
        if key in record:
            record[key] = value
        else:
            extra[key] = value
    if extra.get("completed") is not None and record["request_count"] is not None:
        record["error_count"] = extra["completed"] - record["request_count"]
    elif extra.get("errors") is not None:
        record["error_count"] = extra["errors"]
    # The CSV carries no settings: a missing ITL row is how a non-streaming run shows.
    _drop_ttft_if_not_streaming(record, "inter token latency" in stat_rows, path, warnings, tool)
    return [record]


def _csv_unit(unit, kind, path, label, tool):
    if unit is None:
        if kind == "count":
            return 1.0
        raise BenchmarkParseError(
            "Failed to read row %r in %s: no unit in the metric name; expected '<name> (<unit>)' (%s CSV export)"
            % (label, path, tool),
            path,
        )
    return unit_factor(unit, kind, path, "row %r" % label, tool)


def _scaled(cell, factor, path, where):
    value = number(cell, path, where)
    return None if value is None else value * factor
