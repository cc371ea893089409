# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""llmperf (ray-project/llmperf ``token_benchmark_ray.py``) results.

``<model>_<in>_<out>_summary.json`` is a flat object of ``results_<metric>_{mean,quantiles_pNN}``
in SECONDS (the unit is the ``_s`` suffix of the key); request throughput is only given per
minute. ``<model>_<in>_<out>_individual_responses.json`` (one object per request) is read when it
sits next to the summary, to check that both files describe the same run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from .errors import BenchmarkParseError
from .record import count, load_json, new_record, number

LLMPERF = "llmperf"
SUMMARY_SUFFIX = "_summary.json"
INDIVIDUAL_SUFFIX = "_individual_responses.json"
LAYOUT = "llmperf token_benchmark_ray.py summary (version 2023-08-31: model, num_concurrent_requests, results_*)"

_REQUIRED = (
    "model",
    "num_concurrent_requests",
    "results_num_completed_requests",
    "results_end_to_end_latency_s_mean",
)
# record key -> summary key stem; the "_s" suffix is the unit (seconds).
_LATENCIES = (
    ("ttft_ms", "results_ttft_s"),
    ("itl_ms", "results_inter_token_latency_s"),
    ("request_latency_ms", "results_end_to_end_latency_s"),
)


def individual_path_for(summary_path):
    """The per-request file llmperf writes next to ``summary_path``, or ``None``."""
    base = os.path.basename(summary_path)
    if not base.endswith(SUMMARY_SUFFIX):
        return None
    candidate = os.path.join(os.path.dirname(summary_path), base[: -len(SUMMARY_SUFFIX)] + INDIVIDUAL_SUFFIX)
    return candidate if os.path.isfile(candidate) else None


def summary_path_for(individual_path):
    base = os.path.basename(individual_path)
    return os.path.join(os.path.dirname(individual_path), base[: -len(INDIVIDUAL_SUFFIX)] + SUMMARY_SUFFIX)


def parse_llmperf(path, warnings, individual_path=None):
    """One record from an llmperf summary (and its individual responses when present)."""
    data = load_json(path, "llmperf summary")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise BenchmarkParseError(
            "Failed to parse llmperf summary %s: missing %s; expected an %s" % (path, ", ".join(missing), LAYOUT),
            path,
        )
    record = new_record(LLMPERF)
    version = data.get("version")
    record["tool_version"] = None if version is None else str(version)
    record["model"] = data["model"]
    record["concurrency"] = count(data["num_concurrent_requests"], path, "num_concurrent_requests")
    record["request_count"] = count(data["results_num_completed_requests"], path, "results_num_completed_requests")
    record["error_count"] = count(data.get("results_number_errors"), path, "results_number_errors")
    per_min = number(data.get("results_num_completed_requests_per_min"), path, "results_num_completed_requests_per_min")
    record["request_throughput_rps"] = None if per_min is None else per_min / 60.0
    record["output_token_throughput_tps"] = number(
        data.get("results_mean_output_throughput_token_per_s"), path, "results_mean_output_throughput_token_per_s"
    )
    for key, stem in _LATENCIES:
        record[key] = {
            "avg": _seconds_to_ms(data, stem + "_mean", path),
            "p50": _seconds_to_ms(data, stem + "_quantiles_p50", path),
            "p90": _seconds_to_ms(data, stem + "_quantiles_p90", path),
            "p99": _seconds_to_ms(data, stem + "_quantiles_p99", path),
        }
    record["input_tokens"]["avg"] = number(
        data.get("results_number_input_tokens_mean"), path, "results_number_input_tokens_mean"
    )
    record["output_tokens"]["avg"] = number(
        data.get("results_number_output_tokens_mean"), path, "results_number_output_tokens_mean"
    )
    if individual_path is None:
        individual_path = individual_path_for(path)
    if individual_path is not None:
        check_individual_responses(individual_path, data, path)
    return [record]


def _seconds_to_ms(data, key, path):
    value = number(data.get(key), path, key)
    return None if value is None else value * 1000.0


# individual response key (seconds) -> per-request sample key (milliseconds)
_PER_REQUEST_SECONDS = (
    ("ttft_s", "ttft_ms"),
    ("inter_token_latency_s", "itl_ms"),
    ("end_to_end_latency_s", "request_latency_ms"),
)


def parse_llmperf_per_request(path):
    """Per-request samples of an llmperf ``*_individual_responses.json``.

    Each sample: ``ttft_ms``, ``itl_ms`` (llmperf's per-request ITL, which includes the TTFT),
    ``request_latency_ms``, ``output_tokens`` and ``error`` (``error_code`` set, llmperf's own rule).
    """
    samples = []
    for index, response in enumerate(_load_responses(path)):
        sample = {}
        for source, key in _PER_REQUEST_SECONDS:
            value = number(response.get(source), path, "entry %d %s" % (index, source))
            sample[key] = None if value is None else value * 1000.0
        sample["output_tokens"] = number(
            response.get("number_output_tokens"), path, "entry %d number_output_tokens" % index
        )
        sample["error"] = response.get("error_code") is not None
        samples.append(sample)
    return samples


def _load_responses(individual_path):
    responses = load_json(individual_path, "llmperf individual responses file", expect=list)
    for index, response in enumerate(responses):
        if not isinstance(response, dict):
            raise BenchmarkParseError(
                "Failed to parse llmperf individual responses file %s: entry %d is not an object; expected one "
                "object per request (ttft_s, end_to_end_latency_s, error_code, ...)" % (individual_path, index),
                individual_path,
            )
    return responses


def check_individual_responses(individual_path, summary, summary_path):
    """Read the per-request array and check it against the summary's counts.

    Returns (requests, errors). A request failed when its ``error_code`` is set (llmperf's own rule).
    """
    responses = _load_responses(individual_path)
    errors = sum(1 for response in responses if response.get("error_code") is not None)
    started = summary.get("results_num_requests_started")
    reported_errors = summary.get("results_number_errors")
    if (started is not None and number(started, summary_path, "results_num_requests_started") != len(responses)) or (
        reported_errors is not None and number(reported_errors, summary_path, "results_number_errors") != errors
    ):
        raise BenchmarkParseError(
            "Failed to match llmperf individual responses %s with summary %s: %d requests (%d with error_code) "
            "in the individual file, the summary reports results_num_requests_started=%s and "
            "results_number_errors=%s; check that both files come from the same run"
            % (individual_path, summary_path, len(responses), errors, started, reported_errors),
            individual_path,
        )
    return len(responses), errors
