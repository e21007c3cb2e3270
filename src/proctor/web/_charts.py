"""The pages' charts: store figures shaped for the report's SVG chart functions.

The SVG comes from `proctor.report._svg`, shared with the HTML report, which
escapes every label it draws; that markup is the only HTML the pages insert
unescaped (as `Markup`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from proctor.compare import Comparison
    from proctor.compare._history import HistoryEntry
    from proctor.metrics import MetricValue
    from proctor.web._distributions import Distribution

__all__ = ["delta_charts", "histograms", "slice_charts", "trend_charts"]

MAX_CHARTS = 12
"""Charts per section at most, so a run with many metrics and slices stays readable."""
TREND_WIDTH = 1160
"""Trends take the page's whole width: one point per run, labels under each."""


def slice_charts(metrics: Sequence[MetricValue]) -> list[Markup]:
    """For each overall metric and slice key, one bar per slice value with its CI."""
    from proctor.report._svg import bar_chart

    charts: list[Markup] = []
    for overall in (m for m in metrics if m.slice_key is None):
        by_key: dict[str, list[MetricValue]] = {}
        for m in metrics:
            same = m.scorer == overall.scorer and m.metric == overall.metric
            if same and m.slice_key is not None and m.value is not None:
                by_key.setdefault(m.slice_key, []).append(m)
        for key, members in by_key.items():
            items = [(str(m.slice_value), m.value, m.ci_low, m.ci_high) for m in members]
            title = f"{overall.scorer}/{overall.metric} by {key}"
            charts.append(Markup(bar_chart(items, title=title)))
            if len(charts) >= MAX_CHARTS:
                return charts
    return charts


def histograms(distributions: Sequence[Distribution]) -> list[Markup]:
    """One histogram per binned distribution (values redrawn at their bins' centres)."""
    from proctor.report._svg import histogram

    return [
        Markup(
            histogram(
                d.centers(),
                bins=len(d.counts),
                title=d.label,
                lo=d.lo,
                hi=d.hi,
            )
        )
        for d in distributions[:MAX_CHARTS]
    ]


def trend_charts(entries: Sequence[HistoryEntry]) -> list[Markup]:
    """One trend per overall metric across the runs, significant changes marked."""
    from proctor.report._svg import trend_chart

    names: list[str] = []
    for entry in entries:
        names.extend(n for n in entry.metrics if n not in names)
    charts: list[Markup] = []
    for name in names[:MAX_CHARTS]:
        points = []
        for entry in entries:
            m = entry.metrics.get(name)
            if m is None or m.value is None:
                continue
            change = entry.changes.get(name)
            status = None if change is None else change.status
            mark = status if status in ("regressed", "improved") else None
            x_label = entry.run.label or entry.run.id[:8]
            points.append((x_label, m.value, m.ci_low, m.ci_high, mark))
        if points:
            charts.append(Markup(trend_chart(points, title=name, width=TREND_WIDTH)))
    return charts


def delta_charts(comparison: Comparison) -> list[Markup]:
    """Δ with its CI for the overall metrics, then per metric and slice key, one bar per
    slice value."""
    from proctor.report._svg import delta_chart

    rows = [m for m in comparison.metrics if m.delta is not None]
    overall = [(m.name, m.delta, m.ci_low, m.ci_high, m.status) for m in rows if not m.slice_key]
    charts = [Markup(delta_chart(overall, title="Δ (B − A), overall"))] if overall else []
    groups: dict[tuple[str, str], list[tuple[str, float | None, float | None, float | None, str]]]
    groups = {}
    for m in rows:
        if m.slice_key is not None:
            item = (str(m.slice_value), m.delta, m.ci_low, m.ci_high, m.status)
            groups.setdefault((f"{m.scorer}/{m.metric}", m.slice_key), []).append(item)
    for (name, key), items in groups.items():
        if len(charts) >= MAX_CHARTS:
            break
        charts.append(Markup(delta_chart(items, title=f"Δ {name} by {key}")))
    return charts
