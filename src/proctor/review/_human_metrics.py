"""The reviewed scorer's own metrics computed from people's scores, beside the judge's.

Human scores never enter a run's figures (`engine._aggregate` leaves them
out). Here the scorer's metrics — rebuilt from the run's stored description,
or the mean win rate for a pairwise comparison — are computed twice on the
reviewed samples: once from the human scores, once from the judge's, so the
two can be read side by side. A sample's statistic comes from every person's
score of it (each epoch, each reviewer), as a metric averages a sample's
epochs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from proctor.review._target import Target, load_units

if TYPE_CHECKING:
    from proctor.metrics import MetricValue
    from proctor.store import Store
    from proctor.store._review import ReviewItemRecord

__all__ = ["human_metrics"]


def human_metrics(
    store: Store, target: Target, items: Sequence[ReviewItemRecord]
) -> list[dict[str, Any]]:
    """The scorer's own metrics from the human scores of the reviewed units, beside the
    judge's on the same samples: `[{"name", "human": {...}, "judge": {...}}]`.

    A sample's statistic comes from every person's score of it (each epoch,
    each reviewer), as a metric averages a sample's epochs.
    """
    from proctor.metrics import SampleScores, compute_metrics, mean
    from proctor.scorer import Score, Scorer
    from proctor.scorer._score import rebuild_scorer
    from proctor.store._review import human_scores

    reviewed = {(i.sample_id, i.epoch) for i in items}
    sets = {i.review_set_id for i in items}
    people: dict[str, list[Score]] = defaultdict(list)
    for sample_id, epoch, record in human_scores(store, target.run.id, target.scorer):
        if (sample_id, epoch) in reviewed and record.metadata.get("review_set") in sets:
            people[sample_id].append(_score(record))
    if target.kind == "pairwise":

        async def never(*_: Any) -> Score:
            raise NotImplementedError

        scorer = Scorer(name=target.scorer, fn=never, metrics=[mean()])
    else:
        entry = next(s for s in target.run.scorers if s.get("name") == target.scorer)
        scorer = rebuild_scorer(entry)
    machine: dict[str, list[Score]] = defaultdict(list)
    metadata: dict[str, dict[str, Any]] = {}
    if target.kind == "pairwise":
        for unit in load_units(store, target):
            if unit.key in reviewed:
                machine[unit.sample_id].append(Score(unit.verdict.value))
                metadata[unit.sample_id] = unit.metadata
    else:
        for record in store.iter_scored(target.run.id):
            if (record.sample_id, record.epoch) not in reviewed:
                continue
            metadata[record.sample_id] = record.metadata
            for s in record.scores:
                if s.scorer == target.scorer and s.source != "human" and s.error is None:
                    machine[record.sample_id].append(_score(s))
    ids = [sid for sid in metadata if sid in people]

    def figures(scores: dict[str, list[Score]]) -> list[MetricValue]:
        rows = [
            SampleScores(sid, metadata[sid], scores={scorer.name: scores.get(sid, [])})
            for sid in ids
        ]
        return compute_metrics(rows, [scorer], cluster=target.run.cluster)

    judge_figures = {m.name: m for m in figures(machine)}
    return [
        {"name": m.name, "human": m.to_dict(), "judge": judge_figures[m.name].to_dict()}
        for m in figures(people)
        if m.n > 0 and m.name in judge_figures
    ]


def _score(record: Any) -> Any:
    from proctor.scorer import Score

    return Score(
        value=record.value,
        explanation=record.explanation,
        answer=record.answer,
        metadata=record.metadata,
        source=record.source,
        annotator=record.annotator,
    )
