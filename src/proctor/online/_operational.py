"""Production's latency, tokens and cost as scorers, so they become figures like any other.

An online run stores, with each sample, what the log said about the call:
`output.extra["latency_ms"]`, the token counts and `output.extra["cost"]`
(tokens × the benchmark's prices). These scorers turn them into scores, so
that each window gets `latency/mean`, `tokens/input`, `tokens/output` and
`cost/mean` with confidence intervals, which history, compare and drift
status read like quality figures. Lower is better for all of them, so a
rise is what counts as a regression.

A call whose log lacks the figure gets the label `n/a`: means leave labels
out, so such calls count in n_total but not in n, and are never errors.

They are named `python:proctor.online._operational:NAME`, so a stored run's
description rebuilds them (`rebuild_scorer`) without any registration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proctor.metrics._mean import MeanOf
from proctor.scorer import Score, Scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["OPERATIONAL", "cost", "latency", "tokens"]

_REF = "python:proctor.online._operational:"
_NA = "n/a"


class LowerMean(MeanOf):
    """A mean where lower is better (latency, tokens, cost), with `mean()`'s intervals."""

    higher_is_better = False

    def __repr__(self) -> str:
        return f"lower_mean({self.key!r}, name={self.name!r})"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


async def _latency(sample: Sample, output: ModelOutput, ctx: Any) -> Score:
    value = _number(output.extra.get("latency_ms"))
    if value is None:
        return Score(_NA, explanation="the log gives no latency for this call")
    return Score(value, explanation=f"{value:.0f} ms in production")


async def _tokens(sample: Sample, output: ModelOutput, ctx: Any) -> Score:
    counts = {"input_tokens": output.input_tokens, "output_tokens": output.output_tokens}
    known = {k: v for k, v in counts.items() if v is not None}
    if not known:
        return Score(_NA, explanation="the log gives no token counts for this call")
    return Score(float(sum(known.values())), metadata=known)


async def _cost(sample: Sample, output: ModelOutput, ctx: Any) -> Score:
    value = _number(output.extra.get("cost"))
    if value is None:
        return Score(_NA, explanation="no cost: token counts or the benchmark's prices are missing")
    return Score(value)


latency = Scorer(
    name="latency",
    fn=_latency,
    metrics=(LowerMean(None, name="mean"),),
    kind=_REF + "latency",
)
tokens = Scorer(
    name="tokens",
    fn=_tokens,
    metrics=(LowerMean("input_tokens", name="input"), LowerMean("output_tokens", name="output")),
    kind=_REF + "tokens",
)
cost = Scorer(
    name="cost",
    fn=_cost,
    metrics=(LowerMean(None, name="mean"),),
    kind=_REF + "cost",
)

OPERATIONAL: dict[str, Scorer] = {"latency": latency, "tokens": tokens, "cost": cost}
"""The operational scorers by the name an online benchmark lists them under."""
