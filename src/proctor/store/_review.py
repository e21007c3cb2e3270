"""Human review in the store: review sets, the reviewers' items, human scores, calibrations.

A *review set* is what was sent to reviewers for one scorer of one run (or
one pairwise comparison): the units chosen (sample and epoch), how they were
chosen (strategy, seed), whether the judge's verdicts went along, and the
Label Studio labeling config the tasks were made for — imports are checked
against that config. Each reviewer's answer on a unit is a *review item*
(done or skipped); a done item also becomes a row of `scores` with source
`human`, the reviewer as annotator and the reviewed scorer's name, written
in the same transaction. A *calibration* keeps the agreement figures
computed for one judge signature.

These are functions taking a `Store` rather than methods, so the store's
class stays about runs; like the rest of the store they never import models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from proctor.errors import StoreError
from proctor.store import _rows
from proctor.store._records import SampleRecord, ScoreRecord
from proctor.store._schema import calibrations, review_items, review_sets, scores

if TYPE_CHECKING:
    from proctor.store._store import Store

__all__ = [
    "CalibrationRecord",
    "ReviewItemRecord",
    "ReviewSetRecord",
    "get_review_set",
    "human_scores",
    "latest_calibration",
    "list_review_sets",
    "review_items_of",
    "save_review_set",
    "set_label_studio",
    "write_calibration",
    "write_review",
]


@dataclass(slots=True)
class ReviewSetRecord:
    """What was sent to reviewers for one scorer of one run (see the module docstring).

    `scorer` is the reviewed scorer's name (`pairwise:<id>` for a pairwise
    comparison); `signature` what its verdicts mean (judge spec and prompt
    hash). `sample_keys` lists the chosen units in task order, each
    `{"sample", "epoch", ...}` with what the kind needs to read answers back
    (a rubric's criteria; which answer a pairwise task shows first).
    `label_studio` is `{"url", "project"}` once pushed to a server.
    """

    id: str
    run_id: str
    scorer: str
    signature: str
    kind: str
    strategy: str
    seed: int
    n: int
    blind: bool
    sample_keys: list[dict[str, Any]]
    config: str
    options: dict[str, Any] = field(default_factory=dict)
    label_studio: dict[str, Any] | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class ReviewItemRecord:
    """One reviewer's answer on one unit of a review set.

    `status` is `done` or `skipped` (Label Studio's cancelled annotation);
    `result` the verdict as read (a rating, the criteria met, a winner);
    `origin` whether the reviewer `kept` the judge's prediction, `changed`
    it or `added` a verdict of their own. `task` and `annotation` are Label
    Studio's ids, kept for reference only: Label Studio reuses them.
    """

    review_set_id: str
    sample_id: str
    epoch: int
    annotator: str
    status: str
    lead_time: float | None = None
    result: dict[str, Any] | None = None
    origin: str | None = None
    task: int | None = None
    annotation: int | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class CalibrationRecord:
    """Agreement figures between a judge (by signature) and people, on one run's reviews."""

    signature: str
    scorer: str
    run_id: str
    review_sets: list[str]
    figures: dict[str, Any]
    computed_at: datetime | None = None


def save_review_set(store: Store, record: ReviewSetRecord) -> None:
    """Record a new review set; `created_at` defaults to now. An existing id raises."""
    from sqlalchemy.exc import IntegrityError

    row = {
        "id": record.id,
        "run_id": record.run_id,
        "scorer": record.scorer,
        "signature": record.signature,
        "kind": record.kind,
        "strategy": record.strategy,
        "seed": record.seed,
        "n": record.n,
        "blind": record.blind,
        "options": record.options,
        "sample_keys": record.sample_keys,
        "config": record.config,
        "label_studio": record.label_studio,
        "created_at": _rows.to_utc(record.created_at) or datetime.now(UTC),
    }
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(review_sets), row)
    except IntegrityError as exc:
        raise StoreError(
            f"cannot record review set {record.id} in {store.display_url}: the id exists "
            "or its run is unknown"
        ) from exc


def set_label_studio(store: Store, review_set_id: str, *, url: str, project: int) -> None:
    """Remember the Label Studio server and project a review set was pushed to."""
    with store.engine.begin() as conn:
        result = conn.execute(
            update(review_sets)
            .where(review_sets.c.id == review_set_id)
            .values(label_studio={"url": url, "project": project})
        )
    if result.rowcount == 0:
        raise StoreError(f"no review set {review_set_id} in {store.display_url}")


def get_review_set(store: Store, ref: str) -> ReviewSetRecord:
    """The review set whose id is `ref` or starts with it; `StoreError` if none or several."""
    with store.engine.connect() as conn:
        row = conn.execute(select(review_sets).where(review_sets.c.id == ref)).first()
        if row is not None:
            return _to_set(row)
        found = conn.execute(
            select(review_sets)
            .where(review_sets.c.id.startswith(ref, autoescape=True))
            .order_by(review_sets.c.created_at.desc())
            .limit(11)
        ).all()
    if len(found) == 1:
        return _to_set(found[0])
    if not found:
        raise StoreError(f"no review set matches {ref!r} in {store.display_url}")
    names = ", ".join(r.id for r in found[:10])
    raise StoreError(f"review set id {ref!r} is ambiguous: {names}; type more characters")


def list_review_sets(
    store: Store, run_id: str, *, scorer: str | None = None
) -> list[ReviewSetRecord]:
    """A run's review sets (of one scorer when given), oldest first."""
    query = select(review_sets).where(review_sets.c.run_id == run_id)
    if scorer is not None:
        query = query.where(review_sets.c.scorer == scorer)
    query = query.order_by(review_sets.c.created_at, review_sets.c.id)
    with store.engine.connect() as conn:
        return [_to_set(row) for row in conn.execute(query)]


def write_review(
    store: Store,
    run_id: str,
    items: Sequence[ReviewItemRecord],
    human: Sequence[tuple[str, int, ScoreRecord]],
) -> None:
    """Store review items and human scores `(sample_id, epoch, score)` in one transaction.

    An annotator's earlier item on the same unit of the same review set, and
    their earlier human score of the same scorer on the same unit, are
    replaced: importing an export again, or a newer one, never counts a
    person twice. A score whose sample is not stored raises `StoreError`.
    """
    if not items and not human:
        return
    now = datetime.now(UTC)
    item_rows = [
        {
            "review_set_id": i.review_set_id,
            "sample_id": i.sample_id,
            "epoch": i.epoch,
            "annotator": i.annotator,
            "status": i.status,
            "lead_time": i.lead_time,
            "result": i.result,
            "origin": i.origin,
            "task": i.task,
            "annotation": i.annotation,
            "created_at": _rows.to_utc(i.created_at) or now,
        }
        for i in items
    ]
    score_rows = []
    for sample_id, epoch, record in human:
        if record.source != "human" or not record.annotator:
            raise ValueError("write_review stores human scores with their annotator only")
        holder = SampleRecord(run_id, sample_id, epoch, 0, None, scores=[record])
        score_rows.extend(_rows.score_rows(holder))
    from sqlalchemy.exc import IntegrityError

    try:
        with store.engine.begin() as conn:
            if item_rows:
                conn.execute(
                    delete(review_items).where(
                        review_items.c.review_set_id == bindparam("k_set"),
                        review_items.c.sample_id == bindparam("k_sample"),
                        review_items.c.epoch == bindparam("k_epoch"),
                        review_items.c.annotator == bindparam("k_annotator"),
                    ),
                    [
                        {
                            "k_set": r["review_set_id"],
                            "k_sample": r["sample_id"],
                            "k_epoch": r["epoch"],
                            "k_annotator": r["annotator"],
                        }
                        for r in item_rows
                    ],
                )
            # a skipped item withdraws that person's earlier score of the unit too
            withdrawn = [
                {
                    "k_sample": r["sample_id"],
                    "k_epoch": r["epoch"],
                    "k_scorer": scorer,
                    "k_annotator": r["annotator"],
                }
                for r, scorer in _item_scorers(conn, item_rows)
            ]
            withdrawn += [
                {
                    "k_sample": r["sample_id"],
                    "k_epoch": r["epoch"],
                    "k_scorer": r["scorer"],
                    "k_annotator": r["annotator"],
                }
                for r in score_rows
            ]
            if withdrawn:
                conn.execute(
                    delete(scores).where(
                        scores.c.run_id == run_id,
                        scores.c.source == "human",
                        scores.c.sample_id == bindparam("k_sample"),
                        scores.c.epoch == bindparam("k_epoch"),
                        scores.c.scorer == bindparam("k_scorer"),
                        scores.c.annotator == bindparam("k_annotator"),
                    ),
                    withdrawn,
                )
            if item_rows:
                conn.execute(insert(review_items), item_rows)
            if score_rows:
                conn.execute(insert(scores), score_rows)
    except IntegrityError as exc:
        raise StoreError(
            f"cannot store the review of run {run_id}: a reviewed sample or review set "
            f"is not stored ({_rows_first_line(exc)})"
        ) from exc


def _item_scorers(conn: Any, item_rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Each item row with the scorer its review set reviewed."""
    ids = sorted({r["review_set_id"] for r in item_rows})
    found = dict(
        conn.execute(
            select(review_sets.c.id, review_sets.c.scorer).where(review_sets.c.id.in_(ids))
        ).all()
    )
    return [(r, found[r["review_set_id"]]) for r in item_rows if r["review_set_id"] in found]


def review_items_of(store: Store, review_set_ids: Sequence[str]) -> list[ReviewItemRecord]:
    """The items of the given review sets, in the order they were stored."""
    if not review_set_ids:
        return []
    query = (
        select(review_items)
        .where(review_items.c.review_set_id.in_(list(review_set_ids)))
        .order_by(review_items.c.id)
    )
    with store.engine.connect() as conn:
        return [
            ReviewItemRecord(
                review_set_id=row.review_set_id,
                sample_id=row.sample_id,
                epoch=row.epoch,
                annotator=row.annotator,
                status=row.status,
                lead_time=row.lead_time,
                result=row.result,
                origin=row.origin,
                task=row.task,
                annotation=row.annotation,
                created_at=_rows.from_db_time(row.created_at),
            )
            for row in conn.execute(query)
        ]


def human_scores(store: Store, run_id: str, scorer: str) -> list[tuple[str, int, ScoreRecord]]:
    """`(sample_id, epoch, score)` of every human score of `scorer` on the run, as stored."""
    query = (
        select(scores)
        .where(scores.c.run_id == run_id, scores.c.scorer == scorer, scores.c.source == "human")
        .order_by(scores.c.id)
    )
    with store.engine.connect() as conn:
        return [(row.sample_id, row.epoch, _rows.row_to_score(row)) for row in conn.execute(query)]


def write_calibration(store: Store, record: CalibrationRecord) -> None:
    """Keep a calibration; `computed_at` defaults to now. Earlier ones stay, as history."""
    with store.engine.begin() as conn:
        conn.execute(
            insert(calibrations),
            {
                "signature": record.signature,
                "scorer": record.scorer,
                "run_id": record.run_id,
                "review_sets": list(record.review_sets),
                "figures": record.figures,
                "computed_at": _rows.to_utc(record.computed_at) or datetime.now(UTC),
            },
        )


def latest_calibration(store: Store, signature: str) -> CalibrationRecord | None:
    """The most recent calibration of judge signature `signature`, or None."""
    query = (
        select(calibrations)
        .where(calibrations.c.signature == signature)
        .order_by(calibrations.c.computed_at.desc(), calibrations.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return CalibrationRecord(
        signature=row.signature,
        scorer=row.scorer,
        run_id=row.run_id,
        review_sets=list(row.review_sets),
        figures=row.figures,
        computed_at=_rows.from_db_time(row.computed_at),
    )


def _to_set(row: Any) -> ReviewSetRecord:
    return ReviewSetRecord(
        id=row.id,
        run_id=row.run_id,
        scorer=row.scorer,
        signature=row.signature,
        kind=row.kind,
        strategy=row.strategy,
        seed=row.seed,
        n=row.n,
        blind=bool(row.blind),
        sample_keys=list(row.sample_keys),
        config=row.config,
        options=dict(row.options or {}),
        label_studio=row.label_studio,
        created_at=_rows.from_db_time(row.created_at),
    )


def _rows_first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
