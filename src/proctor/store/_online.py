"""Continuous evaluation in the store: traffic, sampling draws, claims and window runs.

Functions taking a `Store`, like `proctor.store._pairwise`; the tables are in
`proctor.store._schema_online`. Several processes may call them at once on
one database (cron jobs, a team): what must not happen twice is done under a
lock held for one short transaction (`locked`): PostgreSQL's
transaction-scoped advisory lock on a key hashed from the lock's name, or
SQLite's `BEGIN IMMEDIATE`, which takes the database's write lock at once.
The primary key of `online_scored` backs that up: a record can be claimed
by a benchmark only once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from proctor.store import _rows
from proctor.store._records import RunRecord, SampleRecord
from proctor.store._schema import runs
from proctor.store._schema_online import (
    online_rules,
    online_scored,
    online_windows,
    traffic,
    traffic_samples,
)

if TYPE_CHECKING:
    from proctor.store._store import Store

__all__ = [
    "Claim",
    "StoredTraffic",
    "TrafficSelection",
    "WindowRun",
    "claim_batch",
    "complete_claim",
    "draw_window",
    "ensure_tables",
    "input_profile",
    "insert_traffic",
    "locked",
    "online_benchmarks",
    "pending_times",
    "record_rule",
    "run_lock",
    "scored_counts",
    "selected_ids",
    "traffic_span",
    "window_runs",
]

_TABLES = (traffic, online_rules, traffic_samples, online_windows, online_scored)
_ensured: set[str] = set()
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TrafficSelection:
    """The records of `source` that `benchmark` scores, under rule `rule_id`.

    `rate` set: a record is selected when its draw rotated by `phi` is below
    it. `rate` None: the rule draws whole windows; its draws are the rows of
    `traffic_samples`.
    """

    benchmark: str
    source: str
    rule_id: str
    rate: float | None
    phi: float


@dataclass(slots=True)
class StoredTraffic:
    """One stored production record."""

    id: int
    source: str
    record_id: str
    content_hash: str
    timestamp: datetime
    input: Any
    output: str | None
    error: str | None
    model: str | None
    metadata: dict[str, Any]
    usage: dict[str, Any] | None
    latency_ms: float | None
    redactions: int


@dataclass(slots=True)
class Claim:
    """Records a process has claimed for scoring, and the run of their window."""

    token: str
    run_id: str
    records: list[StoredTraffic]


@dataclass(frozen=True, slots=True)
class WindowRun:
    """The run holding one window of an online benchmark."""

    benchmark: str
    start: datetime
    end: datetime
    run_id: str
    source: str
    rule_id: str


def ensure_tables(store: Store) -> None:
    """Create the online tables if the store lacks them (once per database and process).

    Every store opened by this Proctor is migrated to a head that has them, so
    this only checks; it keeps ingest working on a database whose tables were
    dropped by hand, and is cheap (one look per database and process).
    """
    key = str(store.engine.url)
    if key in _ensured:
        return
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two processes creating them at once
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key("schema")})
        for table in _TABLES:
            table.create(conn, checkfirst=True)
    _ensured.add(key)


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name`."""
    digest = hashlib.sha256(f"proctor:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def locked(store: Store, name: str) -> Iterator[Connection]:
    """One transaction holding the exclusive lock `name` (see the module docstring).

    On SQLite the lock is the database's own write lock, so every writer
    waits (for at most the busy timeout); keep these transactions short.
    """
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(name)})
            yield conn


@contextmanager
def run_lock(store: Store, run_id: str) -> Iterator[None]:
    """Serialise the finalizing of one run across processes.

    On PostgreSQL two transactions replacing a run's metrics at once would
    both insert after both deleted, so a transaction-scoped advisory lock is
    held (on a connection of its own) while the work runs on others. SQLite
    serialises write transactions already, so nothing more is needed there.
    """
    if store.engine.dialect.name != "postgresql":
        yield
        return
    with store.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(f"run:{run_id}")})
        yield


# --- ingest ---------------------------------------------------------------------------


_COLUMNS = (
    "source", "record_id", "content_hash", "timestamp", "input", "input_chars", "output",
    "error", "model", "metadata", "usage", "latency_ms", "redactions", "draw", "ingested_at",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"input", "metadata", "usage"})
_TIME_COLUMNS = frozenset({"timestamp", "ingested_at"})


def insert_traffic(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert traffic rows, skipping any whose (source, record_id) is stored; the number new.

    The JSON columns (`input`, `metadata`, `usage`) come as encoded JSON text.
    This is ingestion's hot path: on SQLite and PostgreSQL the rows go to the
    driver's `executemany` as tuples, without SQLAlchemy's per-value
    processing (which cost more than the insert itself).
    """
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return _insert_new(conn, rows)
    names = ", ".join(_COLUMNS)
    if dialect == "sqlite":
        values = ", ".join("?" for _ in _COLUMNS)
        sql = f"INSERT INTO traffic ({names}) VALUES ({values}) ON CONFLICT DO NOTHING"
    else:
        values = ", ".join("%s::json" if c in _JSON_COLUMNS else "%s" for c in _COLUMNS)
        sql = (
            f"INSERT INTO traffic ({names}) VALUES ({values}) "
            "ON CONFLICT (source, record_id) DO NOTHING"
        )
    time = _sqlite_time if dialect == "sqlite" else _utc
    ingested = {r["ingested_at"] for r in rows}  # one time per batch, usually: convert it once
    stamps = {t: time(t) for t in ingested}
    params = [
        (
            r["source"], r["record_id"], r["content_hash"], time(r["timestamp"]),
            r["input"], r["input_chars"], r["output"], r["error"], r["model"],
            r["metadata"], r["usage"],
            r["latency_ms"], r["redactions"], r["draw"], stamps[r["ingested_at"]],
        )
        for r in rows
    ]  # fmt: skip
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
        return max(cursor.rowcount, 0)
    finally:
        cursor.close()


def _sqlite_time(value: datetime) -> str:
    """A UTC time as SQLAlchemy stores a `DateTime` in SQLite (so queries compare alike)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _insert_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert-or-ignore for databases without ON CONFLICT: look the keys up first."""
    rows = [
        {k: (json.loads(v) if k in _JSON_COLUMNS and v is not None else v) for k, v in r.items()}
        for r in rows
    ]
    keys = [(r["source"], r["record_id"]) for r in rows]
    present = {
        (s, k)
        for s, k in conn.execute(
            select(traffic.c.source, traffic.c.record_id).where(
                traffic.c.record_id.in_([k for _, k in keys])
            )
        )
    }
    fresh = list({key: r for key, r in zip(keys, rows, strict=True) if key not in present}.values())
    if fresh:
        conn.execute(insert(traffic), fresh)
    return len(fresh)


# --- sampling -------------------------------------------------------------------------


def record_rule(store: Store, rule_id: str, source: str, rule: dict[str, Any]) -> None:
    """Record a sampling rule of `source` (kept once per id)."""
    with store.engine.begin() as conn:
        present = conn.execute(
            select(online_rules.c.id).where(online_rules.c.id == rule_id)
        ).first()
        if present is None:
            _insert_ignore(
                conn,
                online_rules,
                [{"id": rule_id, "source": source, "rule": rule, "created_at": datetime.now(UTC)}],
            )


def _rotated(phi: float) -> Any:
    """(draw + φ) mod 1 in SQL, with the rounding of `proctor.online.rotated_draw`."""
    cut = 1.0 - phi
    return case((traffic.c.draw >= cut, traffic.c.draw - cut), else_=traffic.c.draw + phi)


def _in_window(start: datetime, end: datetime) -> Any:
    return and_(traffic.c.timestamp >= start, traffic.c.timestamp < end)


def _selected(selection: TrafficSelection) -> Any:
    if selection.rate is not None:
        return _rotated(selection.phi) < selection.rate
    return exists().where(
        traffic_samples.c.rule_id == selection.rule_id,
        traffic_samples.c.traffic_id == traffic.c.id,
    )


def _unclaimed(benchmark: str) -> Any:
    return ~exists().where(
        online_scored.c.benchmark == benchmark, online_scored.c.traffic_id == traffic.c.id
    )


def traffic_span(
    store: Store, source: str, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime] | None:
    """The first and last timestamps of `source`'s traffic in [since, until), if any."""
    query = select(func.min(traffic.c.timestamp), func.max(traffic.c.timestamp)).where(
        traffic.c.source == source
    )
    query = _time_range(query, since, until)
    with store.engine.connect() as conn:
        first, last = conn.execute(query).one()
    if first is None:
        return None
    return _rows.from_db_time(first), _rows.from_db_time(last)  # type: ignore[return-value]


def _time_range(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(traffic.c.timestamp >= since)
    if until is not None:
        query = query.where(traffic.c.timestamp < until)
    return query


def draw_window(
    store: Store,
    rule_id: str,
    source: str,
    start: datetime,
    end: datetime,
    *,
    n: int,
    stratify: str | None,
    phi: float,
) -> int:
    """Draw a closed window's sample for a window-wide rule, once; the records drawn now.

    The n records of each stratum with the smallest rotated draws (ties by id)
    are recorded in `traffic_samples`; a window drawn before is left alone.
    """
    stratum = None if stratify is None else traffic.c.metadata[stratify].as_string()
    rank = (
        func.row_number()
        .over(partition_by=stratum, order_by=(_rotated(phi), traffic.c.id))
        .label("rank")
    )
    ranked = (
        select(traffic.c.id, rank)
        .where(traffic.c.source == source, _in_window(start, end))
        .subquery()
    )
    chosen = select(literal(rule_id), ranked.c.id, literal(start, type_=traffic.c.timestamp.type))
    chosen = chosen.where(ranked.c.rank <= n)
    with locked(store, f"draw:{rule_id}") as conn:
        drawn = conn.execute(
            select(traffic_samples.c.traffic_id)
            .where(traffic_samples.c.rule_id == rule_id, traffic_samples.c.window_start == start)
            .limit(1)
        ).first()
        if drawn is not None:
            return 0
        statement = insert(traffic_samples).from_select(
            ["rule_id", "traffic_id", "window_start"], chosen
        )
        # counted from RETURNING: drivers disagree on INSERT ... SELECT's rowcount
        return len(conn.execute(statement.returning(traffic_samples.c.traffic_id)).all())


def pending_times(
    store: Store,
    selection: TrafficSelection,
    *,
    since: datetime | None,
    until: datetime | None,
    stale_before: datetime,
) -> Iterator[datetime]:
    """Timestamps of the selected records `selection.benchmark` has yet to score: those
    never claimed, and those whose claim is older than `stale_before` (a process died).

    Streamed from the database in chunks, so a large backlog costs no memory
    here; the caller keeps only what it needs (the windows they fall in).
    """
    fresh = select(traffic.c.timestamp).where(
        traffic.c.source == selection.source,
        _selected(selection),
        _unclaimed(selection.benchmark),
    )
    stale = (
        select(traffic.c.timestamp)
        .join(online_scored, online_scored.c.traffic_id == traffic.c.id)
        .where(
            online_scored.c.benchmark == selection.benchmark,
            online_scored.c.status == "claimed",
            online_scored.c.claimed_at < stale_before,
        )
    )
    with store.engine.connect() as conn:
        for query in (_time_range(fresh, since, until), _time_range(stale, since, until)):
            rows = conn.execution_options(yield_per=10_000).scalars(query)
            for value in rows:
                yield _rows.from_db_time(value)  # type: ignore[misc]


# --- claims and window runs ----------------------------------------------------------


def claim_batch(
    store: Store,
    selection: TrafficSelection,
    start: datetime,
    end: datetime,
    *,
    limit: int,
    run: RunRecord,
    stale_before: datetime,
) -> Claim | None:
    """Claim up to `limit` records of the window [start, end) for scoring; None when none
    is left. The window's run is created from `run` if it has none yet.

    Claims older than `stale_before` that were never completed are taken over.
    Everything happens under the benchmark's lock, so two processes never
    claim the same record.
    """
    now = datetime.now(UTC)
    token = uuid.uuid4().hex
    benchmark = selection.benchmark
    with locked(store, f"online:{benchmark}") as conn:
        run_id = conn.execute(
            select(online_windows.c.run_id).where(
                online_windows.c.benchmark == benchmark,
                online_windows.c.window_start == start,
                online_windows.c.window_end == end,
            )
        ).scalar()
        stale: list[int] = []
        if run_id is not None:
            stale = list(
                conn.scalars(
                    select(online_scored.c.traffic_id)
                    .where(
                        online_scored.c.benchmark == benchmark,
                        online_scored.c.run_id == run_id,
                        online_scored.c.status == "claimed",
                        online_scored.c.claimed_at < stale_before,
                    )
                    .order_by(online_scored.c.traffic_id)
                    .limit(limit)
                )
            )
        fresh: list[int] = []
        if len(stale) < limit:
            fresh = list(
                conn.scalars(
                    select(traffic.c.id)
                    .where(
                        traffic.c.source == selection.source,
                        _in_window(start, end),
                        _selected(selection),
                        _unclaimed(benchmark),
                    )
                    .order_by(traffic.c.id)
                    .limit(limit - len(stale))
                )
            )
        if not stale and not fresh:
            return None
        if run_id is None:
            run_id = run.id
            conn.execute(insert(runs), _rows.run_row(run))
            conn.execute(
                insert(online_windows),
                {
                    "benchmark": benchmark,
                    "window_start": start,
                    "window_end": end,
                    "run_id": run_id,
                    "source": selection.source,
                    "rule_id": selection.rule_id,
                    "created_at": now,
                },
            )
        if stale:
            conn.execute(
                update(online_scored)
                .where(online_scored.c.benchmark == benchmark)
                .where(online_scored.c.traffic_id.in_(stale))
                .values(claim=token, claimed_at=now)
            )
        if fresh:
            conn.execute(
                insert(online_scored),
                [
                    {
                        "benchmark": benchmark,
                        "traffic_id": traffic_id,
                        "run_id": run_id,
                        "status": "claimed",
                        "claim": token,
                        "claimed_at": now,
                    }
                    for traffic_id in fresh
                ],
            )
        records = _read_traffic(conn, sorted([*stale, *fresh]))
    return Claim(token, run_id, records)


def complete_claim(store: Store, claim: Claim, samples: Sequence[tuple[int, SampleRecord]]) -> int:
    """Store the scored samples `(traffic_id, record)` of a claim and mark them done, in
    one transaction; the number stored.

    A record whose claim was taken over meanwhile (this process was too slow)
    is left to its new owner.
    """
    if not samples:
        return 0
    ids = [traffic_id for traffic_id, _ in samples]
    with store.engine.begin() as conn:
        done: set[int] = set()
        for part in _chunks(ids):
            done.update(
                conn.scalars(
                    update(online_scored)
                    .where(
                        online_scored.c.claim == claim.token,
                        online_scored.c.status == "claimed",
                        online_scored.c.traffic_id.in_(part),
                    )
                    .values(status="done")
                    .returning(online_scored.c.traffic_id)
                )
            )
        kept = [(record, False) for traffic_id, record in samples if traffic_id in done]
        if kept:
            store._write_samples(conn, kept)
    return len(kept)


def window_runs(store: Store, benchmark: str) -> list[WindowRun]:
    """The window runs of an online benchmark, by window start."""
    query = (
        select(online_windows)
        .where(online_windows.c.benchmark == benchmark)
        .order_by(online_windows.c.window_start, online_windows.c.window_end)
    )
    with store.engine.connect() as conn:
        return [
            WindowRun(
                benchmark=row.benchmark,
                start=_rows.from_db_time(row.window_start),  # type: ignore[arg-type]
                end=_rows.from_db_time(row.window_end),  # type: ignore[arg-type]
                run_id=row.run_id,
                source=row.source,
                rule_id=row.rule_id,
            )
            for row in conn.execute(query)
        ]


def online_benchmarks(store: Store) -> list[str]:
    """The names of the benchmarks that have window runs."""
    with store.engine.connect() as conn:
        return list(conn.scalars(select(online_windows.c.benchmark).distinct()))


def scored_counts(store: Store, benchmark: str) -> dict[str, int]:
    """How many records the benchmark has claimed, by status (claimed, done)."""
    query = (
        select(online_scored.c.status, func.count())
        .where(online_scored.c.benchmark == benchmark)
        .group_by(online_scored.c.status)
    )
    with store.engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(query)}


# --- reading traffic -------------------------------------------------------------------


def _read_traffic(conn: Connection, ids: Sequence[int]) -> list[StoredTraffic]:
    found: list[StoredTraffic] = []
    for part in _chunks(list(ids)):
        query = select(traffic).where(traffic.c.id.in_(part)).order_by(traffic.c.id)
        found.extend(_to_traffic(row) for row in conn.execute(query))
    return found


def selected_ids(
    store: Store, selection: TrafficSelection, start: datetime, end: datetime
) -> list[int]:
    """The ids of the window's records that `selection`'s rule puts in its sample."""
    query = (
        select(traffic.c.id)
        .where(traffic.c.source == selection.source, _in_window(start, end), _selected(selection))
        .order_by(traffic.c.id)
    )
    with store.engine.connect() as conn:
        return list(conn.scalars(query))


def input_profile(
    store: Store, source: str, start: datetime, end: datetime, keys: Sequence[str]
) -> tuple[list[int], dict[str, dict[str, int]]]:
    """Input lengths (characters) of a window's records, and counts of each value of each
    metadata key (`(none)` for records without it), over all its traffic."""
    where = (traffic.c.source == source, _in_window(start, end))
    counts: dict[str, dict[str, int]] = {}
    with store.engine.connect() as conn:
        lengths = list(conn.scalars(select(traffic.c.input_chars).where(*where)))
        for key in keys:
            value = traffic.c.metadata[key].as_string()
            rows = conn.execute(select(value, func.count()).where(*where).group_by(value))
            counts[key] = {("(none)" if v is None else str(v)): int(n) for v, n in rows}
    return lengths, counts


def _to_traffic(row: Any) -> StoredTraffic:
    return StoredTraffic(
        id=row.id,
        source=row.source,
        record_id=row.record_id,
        content_hash=row.content_hash,
        timestamp=_rows.from_db_time(row.timestamp),  # type: ignore[arg-type]
        input=row.input,
        output=row.output,
        error=row.error,
        model=row.model,
        metadata=row.metadata or {},
        usage=row.usage,
        latency_ms=row.latency_ms,
        redactions=row.redactions,
    )


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).on_conflict_do_nothing(), rows)
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).on_conflict_do_nothing(), rows)
    else:
        conn.execute(insert(table), rows)
