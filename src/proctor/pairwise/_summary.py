"""From verdicts to figures: each pair's win rate, and the Bradley–Terry ranking.

The unit of resampling is the sample: a sample's epochs stay together, and
with a cluster key, a cluster's samples do. The same draws serve every pair,
so the ranking's intervals keep the pairs' dependence on shared samples.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from proctor.pairwise._result import PairResult, Ranked

_SCORE = {"a": 1.0, "tie": 0.5, "b": 0.0}


@dataclass(slots=True)
class PairTally:
    """The verdicts gathered so far for one pair of runs (indices into the run list)."""

    a: int
    b: int
    run_a: str
    run_b: str
    shared: int
    dropped: int
    outcomes: list[tuple[str, str | None]] = field(default_factory=list)  # (sample_id, verdict)


def summarize(
    tallies: Sequence[PairTally],
    run_ids: Sequence[str],
    *,
    clusters: Mapping[str, Hashable] | None,
    resamples: int,
    seed: int,
    prior: float,
) -> tuple[list[PairResult], list[Ranked] | None, str | None]:
    """Each pair's result, and with three or more runs the ranking and its CI method.

    `clusters` maps a sample id to its cluster, when the runs have a cluster key.
    """
    pairs = [_pair(t, clusters, resamples=resamples, seed=seed) for t in tallies]
    if len(run_ids) < 3:
        return pairs, None, None
    ranking = _ranking(tallies, run_ids, clusters, resamples=resamples, seed=seed, prior=prior)
    return pairs, *ranking


def _pair(
    tally: PairTally, clusters: Mapping[str, Hashable] | None, *, resamples: int, seed: int
) -> PairResult:
    from proctor.metrics._bradley_terry import win_rate

    column = {"a": 0, "tie": 1, "b": 2}
    per_sample: dict[str, list[int]] = {}
    errors = 0
    for sample_id, verdict in tally.outcomes:
        if verdict is None:
            errors += 1
            continue
        per_sample.setdefault(sample_id, [0, 0, 0])[column[verdict]] += 1
    units = list(per_sample)
    rate = win_rate(
        [per_sample[u] for u in units],
        clusters=None if clusters is None else [clusters[u] for u in units],
        resamples=resamples,
        seed=seed,
    )
    return PairResult(
        run_a=tally.run_a,
        run_b=tally.run_b,
        shared=tally.shared,
        dropped=tally.dropped,
        n=rate.n,
        wins=rate.wins,
        ties=rate.ties,
        losses=rate.losses,
        errors=errors,
        win_rate=rate.value,
        ci_low=rate.low,
        ci_high=rate.high,
        stderr=rate.stderr,
        method=rate.method,
    )


def _ranking(
    tallies: Sequence[PairTally],
    run_ids: Sequence[str],
    clusters: Mapping[str, Hashable] | None,
    *,
    resamples: int,
    seed: int,
    prior: float,
) -> tuple[list[Ranked] | None, str | None]:
    import numpy as np

    from proctor.metrics._bradley_terry import bradley_terry_bootstrap

    units: dict[str, int] = {}
    entries: list[tuple[int, int, int, float]] = []
    for t in tallies:
        for sample_id, verdict in t.outcomes:
            if verdict is not None:
                unit = units.setdefault(sample_id, len(units))
                entries.append((unit, t.a, t.b, _SCORE[verdict]))
    if not entries:
        return None, None
    n_runs = len(run_ids)
    per_unit = np.zeros((len(units), n_runs, n_runs))
    for unit, a, b, score in entries:
        per_unit[unit, a, b] += score  # a tie is half a win each way
        per_unit[unit, b, a] += 1.0 - score
    fit = bradley_terry_bootstrap(
        per_unit,
        clusters=None if clusters is None else [clusters[u] for u in units],
        prior=prior,
        resamples=resamples,
        seed=seed,
    )
    order = sorted(range(n_runs), key=lambda i: -fit.strengths[i])
    ranked = [
        Ranked(
            run=run_ids[i],
            rank=place,
            strength=float(fit.strengths[i]),
            ci_low=_finite(fit.low[i]),
            ci_high=_finite(fit.high[i]),
        )
        for place, i in enumerate(order, start=1)
    ]
    return ranked, fit.method


def _finite(value: float) -> float | None:
    import math

    return float(value) if math.isfinite(value) else None
