"""Samples and scores: write, replace, read back in order, stream, count."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

import pytest
from sqlalchemy import event
from store_factories import make_sample

from proctor.errors import StoreError
from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store
from proctor.store import _store as store_module

RunFactory = Callable[..., RunRecord]


def test_samples_read_back_equal_with_scores_json_and_unicode(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    record = make_sample(
        run.id,
        0,
        input=[
            {"role": "system", "content": "Tu es un assistant ✓"},
            {"role": "user", "content": "¿Cuánto cuesta? 日本語 🚀"},
        ],
        target=["42", "forty-two"],
        choices=["A) 41", "B) 42"],
        metadata={"topic": "billing", "difficulty": 3, "tags": ["a", "b"], "nested": {"x": None}},
        output="La réponse est 42 — 日本語 🚀",
        output_extra={"finish_reason": "stop", "logprobs": [-0.1, -2.5]},
        cost=0.0001,
        cached=True,
        scores=[
            ScoreRecord(scorer="exact_match", value=True, answer="42"),
            ScoreRecord(scorer="f1", value=0.5, metadata={"precision": 1.0, "recall": 1 / 3}),
            ScoreRecord(scorer="grade", value="B", explanation="ok ✓", source="judge"),
            ScoreRecord(scorer="count", value=7),
            ScoreRecord(scorer="human", value=False, source="human", annotator="ann"),
            ScoreRecord(scorer="broken", value=None, error="ScorerError: boom"),
        ],
    )
    store.write_samples([record])
    assert list(store.iter_samples(run.id)) == [record]


def test_score_values_get_a_numeric_column(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    values = [True, False, 3, 0.25, "B", None]
    store.write_samples(
        [
            make_sample(run.id, i, scores=[ScoreRecord(scorer="s", value=v)])
            for i, v in enumerate(values)
        ]
    )
    with store.engine.connect() as conn:
        nums = (
            conn.exec_driver_sql("SELECT value_num FROM scores ORDER BY sample_id").scalars().all()
        )
    assert nums == [1.0, 0.0, 3.0, 0.25, None, None]


def test_writing_an_existing_key_without_replace_raises(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    store.write_samples([make_sample(run.id, 0), make_sample(run.id, 1)])
    with pytest.raises(StoreError, match="already exists"):
        store.write_samples([make_sample(run.id, 2), make_sample(run.id, 1)])
    assert store.count(run.id) == (2, 0)  # the failed batch left nothing behind


def test_a_duplicate_key_within_one_batch_raises(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    with pytest.raises(StoreError):
        store.write_samples([make_sample(run.id, 0), make_sample(run.id, 0)])
    assert store.count(run.id) == (0, 0)


def test_samples_of_an_unknown_run_are_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        store.write_samples([make_sample("no-such-run", 0)])


def test_replace_swaps_the_sample_and_its_scores(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    failed = make_sample(run.id, 0, output=None, error="ModelTimeout: 30s", scores=[])
    store.write_samples([failed, make_sample(run.id, 1)])
    retried = make_sample(run.id, 0, output="fixed", scores=[ScoreRecord(scorer="em", value=1)])
    store.write_samples([retried], replace=True)
    samples = list(store.iter_samples(run.id))
    assert samples[0] == retried
    assert samples[1] == make_sample(run.id, 1)
    assert store.count(run.id) == (2, 0)


def test_replace_of_a_new_key_just_inserts(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    store.write_samples([make_sample(run.id, 0)], replace=True)
    assert store.count(run.id) == (1, 0)


def test_finished_maps_each_stored_sample_to_its_error_state(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory(epochs=2)
    store.write_samples(
        [
            make_sample(run.id, 0, epoch=0),
            make_sample(run.id, 0, epoch=1, error="ModelError: 500", scores=[]),
            make_sample(run.id, 1, epoch=0),
        ]
    )
    assert store.finished(run.id) == {("s0", 0): False, ("s0", 1): True, ("s1", 0): False}
    assert store.count(run.id) == (3, 1)
    assert store.finished("other") == {}
    assert store.count("other") == (0, 0)


def test_iter_samples_orders_by_position_then_epoch(store: Store, run_factory: RunFactory) -> None:
    run = run_factory(epochs=2)
    records = [make_sample(run.id, i, epoch=e) for i in range(50) for e in range(2)]
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    store.write_samples(shuffled)
    assert [(r.position, r.epoch) for r in store.iter_samples(run.id)] == [
        (r.position, r.epoch) for r in records
    ]


def test_iter_samples_streams_in_chunks(
    store: Store, run_factory: RunFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "CHUNK", 7)
    run = run_factory()
    records = [make_sample(run.id, i) for i in range(30)]
    store.write_samples(records)
    queries: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    stream = store.iter_samples(run.id)
    first = next(stream)
    assert first == records[0]
    assert len(queries) == 2  # one chunk of samples and its scores, nothing more yet
    rest = list(stream)
    assert [first, *rest] == records
    assert len(queries) == 2 * 5  # 30 rows in chunks of 7


def test_iter_samples_without_scores(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    store.write_samples([make_sample(run.id, 0)])
    (record,) = store.iter_samples(run.id, with_scores=False)
    assert record.scores == [] and record.output == "answer 0"


def test_iter_scored_skips_the_heavy_columns(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    records = [make_sample(run.id, i) for i in range(3)]
    records[1].error = "ModelError: 500"
    store.write_samples(records)
    scored = list(store.iter_scored(run.id))
    assert [(r.sample_id, r.epoch, r.metadata, r.error) for r in scored] == [
        (r.sample_id, r.epoch, r.metadata, r.error) for r in records
    ]
    # scores come back whole but for their texts (explanation, answer): metrics need none
    lean = [
        [dataclasses.replace(s, explanation=None, answer=None) for s in r.scores] for r in records
    ]
    assert [r.scores for r in scored] == lean
    assert any(s.explanation or s.answer for r in records for s in r.scores)
    assert all(r.input is None and r.output is None and r.target is None for r in scored)


def test_runs_do_not_see_each_others_samples(store: Store, run_factory: RunFactory) -> None:
    a, b = run_factory(), run_factory()
    store.write_samples([make_sample(a.id, 0), make_sample(b.id, 0), make_sample(b.id, 1)])
    assert [r.run_id for r in store.iter_samples(a.id)] == [a.id]
    assert [len(r.scores) for r in store.iter_samples(b.id)] == [2, 2]


def test_an_empty_write_is_a_no_op(store: Store) -> None:
    store.write_samples([])
    assert list(store.iter_samples("anything")) == []


def _sample_count(store: Store, run_id: str) -> int:
    return sum(1 for _ in store.iter_samples(run_id))


def test_a_large_run_streams(store: Store, run_factory: RunFactory) -> None:
    run = run_factory(n_samples=5_000)
    store.write_samples([make_sample(run.id, i) for i in range(5_000)])
    assert _sample_count(store, run.id) == 5_000


def test_sample_record_fields_all_round_trip() -> None:
    # A guard for the row conversion: a field added to SampleRecord must be stored.
    from proctor.store._schema import samples

    stored = set(samples.c.keys()) | {"scores"}
    assert set(SampleRecord.__dataclass_fields__) <= stored


def test_iter_scored_reads_every_kind_of_value_back_exactly(
    store: Store, run_factory: RunFactory
) -> None:
    values = [True, False, 0, 1, -3, 2.5, 1e-05, -0.25, "billing", "12", "-", "true", "null"]
    run = run_factory()
    records = []
    for i, value in enumerate(values):
        record = make_sample(run.id, i)
        record.scores = [ScoreRecord("s", value, metadata={"k": [1, "x"]}, usage={"calls": 1})]
        records.append(record)
    store.write_samples(records)
    back = [r.scores[0] for r in store.iter_scored(run.id)]
    assert [(s.value, type(s.value)) for s in back] == [(v, type(v)) for v in values]
    assert all(s.metadata == {"k": [1, "x"]} and s.usage == {"calls": 1} for s in back)
