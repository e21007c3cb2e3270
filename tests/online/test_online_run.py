"""`run_online`: one run per window, incremental, production's figures as metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from online_traffic import DAY0, traffic, write_benchmark, write_traffic

from proctor.errors import ConfigError
from proctor.online import (
    OnlineRunOptions,
    ingest,
    load_online_benchmark,
    run_online,
)
from proctor.online._windows import Window
from proctor.store._online import (
    TrafficSelection,
    claim_batch,
    scored_counts,
    selected_ids,
    window_runs,
)


@pytest.fixture
def online(tmp_path: Path) -> Any:
    return load_online_benchmark(write_benchmark(tmp_path / "bench.yaml", rate=1.0))


def _ingest(store: Any, tmp_path: Path, records: list[dict]) -> None:
    report = ingest(
        store, [write_traffic(tmp_path / "traffic.jsonl", records)], source="support-bot"
    )
    assert report.failed == 0


def test_each_window_becomes_one_finished_run_of_its_sampled_records(
    store: Any, tmp_path: Path, online: Any
) -> None:
    _ingest(store, tmp_path, traffic(days=3, per_day=20))
    summary = run_online(store, online)
    assert [w.window.label for w in summary.windows] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert summary.scored == 60 and summary.errors == 0
    runs = window_runs(store, "support-online")
    assert [r.run_id for r in runs] == [w.run_id for w in summary.windows]
    for day, window in enumerate(summary.windows):
        run = store.get_run(window.run_id)
        assert run.status == "finished" and run.n_samples == 20 and run.n_scored == 20
        assert run.started_at == DAY0 + timedelta(days=day)  # runs sort by window
        assert (
            run.model_spec == "traffic:support-bot" and run.label == f"online {window.window.label}"
        )
        assert run.dataset_version and run.task_version
        names = {m.name for m in store.get_metrics(run.id)}
        assert {"mentions_order/mean", "polite/mean", "latency/mean", "tokens/input",
                "tokens/output", "cost/mean"} <= names  # fmt: skip
        assert "mentions_order/mean[topic=billing]" in names


def test_samples_keep_the_production_answer_latency_tokens_and_cost(
    store: Any, tmp_path: Path, online: Any
) -> None:
    records = traffic(days=1, per_day=4)
    _ingest(store, tmp_path, records)
    summary = run_online(store, online)
    samples = {s.sample_id: s for s in store.iter_samples(summary.windows[0].run_id)}
    first = samples["call-0-0"]
    assert first.output == records[0]["output"]
    assert first.latency_ms == records[0]["latency_ms"]
    assert (first.input_tokens, first.output_tokens) == (20, 8)
    assert first.cost == pytest.approx((20 * 0.5 + 8 * 1.5) / 1e6)
    assert "[EMAIL]" in first.input[0]["content"]  # redacted when ingested
    assert first.output_extra["traffic"]["window"] == "2024-05-01"
    assert {s.scorer for s in first.scores} == {
        "mentions_order",
        "polite",
        "latency",
        "tokens",
        "cost",
    }


def test_a_second_invocation_scores_nothing_and_late_records_join_their_window(
    store: Any, tmp_path: Path, online: Any
) -> None:
    records = traffic(days=2, per_day=10)
    _ingest(store, tmp_path, records[:15])  # the second day is half logged
    first = run_online(store, online)
    assert first.scored == 15
    assert run_online(store, online).scored == 0
    _ingest(store, tmp_path, records)  # the rest arrives late
    late = run_online(store, online)
    assert late.scored == 5 and [w.window.label for w in late.windows] == ["2024-05-02"]
    assert late.windows[0].run_id == first.windows[1].run_id
    run = store.get_run(late.windows[0].run_id)
    assert run.n_samples == 10 and run.status == "finished"
    assert len(window_runs(store, "support-online")) == 2


def test_only_the_sampled_records_are_scored(store: Any, tmp_path: Path) -> None:
    online = load_online_benchmark(write_benchmark(tmp_path / "bench.yaml", rate=0.3))
    _ingest(store, tmp_path, traffic(days=2, per_day=50))
    summary = run_online(store, online)
    rule_id = summary.rule_id
    selection = TrafficSelection("support-online", "support-bot", rule_id, 0.3, online.rule.phi)
    expected = sum(
        len(selected_ids(store, selection, DAY0 + timedelta(days=d), DAY0 + timedelta(days=d + 1)))
        for d in range(2)
    )
    assert summary.scored == expected and 0 < expected < 100
    assert scored_counts(store, "support-online") == {"done": expected}


def test_a_failed_production_call_is_a_sample_error_not_a_score(
    store: Any, tmp_path: Path, online: Any
) -> None:
    records = traffic(days=1, per_day=3)
    records[1] = {**records[1], "output": None, "error": "upstream timeout"}
    _ingest(store, tmp_path, records)
    summary = run_online(store, online)
    assert summary.failed_calls == 1 and summary.errors == 0
    failed = store.get_samples(summary.windows[0].run_id, ["call-0-1"])[0]
    assert failed.error == "production error: upstream timeout" and failed.scores == []


def test_the_window_length_and_time_range_can_be_chosen(
    store: Any, tmp_path: Path, online: Any
) -> None:
    _ingest(store, tmp_path, traffic(days=2, per_day=12))
    options = OnlineRunOptions(
        window=timedelta(hours=6), since=DAY0 + timedelta(days=1), until=DAY0 + timedelta(days=2)
    )
    summary = run_online(store, online, options=options)
    assert all(w.window.end - w.window.start == timedelta(hours=6) for w in summary.windows)
    assert all(w.window.start >= DAY0 + timedelta(days=1) for w in summary.windows)
    assert summary.scored == 12


def test_claims_left_by_a_dead_process_are_taken_over(
    store: Any, tmp_path: Path, online: Any
) -> None:
    _ingest(store, tmp_path, traffic(days=1, per_day=10))
    first = run_online(store, online, options=OnlineRunOptions(batch=4))
    assert first.scored == 10
    # a process claims new records of a window, then dies before storing them
    _ingest(store, tmp_path, traffic(days=2, per_day=10))
    rule = online.rule
    selection = TrafficSelection("support-online", "support-bot", first.rule_id, 1.0, rule.phi)
    from proctor.online._run import _WindowScorer  # noqa: F401 - the run record of a window
    from proctor.store import RunRecord

    day = Window(DAY0 + timedelta(days=1), DAY0 + timedelta(days=2))
    stub = RunRecord("deadbeef0000", "support-online", "", "", "", "traffic:support-bot", {}, [], 0)
    claim = claim_batch(
        store, selection, day.start, day.end, limit=3, run=stub, stale_before=datetime.now(UTC)
    )
    assert claim is not None and len(claim.records) == 3
    fresh = run_online(store, online)  # the claims are recent: left to their owner
    assert fresh.scored == 7
    later = run_online(store, online, options=OnlineRunOptions(reclaim_after=timedelta(0)))
    assert later.scored == 3
    assert scored_counts(store, "support-online") == {"done": 20}


def test_history_and_show_read_window_runs(
    store: Any, tmp_path: Path, online: Any, proctor: Any, db_url: str
) -> None:
    _ingest(store, tmp_path, traffic(days=3, per_day=8))
    run_online(store, online)
    result = proctor("history", "support-online", "--format", "json", db=db_url)
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [e["label"] for e in entries] == [
        "online 2024-05-01",
        "online 2024-05-02",
        "online 2024-05-03",
    ]


def test_online_benchmark_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = write_benchmark(tmp_path / "bench.yaml")
    text = path.read_text()
    path.write_text(text + "prompt:\n  template: '{{ input }}'\n")
    with pytest.raises(ConfigError, match=r"bench\.yaml:\d+: prompt: not used online"):
        load_online_benchmark(path)
    path.write_text(text.replace("  traffic: support-bot\n", "  path: x.jsonl\n"))
    with pytest.raises(ConfigError, match=r"bench\.yaml:4: dataset: an online benchmark"):
        load_online_benchmark(path)
    path.write_text(text.replace("window: 1d", "window: daily"))
    with pytest.raises(ConfigError, match=r"bench\.yaml:13: online.window: 'daily' is not"):
        load_online_benchmark(path)
    path.write_text(text.replace("sample: {rate: 0.8, seed: 11}", "sample: {rate: 0.8, seeds: 1}"))
    with pytest.raises(ConfigError, match=r"bench\.yaml:\d+: dataset.sample.seeds: unknown key"):
        load_online_benchmark(path)


def test_a_fixed_number_per_closed_window_is_drawn_and_scored(store: Any, tmp_path: Path) -> None:
    path = write_benchmark(tmp_path / "bench.yaml")
    path.write_text(
        path.read_text().replace(
            "sample: {rate: 0.8, seed: 11}", "sample: {per_window: 3, stratify: topic, seed: 2}"
        )
    )
    online = load_online_benchmark(path)
    _ingest(store, tmp_path, traffic(days=2, per_day=40))
    summary = run_online(store, online)
    assert summary.drawn == 2 * 4 * 3  # two closed days, four topics, three each
    assert [w.scored for w in summary.windows] == [12, 12]
    assert run_online(store, online).drawn == 0  # drawn once


def test_judges_score_production_answers_through_the_engine(store: Any, tmp_path: Path) -> None:
    path = tmp_path / "judged.yaml"
    path.write_text(
        "name: judged-online\n"
        "dataset: {traffic: support-bot}\n"
        "judge: python:support_checks:judge_answers\n"
        "scorers:\n"
        "  - name: judge\n"
        "    args: {guidelines: The answer says where the order is.}\n"
        "online: {operational: [latency]}\n"
    )
    online = load_online_benchmark(path)
    _ingest(store, tmp_path, traffic(days=1, per_day=10))
    summary = run_online(store, online)
    assert summary.scored == 10 and summary.judge_calls == 10 and summary.errors == 0
    run = store.get_run(summary.windows[0].run_id)
    assert run.judge_calls == 10
    figures = {m.name: m for m in store.get_metrics(run.id)}
    assert set(figures) == {"judge/mean", "latency/mean"}
    assert 0.5 < figures["judge/mean"].value <= 1.0
