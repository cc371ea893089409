#!/usr/bin/env python
"""How fast the benchmark parsers read a 100 000-request per-request export.

The per-request file we parse is llmperf's ``<model>_<in>_<out>_individual_responses.json``
(a JSON array, one object per request), which ``llmperf_facts`` / ``benchmark_facts`` read
next to the summary to check the request and error counts, and (``per_request: true``, the
modules' default) to return one sample per request. This script writes such a pair in the
layout of the shared fixture (llmperf/bedrock-13b), parses it with the collection's parser,
records only and records with per-request samples, and prints the times and their ratio to a
bare ``json.load`` of the same file. Target: parse <= 2 s. Not a test (no timed assertions in
tests); run:

    .venv/bin/python benchmarks/parse_speed.py [--requests N]
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The parsers are pure Python: import the package straight from the source tree.
sys.path.insert(0, os.path.join(REPO_ROOT, "plugins", "module_utils"))

from benchmark.discovery import parse_path  # noqa: E402

PREFIX = "meta-llama2-13b-chat-v1_550_150"


def write_run(directory, requests, error_every=7):
    rng = random.Random(0)
    responses, errors = [], 0
    for index in range(requests):
        failed = index % error_every == 0
        errors += failed
        ttft = rng.uniform(0.15, 0.8)
        e2e = ttft + rng.uniform(2.0, 4.0)
        out_tokens = rng.randint(100, 160)
        responses.append(
            {
                "error_code": -100 if failed else None,
                "error_msg": "Output too few tokens 39" if failed else "",
                "inter_token_latency_s": e2e / out_tokens,
                "ttft_s": ttft,
                "end_to_end_latency_s": e2e,
                "request_output_throughput_token_per_s": out_tokens / e2e,
                "number_total_tokens": 550 + out_tokens,
                "number_output_tokens": out_tokens,
                "number_input_tokens": 550,
            }
        )
    summary = {
        "version": "2023-08-31",
        "name": PREFIX + "_summary",
        "model": "meta.llama2-13b-chat-v1",
        "num_concurrent_requests": 5,
        "results_ttft_s_mean": 0.33,
        "results_ttft_s_quantiles_p50": 0.27,
        "results_ttft_s_quantiles_p90": 0.64,
        "results_ttft_s_quantiles_p99": 0.76,
        "results_end_to_end_latency_s_mean": 3.98,
        "results_num_requests_started": requests,
        "results_number_errors": errors,
        "results_num_completed_requests": requests - errors,
        "results_num_completed_requests_per_min": 23.55,
        "results_mean_output_throughput_token_per_s": 58.0,
    }
    individual = os.path.join(directory, PREFIX + "_individual_responses.json")
    with open(os.path.join(directory, PREFIX + "_summary.json"), "w") as handle:
        json.dump(summary, handle, indent=4)
    with open(individual, "w") as handle:
        json.dump(responses, handle, indent=4)  # llmperf writes indent=4
    return individual


def best_of(runs, func):
    best = None
    for _run in range(runs):
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        individual = write_run(directory, args.requests)
        size_mb = os.path.getsize(individual) / 1e6

        def bare_load():
            with open(individual) as handle:
                json.load(handle)

        def parse():
            result = parse_path(directory)
            assert result.records[0]["request_count"] is not None

        def parse_with_samples():
            result = parse_path(directory, per_request=True)
            assert len(result.per_request[0]["samples"]) == args.requests

        load_s = best_of(args.runs, bare_load)
        parse_s = best_of(args.runs, parse)
        samples_s = best_of(args.runs, parse_with_samples)
    print("llmperf individual responses: %d requests, %.1f MB" % (args.requests, size_mb))
    print("bare json.load:        %.3f s" % load_s)
    print(
        "parse_path (llmperf):  %.3f s  (%.2fx json.load; target <= 2 s: %s)"
        % (parse_s, parse_s / load_s, "met" if parse_s <= 2.0 else "NOT met")
    )
    print(
        "  + per-request samples: %.3f s  (%.2fx json.load; target <= 2 s: %s)"
        % (samples_s, samples_s / load_s, "met" if samples_s <= 2.0 else "NOT met")
    )


if __name__ == "__main__":
    main()
