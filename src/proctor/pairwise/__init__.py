"""Pairwise comparison: a judge prefers one run's answer or the other's, sample by sample.

    from proctor.pairwise import run_pairwise
    from proctor.store import Store

    with Store() as store:
        result = run_pairwise(store, ["3f2a", "9c1b", "77d0"], judge="openai:gpt-4o")
    for pair in result.pairs:
        print(pair.run_a, pair.run_b, pair.win_rate, pair.ci_low, pair.ci_high)
    for place in result.ranking or []:
        print(place.rank, place.run, place.strength)

Each pair of answers is judged in both orders; a verdict that follows the
order rather than the answers is a tie. Win rates are (W + T/2) / n with a
seeded bootstrap interval over samples; with three or more runs, a
Bradley–Terry ranking (strengths with geometric mean 1) with bootstrap
intervals too. Comparisons and verdicts are kept in the store
(`pairwise`, `pairwise_verdicts`).
"""

from proctor.metrics._bradley_terry import bradley_terry
from proctor.pairwise._judging import combine, parse_preference
from proctor.pairwise._result import PairResult, PairwiseResult, Ranked, RunInfo
from proctor.pairwise._run import (
    PairwiseObserver,
    PairwiseOptions,
    run_pairwise,
    run_pairwise_async,
)

__all__ = [
    "PairResult",
    "PairwiseObserver",
    "PairwiseOptions",
    "PairwiseResult",
    "Ranked",
    "RunInfo",
    "bradley_terry",
    "combine",
    "parse_preference",
    "run_pairwise",
    "run_pairwise_async",
]
