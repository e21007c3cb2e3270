"""Ctrl-C stops a run cleanly: finished samples are saved and the run can be resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from openai_server import FakeOpenAIServer
from responders import number_responder
from test_kill_resume import N, proctor, write_benchmark

from proctor.store import Store


def test_ctrl_c_saves_finished_samples_and_exits_130(tmp_path: Path) -> None:
    bench = write_benchmark(tmp_path)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    with FakeOpenAIServer(number_responder, latency=0.05) as server:
        common = [
            "--model",
            "openai:fake",
            "--base-url",
            server.base_url,
            "--db",
            db,
            "--max-concurrency",
            "2",
            "--no-progress",
        ]
        proc = subprocess.Popen(
            proctor("run", str(bench), *common),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while server.count < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert "Traceback" not in err
        assert "--resume" in out

        with Store(db) as store:
            (run,) = store.list_runs()
            assert run.status == "interrupted"
            saved = len(store.finished(run.id))
            assert 10 <= saved < N
            assert store.get_metrics(run.id)  # partial metrics are stored too

        resumed = subprocess.run(
            proctor("run", str(bench), *common, "--resume", run.id),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    with Store(db) as store:
        assert len(list(store.iter_samples(run.id))) == N
        assert store.get_run(run.id).status == "finished"


def test_python_module_entry_point_is_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "proctor", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "run" in out.stdout
