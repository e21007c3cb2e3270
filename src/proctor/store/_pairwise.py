"""Pairwise comparisons in the store: the `pairwise` and `pairwise_verdicts` tables.

A comparison judges the outputs of two or more runs on the samples they
share. Its row keeps the compared runs, the judge, the signature of what the
verdicts mean (judge spec and prompt hash), a status and, once done, a
summary (win rates, ranking). Each verdict row keeps what the judge answered
in both presentation orders, so a verdict can be audited or recombined.

These are functions taking a `Store` rather than methods, so the store's
class stays about runs; like the rest of the store they never import models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from proctor.errors import StoreError
from proctor.store._records import CacheEntry
from proctor.store._rows import from_db_time, to_utc
from proctor.store._schema import pairwise, pairwise_verdicts

if TYPE_CHECKING:
    from proctor.store._store import Store

__all__ = [
    "PairwiseRecord",
    "VerdictRecord",
    "create_pairwise",
    "get_pairwise",
    "iter_verdicts",
    "list_pairwise",
    "update_pairwise",
    "write_verdicts",
]

_CHUNK = 1_000


@dataclass(slots=True)
class PairwiseRecord:
    """One comparison of runs by a judge.

    `runs` are the compared run ids in the order given; `signature` names the
    judge and its prompt (`judge=SPEC|prompt=pairwise_v1:<hash>`); `status` is
    running, finished, interrupted or failed; `summary` is the JSON written
    when it ends (see `proctor.pairwise.PairwiseResult`).
    """

    id: str
    runs: list[str]
    judge: str
    signature: str
    status: str = "running"
    summary: dict[str, Any] | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(slots=True)
class VerdictRecord:
    """The judge's verdict on one sample and epoch of one pair of runs.

    `verdict` is "a" (`run_a` wins), "b" or "tie", or None with `error` when no
    usable verdict came back. `first` is the judge's answer with `run_a` shown
    as answer A, `second` with `run_b` shown as answer A: each
    `{"winner": "A" | "B" | "tie", "explanation": ...}` in the judge's own terms.
    `usage` counts the judge calls behind it.
    """

    pairwise_id: str
    run_a: str
    run_b: str
    sample_id: str
    epoch: int
    verdict: str | None
    first: dict[str, Any] | None = None
    second: dict[str, Any] | None = None
    error: str | None = None
    usage: dict[str, Any] | None = None


def create_pairwise(store: Store, record: PairwiseRecord) -> None:
    """Record a new comparison; `created_at` defaults to now. An existing id raises."""
    from sqlalchemy.exc import IntegrityError

    row = {
        "id": record.id,
        "runs": list(record.runs),
        "judge": record.judge,
        "signature": record.signature,
        "status": record.status,
        "summary": record.summary,
        "created_at": to_utc(record.created_at) or datetime.now(UTC),
        "finished_at": to_utc(record.finished_at),
    }
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(pairwise), row)
    except IntegrityError as exc:
        raise StoreError(f"comparison {record.id} already exists in {store.display_url}") from exc


def update_pairwise(
    store: Store,
    pairwise_id: str,
    *,
    status: str,
    summary: dict[str, Any] | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Set a comparison's status, and its summary and end time when given."""
    values: dict[str, Any] = {"status": status}
    if summary is not None:
        values["summary"] = summary
    if finished_at is not None:
        values["finished_at"] = to_utc(finished_at)
    with store.engine.begin() as conn:
        result = conn.execute(update(pairwise).where(pairwise.c.id == pairwise_id).values(values))
    if result.rowcount == 0:
        raise StoreError(f"no comparison {pairwise_id} in {store.display_url}")


def get_pairwise(store: Store, ref: str) -> PairwiseRecord:
    """The comparison whose id is `ref` or starts with it; `StoreError` if none or several."""
    with store.engine.connect() as conn:
        row = conn.execute(select(pairwise).where(pairwise.c.id == ref)).first()
        if row is not None:
            return _to_record(row)
        found = conn.execute(
            select(pairwise)
            .where(pairwise.c.id.startswith(ref, autoescape=True))
            .order_by(pairwise.c.created_at.desc(), pairwise.c.id.desc())
            .limit(11)
        ).all()
    if len(found) == 1:
        return _to_record(found[0])
    if not found:
        raise StoreError(f"no pairwise comparison matches {ref!r} in {store.display_url}")
    names = ", ".join(r.id for r in found[:10])
    more = " and more" if len(found) > 10 else ""
    raise StoreError(f"comparison id {ref!r} is ambiguous: {names}{more}; type more characters")


def list_pairwise(store: Store, *, limit: int = 50) -> list[PairwiseRecord]:
    """Comparisons, newest first."""
    query = (
        select(pairwise).order_by(pairwise.c.created_at.desc(), pairwise.c.id.desc()).limit(limit)
    )
    with store.engine.connect() as conn:
        return [_to_record(row) for row in conn.execute(query)]


def write_verdicts(
    store: Store, verdicts: Sequence[VerdictRecord], *, cache: Sequence[CacheEntry] = ()
) -> None:
    """Write verdicts, and the judge's fresh answers for the cache, in one transaction."""
    if not verdicts and not cache:
        return
    with store.engine.begin() as conn:
        if cache:
            store._cache_put(conn, cache)
        if verdicts:
            conn.execute(
                insert(pairwise_verdicts),
                [
                    {
                        "pairwise_id": v.pairwise_id,
                        "run_a": v.run_a,
                        "run_b": v.run_b,
                        "sample_id": v.sample_id,
                        "epoch": v.epoch,
                        "verdict": v.verdict,
                        "first": v.first,
                        "second": v.second,
                        "error": v.error,
                        "usage": v.usage,
                    }
                    for v in verdicts
                ],
            )


def iter_verdicts(store: Store, pairwise_id: str) -> Iterator[VerdictRecord]:
    """A comparison's verdicts in the order they were written, `_CHUNK` rows per query."""
    last = 0
    while True:
        query = (
            select(pairwise_verdicts)
            .where(pairwise_verdicts.c.pairwise_id == pairwise_id)
            .where(pairwise_verdicts.c.id > last)
            .order_by(pairwise_verdicts.c.id)
            .limit(_CHUNK)
        )
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield VerdictRecord(
                pairwise_id=row.pairwise_id,
                run_a=row.run_a,
                run_b=row.run_b,
                sample_id=row.sample_id,
                epoch=row.epoch,
                verdict=row.verdict,
                first=row.first,
                second=row.second,
                error=row.error,
                usage=row.usage,
            )
        if len(rows) < _CHUNK:
            return
        last = rows[-1].id


def _to_record(row: Any) -> PairwiseRecord:
    return PairwiseRecord(
        id=row.id,
        runs=list(row.runs),
        judge=row.judge,
        signature=row.signature,
        status=row.status,
        summary=row.summary,
        created_at=from_db_time(row.created_at),
        finished_at=from_db_time(row.finished_at),
    )
