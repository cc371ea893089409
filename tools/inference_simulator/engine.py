"""The simulator's model of an inference server (TEST DOUBLE): timing, batching, tokens, metrics.

Nothing here touches the network, so every piece can be unit-tested:

* :func:`token_schedule` - absolute monotonic deadlines for every output token of one request.
  Deadlines are computed from the admission time, never from "now + interval", so scheduling
  lateness never accumulates: the average inter-token gap of a request is exactly ``itl`` plus
  ``(jitter_last - jitter_first) / (n - 1)``.
* :class:`BatchSlots` - continuous batching: at most ``max_batch`` requests generate at once,
  the rest wait FIFO; the wait is the queue time reported in the metrics.
* :class:`Metrics` - Prometheus text exposition with the Triton and vLLM metric names the
  seeds' prometheus-adapter rules, PrometheusRules and HPAs read.
* :data:`VOCAB` - the words the simulator emits; one word = one token for the WordLevel
  tokenizer :func:`tokenizer_json` builds (rehearsal points aiperf's ``--tokenizer`` at it).
"""

import asyncio
import collections
import json
import random

# Words emitted as output tokens. Every one is a single entry of the tokenizer below, and a
# whitespace-split pre-tokenizer keeps them whole, so N emitted words count as N tokens.
VOCAB = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
)  # fmt: skip
UNK_TOKEN = "[UNK]"
SPECIAL_TOKENS = (UNK_TOKEN, "[BOS]", "[EOS]", "[PAD]")

# vLLM histogram buckets (seconds), from vllm/engine/metrics.py of the 0.6-0.8 series.
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
TPOT_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)
E2E_BUCKETS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0)
QUEUE_BUCKETS = E2E_BUCKETS


class SimulatorConfig:
    """Validated simulator settings (times in milliseconds as given on the command line)."""

    def __init__(
        self,
        model="simulated/model",
        ttft_ms=40.0,
        itl_ms=12.0,
        jitter_ms=0.0,
        max_batch=64,
        output_tokens=128,
        seed=0,
        error_rate=0.0,
    ):
        errors = []
        for name, value in (("ttft_ms", ttft_ms), ("itl_ms", itl_ms), ("jitter_ms", jitter_ms)):
            if value < 0:
                errors.append("%s must be >= 0, got %r" % (name, value))
        if max_batch < 1:
            errors.append("max_batch must be >= 1, got %r" % (max_batch,))
        if output_tokens < 1:
            errors.append("output_tokens must be >= 1, got %r" % (output_tokens,))
        if not 0.0 <= error_rate <= 1.0:
            errors.append("error_rate must be within [0, 1], got %r" % (error_rate,))
        if errors:
            raise ValueError("; ".join(errors))
        self.model = model
        self.ttft_ms = float(ttft_ms)
        self.itl_ms = float(itl_ms)
        self.jitter_ms = float(jitter_ms)
        self.max_batch = int(max_batch)
        self.output_tokens = int(output_tokens)
        self.seed = int(seed)
        self.error_rate = float(error_rate)

    def as_dict(self):
        return dict(vars(self))


def request_rng(seed, request_number):
    """A private, deterministic RNG for one request (same seed + arrival order = same output)."""
    return random.Random(seed * 1000003 + request_number)


def token_schedule(admitted_at, n_tokens, ttft_s, itl_s, jitter_s=0.0, rng=None):
    """Absolute deadlines (loop/monotonic seconds) at which each of ``n_tokens`` tokens is sent.

    Token 0 is due at ``admitted_at + ttft_s + j0``; token i at ``first + i * itl_s + j_i``, each
    ``j`` uniform in ``[-jitter_s, +jitter_s]`` (mean 0), clamped so the schedule never goes
    backwards and never before admission. Deadlines hang off the first token, not off each other,
    so lateness of one wake-up never shifts the following tokens.
    """
    if n_tokens < 1:
        return []
    if jitter_s and rng is None:
        raise ValueError("jitter needs an rng (use request_rng(seed, n))")

    def jitter():
        return rng.uniform(-jitter_s, jitter_s) if jitter_s else 0.0

    first_nominal = admitted_at + ttft_s
    deadlines = [max(admitted_at, first_nominal + jitter())]
    for i in range(1, n_tokens):
        due = first_nominal + i * itl_s + jitter()
        deadlines.append(max(due, deadlines[-1]))
    return deadlines


def output_words(n_tokens, rng=None):
    """The text pieces for ``n_tokens`` tokens: "w0", " w1", " w2" ... (one token each)."""
    pick = rng.choice if rng is not None else None
    pieces = []
    for i in range(n_tokens):
        word = pick(VOCAB) if pick else VOCAB[i % len(VOCAB)]
        pieces.append(word if i == 0 else " " + word)
    return pieces


def count_prompt_tokens(text):
    """Prompt tokens as the rehearsal tokenizer counts them (whitespace-separated pieces)."""
    return len(text.split())


def tokenizer_json():
    """tokenizer.json (HF `tokenizers` format) of a WordLevel tokenizer knowing VOCAB.

    Built by hand as data so the simulator needs no third-party package; the rehearsal role
    builds the same tokenizer with the `tokenizers` library and tests check they agree.
    """
    vocab = {}
    for token in SPECIAL_TOKENS + VOCAB:
        vocab[token] = len(vocab)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": vocab[token],
                "content": token,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for token in SPECIAL_TOKENS
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": UNK_TOKEN},
    }


def tokenizer_config_json():
    """tokenizer_config.json so that transformers' AutoTokenizer loads the directory offline."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": UNK_TOKEN,
        "bos_token": "[BOS]",
        "eos_token": "[EOS]",
        "pad_token": "[PAD]",
        "model_max_length": 1000000,
        "clean_up_tokenization_spaces": False,
    }


def write_tokenizer(directory):
    """Write tokenizer.json + tokenizer_config.json into ``directory`` (created if missing)."""
    import os

    os.makedirs(directory, exist_ok=True)
    for name, payload in (("tokenizer.json", tokenizer_json()), ("tokenizer_config.json", tokenizer_config_json())):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
            handle.write("\n")
    return directory


class BatchSlots:
    """FIFO admission to at most ``max_batch`` concurrently generating requests.

    ``acquire()`` returns at once while a slot is free; otherwise it waits in arrival order.
    ``release()`` hands the slot straight to the oldest waiter, so nothing can overtake it.
    """

    def __init__(self, max_batch):
        self.max_batch = max_batch
        self.running = 0
        self._waiters = collections.deque()

    @property
    def waiting(self):
        return sum(1 for fut in self._waiters if not fut.done())

    async def acquire(self):
        """Take a slot; returns False when one was free at once, True after waiting in the queue."""
        if self.running < self.max_batch and not self.waiting:
            self.running += 1
            return False
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            else:
                try:
                    self._waiters.remove(fut)
                except ValueError:
                    pass
            raise
        return True

    def release(self):
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # hand the slot over: running stays the same
                return
        self.running -= 1


class Histogram:
    def __init__(self, buckets):
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.count = 0
        self.sum = 0.0

    def observe(self, value):
        self.count += 1
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1


def _fmt(value):
    if isinstance(value, float):
        if value == float("inf"):
            return "+Inf"
        return repr(value)
    return str(value)


class Metrics:
    """Counters, gauges and histograms of one simulated model, rendered as Prometheus text.

    Names (scenarios.md): Triton's ``nv_inference_*`` (seed 000 prometheus-adapter rule on
    ``nv_inference_queue_duration_us``; seed 001 PrometheusRule on queue/compute/request
    durations and ``nv_inference_request_success``), vLLM's ``vllm:*`` and the bare
    ``num_requests_running`` that seed 000's first adapter rule selects.
    """

    def __init__(self, model, max_batch):
        self.model = model
        self.max_batch = max_batch
        # Triton (all durations cumulative microseconds, counters)
        self.request_success = 0
        self.request_failure = 0
        self.inference_count = 0
        self.exec_count = 0
        self.request_duration_us = 0
        self.queue_duration_us = 0
        self.compute_input_duration_us = 0
        self.compute_infer_duration_us = 0
        self.compute_output_duration_us = 0
        # vLLM
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.ttft = Histogram(TTFT_BUCKETS)
        self.tpot = Histogram(TPOT_BUCKETS)
        self.e2e = Histogram(E2E_BUCKETS)
        self.queue = Histogram(QUEUE_BUCKETS)
        self.success_by_reason = collections.Counter()
        # gauges are read from the batch slots at render time
        self.running = 0
        self.waiting = 0

    def record_success(self, queue_s, ttft_s, e2e_s, prompt_tokens, output_tokens, finish_reason="length"):
        """One finished request. ``ttft_s``/``e2e_s`` are measured from arrival (queue included)."""
        self.request_success += 1
        self.inference_count += 1
        self.exec_count += 1
        compute_s = max(0.0, e2e_s - queue_s)
        self.request_duration_us += int(round(e2e_s * 1e6))
        self.queue_duration_us += int(round(queue_s * 1e6))
        self.compute_infer_duration_us += int(round(compute_s * 1e6))
        self.prompt_tokens += prompt_tokens
        self.generation_tokens += output_tokens
        self.ttft.observe(ttft_s)
        if output_tokens > 1:
            self.tpot.observe((e2e_s - ttft_s) / (output_tokens - 1))
        self.e2e.observe(e2e_s)
        self.queue.observe(queue_s)
        self.success_by_reason[finish_reason] += 1

    def record_failure(self, queue_s=0.0):
        self.request_failure += 1
        self.queue_duration_us += int(round(queue_s * 1e6))

    def render(self):
        triton = 'model="%s",version="1"' % self.model
        vllm = 'model_name="%s"' % self.model
        out = []

        def metric(name, kind, help_text, samples):
            out.append("# HELP %s %s" % (name, help_text))
            out.append("# TYPE %s %s" % (name, kind))
            for suffix, labels, value in samples:
                out.append("%s%s{%s} %s" % (name, suffix, labels, _fmt(value)))

        def histogram(name, help_text, hist):
            samples = []
            for bound, count in zip(hist.buckets, hist.counts):
                samples.append(("_bucket", '%s,le="%s"' % (vllm, _fmt(float(bound))), count))
            samples.append(("_bucket", '%s,le="+Inf"' % vllm, hist.count))
            samples.append(("_count", vllm, hist.count))
            samples.append(("_sum", vllm, float(hist.sum)))
            metric(name, "histogram", help_text, samples)

        metric(
            "nv_inference_request_success",
            "counter",
            "Number of successful inference requests, all batch sizes",
            [("", triton, self.request_success)],
        )
        metric(
            "nv_inference_request_failure",
            "counter",
            "Number of failed inference requests, all batch sizes",
            [("", triton, self.request_failure)],
        )
        metric(
            "nv_inference_count",
            "counter",
            "Number of inferences performed (does not include cached requests)",
            [("", triton, self.inference_count)],
        )
        metric(
            "nv_inference_exec_count",
            "counter",
            "Number of model executions performed",
            [("", triton, self.exec_count)],
        )
        metric(
            "nv_inference_request_duration_us",
            "counter",
            "Cumulative inference request duration in microseconds",
            [("", triton, self.request_duration_us)],
        )
        metric(
            "nv_inference_queue_duration_us",
            "counter",
            "Cumulative inference queuing duration in microseconds",
            [("", triton, self.queue_duration_us)],
        )
        metric(
            "nv_inference_compute_input_duration_us",
            "counter",
            "Cumulative compute input duration in microseconds",
            [("", triton, self.compute_input_duration_us)],
        )
        metric(
            "nv_inference_compute_infer_duration_us",
            "counter",
            "Cumulative compute inference duration in microseconds",
            [("", triton, self.compute_infer_duration_us)],
        )
        metric(
            "nv_inference_compute_output_duration_us",
            "counter",
            "Cumulative inference compute output duration in microseconds",
            [("", triton, self.compute_output_duration_us)],
        )
        metric(
            "nv_inference_pending_request_count",
            "gauge",
            "Instantaneous number of pending requests awaiting execution",
            [("", triton, self.waiting)],
        )
        metric(
            "vllm:num_requests_running",
            "gauge",
            "Number of requests currently running on GPU.",
            [("", vllm, self.running)],
        )
        metric(
            "vllm:num_requests_waiting",
            "gauge",
            "Number of requests waiting to be processed.",
            [("", vllm, self.waiting)],
        )
        metric(
            "vllm:gpu_cache_usage_perc",
            "gauge",
            "GPU KV-cache usage. 1 means 100 percent usage.",
            [("", vllm, float(self.running) / float(self.max_batch))],
        )
        # scenarios.md: seed 000 §monitoring, adapter rule 1 selects {__name__=~"num_requests_running"}
        metric(
            "num_requests_running",
            "gauge",
            "Alias of vllm:num_requests_running (seed 000 adapter rule).",
            [("", vllm, self.running)],
        )
        metric(
            "vllm:prompt_tokens_total",
            "counter",
            "Number of prefill tokens processed.",
            [("", vllm, self.prompt_tokens)],
        )
        metric(
            "vllm:generation_tokens_total",
            "counter",
            "Number of generation tokens processed.",
            [("", vllm, self.generation_tokens)],
        )
        metric(
            "vllm:request_success_total",
            "counter",
            "Count of successfully processed requests.",
            [
                ("", '%s,finished_reason="%s"' % (vllm, reason), count)
                for reason, count in sorted(self.success_by_reason.items())
            ]
            or [("", vllm + ',finished_reason="length"', 0)],
        )
        histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", self.ttft)
        histogram("vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds.", self.tpot)
        histogram("vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.", self.e2e)
        histogram(
            "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", self.queue
        )
        return "\n".join(out) + "\n"
