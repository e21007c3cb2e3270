"""Rich tables shared by `run` and `show`. Untrusted text is always passed as `Text`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from proctor.cli._common import fmt_float

if TYPE_CHECKING:
    from proctor.metrics import MetricValue


def metrics_table(metrics: Sequence[MetricValue]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Metrics (95% CI)", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("n", justify="right")
    table.add_column("CI method")
    for m in metrics:
        label = m.name if m.slice_key is None else f"  [{m.slice_key}={m.slice_value}]"
        arrow = "" if m.slice_key is not None else (" ↑" if m.higher_is_better else " ↓")
        ci = "—" if m.ci_low is None else f"[{fmt_float(m.ci_low)}, {fmt_float(m.ci_high)}]"
        style = "bold" if m.slice_key is None else "dim"
        table.add_row(
            Text(label + arrow, style=style), fmt_float(m.value), ci, f"{m.n}/{m.n_total}", m.method
        )
    return table


def clip(text: Any, width: int = 80) -> str:
    """One line of at most `width` characters."""
    if text is None:
        return ""
    if not isinstance(text, str):
        import json

        text = json.dumps(text, ensure_ascii=False)
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
