"""Which units go to reviewers: seeded, recorded selection strategies.

- `random` — n units drawn uniformly.
- `stratified` — every stratum (the combination of the values of the run's
  slice keys, or of the keys given as `by`) gets at least one unit when n
  allows, the rest in proportion to the strata's sizes (largest deficit
  first); units drawn at random within each stratum. A spot check then
  covers every slice, small ones included.
- `disagreement` — the units where the judgment is least settled first: a
  jury's jurors disagreeing (the range of their ratings over the scale; one
  minus the majority's share for labels), the judge disagreeing with a
  `reference` scorer of the run on the same unit (the absolute difference
  of their 0–1 values), or, for a pairwise comparison, the judge naming
  different winners when the answers were swapped.
- `low-confidence` — the units whose score lies nearest the pass
  `threshold` (on the score's 0–1 value) first.

Ties are broken by a seeded shuffle, so the same seed, run and options give
the same selection. `random` and `stratified` keep the run's order;
`disagreement` and `low-confidence` keep their priority order, so reviewers
who stop early have seen the units that matter most.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from proctor.errors import ConfigError
from proctor.review._target import jury_spread, order_disagreement

if TYPE_CHECKING:
    from proctor.review._target import Target, Unit

__all__ = ["STRATEGIES", "Selection", "Strategy", "select_units"]

Strategy = Literal["random", "stratified", "disagreement", "low-confidence"]
STRATEGIES: tuple[str, ...] = ("random", "stratified", "disagreement", "low-confidence")


@dataclass(frozen=True, slots=True)
class Selection:
    """How to pick units for review.

    >>> Selection(strategy="stratified", n=30, seed=7, by=("topic",)).describe()["by"]
    ['topic']
    """

    strategy: Strategy = "random"
    n: int = 50
    seed: int = 0
    by: tuple[str, ...] = ()  # stratified: metadata keys; default the run's slices
    reference: str | None = None  # disagreement: another scorer of the run
    threshold: float = 0.5  # low-confidence: the pass threshold on the 0–1 score

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(
                f"unknown selection strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)}"
            )
        if self.n < 1:
            raise ConfigError("the number of units to review (--n) must be at least 1")

    def describe(self) -> dict[str, Any]:
        """What is recorded with the review set."""
        return {
            "strategy": self.strategy,
            "n": self.n,
            "seed": self.seed,
            "by": list(self.by),
            "reference": self.reference,
            "threshold": self.threshold,
        }


def select_units(units: Sequence[Unit], target: Target, selection: Selection) -> list[Unit]:
    """The units to review, at most `selection.n`; see the module docstring."""
    if not units:
        raise ConfigError(
            f"run {target.run.id} has no verdict of {target.scorer} to review "
            "(no sample the judge scored without an error)"
        )
    rng = random.Random(selection.seed)
    n = min(selection.n, len(units))
    if selection.strategy == "random":
        picked = set(rng.sample(range(len(units)), n))
        return [u for i, u in enumerate(units) if i in picked]
    if selection.strategy == "stratified":
        return _stratified(units, target, selection, rng, n)
    if selection.strategy == "disagreement":
        priority = _disagreements(units, target, selection)
    else:
        priority = [-abs(u.verdict.value - selection.threshold) for u in units]
    # highest priority first; a seeded shuffle breaks ties; units with none come last
    tiebreak = list(range(len(units)))
    rng.shuffle(tiebreak)
    order = sorted(
        range(len(units)),
        key=lambda i: (priority[i] is None, -(priority[i] or 0.0), tiebreak[i]),
    )
    return [units[i] for i in order[:n]]


def _disagreements(
    units: Sequence[Unit], target: Target, selection: Selection
) -> list[float | None]:
    if target.kind == "pairwise":
        return [order_disagreement(u.verdict) for u in units]
    if selection.reference is not None:
        return [None if u.reference is None else abs(u.verdict.value - u.reference) for u in units]
    if any(u.verdict.ratings is not None for u in units):
        return [jury_spread(u.verdict, target.scale) for u in units]
    raise ConfigError(
        f"{target.scorer} is one judge, so there is no jury disagreement to look for: name a "
        "reference scorer of the run to compare the judge with (--reference SCORER), or "
        "choose another strategy"
    )


def _stratified(
    units: Sequence[Unit], target: Target, selection: Selection, rng: random.Random, n: int
) -> list[Unit]:
    keys = list(selection.by) or list(target.run.slices)
    if not keys:
        raise ConfigError(
            f"run {target.run.id} has no slices to stratify by: name metadata keys with "
            "--by KEY, or choose another strategy"
        )
    strata: dict[tuple[str, ...], list[int]] = {}
    for index, unit in enumerate(units):
        stratum = tuple("" if unit.metadata.get(k) is None else str(unit.metadata[k]) for k in keys)
        strata.setdefault(stratum, []).append(index)
    names = sorted(strata)
    sizes = [len(strata[s]) for s in names]
    quotas = _allocate(sizes, n, rng)
    picked: set[int] = set()
    for name, quota in zip(names, quotas, strict=True):
        picked.update(rng.sample(strata[name], quota))
    return [u for i, u in enumerate(units) if i in picked]


def _allocate(sizes: Sequence[int], n: int, rng: random.Random) -> list[int]:
    """Units per stratum: one each when n allows, then by largest deficit from the
    proportional share n·size/total, never more than a stratum holds.

    >>> _allocate([10, 5, 1], 8, random.Random(0))
    [5, 2, 1]
    """
    total = sum(sizes)
    n = min(n, total)
    take = [1 if n >= len(sizes) else 0 for _ in sizes]
    order = list(range(len(sizes)))
    rng.shuffle(order)
    rank = {stratum: place for place, stratum in enumerate(order)}
    for _ in range(n - sum(take)):
        open_ = [i for i in range(len(sizes)) if take[i] < sizes[i]]
        best = max(open_, key=lambda i: (n * sizes[i] / total - take[i], -rank[i]))
        take[best] += 1
    return take
