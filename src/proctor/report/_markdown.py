"""`run_markdown`: a short Markdown report of a run, for a pull-request comment.

The run's headline figures with their intervals; with `compare_with`, the
comparison as `proctor compare --format markdown` writes it (headline deltas,
gates, top regressions), from `proctor.compare._render.to_markdown`. Names
from the store are made inert as that module does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.compare._render import _plain, fmt

if TYPE_CHECKING:
    from proctor.store import Store

__all__ = ["Gates", "run_markdown"]


@dataclass(frozen=True, slots=True)
class Gates:
    """The gates to check on the comparison, as `proctor compare` takes them.

    >>> Gates(fail_if=("exact_match/mean < -0.02",), significant_regression=True).fail_if
    ('exact_match/mean < -0.02',)
    """

    fail_if: tuple[str, ...] = ()
    minimums: tuple[str, ...] = ()
    significant_regression: bool = False
    alpha: float | None = None


def run_markdown(
    store: Store,
    run_id: str,
    *,
    compare_with: str | None = None,
    gates: Gates | None = None,
) -> str:
    """Markdown for run `run_id`; with `compare_with` (the baseline), the paired comparison.

    `gates` need a comparison: given without `compare_with`, they raise `ConfigError`.
    """
    from proctor.errors import ConfigError

    run = store.get_run(run_id)
    metrics = [m for m in store.get_metrics(run.id) if m.slice_key is None]
    label = f" ({_plain(run.label)})" if run.label else ""
    lines = [
        f"## Proctor: {_plain(run.benchmark)} · {_plain(run.model_spec)}",
        "",
        f"Run `{run.id}`{label}, task version `{run.task_version}`: "
        f"{run.n_samples:,} samples × {run.epochs} epoch(s), {run.n_errors:,} with errors"
        + (f", cost ${run.cost:,.4f}" if run.cost is not None else "")
        + (f", judges {run.judge_calls:,} call(s)" if run.judge_calls else "")
        + ".",
        "",
    ]
    if metrics:
        lines += ["| metric | value | 95% CI | n | method |", "|---|---:|---|---:|---|"]
        for m in metrics:
            ci = "n/a" if m.ci_low is None else f"[{fmt(m.ci_low)}, {fmt(m.ci_high)}]"
            lines.append(
                f"| {_plain(m.name)} | {fmt(m.value)} | {ci} | {m.n}/{m.n_total} | "
                f"{_plain(m.method)} |"
            )
        lines.append("")
    else:
        lines += ["No metrics were stored for this run.", ""]
    if compare_with is None:
        if gates is not None:
            raise ConfigError("gates are checked on a comparison: name the baseline run too")
        return "\n".join(lines).rstrip() + "\n"
    from proctor.compare import compare, evaluate_gates
    from proctor.compare._render import to_markdown

    comparison = compare(compare_with, run.id, store=store)
    results = []
    if gates is not None:
        results = evaluate_gates(
            comparison,
            fail_if=gates.fail_if,
            minimums=gates.minimums,
            significant_regression=gates.significant_regression,
            alpha=gates.alpha,
        )
    # the comparison is a section of this report: one heading level down
    part = to_markdown(comparison, results)
    if part.startswith("## "):
        part = "#" + part
    return "\n".join(lines).rstrip() + "\n\n" + part.replace("\n### ", "\n#### ")
