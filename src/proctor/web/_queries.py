"""The viewer's reads: paginated, filtered SQL over the store's tables.

`Store` streams whole runs, which is right for metrics and wrong for a web
page: a 100,000-sample run must open at once. Every query here asks the
database for one page (`LIMIT`/`OFFSET` on the samples' ordering index) and
a count, or for aggregates (distribution bins), and never reads a whole run
into Python.

The viewer's store is read-only at the database level (`open_read_only`):
SQLite connections get `PRAGMA query_only`, PostgreSQL sessions are read-only
transactions, so no code path of the web app can write, by mistake or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    case,
    cast,
    event,
    func,
    or_,
    select,
)

from proctor.metrics import MetricValue
from proctor.store import RunRecord, SampleRecord, Store, _rows
from proctor.store._schema import baselines, metrics, runs, samples, scores

__all__ = [
    "BenchmarkSummary",
    "SampleFilter",
    "SamplePage",
    "SampleRow",
    "benchmarks",
    "filter_options",
    "find_run",
    "headlines",
    "list_runs",
    "open_read_only",
    "previous_run",
    "sample_detail",
    "sample_page",
]

PREVIEW = 300
"""Characters of each output read for a table row; the sample page shows it whole."""


def open_read_only(url: str | None) -> Store:
    """A `Store` whose connections refuse to write.

    The store is opened normally first (a new database gets its schema), then
    every connection made afterwards is read-only: the pool is emptied so that
    none opened before survives. An in-memory SQLite database lives in its one
    connection and cannot be re-opened; it stays as it is.
    """
    store = Store(url)
    engine = store.engine
    dialect = engine.dialect.name
    if dialect == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return store

    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if dialect == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
            elif dialect == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        finally:
            cursor.close()
        if dialect == "postgresql":
            # the SET ran in a transaction: commit it, or the pool's reset rolls it back
            dbapi_connection.commit()

    event.listen(engine, "connect", read_only)
    engine.dispose()
    return store


# --- runs ----------------------------------------------------------------------


def find_run(store: Store, ref: str) -> RunRecord | None:
    """The run whose id is `ref`, or the only one starting with it; else None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(runs).where(runs.c.id == ref)).first()
        if row is None and ref:
            found = conn.execute(
                select(runs).where(runs.c.id.startswith(ref, autoescape=True)).limit(2)
            ).all()
            row = found[0] if len(found) == 1 else None
    return None if row is None else _rows.row_to_run(row)


def previous_run(store: Store, run: RunRecord) -> RunRecord | None:
    """The run to compare `run` with: its benchmark's baseline when that is another run
    of the same task version, else the latest finished run of that version before it."""
    baseline = store.get_baseline(run.benchmark)
    if baseline is not None and baseline.id != run.id and baseline.task_version == run.task_version:
        return baseline
    query = (
        select(runs)
        .where(
            runs.c.benchmark == run.benchmark,
            runs.c.task_version == run.task_version,
            runs.c.status == "finished",
            runs.c.id != run.id,
            runs.c.started_at <= run.started_at,
        )
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else _rows.row_to_run(row)


def list_runs(
    store: Store,
    *,
    benchmark: str | None = None,
    model: str | None = None,
    label: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RunRecord], int]:
    """One page of runs, newest first, and how many match the filters in all."""
    where = []
    if benchmark:
        where.append(runs.c.benchmark == benchmark)
    if model:
        where.append(runs.c.model_spec == model)
    if label:
        where.append(runs.c.label == label)
    page = (
        select(runs)
        .where(*where)
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(runs).where(*where)).scalar_one()
        found = [_rows.row_to_run(row) for row in conn.execute(page)]
    return found, int(total)


def headlines(store: Store, run_ids: Sequence[str]) -> dict[str, MetricValue]:
    """Each run's headline: its first overall metric, as `proctor runs` shows it."""
    if not run_ids:
        return {}
    query = (
        select(metrics)
        .where(metrics.c.run_id.in_(list(run_ids)), metrics.c.slice_key.is_(None))
        .order_by(metrics.c.run_id, metrics.c.ordinal)
    )
    found: dict[str, MetricValue] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.run_id, _rows.row_to_metric(row))
    return found


def filter_options(store: Store) -> dict[str, list[str]]:
    """The distinct benchmarks, models and labels, for the runs list's filters."""
    columns = {"benchmark": runs.c.benchmark, "model": runs.c.model_spec, "label": runs.c.label}
    with store.engine.connect() as conn:
        return {
            name: [
                v
                for v in conn.execute(select(column).distinct().order_by(column)).scalars()
                if v is not None
            ]
            for name, column in columns.items()
        }


@dataclass(frozen=True, slots=True)
class BenchmarkSummary:
    """A benchmark seen in the store: how many runs, the latest, the baseline if set."""

    name: str
    runs: int
    finished: int
    latest: Any  # datetime of the latest run
    baseline: str | None


def benchmarks(store: Store) -> list[BenchmarkSummary]:
    """Every benchmark with stored runs, by name."""
    finished = func.sum(case((runs.c.status == "finished", 1), else_=0))
    query = (
        select(runs.c.benchmark, func.count(), finished, func.max(runs.c.started_at))
        .group_by(runs.c.benchmark)
        .order_by(runs.c.benchmark)
    )
    with store.engine.connect() as conn:
        base = {b: r for b, r in conn.execute(select(baselines.c.benchmark, baselines.c.run_id))}
        return [
            BenchmarkSummary(
                name, int(n), int(done or 0), _rows.from_db_time(latest), base.get(name)
            )
            for name, n, done, latest in conn.execute(query)
        ]


# --- samples -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SampleFilter:
    """Which samples of a run to list.

    `q` is a case-insensitive substring of the sample id, input, target,
    output or error. `errors` keeps samples with a model or scorer error.
    `scorer` keeps samples that scorer scored (or failed on); with `failed`,
    only those it gave less than full marks or an error — with no scorer, any
    scorer. Less than full marks is a value below 1, or above 0 for the scorers
    named in `lower_is_better` (TER, latency: 0 is their best). Reviewers'
    scores are not the scorer's. `slice_key`/`slice_value` keep one slice,
    matched on the metadata value's text as slices are computed.
    """

    q: str | None = None
    errors: bool = False
    scorer: str | None = None
    failed: bool = False
    slice_key: str | None = None
    slice_value: str | None = None
    lower_is_better: tuple[str, ...] = ()


@dataclass(slots=True)
class SampleRow:
    """One line of the samples table: short previews and the scores' values."""

    sample_id: str
    epoch: int
    position: int
    input: Any
    target: Any
    output: str | None
    output_clipped: bool
    error: str | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    scores: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SamplePage:
    total: int
    rows: list[SampleRow]


def _same_sample() -> ColumnElement[bool]:
    return and_(
        scores.c.run_id == samples.c.run_id,
        scores.c.sample_id == samples.c.sample_id,
        scores.c.epoch == samples.c.epoch,
    )


def _contains(column: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """`column` contains `needle`, ignoring case, as cheaply as the database allows.

    SQLite's LIKE already ignores ASCII case (and only ASCII case, as its lower()
    does). Elsewhere ILIKE costs about three times LIKE on long texts, so a needle
    without letters ("4321") uses LIKE; `%` and `_` in the needle are literal.
    """
    if dialect == "sqlite" or needle.lower() == needle.upper():
        return column.contains(needle, autoescape=True)
    return column.icontains(needle, autoescape=True)


def _conditions(run_id: str, where: SampleFilter, dialect: str) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [samples.c.run_id == run_id]
    if where.q:
        searched = (
            samples.c.sample_id,
            samples.c.output,
            samples.c.error,
            # JSON columns are searched in their stored text form
            cast(samples.c.input, Text),
            cast(samples.c.target, Text),
        )
        found.append(or_(*(_contains(column, where.q, dialect) for column in searched)))
    if where.errors:
        scorer_error = select(scores.c.id).where(_same_sample(), scores.c.error.is_not(None))
        found.append(or_(samples.c.error.is_not(None), scorer_error.exists()))
    if where.scorer or where.failed:
        graded = select(scores.c.id).where(_same_sample())
        if where.scorer:
            graded = graded.where(scores.c.scorer == where.scorer)
        if where.failed:
            lower = list(where.lower_is_better)
            short = (
                scores.c.value_num < 1
                if not lower
                else or_(
                    and_(scores.c.scorer.in_(lower), scores.c.value_num > 0),
                    and_(scores.c.scorer.not_in(lower), scores.c.value_num < 1),
                )
            )
            graded = graded.where(
                scores.c.source != "human", or_(scores.c.error.is_not(None), short)
            )
        found.append(graded.exists())
    if where.slice_key and where.slice_value is not None:
        value = cast(samples.c.metadata[where.slice_key].as_string(), Text)
        found.append(value == where.slice_value)
    return found


def sample_page(
    store: Store, run_id: str, where: SampleFilter, *, offset: int = 0, limit: int = 50
) -> SamplePage:
    """One page of a run's samples in run order, and how many match in all.

    The page's keys are found first, on the ordering index alone, and only those
    rows are read whole: skipping 99,900 rows then costs index entries, not rows.
    A page past the end is empty, with the true total.
    """
    conditions = _conditions(run_id, where, store.engine.dialect.name)
    order = (samples.c.position, samples.c.epoch, samples.c.sample_id)
    keys = (
        # the count rides along with the page's keys: one scan for both, which
        # matters for a search, where every row's text must be read
        select(samples.c.sample_id, samples.c.epoch, func.count().over().label("total"))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    columns = [
        samples.c.sample_id,
        samples.c.epoch,
        samples.c.position,
        samples.c.input,
        samples.c.target,
        func.substr(samples.c.output, 1, PREVIEW).label("output"),
        (func.length(samples.c.output) > PREVIEW).label("clipped"),
        samples.c.error,
        samples.c.latency_ms,
        samples.c.input_tokens,
        samples.c.output_tokens,
        keys.c.total,
    ]
    query = (
        select(*columns)
        .join_from(
            samples,
            keys,
            and_(
                samples.c.run_id == run_id,
                samples.c.sample_id == keys.c.sample_id,
                samples.c.epoch == keys.c.epoch,
            ),
        )
        .order_by(*order)
    )
    with store.engine.connect() as conn:
        found = conn.execute(query).all()
        if found:
            count = int(found[0].total)
        elif offset == 0:
            count = 0
        else:  # past the last page: the count is asked on its own
            counted = conn.execute(select(func.count()).select_from(samples).where(*conditions))
            count = int(counted.scalar_one())
        rows = [
            SampleRow(
                sample_id=r.sample_id,
                epoch=r.epoch,
                position=r.position,
                input=r.input,
                target=r.target,
                output=r.output,
                output_clipped=bool(r.clipped),
                error=r.error,
                latency_ms=r.latency_ms,
                input_tokens=r.input_tokens,
                output_tokens=r.output_tokens,
            )
            for r in found
        ]
        _attach_values(conn, run_id, rows)
    return SamplePage(count, rows)


def _attach_values(conn: Connection, run_id: str, rows: list[SampleRow]) -> None:
    """The page's scores (value or error only: explanations are for the sample page)."""
    if not rows:
        return
    by_key = {(r.sample_id, r.epoch): r for r in rows}
    query = (
        select(scores.c.sample_id, scores.c.epoch, scores.c.scorer, scores.c.value, scores.c.error)
        .where(scores.c.run_id == run_id, scores.c.sample_id.in_({r.sample_id for r in rows}))
        .order_by(scores.c.id)
    )
    for s in conn.execute(query):
        row = by_key.get((s.sample_id, s.epoch))
        if row is not None:
            row.scores.append({"scorer": s.scorer, "value": s.value, "error": s.error})


def sample_detail(store: Store, run_id: str, sample_id: str) -> list[SampleRecord]:
    """Every epoch of one sample with all its scores (an index lookup)."""
    return store.get_samples(run_id, [sample_id])
