"""A real OpenAI-compatible chat-completions server for tests and benchmarks.

In-process, on a background thread with its own event loop:

    with FakeOpenAIServer(latency=0.0) as server:
        model = OpenAIModel("fake", ModelConfig(base_url=server.base_url))
        server.fail_next("429", times=2, retry_after=1)
        ...
        server.requests[-1].messages

As a separate process (so that it does not share the client's core):

    python tests/openai_server.py --port 8123 --latency 0

It prints `listening on http://127.0.0.1:PORT/v1` once it accepts requests
(`--port 0` picks a free port). The server binds 127.0.0.1 only.

Replies come from `responder(messages) -> str | None` (default: echo the last
user message; None sends `"content": null`, as a tool-call reply does), cut
to `max_tokens` words when the request sets it, with usage counted in words.
Faults are queued with `fail_next(kind, times)` or decided per request by a
`fault(n, body) -> Fault | None` plan; a queued fault wins.
Kinds: "429" (with Retry-After), any other status code as a string ("500",
"400", "503", ...) answered with an OpenAI-style error body, "slow" (sleep
`delay` seconds, then answer), "drop" (close the connection without a
response) and "malformed" (a 200 whose body is not a chat completion).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakeOpenAIServer", "Fault", "RecordedRequest", "echo_last_user", "serve_forever"]

Messages = list[dict[str, Any]]
Responder = Callable[[Messages], str | None]


@dataclass(frozen=True)
class Fault:
    """One injected failure.

    `kind` is "429", another HTTP status as a string, "slow", "drop" or
    "malformed". `retry_after` is sent as Retry-After (a number of seconds or
    an HTTP-date string) and `retry_after_ms` as retry-after-ms; `delay` is
    how long a "slow" request sleeps; `message` is the error message.
    """

    kind: str
    retry_after: float | str | None = None
    retry_after_ms: float | None = None
    delay: float = 5.0
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("slow", "drop", "malformed") and not self.kind.isdigit():
            raise ValueError(f"unknown fault kind {self.kind!r}")


FaultPlan = Callable[[int, dict[str, Any]], Fault | None]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received: its JSON body and headers (lower-case names)."""

    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def messages(self) -> Messages:
        return self.body.get("messages", [])


def echo_last_user(messages: Messages) -> str:
    """The content of the last user message (the default responder)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return ""


class FakeOpenAIServer:
    """An aiohttp server speaking `POST /v1/chat/completions`, for tests and benchmarks.

    `responder` builds each reply from the messages; `latency` is slept per
    request (0 skips the sleep); `fault` is an optional per-request plan;
    `record=False` keeps only the count of requests (for long benchmarks).
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency: float = 0.0,
        fault: FaultPlan | None = None,
        port: int = 0,
        record: bool = True,
    ) -> None:
        self.responder = responder or echo_last_user
        self.latency = latency
        self.fault = fault
        self.record = record
        self.port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._count = 0
        self._queued: deque[Fault] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._created = int(time.time())

    # -- state seen by tests ---------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded requests, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def count(self) -> int:
        """How many chat-completions requests arrived (recorded or not)."""
        with self._lock:
            return self._count

    def reset(self) -> None:
        """Forget recorded requests, the count and any queued fault."""
        with self._lock:
            self._requests.clear()
            self._count = 0
            self._queued.clear()

    def fail_next(
        self,
        kind: str,
        times: int = 1,
        *,
        retry_after: float | str | None = None,
        retry_after_ms: float | None = None,
        delay: float = 5.0,
        message: str | None = None,
    ) -> None:
        """Answer the next `times` requests with a fault of `kind` (see `Fault`)."""
        fault = Fault(kind, retry_after, retry_after_ms, delay, message)
        with self._lock:
            self._queued.extend([fault] * times)

    # -- life cycle --------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        """Serve on a background thread; returns once the port accepts connections."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._runner, self.port = loop.run_until_complete(self._start_site())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._runner.cleanup())
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-openai-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _start_site(self) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/chat/completions", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, backlog=1024)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        port = server.sockets[0].getsockname()[1]
        return runner, port

    # -- the endpoint ------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
            messages = body["messages"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "request body is not a chat-completions request")
        with self._lock:
            n = self._count
            self._count = n + 1
            if self.record:
                headers = {k.lower(): v for k, v in request.headers.items()}
                self._requests.append(RecordedRequest(body, headers))
            fault = self._queued.popleft() if self._queued else None
        if fault is None and self.fault is not None:
            fault = self.fault(n, body)
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault is not None:
            response = await self._apply(fault, request)
            if response is not None:
                return response
        return self._completion(body, messages, n)

    async def _apply(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            transport = request.transport
            if transport is not None:
                transport.close()
            # Nothing can be written any more; aiohttp discards this response.
            return web.Response(status=204)
        if fault.kind == "malformed":
            return web.Response(body=b'{"choices": oops', content_type="application/json")
        status = int(fault.kind)
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = str(fault.retry_after_ms)
        default = "Rate limit reached" if status == 429 else f"injected error {status}"
        return _error(status, fault.message or default, headers)

    def _completion(self, body: dict[str, Any], messages: Messages, n: int) -> web.Response:
        text = self.responder(messages)
        finish_reason = "stop"
        max_tokens = body.get("max_tokens")
        words = text.split() if text else []
        if text is not None and isinstance(max_tokens, int) and len(words) > max_tokens:
            words = words[:max_tokens]
            text = " ".join(words)
            finish_reason = "length"
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        reply = {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": self._created,
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(words),
                "total_tokens": prompt_tokens + len(words),
            },
        }
        return web.Response(body=json.dumps(reply).encode(), content_type="application/json")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    kind = "rate_limit_exceeded" if status == 429 else "server_error" if status >= 500 else None
    error = {"error": {"message": message, "type": kind or "invalid_request_error", "code": kind}}
    return web.Response(
        status=status,
        body=json.dumps(error).encode(),
        content_type="application/json",
        headers=headers,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_forever(port: int = 0, *, latency: float = 0.0, record: bool = False) -> None:
    """Serve in the calling thread until interrupted (SIGINT or SIGTERM)."""
    server = FakeOpenAIServer(latency=latency, port=port, record=record)

    async def main() -> None:
        runner, server.port = await server._start_site()
        print(f"listening on {server.base_url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept per request")
    parser.add_argument("--record", action="store_true", help="keep every request in memory")
    args = parser.parse_args(argv)
    serve_forever(args.port, latency=args.latency, record=args.record)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
