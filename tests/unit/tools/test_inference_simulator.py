"""Unit tests of the inference simulator (a TEST DOUBLE): timing schedule, batching, metrics text,
tokenizer, and the HTTP protocol (in-process, with tiny latencies; no timed assertions)."""

import asyncio
import json
import os
import random
import sys

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tools.inference_simulator import SERVER_HEADER, engine
from tools.inference_simulator.server import Simulator, Waker

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


# -- schedule ---------------------------------------------------------------------------------
def test_schedule_without_jitter_is_exact():
    # admitted at 100.0 s, TTFT 40 ms, ITL 12 ms: 100.040, 100.052, 100.064, 100.076
    assert engine.token_schedule(100.0, 4, 0.040, 0.012) == pytest.approx([100.040, 100.052, 100.064, 100.076])
    assert engine.token_schedule(5.0, 1, 0.040, 0.012) == pytest.approx([5.040])
    assert engine.token_schedule(5.0, 0, 0.040, 0.012) == []


def test_schedule_jitter_does_not_accumulate():
    rng = engine.request_rng(7, 3)
    deadlines = engine.token_schedule(0.0, 1000, 0.040, 0.012, 0.005, rng)
    first = 0.040
    for i, deadline in enumerate(deadlines):
        # every deadline stays within +-jitter of its nominal time first + i*itl (clamping only delays)
        assert first + i * 0.012 - 0.005 - 1e-12 <= deadline <= first + i * 0.012 + 0.005 + 0.005 + 1e-12
    assert all(b >= a for a, b in zip(deadlines, deadlines[1:]))  # never backwards
    mean_gap = (deadlines[-1] - deadlines[0]) / (len(deadlines) - 1)
    assert abs(mean_gap - 0.012) <= 2 * 0.005 / 999  # (j_last - j_first) / (n - 1)


def test_schedule_is_deterministic_per_seed_and_request():
    a = engine.token_schedule(0.0, 20, 0.04, 0.012, 0.003, engine.request_rng(1, 5))
    b = engine.token_schedule(0.0, 20, 0.04, 0.012, 0.003, engine.request_rng(1, 5))
    c = engine.token_schedule(0.0, 20, 0.04, 0.012, 0.003, engine.request_rng(1, 6))
    assert a == b and a != c
    with pytest.raises(ValueError):
        engine.token_schedule(0.0, 3, 0.04, 0.012, 0.003)


def test_schedule_never_before_admission():
    rng = random.Random(0)
    deadlines = engine.token_schedule(10.0, 5, 0.001, 0.0, 0.010, rng)  # jitter 10 ms > TTFT 1 ms
    assert min(deadlines) >= 10.0


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="ttft_ms must be >= 0.*max_batch must be >= 1"):
        engine.SimulatorConfig(ttft_ms=-1, max_batch=0)


# -- batching ---------------------------------------------------------------------------------
def test_batch_slots_queue_fifo_beyond_max_batch():
    async def scenario():
        slots = engine.BatchSlots(2)
        order = []
        assert await slots.acquire() is False
        assert await slots.acquire() is False
        waiters = [asyncio.ensure_future(_take(slots, name, order)) for name in ("c", "d")]
        await asyncio.sleep(0)
        assert slots.running == 2 and slots.waiting == 2
        slots.release()
        await asyncio.sleep(0)
        assert order == ["c"] and slots.running == 2 and slots.waiting == 1
        waiters[1].cancel()  # a client that gives up leaves the queue
        await asyncio.sleep(0)
        assert slots.waiting == 0
        slots.release()
        assert slots.running == 1
        slots.release()
        assert slots.running == 0
        return waiters

    asyncio.run(scenario())


async def _take(slots, name, order):
    waited = await slots.acquire()
    assert waited is True
    order.append(name)


# -- metrics ----------------------------------------------------------------------------------
def _samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return _Lookup(out)


class _Lookup(dict):
    def __getitem__(self, key):
        name, labels = key
        return dict.__getitem__(self, (name, tuple(sorted(labels))))


def test_metrics_text_names_and_values():
    m = engine.Metrics("opt350m", max_batch=4)
    # request 1: queued 0.5 s, TTFT 0.54 s from arrival, done at 2.0 s, 128 out / 10 in tokens
    m.record_success(queue_s=0.5, ttft_s=0.54, e2e_s=2.0, prompt_tokens=10, output_tokens=128)
    # request 2: no queue, TTFT 0.04 s, done at 1.564 s (0.04 + 127 x 0.012)
    m.record_success(queue_s=0.0, ttft_s=0.04, e2e_s=1.564, prompt_tokens=6, output_tokens=128)
    m.record_failure()
    m.running, m.waiting = 3, 2
    s = _samples(m.render())
    triton = (("model", "opt350m"), ("version", "1"))
    vllm = (("model_name", "opt350m"),)
    assert s[("nv_inference_request_success_total", triton)] == 2  # prometheus_client adds _total to counters
    assert s[("nv_inference_request_failure_total", triton)] == 1
    assert s[("nv_inference_count_total", triton)] == 2
    assert s[("nv_inference_queue_duration_us_total", triton)] == 500000  # 0.5 s + 0 s
    assert s[("nv_inference_compute_infer_duration_us_total", triton)] == 1500000 + 1564000  # e2e - queue
    assert s[("nv_inference_request_duration_us_total", triton)] == 2000000 + 1564000
    assert s[("vllm:num_requests_running", vllm)] == 3
    assert s[("vllm:num_requests_waiting", vllm)] == 2
    assert s[("num_requests_running", vllm)] == 3  # scenarios.md: seed 000 adapter rule 1
    assert s[("vllm:gpu_cache_usage_perc", vllm)] == 0.75  # 3 running / max_batch 4
    assert s[("vllm:generation_tokens_total", vllm)] == 256
    assert s[("vllm:prompt_tokens_total", vllm)] == 16
    assert s[("vllm:time_to_first_token_seconds_count", vllm)] == 2
    assert s[("vllm:time_to_first_token_seconds_sum", vllm)] == pytest.approx(0.58)
    assert s[("vllm:time_to_first_token_seconds_bucket", vllm + (("le", "0.04"),))] == 1  # 0.04 <= 0.04
    assert s[("vllm:time_to_first_token_seconds_bucket", vllm + (("le", "0.02"),))] == 0
    assert s[("vllm:time_to_first_token_seconds_bucket", vllm + (("le", "0.75"),))] == 2
    assert s[("vllm:time_to_first_token_seconds_bucket", vllm + (("le", "+Inf"),))] == 2
    assert s[("vllm:request_queue_time_seconds_sum", vllm)] == pytest.approx(0.5)
    # time per output token of request 2: (1.564 - 0.04) / 127 = 0.012
    assert s[("vllm:time_per_output_token_seconds_bucket", vllm + (("le", "0.01"),))] == 0
    assert s[("vllm:time_per_output_token_seconds_bucket", vllm + (("le", "0.025"),))] == 2


# -- tokenizer --------------------------------------------------------------------------------
def test_tokenizer_counts_each_emitted_word_once():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(json.dumps(engine.tokenizer_json()))
    text = "".join(engine.output_words(57, random.Random(3)))
    assert len(tok.encode(text).ids) == 57
    assert engine.UNK_TOKEN not in tok.encode(text).tokens


def test_role_tokenizer_words_match_the_simulator(tmp_path):
    with open(os.path.join(REPO_ROOT, "roles", "benchmark", "vars", "main.yml")) as handle:
        words = yaml.safe_load(handle)["__benchmark_tokenizer_words"]
    assert tuple(words) == engine.VOCAB
    sys.path.insert(0, os.path.join(REPO_ROOT, "roles", "benchmark", "files"))
    try:
        import build_tokenizer
    finally:
        sys.path.pop(0)
    build_tokenizer.build(str(tmp_path), words)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert len(tok.encode("".join(engine.output_words(40))).ids) == 40


# -- waker ------------------------------------------------------------------------------------
def test_waker_learns_to_wake_early_and_stays_bounded():
    class FakeLoop:
        def __init__(self, lateness):
            self.now, self.lateness = 0.0, lateness

        def time(self):
            return self.now

        def create_future(self):
            return asyncio.get_running_loop().create_future()

        def call_at(self, when, callback, fut):
            self.now = when + self.lateness  # the loop always wakes `lateness` late
            callback(fut)
            return asyncio.get_running_loop().call_soon(lambda: None)

    async def run(lateness, rounds):
        waker, loop = Waker(early=0.0), FakeLoop(lateness)
        lates = []
        for _i in range(rounds):
            lates.append(await waker.sleep_until(loop, loop.now + 0.012))
        return waker, lates

    waker, lates = asyncio.run(run(0.0008, 400))
    assert lates[0] == pytest.approx(0.0008)
    assert abs(lates[-1]) < 0.00005  # converged: tokens leave on their deadline
    assert waker.early == pytest.approx(0.0008, abs=0.00005)
    waker, _lates = asyncio.run(run(0.050, 400))
    assert waker.early == Waker.MAX_EARLY  # never more than MAX_EARLY ahead


# -- HTTP protocol (in-process server, latencies of 1 ms) ----------------------------------------
async def _http(port, method, path, body=None):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    writer.write(
        (
            "%s %s HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: %d\r\n\r\n" % (method, path, len(data))
        ).encode()
        + data
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _separator, payload = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict((k.lower(), v.strip()) for k, v in (line.split(":", 1) for line in lines[1:]))
    if headers.get("transfer-encoding") == "chunked":
        chunks, rest = [], payload
        while True:
            size, _separator, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            chunks.append(rest[:n])
            rest = rest[n + 2 :]
        payload = b"".join(chunks)
    return int(lines[0].split()[1]), headers, payload.decode()


def _with_server(coro_fn, **settings):
    async def main():
        sim = Simulator(engine.SimulatorConfig(**dict(dict(model="sim/m", ttft_ms=1, itl_ms=1), **settings)))
        server = await asyncio.start_server(sim.handle_connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await coro_fn(port, sim)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


def test_streaming_chat_with_usage_and_test_double_header():
    async def go(port, sim):
        status, headers, body = await _http(
            port,
            "POST",
            "/v1/chat/completions",
            {
                "model": "sim/m",
                "messages": [{"role": "user", "content": "one two three"}],
                "max_completion_tokens": 5,
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        )
        return status, headers, body, sim.metrics.render()

    status, headers, body, metrics = _with_server(go)
    assert status == 200 and headers["server"] == SERVER_HEADER == "eks-llm-inference-simulator (test double)"
    assert headers["content-type"] == "text/event-stream"
    events = [line[len("data: ") :] for line in body.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    content = [c["choices"][0]["delta"]["content"] for c in chunks if c["choices"]]
    assert len(content) == 5 and all(w.strip() in engine.VOCAB for w in content)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[4]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    assert 'nv_inference_request_success{model="sim/m",version="1"} 1' in metrics


def test_non_streaming_completion_and_errors():
    async def go(port, sim):
        ok = await _http(port, "POST", "/v1/completions", {"model": "sim/m", "prompt": "a b", "max_tokens": 4})
        wrong_model = await _http(port, "POST", "/v1/completions", {"model": "other", "prompt": "a"})
        bad_tokens = await _http(port, "POST", "/v1/completions", {"model": "sim/m", "prompt": "a", "max_tokens": 0})
        bad_json = await _http(port, "POST", "/v1/completions", None)
        no_route = await _http(port, "GET", "/nope")
        wrong_method = await _http(port, "GET", "/v1/completions")
        return ok, wrong_model, bad_tokens, bad_json, no_route, wrong_method

    ok, wrong_model, bad_tokens, bad_json, no_route, wrong_method = _with_server(go)
    body = json.loads(ok[2])
    assert ok[0] == 200 and body["usage"]["completion_tokens"] == 4 and len(body["choices"][0]["text"].split()) == 4
    assert wrong_model[0] == 404 and "does not exist" in json.loads(wrong_model[2])["error"]["message"]
    assert bad_tokens[0] == 400 and "max_tokens must be a positive integer" in bad_tokens[2]
    assert bad_json[0] == 400 or bad_json[0] == 200  # empty body = defaults is allowed for completions
    assert no_route[0] == 404 and wrong_method[0] == 405


def test_models_health_triton_and_default_output_tokens():
    async def go(port, sim):
        results = {}
        for path in (
            "/v1/models",
            "/health",
            "/v2/health/live",
            "/v2/health/ready",
            "/v2/models/sim/m/ready",
            "/v2/models/other/ready",
            "/metrics",
        ):
            results[path] = await _http(port, "GET", path)
        results["generate"] = await _http(port, "POST", "/v2/models/sim/m/generate", {"text_input": "hi"})
        results["stream"] = await _http(
            port, "POST", "/v2/models/sim/m/generate_stream", {"text_input": "hi", "max_tokens": 3}
        )
        return results

    r = _with_server(go, output_tokens=7)
    models = json.loads(r["/v1/models"][2])
    assert models["data"][0]["id"] == "sim/m" and models["data"][0]["owned_by"] == "simulator"
    for path in ("/health", "/v2/health/live", "/v2/health/ready", "/v2/models/sim/m/ready"):
        assert r[path][0] == 200, path
    assert r["/v2/models/other/ready"][0] == 404
    assert r["/metrics"][1]["content-type"].startswith("text/plain; version=0.0.4")
    assert len(json.loads(r["generate"][2])["text_output"].split()) == 7  # --output-tokens default
    assert r["stream"][2].count("text_output") == 3


def test_error_rate_answers_500_and_counts_failures():
    async def go(port, sim):
        statuses = []
        for _request in range(20):
            statuses.append(
                (await _http(port, "POST", "/v1/completions", {"model": "sim/m", "prompt": "a", "max_tokens": 1}))[0]
            )
        return statuses, sim.metrics

    statuses, metrics = _with_server(go, error_rate=0.5, seed=3)
    assert set(statuses) == {200, 500}
    assert metrics.request_failure == statuses.count(500) and metrics.request_success == statuses.count(200)
