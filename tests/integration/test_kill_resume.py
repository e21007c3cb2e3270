"""A run killed with SIGKILL half way, then resumed: every sample exactly once, and the
samples finished before the kill are not requested again (counted at the server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from openai_server import FakeOpenAIServer
from responders import number_responder

from proctor.store import Store

N = 200


def write_benchmark(folder: Path) -> Path:
    with (folder / "q.jsonl").open("w") as f:
        for i in range(N):
            f.write(
                json.dumps({"id": f"q{i:04d}", "input": f"question {i}", "target": str(i)}) + "\n"
            )
    bench = folder / "bench.yaml"
    bench.write_text("name: numbers\ndataset: {path: q.jsonl}\nscorers: [exact_match]\n")
    return bench


def proctor(*args: str) -> list[str]:
    return [sys.executable, "-m", "proctor", *args]


def test_sigkill_then_resume_finishes_every_sample_once(tmp_path: Path) -> None:
    bench = write_benchmark(tmp_path)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    with FakeOpenAIServer(number_responder, latency=0.02) as server:
        common = [
            "--model",
            "openai:fake",
            "--base-url",
            server.base_url,
            "--db",
            db,
            "--max-concurrency",
            "4",
            "--no-progress",
        ]
        proc = subprocess.Popen(
            proctor("run", str(bench), *common),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while server.count < N // 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL

        with Store(db) as store:
            (run,) = store.list_runs()
            finished = set(store.finished(run.id))
        assert N // 4 < len(finished) < N

        server.reset()
        done = subprocess.run(
            proctor("run", str(bench), *common, "--resume", run.id),
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        asked_again = {int(r.messages[-1]["content"].split()[-1]) for r in server.requests}

    assert not {(f"q{i:04d}", 0) for i in asked_again} & finished
    with Store(db) as store:
        rows = list(store.iter_samples(run.id))
        assert store.get_run(run.id).status == "finished"
    assert len(rows) == N and len({r.sample_id for r in rows}) == N
    assert all(r.error is None for r in rows)
