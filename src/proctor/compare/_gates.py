"""Gates for CI: rules a comparison must pass, else `proctor compare` exits 1.

Three kinds, all optional and combinable:

- `--fail-if "exact_match/mean < -0.02"`: a rule on the point estimate of Δ
  (B − A). Operators `<`, `<=`, `>`, `>=`. The rule fails when it holds.
- `--min "rubric/score >= 0.7"`: an absolute floor on the candidate's own
  figure (its stored value over all its samples). The rule fails when it does
  not hold.
- `--fail-on-significant-regression [--alpha 0.05]`: a one-sided test at α
  for a change in the bad direction of each overall metric (slices are
  descriptive, not gated). With several metrics gated, their one-sided
  p-values are adjusted with Benjamini–Hochberg and the q-values are compared
  with α, so that gating ten metrics does not raise the false-alarm rate
  tenfold.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.compare._compare import Comparison
    from proctor.store import Store

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_RULE = re.compile(r"^\s*(?P<metric>\S+)\s*(?P<op><=|>=|<|>)\s*(?P<number>\S+)\s*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """`metric op threshold`, as written by the user."""

    metric: str
    op: str
    threshold: float
    text: str

    def holds(self, value: float) -> bool:
        return _OPERATORS[self.op](value, self.threshold)


@dataclass(frozen=True, slots=True)
class GateResult:
    """One gate's outcome: `kind` is "delta", "min" or "significant-regression"."""

    kind: str
    rule: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__}


def parse_rule(text: str, *, option: str) -> Rule:
    """`Rule` from `"name op number"`; a `ConfigError` naming the option otherwise."""
    match = _RULE.match(text)
    if match is None:
        raise ConfigError(
            f'{option} {text!r}: write "METRIC OP NUMBER", e.g. "exact_match/mean < -0.02" '
            "(OP one of <, <=, >, >=)"
        )
    try:
        threshold = float(match["number"])
    except ValueError:
        raise ConfigError(f"{option} {text!r}: {match['number']!r} is not a number") from None
    if not math.isfinite(threshold):
        raise ConfigError(f"{option} {text!r}: the threshold must be a finite number")
    return Rule(match["metric"], match["op"], threshold, text.strip())


def evaluate_gates(
    comparison: Comparison,
    *,
    fail_if: Sequence[str] = (),
    minimums: Sequence[str] = (),
    significant_regression: bool = False,
    alpha: float | None = None,
) -> list[GateResult]:
    """Every requested gate's result; a rule naming an unknown metric is a `ConfigError`."""
    results: list[GateResult] = []
    for rule in (parse_rule(text, option="--fail-if") for text in fail_if):
        figure = comparison.metric(rule.metric)
        if figure.delta is None:
            results.append(GateResult("delta", rule.text, False, "Δ could not be computed"))
            continue
        fails = rule.holds(figure.delta)
        results.append(GateResult("delta", rule.text, not fails, f"Δ = {figure.delta:+.4f}"))
    for rule in (parse_rule(text, option="--min") for text in minimums):
        comparison.metric(rule.metric)  # an unknown name is a user error, as for --fail-if
        value = comparison.candidate.get(rule.metric)
        if value is None:
            results.append(GateResult("min", rule.text, False, "the candidate has no value"))
            continue
        results.append(GateResult("min", rule.text, rule.holds(value), f"candidate = {value:.4f}"))
    if significant_regression:
        results.extend(_significance_gates(comparison, alpha or comparison.alpha))
    return results


def _significance_gates(comparison: Comparison, alpha: float) -> list[GateResult]:
    from proctor.compare._paired import bh_qvalues

    gated = [m for m in comparison.metrics if m.slice_key is None and m.p_drop is not None]
    if not gated:
        return [
            GateResult(
                "significant-regression", "no significant regression", True, "no metric to test"
            )
        ]
    adjusted = bh_qvalues([m.p_drop for m in gated]) if len(gated) > 1 else [gated[0].p_drop]
    label = "q" if len(gated) > 1 else "p"
    results = []
    for figure, value in zip(gated, adjusted, strict=True):
        assert value is not None
        results.append(
            GateResult(
                "significant-regression",
                f"{figure.name}: no significant regression (one-sided, α = {alpha:g})",
                not value < alpha,
                f"Δ = {figure.delta:+.4f}, {label} = {value:.4g}"
                if figure.delta is not None
                else f"{label} = {value:.4g}",
            )
        )
    return results


def calibration_warnings(
    store: Store, comparison: Comparison, min_agreement: float | None = None
) -> list[str]:
    """Warnings for the compared judge scorers whose judge signature people never checked.

    A judge-based scorer (its signature names a `judge=`) warns when no
    calibration is stored for the signature in use — its judge or prompt
    changed since the last review, or it was never reviewed — or, with
    `min_agreement`, when the calibration's headline agreement (weighted
    kappa for numeric ratings, kappa otherwise; see `proctor.review`) is
    below it. Warnings do not fail a gate.
    """
    from proctor.review import calibration_for

    compared = {m.scorer for m in comparison.metrics}
    warnings: list[str] = []
    for entry in comparison.run_b.scorers:
        name = entry.get("name")
        signature = entry.get("signature") or ""
        if name not in compared or "|judge=" not in signature:
            continue
        figures = calibration_for(store, signature)
        if figures is None:
            warnings.append(
                f"{name}: its judge has no calibration against people for the signature in "
                f"use ({signature}); review it with proctor review export/import and "
                "proctor review agreement"
            )
            continue
        agreement = figures.get("agreement")
        if min_agreement is not None and (agreement is None or agreement < min_agreement):
            shown = "n/a" if agreement is None else f"{agreement:.3f}"
            warnings.append(
                f"{name}: its judge agrees with people at {figures.get('headline')} = {shown} "
                f"({figures.get('judgments')} judgment(s), run {figures.get('run')}), below "
                f"{min_agreement:g}"
            )
    return warnings
