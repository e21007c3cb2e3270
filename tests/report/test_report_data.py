"""What a report reads from the store: figures, slices, sample rows and score tallies."""

from __future__ import annotations

import types
from datetime import UTC, datetime

from report_runs import PROMPT_HASH, make_run, records, wrong_on

from proctor.report._data import ScoreTally, input_text, overview, sample_rows
from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store

N = 30


def test_overview_groups_slice_figures_by_metric_with_the_overall_figure(store: Store) -> None:
    run_id = make_run(store, records(N), wrong_on({0, 3, 6}))
    view = overview(store, run_id[:6])  # a prefix is enough
    assert view.run.id == run_id
    assert [m.name for m in view.metrics] == ["exact_match/mean", "critic/mean"]
    assert [(g.name, g.key) for g in view.slices] == [
        ("exact_match/mean", "topic"),
        ("critic/mean", "topic"),
    ]
    exact = view.slices[0]
    assert exact.overall is view.metrics[0]
    assert [m.slice_value for m in exact.figures] == ["blue", "green", "red"]
    red = next(m for m in exact.figures if m.slice_value == "red")
    assert red.value == 0.7  # 0, 3 and 6 are red samples: 3 of 10 wrong


def test_rows_carry_the_sample_its_scores_and_their_judge_details(store: Store) -> None:
    run_id = make_run(store, records(N), wrong_on({4}))
    tally = ScoreTally()
    run = store.get_run(run_id)
    rows = list(sample_rows(store, run, tally))
    assert [r.sample_id for r in rows] == [f"q{i}" for i in range(N)]
    row = rows[4]
    assert (row.input, row.turns) == ("question 4", 1)  # the last user message of the chat
    assert (row.output, row.target, row.error) == ("no idea", "answer 4", None)
    assert row.slices == {"topic": "green"}
    assert row.latency_ms is not None and row.input_tokens == 10
    exact, critic = row.scores
    assert (exact.scorer, exact.value, exact.source) == ("exact_match", False, "scorer")
    assert critic.value == 0.25 and critic.source == "judge"
    assert critic.annotator == "scripted:judge" and critic.prompt == PROMPT_HASH
    assert critic.explanation == "The judge read: no idea"
    assert [(c.text, c.points, c.met) for c in critic.criteria] == [
        ("States answer 4", 3.0, False),
        ("Is rude", -2.0, False),
    ]
    assert critic.criteria[0].tags == ("axis:accuracy",)
    assert critic.criteria[0].explanation == "checked against: no idea"
    jurors = {j.juror: j for j in critic.jurors}
    assert (
        jurors["scripted:a"].rating == 1 and jurors["scripted:a"].reason == "juror a read no idea"
    )
    assert jurors["scripted:b"].error and jurors["scripted:b"].reason == "no usable verdict"


def test_model_and_scorer_errors_are_on_their_rows(store: Store) -> None:
    run_id = make_run(store, records(N, explode={2}), wrong_on(set()), failing={5})
    rows = {r.sample_id: r for r in sample_rows(store, store.get_run(run_id), ScoreTally())}
    failed = rows["q5"]
    assert failed.output is None and failed.scores == ()
    assert failed.error == "ModelError: the server is down"
    exploded = next(s for s in rows["q2"].scores if s.scorer == "critic")
    assert exploded.value is None and "the judge gave no verdict" in exploded.error


def test_the_tally_counts_every_sample_for_the_histograms(store: Store) -> None:
    run_id = make_run(store, records(N, explode={2}), wrong_on({1, 7}), failing={5})
    tally = ScoreTally()
    rows = list(sample_rows(store, store.get_run(run_id), tally))
    assert tally.records == len(rows) == N
    assert tally.with_errors == 2
    assert sorted(tally.values["exact_match"]) == [0.0] * 2 + [1.0] * (N - 3)
    assert tally.binary == {"exact_match": True, "critic": False}
    assert sorted(tally.values["critic"]) == [0.25] * 2 + [1.0] * (N - 4)
    assert tally.errors == {"critic": 1}
    assert tally.slice_values == {"topic": {"red", "green", "blue"}}
    assert tally.scorers() == ["exact_match", "critic"]


def test_a_limit_keeps_the_first_rows_but_tallies_the_whole_run(store: Store) -> None:
    run_id = make_run(store, records(N), wrong_on(set()))
    tally = ScoreTally()
    rows = list(sample_rows(store, store.get_run(run_id), tally, limit=7))
    assert [r.sample_id for r in rows] == [f"q{i}" for i in range(7)]
    assert tally.records == N and len(tally.values["exact_match"]) == N


def test_rows_stream_in_order_across_the_store_s_read_chunks(store: Store) -> None:
    n = 2_500  # more than two of the store's 1,000-row chunks
    run = RunRecord(
        id="bigrun000001",
        benchmark="big",
        task_version="t",
        dataset_version="d",
        selection_version="d",
        model_spec="python:m:f",
        model_config={},
        scorers=[{"name": "f1"}],
        n_samples=n,
        started_at=datetime.now(UTC),
    )
    store.create_run(run)
    store.write_samples(
        [SampleRecord(run.id, f"s{i}", 0, i, f"in {i}", output=f"out {i}") for i in range(n)]
    )
    store.write_samples([SampleRecord(run.id, "late", 0, n, "x", scores=[ScoreRecord("f1", 0.5)])])
    stream = sample_rows(store, run, ScoreTally())
    assert isinstance(stream, types.GeneratorType)  # rows are produced one at a time
    ids = [r.sample_id for r in stream]
    assert ids == [f"s{i}" for i in range(n)] + ["late"]


def test_long_texts_are_clipped_and_chats_show_their_last_user_message() -> None:
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "second"},
    ]
    assert input_text(chat) == ("second", 3)
    assert input_text("plain") == ("plain", 1)
    text, _ = input_text("x" * 30_000)
    assert text.startswith("x" * 20_000) and text.endswith("[10,000 more characters]")
