"""Make a review set: choose units, build Label Studio's tasks and config, record it all.

    from proctor.review import Selection, create_review_set

    review = create_review_set(store, "3f2a", scorer="helpfulness",
                               selection=Selection(strategy="stratified", n=40, seed=1))
    Path("tasks.json").write_text(json.dumps(review.tasks))
    Path("tasks.xml").write_text(review.config)

The review set (`proctor.store._review`) keeps the units in task order, the
strategy, seed and options, whether it was blind, and the exact config, so
an import is checked against what was sent. For a rubric each unit keeps its
criteria (text, points, tags), so the reviewers' verdicts are read against
the rubric they saw. For a pairwise comparison a seeded coin decides, per
unit, which run's answer is shown as A — people favour a position as judges
do — and the unit keeps it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.review._labelstudio import label_config, shown_verdict, task_for
from proctor.review._select import Selection, select_units
from proctor.review._target import Target, Unit, load_units, resolve_target

if TYPE_CHECKING:
    from proctor.store import SampleRecord, Store
    from proctor.store._review import ReviewSetRecord

__all__ = ["ReviewExport", "create_review_set"]


@dataclass(frozen=True, slots=True)
class ReviewExport:
    """A recorded review set with its Label Studio tasks and labeling config."""

    record: ReviewSetRecord
    tasks: list[dict[str, Any]]
    config: str
    available: int  # units the judge gave a verdict on, before selection


def create_review_set(
    store: Store,
    run_ref: str,
    *,
    scorer: str | None = None,
    pairwise: str | None = None,
    against: str | None = None,
    selection: Selection | None = None,
    blind: bool = False,
) -> ReviewExport:
    """Choose units of run `run_ref` for review and record the review set.

    Name the scorer (`judge` or `rubric` kind) or the pairwise comparison
    (`pairwise`, with `against` the other run when it compared more than
    two). `ConfigError` for anything that cannot be reviewed as asked.
    """
    from proctor.store import new_run_id
    from proctor.store._review import ReviewSetRecord, save_review_set

    selection = selection or Selection()
    target = resolve_target(store, run_ref, scorer=scorer, pairwise=pairwise, against=against)
    units = load_units(store, target, reference=selection.reference)
    chosen = select_units(units, target, selection)
    review_id = new_run_id()
    flips = random.Random(f"{selection.seed}:flip")
    keys = [_key(target, unit, flips, blind=blind) for unit in chosen]
    contents = _contents(store, target, chosen, keys)
    config = label_config(target)
    tasks = [
        task_for(target, review_id, key, contents[unit.key], unit.verdict, blind=blind)
        for key, unit in zip(keys, chosen, strict=True)
    ]
    options: dict[str, Any] = {"selection": selection.describe()}
    if target.scale is not None:
        options["scale"] = target.scale.to_dict()
    if target.pairwise_id is not None:
        options["pairwise"] = target.pairwise_id
        options["against"] = target.against
    record = ReviewSetRecord(
        id=review_id,
        run_id=target.run.id,
        scorer=target.scorer,
        signature=target.signature,
        kind=target.kind,
        strategy=selection.strategy,
        seed=selection.seed,
        n=selection.n,
        blind=blind,
        sample_keys=keys,
        config=config,
        options=options,
    )
    save_review_set(store, record)
    return ReviewExport(record, tasks, config, len(units))


def _key(target: Target, unit: Unit, flips: random.Random, *, blind: bool) -> dict[str, Any]:
    """What the review set keeps of a unit: its key, and what reading answers back needs."""
    key: dict[str, Any] = {"sample": unit.sample_id, "epoch": unit.epoch}
    if target.kind == "rubric":
        assert unit.verdict.criteria is not None
        key["criteria"] = [
            {"criterion": c.get("criterion"), "points": c.get("points"), "tags": c.get("tags", [])}
            for c in unit.verdict.criteria
        ]
    if target.kind == "pairwise":
        key["flip"] = flips.random() < 0.5
    if not blind:
        # what the reviewer was shown, to tell a kept prediction from a changed one
        key["judge"] = shown_verdict(target, unit.verdict, flip=bool(key.get("flip")))
    return key


def _contents(
    store: Store, target: Target, units: list[Unit], keys: list[dict[str, Any]]
) -> dict[tuple[str, int], Any]:
    """The texts each task shows, by unit key."""
    from proctor.pairwise._judging import conversation_of
    from proctor.review._labelstudio import criteria_items

    wanted = {u.key for u in units}
    ids = sorted({u.sample_id for u in units})
    mine = _records(store, target.run.id, ids, wanted)
    theirs = _records(store, target.against, ids, wanted) if target.against else {}
    contents: dict[tuple[str, int], Any] = {}
    for unit, key in zip(units, keys, strict=True):
        record = mine.get(unit.key)
        if record is None or record.output is None:
            raise ConfigError(f"run {target.run.id} has no stored answer for sample {unit.key}")
        content: dict[str, Any] = {"conversation": conversation_of(record.input)}
        if target.kind == "pairwise":
            other = theirs.get(unit.key)
            if other is None or other.output is None:
                raise ConfigError(
                    f"run {target.against} has no stored answer for sample {unit.key[0]}"
                )
            # the key's coin (see `_key`) decides which answer is shown first
            if key["flip"]:
                first, second = other.output, record.output
            else:
                first, second = record.output, other.output
            content.update(answer_a=first, answer_b=second)
        else:
            content["answer"] = record.output
        if target.kind == "rating":
            if target.guidelines:
                content["guidelines"] = target.guidelines
            if target.reference:
                content["reference"] = _reference_text(record.target)
        if target.kind == "rubric":
            assert unit.verdict.criteria is not None
            content["criteria"] = criteria_items(list(unit.verdict.criteria))
        contents[unit.key] = content
    return contents


def _records(
    store: Store, run_id: str | None, ids: list[str], wanted: set[tuple[str, int]]
) -> dict[tuple[str, int], SampleRecord]:
    if run_id is None:
        return {}
    return {
        (r.sample_id, r.epoch): r
        for r in store.get_samples(run_id, ids)
        if (r.sample_id, r.epoch) in wanted
    }


def _reference_text(stored: Any) -> str:
    if isinstance(stored, list):
        return str(stored[0]) if stored else ""
    return "" if stored is None else str(stored)
