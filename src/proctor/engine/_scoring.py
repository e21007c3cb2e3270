"""Score one sample's output with a benchmark's scorers (runs and re-scoring alike)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proctor.engine._records import error_text, score_record
from proctor.scorer import Score, Scorer
from proctor.store import ScoreRecord

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.engine._context import EngineContext
    from proctor.model import ModelOutput


async def score_sample(
    scorers: Sequence[Scorer], sample: Sample, output: ModelOutput, ctx: EngineContext
) -> list[ScoreRecord]:
    """Every applicable scorer's record, in the benchmark's order.

    Independent scorers run concurrently (a judge's calls overlap the others');
    composites run after them, in order, seeing the scores before them.
    """
    applicable = [s for s in scorers if s.applies(sample)]
    if not applicable:
        return []
    plain = [s for s in applicable if not s.depends_on]
    if len(plain) == 1:
        done = [await _score_one(plain[0], sample, output, ctx, {})]
    else:
        done = list(await asyncio.gather(*(_score_one(s, sample, output, ctx, {}) for s in plain)))
    results = {s.name: r for s, r in zip(plain, done, strict=True)}
    scores = {name: score for name, (_, score) in results.items() if score is not None}
    for scorer_ in applicable:
        if scorer_.depends_on:
            record, score = await _score_one(scorer_, sample, output, ctx, dict(scores))
            results[scorer_.name] = (record, score)
            if score is not None:
                scores[scorer_.name] = score
    return [results[s.name][0] for s in applicable]


async def _score_one(
    scorer_: Scorer,
    sample: Sample,
    output: ModelOutput,
    ctx: EngineContext,
    scores: dict[str, Score],
) -> tuple[ScoreRecord, Score | None]:
    local = ctx.for_scorer(scores)
    try:
        score = await scorer_(sample, output, local)
        record = score_record(scorer_.name, score)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failing scorer is an error on this sample, never a 0
        score, record = None, ScoreRecord(scorer_.name, None, error=error_text(exc))
    record.usage = local.usage.to_record()
    return record, (score if record.error is None else None)
