"""The fake OpenAI-compatible server of the test suite, in its own process, with timings.

    python bench/_timed_server.py --latency 0.2

Prints `listening on http://127.0.0.1:PORT/v1`, then answers each `stats`
line on standard input with one JSON line: requests served, arrival of the
first request and sending of the last response (both `time.monotonic()`,
which every process on the machine shares) and the server's CPU seconds;
each reading starts the next count afresh. End of input stops the server.
The server loop runs on its own thread, so the benchmarked client never
shares this process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from openai_server import FakeOpenAIServer, echo_last_user


class Timings:
    """First arrival and last response, recorded through the server's own hooks."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None

    def arrived(self, n: int, body: dict[str, Any]) -> None:
        # Called as a fault plan, on arrival and before the latency sleep; injects nothing.
        if self.first is None:
            self.first = time.monotonic()

    def respond(self, messages: list[dict[str, Any]]) -> str:
        # Called as the responder, once the reply is about to be sent.
        self.last = time.monotonic()
        return echo_last_user(messages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept per request")
    args = parser.parse_args()
    timings = Timings()
    server = FakeOpenAIServer(
        timings.respond, latency=args.latency, fault=timings.arrived, record=False
    )
    with server:
        print(f"listening on {server.base_url}", flush=True)
        cpu = time.process_time()
        for line in sys.stdin:
            if line.strip() != "stats":
                continue
            now_cpu = time.process_time()
            reading = {
                "count": server.count,
                "first": timings.first,
                "last": timings.last,
                "cpu": now_cpu - cpu,
            }
            server.reset()
            timings.first = timings.last = None
            cpu = now_cpu
            print(json.dumps(reading), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
