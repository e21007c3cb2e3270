"""`composite`: one score per sample combined from the scores of other scorers.

    scorers:
      - exact_match
      - name: judge
        args: {guidelines: "..."}
      - name: composite
        as: quality
        args: {method: weighted_mean, components: {exact_match: 1, judge: 3}}
      - name: composite
        as: release_gate
        args: {method: all, components: {exact_match: 1.0, judge: 0.75}}

Methods:

- `weighted_mean`: the components' values (True is 1) averaged with the given
  weights, normalised to sum to 1 (a list of names weighs them equally).
- `min`: the lowest component value (the sample is as good as its worst aspect).
- `all`: a gate — True when every component reaches its own threshold
  (`components` maps each name to its threshold).

With `threshold`, a `weighted_mean` or `min` becomes a gate too: True when the
combined value reaches it. A component must be listed before the composite; a
sample on which a component has no score (it errored or does not apply) gets a
composite error naming it, never a guess.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from typing import TYPE_CHECKING, Any, Literal

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._score import Score, ScoreFn, Scorer, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

Method = Literal["weighted_mean", "min", "all"]
_METHODS = ("weighted_mean", "min", "all")


def _components(method: str, components: Any) -> dict[str, float]:
    """The components as name -> weight (or threshold), checked."""
    if method not in _METHODS:
        raise ConfigError(f"composite: method must be one of {', '.join(_METHODS)}, got {method!r}")
    if isinstance(components, list | tuple):
        if method == "all":
            raise ConfigError(
                "composite: method all needs a threshold per component, as "
                "components: {name: threshold, ...}"
            )
        components = dict.fromkeys(components, 1.0)
    if not isinstance(components, dict) or not components:
        raise ConfigError("composite: components must name at least one scorer")
    checked: dict[str, float] = {}
    for name, number in components.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ConfigError(f"composite: the value for {name!r} must be a number, got {number!r}")
        if not math.isfinite(number) or (method == "weighted_mean" and number < 0):
            raise ConfigError(f"composite: the weight of {name!r} must be 0 or more, got {number}")
        checked[str(name)] = float(number)
    if method == "weighted_mean" and sum(checked.values()) <= 0:
        raise ConfigError("composite: the weights sum to zero")
    return checked


def _composite_factory(
    *,
    method: Method = "weighted_mean",
    components: dict[str, float] | list[str],
    threshold: float | None = None,
) -> ScoreFn:
    parts = _components(method, components)
    if threshold is not None and method == "all":
        raise ConfigError("composite: method all takes its thresholds per component")
    total = sum(parts.values())

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        values: dict[str, float] = {}
        for name in parts:
            component = ctx.scores.get(name)
            if component is None:
                raise ScorerError(
                    f"component {name!r} has no score on this sample (it errored or does not "
                    "apply), so the composite cannot be computed"
                )
            number = component.as_float()
            if number is None:
                raise ScorerError(
                    f"component {name!r} gave the label {component.value!r}, not a number"
                )
            values[name] = number
        shown = ", ".join(f"{name}={value:g}" for name, value in values.items())
        if method == "all":
            failed = [name for name, floor in parts.items() if values[name] < floor]
            return Score(
                not failed,
                explanation=f"{shown}; below threshold: {', '.join(failed)}"
                if failed
                else f"{shown}; every component reaches its threshold",
                metadata={"components": values},
            )
        if method == "min":
            combined = min(values.values())
        else:
            combined = sum(values[name] * weight for name, weight in parts.items()) / total
        if threshold is not None:
            return Score(
                combined >= threshold,
                explanation=f"{method} {combined:g} {'>=' if combined >= threshold else '<'} "
                f"{threshold:g} ({shown})",
                metadata={"components": values, "combined": combined},
            )
        return Score(combined, explanation=shown, metadata={"components": values})

    return score


_built = scorer("composite", version="1")(_composite_factory)


@functools.wraps(_composite_factory, assigned=("__module__", "__name__", "__qualname__"))
def composite(**kwargs: Any) -> Scorer:
    """The `composite` scorer (see the module docstring); it depends on its components."""
    built = _built(**kwargs)
    names = kwargs.get("components") or ()
    return dataclasses.replace(built, depends_on=tuple(str(n) for n in names), build=composite)


composite.scorer_name = "composite"  # type: ignore[attr-defined]
composite.__signature__ = inspect.signature(_composite_factory).replace(  # type: ignore[attr-defined]
    return_annotation=Scorer
)
