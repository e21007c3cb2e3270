"""`Store`: runs, samples, scores, metrics and the response cache in one database.

SQLite by default (a file, zero setup), PostgreSQL by URL. Every method is
synchronous; the engine writes through a `StoreWriter` so that its event loop
never waits on the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from proctor.errors import StoreError
from proctor.metrics._metric import MetricValue
from proctor.store import _rows
from proctor.store._engine import make_engine, mask_url, resolve_url
from proctor.store._migrate import ensure_schema
from proctor.store._records import CacheEntry, RunRecord, SampleRecord, ScoreRecord
from proctor.store._schema import baselines, cache, metrics, runs, samples, scores

__all__ = ["Store", "new_run_id"]

CHUNK = 1_000
"""Rows read per query when streaming, and keys per `IN (...)` list."""

# `choices` stays: it tells which scorers apply to a sample (multiple choice or not)
_HEAVY = {"input", "target", "output", "output_extra", "created_at"}
# What metrics need, with JSON columns cast to text in SQL and decoded by `_rows.lean_*`:
# SQLAlchemy's per-value JSON processing would cost more than reading the rows (and a
# cast, unlike a type coercion, keeps psycopg from decoding them first).
_LEAN = [
    cast(column, Text).label(column.name) if isinstance(column.type, JSON) else column
    for column in samples.c
    if column.name not in _HEAVY
]
_LEAN_SCORES = [
    cast(column, Text).label(column.name) if isinstance(column.type, JSON) else column
    for column in scores.c
    if column.name not in ("explanation", "answer", "id", "run_id", "value_num")
]
_KEY_PARAMS = {"r": bindparam("r"), "s": bindparam("s"), "e": bindparam("e")}

SampleKey = tuple[str, str, int]


def new_run_id() -> str:
    """A fresh run id: 12 random hex characters, URL-safe, short to type by prefix."""
    return uuid.uuid4().hex[:12]


class Store:
    """A connection to Proctor's database.

    `url` is any SQLAlchemy URL; `None` reads `$PROCTOR_DB` and falls back to
    the SQLite file `./.proctor/proctor.db`. Opening brings the schema up to
    date; a database that cannot be opened raises `StoreError`.

    >>> with Store("sqlite://") as store:  # an in-memory database
    ...     store.list_runs()
    []
    """

    def __init__(self, url: str | None = None) -> None:
        self._url = resolve_url(url)
        self.display_url = mask_url(self._url)
        """The URL with any password masked, fit to show."""
        self.engine: Engine = make_engine(self._url)
        """The SQLAlchemy engine, for advanced use (events, raw queries)."""
        try:
            ensure_schema(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # --- runs -----------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        """Record a new run. `started_at` defaults to now; an existing id raises `StoreError`."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(runs), _rows.run_row(run))
        except IntegrityError as exc:
            raise StoreError(f"run {run.id} already exists in {self.display_url}") from exc

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set some fields of a run (status, counts, `finished_at`, ...).

        An unknown field raises `ValueError`; an unknown run, `StoreError`.
        """
        unknown = set(fields) - _rows.RUN_FIELDS
        if unknown or "id" in fields:
            bad = ", ".join(sorted(unknown | ({"id"} & set(fields))))
            raise ValueError(f"cannot update run field(s): {bad}")
        if not fields:
            return
        for name in ("started_at", "finished_at"):
            if name in fields:
                fields[name] = _rows.to_utc(fields[name])
        with self.engine.begin() as conn:
            result = conn.execute(update(runs).where(runs.c.id == run_id).values(**fields))
        if result.rowcount == 0:
            raise StoreError(f"no run {run_id} in {self.display_url}")

    def get_run(self, ref: str) -> RunRecord:
        """The run whose id is `ref` or starts with it; `StoreError` if none or several."""
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == ref)).first()
            if row is not None:
                return _rows.row_to_run(row)
            query = (
                select(runs)
                .where(runs.c.id.startswith(ref, autoescape=True))
                .order_by(runs.c.started_at.desc(), runs.c.id.desc())
                .limit(11)
            )
            found = conn.execute(query).all()
        if len(found) == 1:
            return _rows.row_to_run(found[0])
        if not found:
            raise StoreError(f"no run matches {ref!r} in {self.display_url}")
        names = ", ".join(f"{r.id} ({r.benchmark} / {r.model_spec})" for r in found[:10])
        more = " and more" if len(found) > 10 else ""
        raise StoreError(f"run id {ref!r} is ambiguous: {names}{more}; type more characters")

    def list_runs(
        self,
        *,
        limit: int = 50,
        benchmark: str | None = None,
        model: str | None = None,
        label: str | None = None,
    ) -> list[RunRecord]:
        """Runs newest first, optionally only those of a benchmark, model spec or label."""
        query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
        if benchmark is not None:
            query = query.where(runs.c.benchmark == benchmark)
        if model is not None:
            query = query.where(runs.c.model_spec == model)
        if label is not None:
            query = query.where(runs.c.label == label)
        with self.engine.connect() as conn:
            return [_rows.row_to_run(row) for row in conn.execute(query)]

    # --- samples and scores ---------------------------------------------------

    def write_samples(self, records: Sequence[SampleRecord], *, replace: bool = False) -> None:
        """Write samples and their scores in one transaction.

        With `replace`, rows already stored for the same (run, sample, epoch)
        are deleted first, scores included (a retried sample). Without it, a
        key that exists raises `StoreError`.
        """
        items = [(record, replace) for record in records]
        with self.engine.begin() as conn:
            self._write_samples(conn, items)

    def _write_samples(self, conn: Connection, items: Iterable[tuple[SampleRecord, bool]]) -> int:
        """Insert `(record, replace)` pairs on `conn`; the number of samples written.

        Within one batch, a replacing record supersedes an earlier one with
        the same key; a non-replacing duplicate is kept, so that it fails.
        """
        keep: dict[SampleKey, SampleRecord] = {}
        extra: list[SampleRecord] = []
        replaced: list[dict[str, Any]] = []
        for record, replace in items:
            key = (record.run_id, record.sample_id, record.epoch)
            if replace:
                replaced.append({"r": key[0], "s": key[1], "e": key[2]})
                keep[key] = record
            elif key in keep:
                extra.append(record)
            else:
                keep[key] = record
        batch = [*keep.values(), *extra]
        if not batch:
            return 0
        if replaced:
            for table in (scores, samples):
                conn.execute(
                    delete(table).where(
                        table.c.run_id == _KEY_PARAMS["r"],
                        table.c.sample_id == _KEY_PARAMS["s"],
                        table.c.epoch == _KEY_PARAMS["e"],
                    ),
                    replaced,
                )
        now = datetime.now(UTC)
        score_params = [row for record in batch for row in _rows.score_rows(record)]
        try:
            conn.execute(insert(samples), [_rows.sample_row(r, now) for r in batch])
            if score_params:
                conn.execute(insert(scores), score_params)
        except IntegrityError as exc:
            raise StoreError(
                f"cannot write samples to {self.display_url}: a (run, sample, epoch) key "
                f"already exists or its run is unknown ({_first_line(exc)})"
            ) from exc
        return len(batch)

    def replace_scores(self, run_id: str, items: Sequence[tuple[str, int, ScoreRecord]]) -> None:
        """Store `(sample_id, epoch, score)` items in one transaction, each replacing what
        the same scorer had stored for that sample and epoch (re-scoring a run); human
        scores of the same scorer (from review) are kept.

        A sample that is not stored raises `StoreError`.
        """
        if not items:
            return
        params = [{"r": run_id, "s": s, "e": e, "n": record.scorer} for s, e, record in items]
        rows = []
        for sample_id, epoch, record in items:
            holder = SampleRecord(run_id, sample_id, epoch, 0, None, scores=[record])
            rows.extend(_rows.score_rows(holder))
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(scores).where(
                        scores.c.run_id == _KEY_PARAMS["r"],
                        scores.c.sample_id == _KEY_PARAMS["s"],
                        scores.c.epoch == _KEY_PARAMS["e"],
                        scores.c.scorer == bindparam("n"),
                        # people's judgments of the sample stay: re-scoring replaces machines
                        scores.c.source != "human",
                    ),
                    params,
                )
                conn.execute(insert(scores), rows)
        except IntegrityError as exc:
            raise StoreError(
                f"cannot re-score run {run_id}: a scored sample is not stored ({_first_line(exc)})"
            ) from exc

    def finished(self, run_id: str) -> dict[tuple[str, int], bool]:
        """`(sample_id, epoch)` -> whether that stored sample errored (model or any scorer)."""
        scorer_failed = (
            select(scores.c.id)
            .where(
                scores.c.run_id == samples.c.run_id,
                scores.c.sample_id == samples.c.sample_id,
                scores.c.epoch == samples.c.epoch,
                scores.c.error.is_not(None),
            )
            .exists()
        )
        query = select(
            samples.c.sample_id, samples.c.epoch, samples.c.error.is_not(None) | scorer_failed
        ).where(samples.c.run_id == run_id)
        with self.engine.connect() as conn:
            return {(s, e): bool(err) for s, e, err in conn.execute(query)}

    def count(self, run_id: str) -> tuple[int, int]:
        """`(samples, samples with a model error)` stored for the run."""
        query = select(func.count(), func.count(samples.c.error)).where(samples.c.run_id == run_id)
        with self.engine.connect() as conn:
            total, errors = conn.execute(query).one()
        return int(total), int(errors)

    def iter_samples(self, run_id: str, *, with_scores: bool = True) -> Iterator[SampleRecord]:
        """Stream a run's samples by position then epoch, scores attached.

        Rows are read `CHUNK` at a time, so memory stays flat however big the run.
        """
        return self._iter(run_id, list(samples.c), lean=False, with_scores=with_scores)

    def iter_scored(self, run_id: str) -> Iterator[SampleRecord]:
        """Stream what metrics need, in `iter_samples` order: scores, metadata, error.

        The heavy columns (`input`, `target`, `output`, `output_extra`) and the
        scores' texts (`explanation`, `answer`) are not read and come back empty.
        """
        return self._iter(run_id, _LEAN, lean=True, with_scores=True)

    def _iter(
        self, run_id: str, columns: list[Any], *, lean: bool, with_scores: bool
    ) -> Iterator[SampleRecord]:
        order = (samples.c.position, samples.c.epoch, samples.c.sample_id)
        last: tuple[int, int, str] | None = None
        while True:
            query: Select[Any] = select(*columns).where(samples.c.run_id == run_id)
            if last is not None:
                query = query.where(tuple_(*order) > tuple_(*last))
            query = query.order_by(*order).limit(CHUNK)
            with self.engine.connect() as conn:
                convert = _rows.lean_sample if lean else _rows.row_to_sample
                chunk = [convert(row) for row in conn.execute(query)]
                if chunk and with_scores:
                    self._attach_scores(conn, run_id, chunk, last, lean=lean)
            yield from chunk
            if len(chunk) < CHUNK:
                return
            tail = chunk[-1]
            last = (tail.position, tail.epoch, tail.sample_id)

    def _attach_scores(
        self,
        conn: Connection,
        run_id: str,
        chunk: list[SampleRecord],
        after: tuple[int, int, str] | None,
        *,
        lean: bool = False,
    ) -> None:
        order = tuple_(samples.c.position, samples.c.epoch, samples.c.sample_id)
        tail = chunk[-1]
        query = (
            select(*(_LEAN_SCORES if lean else [scores]))
            .join(
                samples,
                (samples.c.run_id == scores.c.run_id)
                & (samples.c.sample_id == scores.c.sample_id)
                & (samples.c.epoch == scores.c.epoch),
            )
            .where(samples.c.run_id == run_id)
            .where(order <= tuple_(tail.position, tail.epoch, tail.sample_id))
            .order_by(scores.c.id)
        )
        if after is not None:
            query = query.where(order > tuple_(*after))
        by_key = {(r.sample_id, r.epoch): r for r in chunk}
        convert = _rows.lean_score if lean else _rows.row_to_score
        for row in conn.execute(query):
            record = by_key.get((row.sample_id, row.epoch))
            if record is not None:
                record.scores.append(convert(row))

    def get_samples(self, run_id: str, sample_ids: Sequence[str]) -> list[SampleRecord]:
        """The stored samples (every epoch, scores attached) of the given ids, by position."""
        found: list[SampleRecord] = []
        ids = list(dict.fromkeys(sample_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                query = (
                    select(samples)
                    .where(samples.c.run_id == run_id, samples.c.sample_id.in_(part))
                    .order_by(samples.c.position, samples.c.epoch)
                )
                chunk = [_rows.row_to_sample(row) for row in conn.execute(query)]
                by_key = {(r.sample_id, r.epoch): r for r in chunk}
                score_query = (
                    select(scores)
                    .where(scores.c.run_id == run_id, scores.c.sample_id.in_(part))
                    .order_by(scores.c.id)
                )
                for row in conn.execute(score_query):
                    record = by_key.get((row.sample_id, row.epoch))
                    if record is not None:
                        record.scores.append(_rows.row_to_score(row))
                found.extend(chunk)
        found.sort(key=lambda r: (r.position, r.epoch))
        return found

    # --- baselines ------------------------------------------------------------

    def set_baseline(self, run_id: str) -> RunRecord:
        """Name run `run_id` (or a unique prefix) the baseline of its benchmark."""
        run = self.get_run(run_id)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(baselines).where(baselines.c.benchmark == run.benchmark))
            conn.execute(
                insert(baselines).values(benchmark=run.benchmark, run_id=run.id, set_at=now)
            )
        return run

    def get_baseline(self, benchmark: str) -> RunRecord | None:
        """The baseline run of `benchmark`, or None when none was set."""
        with self.engine.connect() as conn:
            run_id = conn.execute(
                select(baselines.c.run_id).where(baselines.c.benchmark == benchmark)
            ).scalar()
        return None if run_id is None else self.get_run(run_id)

    def list_baselines(self) -> list[tuple[str, str, datetime]]:
        """`(benchmark, run_id, set_at)` of every baseline, by benchmark."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(baselines).order_by(baselines.c.benchmark)).all()
        return [(r.benchmark, r.run_id, _rows.from_db_time(r.set_at)) for r in rows]  # type: ignore[misc]

    # --- metrics --------------------------------------------------------------

    def write_metrics(self, run_id: str, values: Sequence[MetricValue]) -> None:
        """Replace the run's metrics with `values`, keeping their order."""
        rows = [_rows.metric_row(run_id, i, value) for i, value in enumerate(values)]
        with self.engine.begin() as conn:
            conn.execute(delete(metrics).where(metrics.c.run_id == run_id))
            if rows:
                conn.execute(insert(metrics), rows)

    def get_metrics(self, run_id: str) -> list[MetricValue]:
        """The run's metrics in the order they were written."""
        query = select(metrics).where(metrics.c.run_id == run_id).order_by(metrics.c.ordinal)
        with self.engine.connect() as conn:
            return [_rows.row_to_metric(row) for row in conn.execute(query)]

    # --- response cache -------------------------------------------------------

    def cache_get_many(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        """The cached responses among `keys`, by key."""
        unique = list(dict.fromkeys(keys))
        found: dict[str, CacheEntry] = {}
        if not unique:
            return found
        with self.engine.connect() as conn:
            for start in range(0, len(unique), CHUNK):
                part = unique[start : start + CHUNK]
                for row in conn.execute(select(cache).where(cache.c["key"].in_(part))):
                    found[row.key] = _rows.row_to_cache(row)
        return found

    def cache_put_many(self, entries: Sequence[CacheEntry]) -> None:
        """Keep responses by key; keys already cached are left as they are."""
        with self.engine.begin() as conn:
            self._cache_put(conn, entries)

    def _cache_put(self, conn: Connection, entries: Sequence[CacheEntry]) -> None:
        now = datetime.now(UTC)
        rows = list({e.key: _rows.cache_row(e, now) for e in entries}.values())
        if not rows:
            return
        dialect = conn.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(cache).on_conflict_do_nothing(index_elements=["key"]), rows)
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            conn.execute(sqlite_insert(cache).on_conflict_do_nothing(), rows)
        else:
            present = set(
                conn.scalars(
                    select(cache.c["key"]).where(cache.c["key"].in_([r["key"] for r in rows]))
                )
            )
            rows = [r for r in rows if r["key"] not in present]
            if rows:
                conn.execute(insert(cache), rows)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
