"""How long Proctor takes to start: `proctor --help`, and `proctor run` up to its first request.

    python bench/startup.py

Medians of 5. `python -c pass` (and `import proctor`) are measured in the
same run as the floor that no command can beat. For `proctor run`, the fake
OpenAI-compatible server of the test suite runs in this process and notes
when the first request arrives; the time counted is from launching the
command to that arrival, on a fresh store (schema created) and on an
existing one. Targets: `--help` under 0.5 s, first request under 1 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (
    TESTS,
    OtherLoad,
    child_env,
    median_wall,
    proctor_executable,
    run_child,
    write_benchmark,
)

sys.path.insert(0, str(TESTS))

from openai_server import FakeOpenAIServer, echo_last_user

REPEAT = 5
HELP_TARGET = 0.5
FIRST_REQUEST_TARGET = 1.0


class FirstArrival:
    """A responder that notes when the first request since the last `reset` arrived."""

    def __init__(self) -> None:
        self.at: float | None = None

    def reset(self) -> None:
        self.at = None

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        if self.at is None:
            self.at = time.monotonic()
        return echo_last_user(messages)


def first_request(
    server: FakeOpenAIServer, arrival: FirstArrival, folder: Path, *, fresh: bool
) -> tuple[float, float]:
    """Medians of (launch to first request, launch to exit) for a 1-sample `proctor run`."""
    firsts, walls = [], []
    for i in range(REPEAT):
        # A new sample each time, so the response cache never answers instead of the server.
        tag = f"{'fresh' if fresh else 'existing'}-{i}"
        bench = write_benchmark(folder, f"one-{tag}", 1, prefix=f"start-up {tag}")
        db = folder / (f"{tag}.db" if fresh else "existing.db")
        cmd = [
            proctor_executable(),
            "run",
            str(bench),
            "--model",
            "openai:fake",
            "--base-url",
            server.base_url,
            "--db",
            f"sqlite:///{db}",
            "--no-progress",
        ]
        arrival.reset()
        done = run_child(cmd, cwd=folder, env=child_env())
        if arrival.at is None:
            raise RuntimeError(f"the server saw no request from: {' '.join(cmd)}")
        firsts.append(arrival.at - done.launched)
        walls.append(done.wall)
    return statistics.median(firsts), statistics.median(walls)


def _verdict(value: float, target: float) -> str:
    return f"{'ok' if value <= target else 'OVER'} (target < {target:.1f} s)"


def _row(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<52} {seconds:6.3f} s  {note}".rstrip())


def main() -> int:
    python = sys.executable
    proctor = proctor_executable()
    load = OtherLoad()
    print(f"Start-up, median of {REPEAT}")
    _row("python -c pass", median_wall([python, "-c", "pass"]))
    _row("python -c 'import proctor'", median_wall([python, "-c", "import proctor"]))
    helped = median_wall([proctor, "--help"])
    _row("proctor --help", helped, _verdict(helped, HELP_TARGET))
    arrival = FirstArrival()
    with (
        tempfile.TemporaryDirectory(prefix="proctor-bench-") as tmp,
        FakeOpenAIServer(arrival, record=False) as server,
    ):
        folder = Path(tmp)
        run_child([proctor, "--help"], cwd=folder, env=child_env())  # warm the file cache
        for fresh in (True, False):
            first, wall = first_request(server, arrival, folder, fresh=fresh)
            store = "fresh store" if fresh else "existing store"
            _row(
                f"proctor run, launch -> 1st request ({store})",
                first,
                f"{_verdict(first, FIRST_REQUEST_TARGET)}; whole 1-sample run {wall:.3f} s",
            )
    print(load.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
