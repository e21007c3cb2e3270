"""Metrics of a run, computed from the samples and scores in the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.scorer import Score, Scorer

if TYPE_CHECKING:
    from proctor.metrics import MetricValue, SampleScores
    from proctor.store import RunRecord, SampleRecord, Store


@dataclass
class RunCounts:
    """Per-run totals over every stored sample and epoch."""

    scored: int = 0
    errors: int = 0
    cached: int = 0
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    judge_calls: int | None = None
    judge_input_tokens: int | None = None
    judge_output_tokens: int | None = None
    judge_cost: float | None = None

    def add_judge(self, usage: dict | None) -> None:
        """Count one score's judge calls, apart from the model under test's."""
        if not usage:
            return
        self.judge_calls = _add(self.judge_calls, usage.get("calls"))  # type: ignore[assignment]
        self.judge_input_tokens = _add(self.judge_input_tokens, usage.get("input_tokens"))  # type: ignore[assignment]
        self.judge_output_tokens = _add(self.judge_output_tokens, usage.get("output_tokens"))  # type: ignore[assignment]
        self.judge_cost = _add(self.judge_cost, usage.get("cost"))

    def run_fields(self) -> dict[str, int | float | None]:
        """The totals as the run record's columns."""
        return {
            "n_scored": self.scored,
            "n_errors": self.errors,
            "n_cached": self.cached,
            "cost": self.cost,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "judge_calls": self.judge_calls,
            "judge_input_tokens": self.judge_input_tokens,
            "judge_output_tokens": self.judge_output_tokens,
            "judge_cost": self.judge_cost,
        }


def _add(total: float | int | None, value: float | int | None) -> float | int | None:
    if value is None:
        return total
    return value if total is None else total + value


def _group(records: Iterator[SampleRecord], counts: RunCounts) -> Iterator[SampleScores]:
    """One `SampleScores` per sample from records ordered by position and epoch.

    Human scores (source `human`, from review) are left out: a scorer's
    metrics, and the comparisons built on them, are the machine's alone.
    """
    from proctor.metrics import SampleScores

    current: SampleRecord | None = None
    scores: dict[str, list[Score]] = {}
    all_errored = True
    for record in records:
        if current is not None and record.sample_id != current.sample_id:
            yield SampleScores(
                sample_id=current.sample_id,
                metadata=current.metadata,
                error=all_errored,
                multiple_choice=bool(current.choices),
                scores=scores,
            )
            scores, all_errored = {}, True
        current = record
        if record.error is None:
            all_errored = False
            counts.scored += 1
            counts.input_tokens = _add(counts.input_tokens, record.input_tokens)
            counts.output_tokens = _add(counts.output_tokens, record.output_tokens)
            if record.cached:
                counts.cached += 1
                # a cached answer costs nothing, but with known prices that is $0, not n/a
                counts.cost = _add(counts.cost, None if record.cost is None else 0.0)
            else:
                counts.cost = _add(counts.cost, record.cost)
        if record.error is not None or any(s.error for s in record.scores):
            counts.errors += 1
        for s in record.scores:
            if s.source == "human":
                # people's judgments are compared with the judge's, never averaged into
                # its figures (see proctor.review for metrics computed from them)
                continue
            counts.add_judge(s.usage)
            if s.error is None and s.value is not None:
                scores.setdefault(s.scorer, []).append(
                    Score(
                        value=s.value,
                        explanation=s.explanation,
                        answer=s.answer,
                        metadata=s.metadata,
                        source=s.source,
                        annotator=s.annotator,
                    )
                )  # type: ignore[arg-type]
    if current is not None:
        yield SampleScores(
            sample_id=current.sample_id,
            metadata=current.metadata,
            error=all_errored,
            scores=scores,
            multiple_choice=bool(current.choices),
        )


def sample_scores(store: Store, run_id: str) -> Iterator[SampleScores]:
    """A stored run's samples as aggregation sees them, one per sample, in position order."""
    return _group(store.iter_scored(run_id), RunCounts())


def run_metrics(
    store: Store, run: RunRecord, scorers: Sequence[Scorer]
) -> tuple[list[MetricValue], RunCounts]:
    """Compute and store the run's metrics; return them with the run's totals."""
    from proctor.metrics import compute_metrics

    counts = RunCounts()
    rows = _group(store.iter_scored(run.id), counts)
    metrics = compute_metrics(rows, scorers, slices=run.slices, cluster=run.cluster)
    store.write_metrics(run.id, metrics)
    return metrics, counts
