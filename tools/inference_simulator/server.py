"""HTTP front end of the inference simulator (TEST DOUBLE) on plain asyncio streams.

HTTP/1.1 with keep-alive; JSON answers carry Content-Length, streams use chunked transfer
encoding with Server-Sent Events (``data: {...}\\n\\n`` ... ``data: [DONE]``), as vLLM does.
Routes: see ``Simulator.route`` and docs/simulator.md.
"""

import argparse
import asyncio
import json
import signal
import sys
import time

from . import NAME, SERVER_HEADER, __version__
from .engine import (
    BatchSlots,
    Metrics,
    SimulatorConfig,
    count_prompt_tokens,
    output_words,
    request_rng,
    token_schedule,
    write_tokenizer,
)

REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
}
MAX_BODY = 64 * 1024 * 1024


class HTTPError(Exception):
    def __init__(self, status, message, err_type="BadRequestError"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.err_type = err_type

    def body(self):
        return {"object": "error", "message": self.message, "type": self.err_type, "param": None, "code": self.status}


class Request:
    def __init__(self, method, path, headers, body, received):
        self.received = received  # loop time at which the request head was read
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        try:
            payload = json.loads(self.body or b"{}")
        except ValueError as exc:
            raise HTTPError(400, "request body is not valid JSON: %s" % exc)
        if not isinstance(payload, dict):
            raise HTTPError(400, "request body must be a JSON object")
        return payload


async def read_request(reader):
    """Read one HTTP/1.1 request; None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        received = asyncio.get_running_loop().time()
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    except asyncio.LimitOverrunError:
        raise HTTPError(413, "request head too large")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise HTTPError(400, "malformed request line %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        length = int(headers.get("content-length") or 0)
        if length > MAX_BODY:
            raise HTTPError(413, "request body of %d bytes exceeds %d" % (length, MAX_BODY))
        if length:
            body = await reader.readexactly(length)
    return Request(method.upper(), target.split("?", 1)[0], headers, body, received)


def _head(status, content_type, extra=()):
    lines = [
        "HTTP/1.1 %d %s" % (status, REASONS.get(status, "Unknown")),
        "server: " + SERVER_HEADER,
        "content-type: " + content_type,
    ]
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def full_response(status, payload, content_type="application/json"):
    if isinstance(payload, (dict, list)):
        data = json.dumps(payload).encode()
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    return _head(status, content_type, ["content-length: %d" % len(data)]) + data


def sse_chunk(text):
    data = text.encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def _prompt_text(payload, chat):
    if chat:
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            raise HTTPError(400, "'messages' must be a non-empty list")
        texts = []
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts.extend(part.get("text", "") for part in content if isinstance(part, dict))
        return " ".join(texts)
    prompt = payload.get("prompt", payload.get("text_input", ""))
    if isinstance(prompt, list):
        return " ".join(p for p in prompt if isinstance(p, str))
    if not isinstance(prompt, str):
        raise HTTPError(400, "'prompt' must be a string or a list of strings")
    return prompt


class Simulator:
    def __init__(self, config):
        self.config = config
        self.slots = BatchSlots(config.max_batch)
        self.metrics = Metrics(config.model, config.max_batch)
        self.requests = 0
        self.created = int(time.time())
        self.ttft_s = config.ttft_ms / 1000.0
        self.itl_s = config.itl_ms / 1000.0
        self.jitter_s = config.jitter_ms / 1000.0
        self.waker = Waker()

    # -- connection handling -------------------------------------------------------------
    async def handle_connection(self, reader, writer):
        try:
            while True:
                try:
                    request = await read_request(reader)
                except HTTPError as exc:
                    writer.write(full_response(exc.status, {"error": exc.body()}))
                    await writer.drain()
                    break
                if request is None:
                    break
                keep_alive = request.headers.get("connection", "").lower() != "close"
                try:
                    await self.route(request, writer)
                except HTTPError as exc:
                    writer.write(full_response(exc.status, {"error": exc.body()}))
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - socket already gone
                pass

    async def route(self, request, writer):
        path, method = request.path.rstrip("/") or "/", request.method
        model = self.config.model
        if path in ("/v1/completions", "/v1/chat/completions"):
            self._require(method, "POST")
            await self.generate(request, writer, api="chat" if "chat" in path else "completions")
        elif path in ("/v2/models/%s/generate" % model, "/v2/models/%s/generate_stream" % model):
            self._require(method, "POST")
            await self.generate(request, writer, api="triton", stream=path.endswith("_stream"))
        elif path == "/v1/models":
            self._require(method, "GET")
            writer.write(
                full_response(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": model,
                                "object": "model",
                                "created": self.created,
                                "owned_by": "simulator",
                                "root": model,
                                "parent": None,
                            }
                        ],
                    },
                )
            )
        elif path in ("/health", "/v2/health/live", "/v2/health/ready", "/v2/models/%s/ready" % model):
            writer.write(full_response(200, b"", "text/plain"))
        elif path.startswith("/v2/models/") and path.endswith("/ready"):
            raise HTTPError(
                404, "model %r is not served here (serving %r)" % (path.split("/")[3], model), "NotFoundError"
            )
        elif path == "/metrics":
            self._require(method, "GET")
            self.metrics.running = self.slots.running
            self.metrics.waiting = self.slots.waiting
            writer.write(full_response(200, self.metrics.render(), "text/plain; version=0.0.4; charset=utf-8"))
        elif path == "/version":
            writer.write(full_response(200, {"version": __version__, "name": NAME, "test_double": True}))
        else:
            raise HTTPError(404, "no route %s %s on the inference simulator" % (method, request.path), "NotFoundError")

    @staticmethod
    def _require(method, allowed):
        if method != allowed:
            raise HTTPError(405, "method %s not allowed, use %s" % (method, allowed))

    # -- generation ------------------------------------------------------------------------
    def _n_tokens(self, payload):
        value = payload.get("max_completion_tokens")
        if value is None:
            value = payload.get("max_tokens")
        if value is None and isinstance(payload.get("parameters"), dict):
            value = payload["parameters"].get("max_tokens")
        if value is None:
            return self.config.output_tokens
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise HTTPError(400, "max_tokens must be a positive integer, got %r" % (value,))
        return value

    async def generate(self, request, writer, api, stream=None):
        """Answer one generation request.

        The token schedule is anchored at admission; a request that finds a free batch slot is
        admitted at the moment its head was read, so parsing and bookkeeping do not add to the
        TTFT a client measures. A request that has to wait is admitted when a slot frees up.
        """
        loop = asyncio.get_running_loop()
        payload = request.json()
        arrival = request.received
        requested_model = payload.get("model", self.config.model) if api != "triton" else self.config.model
        if requested_model != self.config.model:
            raise HTTPError(
                404,
                "The model `%s` does not exist (the simulator serves `%s`)." % (requested_model, self.config.model),
                "NotFoundError",
            )
        n_tokens = self._n_tokens(payload)
        prompt_tokens = count_prompt_tokens(_prompt_text(payload, api == "chat"))
        if stream is None:
            stream = bool(payload.get("stream", False))
        include_usage = bool((payload.get("stream_options") or {}).get("include_usage", False))
        number = self.requests
        self.requests += 1
        rng = request_rng(self.config.seed, number)
        if self.config.error_rate and rng.random() < self.config.error_rate:
            self.metrics.record_failure()
            raise HTTPError(
                500,
                "simulated failure (--error-rate %s), request %d" % (self.config.error_rate, number),
                "InternalServerError",
            )
        words = output_words(n_tokens, rng)
        rid = ("chatcmpl-sim-%d" if api == "chat" else "cmpl-sim-%d") % number
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": n_tokens,
            "total_tokens": prompt_tokens + n_tokens,
        }

        if stream:  # headers go out at once, as vLLM does; tokens follow the schedule
            writer.write(_head(200, "text/event-stream", ["transfer-encoding: chunked", "cache-control: no-cache"]))
        waited = await self.slots.acquire()
        admitted = loop.time() if waited else arrival
        first = last = None
        try:
            deadlines = token_schedule(admitted, n_tokens, self.ttft_s, self.itl_s, self.jitter_s, rng)
            if stream:
                encode = self._chunk_encoder(api, rid, requested_model)
                for i, deadline in enumerate(deadlines):
                    await self.waker.sleep_until(loop, deadline)
                    final = i == n_tokens - 1
                    data = encode(words[i], i == 0, final)
                    if final:
                        if include_usage and api != "triton":
                            data += sse_chunk(
                                "data: %s\n\n" % json.dumps(self._usage_chunk(api, rid, requested_model, usage))
                            )
                        data += sse_chunk("data: [DONE]\n\n") + b"0\r\n\r\n"
                    writer.write(data)
                    last = loop.time()
                    if first is None:
                        first = last
                        await writer.drain()
            else:
                await self.waker.sleep_until(loop, deadlines[-1])
                first, last = deadlines[0], loop.time()
                writer.write(full_response(200, self._full_body(api, rid, requested_model, "".join(words), usage)))
        finally:
            self.slots.release()
            if last is not None:
                self.metrics.record_success(
                    admitted - arrival, first - arrival, last - arrival, prompt_tokens, n_tokens
                )
            else:
                self.metrics.record_failure(admitted - arrival)

    def _chunk_encoder(self, api, rid, model):
        created = int(time.time())
        if api == "triton":
            prefix = '{"model_name":%s,"model_version":"1","text_output":' % json.dumps(model)

            def encode(word, is_first, final):
                return sse_chunk("data: %s%s}\n\n" % (prefix, json.dumps(word)))

            return encode
        if api == "chat":
            head = (
                '{"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,"choices":[{"index":0,"delta":{'
                % (rid, created, json.dumps(model))
            )

            def encode(word, is_first, final):
                role = '"role":"assistant",' if is_first else ""
                return sse_chunk(
                    'data: %s%s"content":%s},"logprobs":null,"finish_reason":%s}]}\n\n'
                    % (head, role, json.dumps(word), '"length"' if final else "null")
                )

            return encode
        head = '{"id":"%s","object":"text_completion","created":%d,"model":%s,"choices":[{"index":0,"text":' % (
            rid,
            created,
            json.dumps(model),
        )

        def encode(word, is_first, final):
            return sse_chunk(
                'data: %s%s,"logprobs":null,"finish_reason":%s,"stop_reason":null}]}\n\n'
                % (head, json.dumps(word), '"length"' if final else "null")
            )

        return encode

    @staticmethod
    def _usage_chunk(api, rid, model, usage):
        return {
            "id": rid,
            "object": "chat.completion.chunk" if api == "chat" else "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [],
            "usage": usage,
        }

    @staticmethod
    def _full_body(api, rid, model, text, usage):
        created = int(time.time())
        if api == "triton":
            return {"model_name": model, "model_version": "1", "text_output": text}
        if api == "chat":
            return {
                "id": rid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": "length",
                    }
                ],
                "usage": usage,
            }
        return {
            "id": rid,
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "length", "stop_reason": None}],
            "usage": usage,
        }


class Waker:
    """Sleeps until absolute loop times, correcting the event loop's own wake-up lateness.

    asyncio rounds select() timeouts up to whole milliseconds and resumes a coroutine only
    after the current loop iteration, so a plain ``call_at(deadline)`` fires 0.5-1 ms late
    on average. The waker schedules each wake-up ``early`` seconds ahead and adapts
    ``early`` (a small integral controller on the measured lateness, clamped to
    ``[0, MAX_EARLY]``) so that tokens leave *on* their deadlines on average. Only the server's
    own lateness is corrected; client-side overhead is left for the client to measure.
    """

    GAIN = 0.05
    MAX_EARLY = 0.003

    def __init__(self, early=0.0005):
        self.early = early

    async def sleep_until(self, loop, deadline):
        """Sleep until ``deadline`` (no-op when it has passed); returns the lateness in seconds."""
        if deadline <= loop.time():
            return 0.0
        fut = loop.create_future()
        handle = loop.call_at(deadline - self.early, _wake, fut)
        try:
            await fut
        finally:
            handle.cancel()
        late = loop.time() - deadline
        self.early = min(self.MAX_EARLY, max(0.0, self.early + self.GAIN * late))
        return late


def _wake(fut):
    if not fut.done():
        fut.set_result(None)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python tools/inference_simulator",
        description="eks-llm-inference-simulator: an OpenAI/Triton-compatible LLM server TEST DOUBLE "
        "(no model; latencies are the configured ones).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1: loopback only)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port; 0 picks a free one (printed in the banner)")
    parser.add_argument("--model", default="simulated/model", help="model id served and reported")
    parser.add_argument("--ttft-ms", type=float, default=40.0, help="time to first token after admission (ms)")
    parser.add_argument("--itl-ms", type=float, default=12.0, help="inter-token latency (ms)")
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=0.0,
        help="uniform +/- jitter applied to each token deadline (mean 0, does not accumulate)",
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=64,
        help="concurrently generating requests; more wait FIFO (queue time in the metrics)",
    )
    parser.add_argument(
        "--output-tokens",
        type=int,
        default=128,
        help="output tokens when the request sets neither max_tokens nor max_completion_tokens",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for words, jitter and failures (deterministic)")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of requests answered with HTTP 500")
    parser.add_argument(
        "--write-tokenizer",
        metavar="DIR",
        help="write the matching WordLevel tokenizer (tokenizer.json + tokenizer_config.json) and exit",
    )
    return parser.parse_args(argv)


async def serve(config, host, port, ready=None):
    simulator = Simulator(config)
    server = await asyncio.start_server(simulator.handle_connection, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound, simulator)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    async with server:
        await stop.wait()
    return simulator


def banner(config, host, port):
    return (
        "[stand-in] %s (test double, no model) v%s listening on http://%s:%d model=%s ttft_ms=%g itl_ms=%g "
        "jitter_ms=%g max_batch=%d output_tokens=%d seed=%d error_rate=%g"
        % (
            NAME,
            __version__,
            host,
            port,
            config.model,
            config.ttft_ms,
            config.itl_ms,
            config.jitter_ms,
            config.max_batch,
            config.output_tokens,
            config.seed,
            config.error_rate,
        )
    )


def main(argv=None):
    args = parse_args(argv)
    if args.write_tokenizer:
        write_tokenizer(args.write_tokenizer)
        print("[stand-in] %s: wrote the simulator tokenizer to %s" % (NAME, args.write_tokenizer))
        return 0
    try:
        config = SimulatorConfig(
            model=args.model,
            ttft_ms=args.ttft_ms,
            itl_ms=args.itl_ms,
            jitter_ms=args.jitter_ms,
            max_batch=args.max_batch,
            output_tokens=args.output_tokens,
            seed=args.seed,
            error_rate=args.error_rate,
        )
    except ValueError as exc:
        print("%s: invalid settings: %s" % (NAME, exc), file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "[stand-in] WARNING: %s binds %s, not loopback; it is a test double, not a model server"
            % (NAME, args.host),
            file=sys.stderr,
        )

    def ready(port, _simulator):
        print(banner(config, args.host, port), flush=True)

    try:
        asyncio.run(serve(config, args.host, args.port, ready))
    except OSError as exc:
        print("%s: cannot listen on %s:%s: %s" % (NAME, args.host, args.port, exc), file=sys.stderr)
        return 1
    return 0
