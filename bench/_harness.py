"""What the benchmark scripts share: data files, the `proctor` command, timed processes.

Every script here talks only to 127.0.0.1 and cleans up its temporary files
and child processes, also when it fails or is interrupted.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
TIMED_SERVER = Path(__file__).resolve().parent / "_timed_server.py"


def proctor_executable() -> str:
    """The `proctor` script beside this interpreter (no shell shim in between)."""
    beside = Path(sys.executable).parent / "proctor"
    if beside.exists():
        return str(beside)
    found = shutil.which("proctor")
    if found is None:
        raise SystemExit("the `proctor` command is not installed (pip install -e .)")
    return found


def write_dataset(path: Path, n: int, *, prefix: str = "question") -> Path:
    """`n` samples whose target equals their input, so an echoing model scores 1.0."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            text = f"{prefix} {i}"
            f.write(json.dumps({"id": f"s{i}", "input": text, "target": text}) + "\n")
    return path


def write_benchmark(folder: Path, name: str, n: int, *, prefix: str = "question") -> Path:
    """A benchmark YAML over a fresh `n`-sample dataset, both in `folder`."""
    data = write_dataset(folder / f"{name}.jsonl", n, prefix=prefix)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\ndataset: {{path: {data.name}}}\nscorers: [exact_match]\n")
    return path


def children_cpu() -> float:
    """CPU seconds (user + system) of the children reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Finished:
    """A child process that ran to completion: when it started and ended, its CPU, output."""

    launched: float  # time.monotonic() just before the launch
    ended: float  # time.monotonic() once it was reaped
    cpu: float  # CPU seconds of the child (user + system)
    stdout: str
    stderr: str

    @property
    def wall(self) -> float:
        return self.ended - self.launched


def run_child(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300.0,
) -> Finished:
    """Run `cmd` to completion; a non-zero exit raises with the command's output."""
    before = children_cpu()
    launched = time.monotonic()
    done = subprocess.run(
        list(cmd), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    ended = time.monotonic()
    cpu = children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(
            f"exit code {done.returncode}: {' '.join(map(str, cmd))}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
    return Finished(launched, ended, cpu, done.stdout, done.stderr)


def median_wall(cmd: Sequence[str], *, repeat: int = 5, cwd: Path | None = None) -> float:
    """Median wall time, in seconds, of `repeat` runs of `cmd`."""
    return statistics.median(run_child(cmd, cwd=cwd).wall for _ in range(repeat))


def run_span(db: Path) -> float:
    """Seconds between the stored `started_at` and `finished_at` of the only run in `db`."""
    with sqlite3.connect(db) as conn:
        started, finished = conn.execute("SELECT started_at, finished_at FROM runs").fetchone()
    conn.close()
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


@dataclass
class ServerStats:
    """What the timed server saw since the previous reading (times on `time.monotonic()`)."""

    count: int
    first: float | None  # arrival of the first request
    last: float | None  # sending of the last response
    cpu: float  # the server's CPU seconds

    @property
    def span(self) -> float:
        """Seconds from the first request to the last response."""
        if self.first is None or self.last is None:
            return 0.0
        return self.last - self.first


class ServerProcess:
    """The fake OpenAI-compatible server in a separate process, timing what it serves.

    with ServerProcess(latency=0.0) as server:
        ...  # send requests to server.base_url
        stats = server.stats()  # count, first arrival, last response, then reset
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        self._proc = subprocess.Popen(
            [sys.executable, str(TIMED_SERVER), "--latency", str(self.latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = self._readline()
            if not line.startswith("listening on "):
                raise RuntimeError(f"unexpected first line from the fake server: {line!r}")
            self.base_url = line.removeprefix("listening on ").strip()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        return self._proc.stdin, self._proc.stdout

    def _readline(self) -> str:
        line = self._pipes()[1].readline()
        if not line:
            raise RuntimeError("the fake server exited")
        return line

    def stats(self) -> ServerStats:
        """Counts and times since the last call (or the start), then start counting afresh."""
        stdin, _ = self._pipes()
        stdin.write("stats\n")
        stdin.flush()
        data = json.loads(self._readline())
        return ServerStats(data["count"], data["first"], data["last"], data["cpu"])

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # end of input: the server stops
            proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux `/proc/stat`)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class OtherLoad:
    """How much CPU other processes took while a benchmark ran: its figures are only as
    clean as this is small. Call `report()` once every child has been reaped.
    """

    def __init__(self) -> None:
        self._start = (time.monotonic(), _busy_seconds(), _own_seconds())

    def report(self) -> str:
        wall = time.monotonic() - self._start[0]
        busy = _busy_seconds() - self._start[1]
        own = _own_seconds() - self._start[2]
        other = max(0.0, busy - own)
        cores = os.cpu_count() or 1
        return (
            f"CPU taken by other processes meanwhile: {other:.1f} s over {wall:.0f} s "
            f"({other / (wall * cores):.0%} of {cores} cores; 0% means clean figures)"
        )


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without store or API settings that could leak into a run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCTOR_", "OPENAI_"))}
    env.update(extra)
    return env
