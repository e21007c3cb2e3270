"""What a review is about: the reviewed scorer (or pairwise comparison) and the judge's verdicts.

Three kinds of judgment can be reviewed:

- `rating` — a `judge` scorer (one judge or a jury): a rating on a numeric
  scale `low..high`, or one of named labels;
- `rubric` — a `rubric` scorer: every criterion of the sample's rubric met
  or not met (HealthBench grading);
- `pairwise` — a stored pairwise comparison: which of two runs' answers is
  better, or a tie.

A *unit* is one judged output: a sample and epoch of the run (for pairwise,
of the pair of runs). Units are keyed on Proctor's own sample ids, never on
Label Studio's task ids, which it reuses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.store import RunRecord, Store

__all__ = ["Kind", "Scale", "Target", "Unit", "Verdict", "load_units", "resolve_target"]

Kind = Literal["rating", "rubric", "pairwise"]
PAIRWISE_PREFIX = "pairwise:"


@dataclass(frozen=True, slots=True)
class Scale:
    """A judge's rating scale: whole numbers `low..high`, or `labels` from worst to best."""

    low: int = 1
    high: int = 5
    labels: tuple[str, ...] | None = None

    @property
    def values(self) -> list[Any]:
        """Every rating, from the lowest up."""
        return (
            list(self.labels) if self.labels is not None else list(range(self.low, self.high + 1))
        )

    @property
    def numeric(self) -> bool:
        return self.labels is None

    def normalise(self, rating: Any) -> float:
        """The rating as the judge's score value: its place on the scale, 0 to 1."""
        if self.labels is not None:
            return self.labels.index(rating) / (len(self.labels) - 1)
        return (float(rating) - self.low) / (self.high - self.low)

    def nearest(self, rating: Any) -> Any:
        """A rating on the scale: a jury's fractional mean rounds half down (as its ties do)."""
        if self.labels is not None:
            return rating
        return min(self.high, max(self.low, math.ceil(float(rating) - 0.5)))

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "labels": list(self.labels or []) or None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scale:
        labels = data.get("labels")
        return cls(int(data["low"]), int(data["high"]), tuple(labels) if labels else None)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judge's verdict on one unit, in the kind's own terms.

    `value` is the score's value (0–1 for ratings and pairwise — 1 when the
    reviewed run wins —, the unclipped rubric ratio). `rating` is the raw
    rating (a jury's mean may be fractional) or, for pairwise, the winner
    from the reviewed run's side: `a` (it wins), `b` or `tie`. `criteria`
    holds a rubric's criteria as the judge graded them; `ratings` a jury's
    ratings by juror; `orders` the pairwise winners named with the reviewed
    run's answer shown first and second.
    """

    value: float
    rating: Any = None
    criteria: tuple[dict[str, Any], ...] | None = None
    ratings: dict[str, Any] | None = None
    orders: tuple[str | None, str | None] | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """One judged output: sample, epoch, the sample's metadata and the judge's verdict.

    `reference` is another scorer's value on the same unit (as a number),
    when selection compares the judge with it.
    """

    sample_id: str
    epoch: int
    metadata: dict[str, Any]
    verdict: Verdict
    reference: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.sample_id, self.epoch)


@dataclass(frozen=True, slots=True)
class Target:
    """The reviewed judgment: a scorer of `run`, or a pairwise comparison against `against`.

    `scorer` is the scorer's name (`pairwise:<id>` for a comparison), the name
    human scores are stored under; `signature` says what the judge's verdicts
    mean; `judge` and `prompt` name the judge and its prompt hash (Label
    Studio's `model_version` of the predictions).
    """

    run: RunRecord
    scorer: str
    signature: str
    kind: Kind
    judge: str
    prompt: str
    scale: Scale | None = None
    guidelines: str | None = None
    reference: bool = False
    pairwise_id: str | None = None
    against: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        """The judge spec and prompt hash: what the predictions' `model_version` names."""
        return f"{self.judge}|{self.prompt}"


def signature_parts(signature: str) -> dict[str, str]:
    """The `key=value` parts of a scorer signature (`judge`, `prompt`, ...)."""
    parts = {}
    for piece in signature.split("|"):
        key, sep, value = piece.partition("=")
        if sep:
            parts[key] = value
    return parts


def resolve_target(
    store: Store,
    run_ref: str,
    *,
    scorer: str | None = None,
    pairwise: str | None = None,
    against: str | None = None,
) -> Target:
    """The reviewed judgment of run `run_ref`: its scorer `scorer`, or comparison `pairwise`.

    A `ConfigError` says what is wrong: neither or both given, an unknown
    scorer, a scorer that is not a judge's, a run the comparison did not
    compare.
    """
    run = store.get_run(run_ref)
    if (scorer is None) == (pairwise is None):
        raise ConfigError("name what to review: --scorer NAME, or --pairwise COMPARISON_ID")
    if scorer is not None and scorer.startswith(PAIRWISE_PREFIX):
        pairwise, scorer = scorer[len(PAIRWISE_PREFIX) :], None
    if pairwise is not None:
        return _pairwise_target(store, run, pairwise, against)
    assert scorer is not None
    if against is not None:
        raise ConfigError("--against names the other run of a --pairwise comparison")
    entry = next((s for s in run.scorers if s.get("name") == scorer), None)
    if entry is None:
        known = ", ".join(s.get("name", "?") for s in run.scorers) or "none"
        raise ConfigError(f"run {run.id} has no scorer {scorer!r} (its scorers: {known})")
    kind_name = entry.get("scorer") or entry.get("name")
    args = entry.get("args") or {}
    signature = entry.get("signature") or ""
    parts = signature_parts(signature)
    if kind_name == "judge":
        labels = args.get("labels")
        scale = Scale(
            int(args.get("low", 1)), int(args.get("high", 5)), tuple(labels) if labels else None
        )
        return Target(
            run=run,
            scorer=scorer,
            signature=signature,
            kind="rating",
            judge=parts.get("judge", "unset"),
            prompt=parts.get("prompt", ""),
            scale=scale,
            guidelines=args.get("guidelines"),
            reference=bool(args.get("reference", False)),
        )
    if kind_name == "rubric":
        return Target(
            run=run,
            scorer=scorer,
            signature=signature,
            kind="rubric",
            judge=parts.get("judge", "unset"),
            prompt=parts.get("prompt", ""),
        )
    raise ConfigError(
        f"scorer {scorer!r} of run {run.id} is a {kind_name!r} scorer; review covers judges "
        "(judge), rubrics (rubric) and pairwise comparisons (--pairwise ID)"
    )


def _pairwise_target(store: Store, run: RunRecord, ref: str, against: str | None) -> Target:
    from proctor.store._pairwise import get_pairwise

    record = get_pairwise(store, ref)
    if run.id not in record.runs:
        raise ConfigError(
            f"pairwise comparison {record.id} compared runs {', '.join(record.runs)}, "
            f"not run {run.id}"
        )
    others = [r for r in record.runs if r != run.id]
    if against is None:
        if len(others) != 1:
            raise ConfigError(
                f"comparison {record.id} compared {len(record.runs)} runs: name the other run "
                f"with --against RUN (one of {', '.join(others)})"
            )
        other = others[0]
    else:
        other = store.get_run(against).id
        if other not in others:
            raise ConfigError(
                f"run {other} is not one of the other runs of comparison {record.id} "
                f"({', '.join(others)})"
            )
    parts = signature_parts(record.signature)
    return Target(
        run=run,
        scorer=f"{PAIRWISE_PREFIX}{record.id}",
        signature=record.signature,
        kind="pairwise",
        judge=record.judge,
        prompt=parts.get("prompt", ""),
        pairwise_id=record.id,
        against=other,
    )


def load_units(store: Store, target: Target, *, reference: str | None = None) -> list[Unit]:
    """Every unit the judge gave a verdict on, in the run's order.

    `reference` names another scorer of the run whose value on the same unit
    is kept beside the verdict (to find where judge and reference disagree).
    """
    if reference is not None:
        if target.kind == "pairwise":
            raise ConfigError("--reference compares a judge with another scorer of the run")
        if not any(s.get("name") == reference for s in target.run.scorers):
            raise ConfigError(f"run {target.run.id} has no scorer {reference!r} to compare with")
        if reference == target.scorer:
            raise ConfigError("--reference must name another scorer than the reviewed one")
    if target.kind == "pairwise":
        return _pairwise_units(store, target)
    units = []
    for record in store.iter_scored(target.run.id):
        judged = next(
            (
                s
                for s in record.scores
                if s.scorer == target.scorer and s.source != "human" and s.error is None
            ),
            None,
        )
        if judged is None or judged.value is None or record.error is not None:
            continue
        verdict = _verdict(target, judged.value, judged.metadata)
        if verdict is None:
            continue
        other = None
        if reference is not None:
            found = next(
                (s for s in record.scores if s.scorer == reference and s.source != "human"), None
            )
            other = _as_float(found.value) if found is not None and found.error is None else None
        units.append(Unit(record.sample_id, record.epoch, record.metadata, verdict, other))
    return units


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def _verdict(target: Target, value: Any, metadata: dict[str, Any]) -> Verdict | None:
    """The judge's verdict from its stored score, or None when the score lacks its parts."""
    number = _as_float(value)
    if number is None:
        return None
    if target.kind == "rubric":
        criteria = metadata.get("criteria")
        if not isinstance(criteria, list) or not criteria:
            return None
        return Verdict(number, criteria=tuple(dict(c) for c in criteria))
    rating = metadata.get("rating")
    if rating is None:
        return None
    ratings = metadata.get("ratings")
    return Verdict(number, rating=rating, ratings=ratings if isinstance(ratings, dict) else None)


_WINNER = {"a": 1.0, "b": 0.0, "tie": 0.5}


def _pairwise_units(store: Store, target: Target) -> list[Unit]:
    from proctor.store._pairwise import iter_verdicts

    assert target.pairwise_id is not None and target.against is not None
    verdicts: dict[tuple[str, int], Verdict] = {}
    for v in iter_verdicts(store, target.pairwise_id):
        if v.verdict is None:
            continue
        if (v.run_a, v.run_b) == (target.run.id, target.against):
            winner = v.verdict
            orders = (_winner_of(v.first), _winner_of(v.second))
        elif (v.run_a, v.run_b) == (target.against, target.run.id):
            winner = {"a": "b", "b": "a", "tie": "tie"}[v.verdict]
            # the stored orders put the other run first; the reviewed run's first is `second`
            orders = (_winner_of(v.second), _winner_of(v.first))
        else:
            continue
        verdicts[(v.sample_id, v.epoch)] = Verdict(_WINNER[winner], rating=winner, orders=orders)
    units = []
    for record in store.iter_scored(target.run.id):
        verdict = verdicts.get((record.sample_id, record.epoch))
        if verdict is not None:
            units.append(Unit(record.sample_id, record.epoch, record.metadata, verdict))
    return units


def _winner_of(answer: dict[str, Any] | None) -> str | None:
    if not isinstance(answer, dict):
        return None
    winner = answer.get("winner")
    return winner if winner in ("A", "B", "tie") else None


def jury_spread(verdict: Verdict, scale: Scale | None) -> float | None:
    """How far a jury's jurors disagree, 0 (all agree) to 1; None without two ratings.

    On a numeric scale the range of the ratings over the scale's; on labels
    one minus the share of the most common label.
    """
    if verdict.ratings is None or scale is None:
        return None
    given: Sequence[Any] = [r for r in verdict.ratings.values() if r is not None]
    if len(given) < 2:
        return None
    if scale.numeric:
        numbers = [float(r) for r in given]
        return (max(numbers) - min(numbers)) / (scale.high - scale.low)
    top = max(given.count(r) for r in set(given))
    return 1.0 - top / len(given)


def order_disagreement(verdict: Verdict) -> float | None:
    """For a pairwise verdict: 1 when the two orders named different runs, 0.5 when one
    said tie, 0 when both agreed; None when an order is missing."""
    if verdict.orders is None or None in verdict.orders:
        return None
    first, second = verdict.orders
    # with the reviewed run shown first "A" is it; shown second, "B" is it
    picked_first = {"A": "a", "B": "b"}.get(first or "", "tie")
    picked_second = {"A": "b", "B": "a"}.get(second or "", "tie")
    if picked_first == picked_second:
        return 0.0
    return 0.5 if "tie" in (picked_first, picked_second) else 1.0
