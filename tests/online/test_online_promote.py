"""Promotion of failing cases into a dataset, and status/notify behaviours around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from online_traffic import traffic, write_benchmark, write_traffic

from proctor.dataset import Dataset, FieldMap
from proctor.errors import ConfigError
from proctor.online import (
    PromoteOptions,
    StatusOptions,
    ingest,
    load_online_benchmark,
    online_status,
    promote,
    run_online,
)
from proctor.online._notify import NotifyError, notify
from proctor.online._promote import parse_condition


@pytest.fixture
def scored(store: Any, tmp_path: Path) -> Any:
    """Three scored days of traffic (the fourth, bad, day is not among them)."""
    records = traffic(days=4, per_day=30)[60:]  # days 3 and 4: one good, one bad
    ingest(store, [write_traffic(tmp_path / "t.jsonl", records)], source="support-bot")
    online = load_online_benchmark(write_benchmark(tmp_path / "bench.yaml", rate=1.0))
    return run_online(store, online)


@pytest.mark.parametrize(
    ("text", "scorer", "op", "value"),
    [
        ("judge/score < 0.5", "judge", "<", 0.5),
        ("latency>=2000", "latency", ">=", 2000.0),
        ("python:checks:polite == 0", "python:checks:polite", "==", 0.0),
    ],
)
def test_conditions_are_parsed(text: str, scorer: str, op: str, value: float) -> None:
    condition = parse_condition(text)
    assert (condition.scorer, condition.op, condition.value) == (scorer, op, value)


def test_a_malformed_condition_says_how_to_write_one() -> None:
    with pytest.raises(ConfigError, match="SCORER\\[/score\\] OP NUMBER"):
        parse_condition("judge is bad")
    with pytest.raises(ConfigError, match="'low' is not a number"):
        parse_condition("judge/score < low")


def test_an_unknown_scorer_lists_the_runs_scorers(store: Any, scored: Any, tmp_path: Path) -> None:
    run_id = scored.windows[1].run_id
    with pytest.raises(ConfigError, match=r"has no scorer 'judge'.*mentions_order"):
        promote(store, run_id, tmp_path / "d.jsonl", options=PromoteOptions(where=("judge < 1",)))


def test_cases_are_written_in_the_datasets_own_field_names_worst_first(
    store: Any, scored: Any, tmp_path: Path
) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": "Hi?", "answer": "Hello."}) + "\n")
    options = PromoteOptions(
        where=("polite/score < 1", "latency > 0"),
        limit=3,
        input_field="question",
        target_field="answer",
    )
    report = promote(store, scored.windows[1].run_id, path, options=options)
    assert report.added == 3 and report.selected == 3
    dataset = Dataset.from_file(path, fields=FieldMap(input="question", target="answer"))
    assert len(dataset) == 4 and report.version_after == dataset.version != report.version_before
    lines = [json.loads(x) for x in path.read_text().splitlines()[1:]]
    assert all(line["answer"] == "" and "question" in line for line in lines)
    assert all(line["provenance"]["selected_by"] == list(options.where) for line in lines)


def test_a_case_already_in_the_dataset_under_another_id_is_skipped(
    store: Any, scored: Any, tmp_path: Path
) -> None:
    path = tmp_path / "d.jsonl"
    options = PromoteOptions(where=("mentions_order/score < 0.5",), limit=1)
    first = promote(store, scored.windows[1].run_id, path, options=options)
    line = json.loads(path.read_text())
    line["id"] = "renamed"
    path.write_text(json.dumps(line) + "\n")
    again = promote(store, scored.windows[1].run_id, path, options=options)
    assert first.added == 1 and again.added == 0 and again.duplicates == 1


def test_status_of_an_unknown_benchmark_names_the_known_ones(store: Any, scored: Any) -> None:
    with pytest.raises(ConfigError, match="online benchmarks: support-online"):
        online_status(store, "nope")


def test_status_tests_only_the_last_windows_against_earlier_ones(store: Any, scored: Any) -> None:
    report = online_status(store, "support-online", options=StatusOptions(last=1))
    assert [w.label for w, _ in report.windows] == ["2024-05-04"]
    assert {c.baseline_windows for c in report.metrics} == {1}
    assert {a["metric"] for a in report.alerts()} >= {"mentions_order/mean"}


def test_notifying_an_unreachable_webhook_raises() -> None:
    with pytest.raises(NotifyError, match="cannot reach the webhook"):
        notify("http://127.0.0.1:9/hook", {"alerts": []}, timeout=2)
    with pytest.raises(NotifyError, match="http:// or https://"):
        notify("file:///etc/passwd", {})
