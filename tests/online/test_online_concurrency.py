"""Two `proctor online run` processes started together score every sampled record once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from online_traffic import DAY0, traffic, write_traffic

from proctor.online import ingest
from proctor.store._online import TrafficSelection, selected_ids, window_runs

HERE = Path(__file__).resolve().parent

BENCHMARK = """\
name: concurrent-online
dataset:
  traffic: support-bot
  sample: {rate: 0.7, seed: 4}
scorers:
  - name: python:support_checks:slow_polite
    as: polite
online:
  window: 1d
"""


def _start(bench: Path, db_url: str, cwd: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PROCTOR_DB": db_url,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "proctor", "online", "run", str(bench), "--batch", "5"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_started_together_score_every_sampled_record_exactly_once(
    store: Any, db_url: str, tmp_path: Path
) -> None:
    records = traffic(days=5, per_day=40)
    ingest(store, [write_traffic(tmp_path / "traffic.jsonl", records)], source="support-bot")
    bench = tmp_path / "bench.yaml"
    bench.write_text(BENCHMARK)
    first, second = _start(bench, db_url, tmp_path), _start(bench, db_url, tmp_path)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    for process, (_out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
    pattern = re.compile(r"(\d+) record\(s\) of support-bot scored")
    scored = [int(pattern.search(out).group(1)) for out, _ in outputs]

    from proctor.online import load_online_benchmark

    online = load_online_benchmark(bench)
    rule_id = online.rule.rule_id("support-bot")
    selection = TrafficSelection("concurrent-online", "support-bot", rule_id, 0.7, online.rule.phi)
    expected: set[str] = set()
    for day in range(5):
        start = DAY0 + timedelta(days=day)
        ids = selected_ids(store, selection, start, start + timedelta(days=1))
        expected |= _keys(store, ids)
    assert all(n > 0 for n in scored)  # both worked, at the same time
    assert sum(scored) == len(expected)  # and nothing was scored twice
    windows = window_runs(store, "concurrent-online")
    assert len(windows) == 5  # one run per window, though both processes wrote into them
    assert len(store.list_runs(benchmark="concurrent-online")) == 5
    stored: list[str] = []
    for window in windows:
        run = store.get_run(window.run_id)
        samples = list(store.iter_samples(run.id))
        stored += [s.sample_id for s in samples]
        assert run.status == "finished" and run.n_samples == len(samples) == run.n_scored
        for sample in samples:
            assert [s.scorer for s in sample.scores].count("polite") == 1
            assert all(s.error is None for s in sample.scores)
    assert sorted(stored) == sorted(expected)  # every sampled record, once


def _keys(store: Any, ids: list[int]) -> set[str]:
    from sqlalchemy import select

    from proctor.store._schema_online import traffic as table

    with store.engine.connect() as conn:
        return set(conn.scalars(select(table.c.record_id).where(table.c.id.in_(ids))))
