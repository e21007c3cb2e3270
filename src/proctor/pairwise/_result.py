"""What a pairwise comparison reports, and its stored JSON form (`pairwise.summary`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.store._pairwise import PairwiseRecord

RANKING_SCALE = "Bradley–Terry strength, geometric mean 1"


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A compared run, as the report names it."""

    id: str
    model: str
    benchmark: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class PairResult:
    """How run A fared against run B.

    `shared` counts the (sample, epoch) pairs both runs answered without a
    model error; `dropped` those of either run left out (missing from the
    other run, or without an output). `n` = wins + ties + losses counts the
    verdicts; `errors` the comparisons with no usable verdict, which are not
    in `n`. `win_rate` is run A's (W + T/2) / n with its 95% interval
    (`method`: bootstrap or clustered-bootstrap); None when n is 0.
    """

    run_a: str
    run_b: str
    shared: int
    dropped: int
    n: int
    wins: int
    ties: int
    losses: int
    errors: int
    win_rate: float | None
    ci_low: float | None
    ci_high: float | None
    stderr: float | None
    method: str


@dataclass(frozen=True, slots=True)
class Ranked:
    """A run's place in the Bradley–Terry ranking; `strength` on the geometric-mean-1 scale."""

    run: str
    rank: int
    strength: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class PairwiseResult:
    """The outcome of `run_pairwise`, as stored and as shown.

    `ranking` (three or more runs) is ordered strongest first; `usage` sums
    the judge calls (`calls`, `cached`, `input_tokens`, `output_tokens`,
    `cost`). `status` is finished, interrupted or failed.
    """

    id: str
    runs: list[RunInfo]
    judge: str
    signature: str
    status: str
    pairs: list[PairResult]
    ranking: list[Ranked] | None = None
    ranking_method: str | None = None
    cluster: str | None = None
    resamples: int = 1000
    seed: int = 0
    prior: float = 0.0
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def n_errors(self) -> int:
        """Comparisons that ended without a usable verdict."""
        return sum(p.errors for p in self.pairs)

    @property
    def interrupted(self) -> bool:
        return self.status == "interrupted"

    def to_summary(self) -> dict[str, Any]:
        """The JSON kept in `pairwise.summary`."""
        return {
            "runs": [asdict(r) for r in self.runs],
            "pairs": [asdict(p) for p in self.pairs],
            "ranking": None if self.ranking is None else [asdict(r) for r in self.ranking],
            "ranking_scale": None if self.ranking is None else RANKING_SCALE,
            "ranking_method": self.ranking_method,
            "cluster": self.cluster,
            "resamples": self.resamples,
            "seed": self.seed,
            "prior": self.prior,
            "usage": self.usage,
        }

    @classmethod
    def from_record(cls, record: PairwiseRecord) -> PairwiseResult:
        """The result a stored comparison holds (empty figures when it never finished)."""
        summary = record.summary or {}
        known = {r["id"]: r for r in summary.get("runs", [])}
        runs = [
            RunInfo(**known[run_id]) if run_id in known else RunInfo(run_id, "?", "?")
            for run_id in record.runs
        ]
        ranking = summary.get("ranking")
        return cls(
            id=record.id,
            runs=runs,
            judge=record.judge,
            signature=record.signature,
            status=record.status,
            pairs=[PairResult(**p) for p in summary.get("pairs", [])],
            ranking=None if ranking is None else [Ranked(**r) for r in ranking],
            ranking_method=summary.get("ranking_method"),
            cluster=summary.get("cluster"),
            resamples=summary.get("resamples", 0),
            seed=summary.get("seed", 0),
            prior=summary.get("prior", 0.0),
            usage=summary.get("usage") or {},
        )
