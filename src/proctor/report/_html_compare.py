"""The comparison section of the HTML report: paired deltas and the samples that moved.

The report's run is the candidate (B) and the run it is compared with the
baseline (A), so Δ = this run − baseline, as `proctor compare BASELINE RUN`
computes it. Every string from the store is `html.escape`d here too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from proctor.compare._render import fmt, fmt_p
from proctor.report import _svg
from proctor.report._data import input_text, plain_text

if TYPE_CHECKING:
    from proctor.compare import Comparison, MetricDelta, SampleChange
    from proctor.store import RunRecord

__all__ = ["comparison_section"]

_TEXT = 4_000  # characters of an input or output shown in a side-by-side cell


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _run(run: RunRecord) -> str:
    label = f", label {_e(run.label)}" if run.label else ""
    return f"<code>{_e(run.id)}</code> ({_e(run.model_spec)}{label})"


def _chart_items(deltas: Sequence[MetricDelta], *, by_slice: bool) -> list:
    return [
        (
            f"{d.slice_value}" if by_slice else d.name,
            d.delta,
            d.ci_low,
            d.ci_high,
            d.status,
        )
        for d in deltas
    ]


def _charts(comparison: Comparison) -> str:
    overall = [d for d in comparison.metrics if d.slice_key is None]
    charts = []
    if overall:
        charts.append(_svg.delta_chart(_chart_items(overall, by_slice=False), title="Δ overall"))
    groups: dict[tuple[str, str], list[MetricDelta]] = {}
    for d in comparison.metrics:
        if d.slice_key is not None:
            groups.setdefault((f"{d.scorer}/{d.metric}", d.slice_key), []).append(d)
    for (name, key), deltas in groups.items():
        charts.append(
            _svg.delta_chart(_chart_items(deltas, by_slice=True), title=f"Δ {name} by {key}")
        )
    return "".join(f'<div class="chart-box">{svg}</div>' for svg in charts)


def _table(comparison: Comparison) -> str:
    head = "".join(
        f'<th class="{cls}">{name}</th>'
        for name, cls in (
            ("metric", ""),
            ("baseline", "num"),
            ("this run", "num"),
            ("Δ", "num"),
            ("95% CI", "num"),
            ("p", "num"),
            ("q", "num"),
            ("n", "num"),
            ("test", ""),
            ("status", ""),
        )
    )
    rows = []
    for d in comparison.metrics:
        ci = (
            "n/a"
            if d.ci_low is None
            else f"[{fmt(d.ci_low, sign=True)}, {fmt(d.ci_high, sign=True)}]"
        )
        rows.append(
            f"<tr><td>{_e(d.name)}</td><td class='num'>{fmt(d.a)}</td>"
            f"<td class='num'>{fmt(d.b)}</td><td class='num'>{fmt(d.delta, sign=True)}</td>"
            f"<td class='num'>{ci}</td><td class='num'>{fmt_p(d.p_value)}</td>"
            f"<td class='num'>{fmt_p(d.q_value)}</td><td class='num'>{d.n:,}</td>"
            f"<td>{_e(d.test)}</td><td class='st-{_e(d.status)}'>{_e(d.status)}</td></tr>"
        )
    return (
        f'<div class="scroll"><table class="grid deltas"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _clip_cell(value: object, *, chat: bool = False) -> str:
    if chat:
        text, _ = input_text(value)
    else:
        text = plain_text(value, _TEXT) or "—"
    if len(text) > _TEXT:
        text = text[:_TEXT] + "…"
    return f'<div class="clip">{_e(text)}</div>'


def _changes(title: str, changes: Sequence[SampleChange], anchor: str) -> str:
    if not changes:
        return f'<h3 id="{anchor}">{_e(title)}</h3><p class="muted">None.</p>'
    rows = []
    for c in changes:
        rows.append(
            "<tr>"
            f"<td><div>{_e(c.sample_id)}</div><div class='muted small'>{_e(c.scorer)}: "
            f"{_e(_svg.fmt_value(c.a))} → {_e(_svg.fmt_value(c.b))}</div></td>"
            f"<td>{_clip_cell(c.input, chat=True)}</td><td>{_clip_cell(c.target)}</td>"
            f"<td>{_clip_cell(c.output_a)}</td><td>{_clip_cell(c.output_b)}</td></tr>"
        )
    return (
        f'<h3 id="{anchor}">{_e(title)}</h3><div class="scroll"><table class="grid changes">'
        "<thead><tr><th>sample</th><th>input</th><th>target</th>"
        "<th>output (baseline)</th><th>output (this run)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def comparison_section(comparison: Comparison) -> str:
    """Deltas per metric and slice (charts and a table), then regressed and improved samples."""
    a, b = comparison.run_a, comparison.run_b
    notes = [
        f"Baseline {_run(a)}, this run {_run(b)}: {comparison.n_shared:,} paired samples. "
        f"Δ = this run − baseline with 95% paired confidence intervals; q-values are "
        f"Benjamini–Hochberg across {len(comparison.metrics)} tests (α = {comparison.alpha:g})."
    ]
    if comparison.intersect:
        notes.append(
            "The runs are of different task versions: they are compared on the sample ids "
            "they share."
        )
    if comparison.n_only_a or comparison.n_only_b:
        notes.append(
            f"Samples only in the baseline: {comparison.n_only_a:,}; only in this run: "
            f"{comparison.n_only_b:,}."
        )
    skipped = "".join(
        f"<li>{_e(name)}: not compared — {_e(why)}</li>" for name, why in comparison.skipped
    )
    body = "".join(f"<p>{note}</p>" for note in notes)
    if skipped:
        body += f'<ul class="muted">{skipped}</ul>'
    if comparison.metrics:
        body += (
            f'<div class="charts">{_charts(comparison)}</div><h3>Figures</h3>{_table(comparison)}'
        )
    else:
        body += '<p class="muted">The runs share no scorer with the same signature.</p>'
    body += _changes("Regressed samples", comparison.regressed, "regressed")
    body += _changes("Improved samples", comparison.improved, "improved")
    return f'<section id="comparison"><h2>Comparison with the baseline</h2>{body}</section>'
