"""`render_report`: one run as a single HTML file that opens offline.

Everything the page needs is inside it: the stylesheet, SVG charts drawn here,
the samples as JSON and a small script that shows them as a searchable,
filterable, sortable table a page at a time. A Content-Security-Policy meta
tag lets the page run only its own inline style and script and load nothing.

Safety: every string from the store is untrusted (model outputs, inputs,
judge explanations, and also benchmark, model, label and slice names). In the
markup it is `html.escape`d, attributes quoted. The samples go into a
`<script type="application/json">` element, where `<`, `>`, `&`, U+2028 and
U+2029 are written as `\\u` escapes so that no text can close the element,
and the script only ever puts them in the page through `textContent`.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from proctor.report import _svg
from proctor.report._assets import CSS, JS
from proctor.report._data import (
    SampleRow,
    ScoreTally,
    SliceGroup,
    overview,
    sample_rows,
)

if TYPE_CHECKING:
    from proctor.compare import Comparison, MetricDelta
    from proctor.metrics import MetricValue
    from proctor.store import RunRecord, Store

__all__ = ["CSP", "render_report", "script_json"]

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
PAGE_SIZE = 50
SHOW_CHANGES = 10  # regressed and improved samples listed in a comparison

_UNSAFE_IN_SCRIPT = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _escape_in_script(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def script_json(value: Any) -> str:
    """`value` as JSON that is inert inside a `<script>` element.

    `<`, `>` and `&` cannot start a closing tag or a comment; U+2028/U+2029 are
    line terminators to older script parsers; a lone surrogate (which UTF-8
    cannot encode) is kept as its escape. Outside strings JSON has none of
    these characters, so escaping them everywhere is exact.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _UNSAFE_IN_SCRIPT.sub(_escape_in_script, text)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_report(
    store: Store,
    run_id: str,
    *,
    compare_with: str | None = None,
    max_samples: int | None = None,
) -> str:
    """The HTML report of run `run_id` (an id or a unique prefix).

    With `compare_with`, that run is the baseline and this run the candidate of a
    paired comparison (`proctor.compare`), shown as deltas per metric and slice
    with the samples that regressed and improved most. `max_samples` keeps the
    table to the first rows (charts and figures still cover the whole run).
    """
    view = overview(store, run_id)
    comparison = None
    if compare_with is not None:
        from proctor.compare import compare

        # compared first: a refused comparison fails before the samples are read
        comparison = compare(compare_with, view.run.id, store=store, show=SHOW_CHANGES)
    tally = ScoreTally()
    rows = [
        script_json(_row_json(row))
        for row in sample_rows(store, view.run, tally, limit=max_samples)
    ]
    scorers = [s.get("name") for s in view.run.scorers if s.get("name")]
    scorers += [name for name in tally.scorers() if name not in scorers]
    meta = {
        "scorers": scorers,
        "slices": {k: sorted(v) for k, v in tally.slice_values.items()},
        "epochs": view.run.epochs,
        "total": tally.records,
        "shown": len(rows),
        "pageSize": PAGE_SIZE,
    }
    sections = [_run_facts(view.run), _metric_cards(view.metrics, comparison)]
    if comparison is not None:
        from proctor.report._html_compare import comparison_section

        sections.append(comparison_section(comparison))
    sections += [_slices(view.slices), _distributions(tally), _samples(tally, len(rows))]
    run = view.run
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(run.benchmark)} · {_e(run.model_spec)} · Proctor report</title>",
        f"<style>{CSS}</style></head><body>",
        _header(run, comparison is not None),
        "<main>",
        *sections,
        "</main>",
        f"<footer>Proctor report · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</footer>",
        f'<script type="application/json" id="proctor-meta">{script_json(meta)}</script>',
        '<script type="application/json" id="proctor-rows">[',
        ",".join(rows),
        "]</script>",
        f"<script>{JS}</script></body></html>\n",
    ]
    return "".join(parts)


def _row_json(row: SampleRow) -> dict[str, Any]:
    """A row with short keys and empty fields left out: a 10,000-sample page stays small."""
    data: dict[str, Any] = {"id": row.sample_id, "ep": row.epoch, "in": row.input}
    optional = {
        "turns": row.turns if row.turns > 1 else None,
        "out": row.output,
        "tgt": row.target,
        "err": row.error,
        "lat": row.latency_ms,
        "tin": row.input_tokens,
        "tout": row.output_tokens,
        "cached": row.cached or None,
        "sl": row.slices or None,
    }
    data.update((k, v) for k, v in optional.items() if v is not None)
    scores = []
    for cell in row.scores:
        score: dict[str, Any] = {"n": cell.scorer}
        fields = {
            "v": cell.value,
            "x": cell.explanation,
            "a": cell.answer,
            "src": cell.source if cell.source != "scorer" else None,
            "by": cell.annotator,
            "p": cell.prompt,
            "err": cell.error,
        }
        score.update((k, v) for k, v in fields.items() if v is not None)
        if cell.criteria:
            score["cr"] = [
                {
                    k: v
                    for k, v in {
                        "t": c.text,
                        "pt": c.points,
                        "met": c.met,
                        "x": c.explanation,
                        "tags": list(c.tags) or None,
                    }.items()
                    if v is not None
                }
                for c in cell.criteria
            ]
        if cell.jurors:
            score["j"] = [
                {k: v for k, v in {"who": j.juror, "r": j.rating, "x": j.reason}.items() if v}
                | ({"e": True} if j.error else {})
                for j in cell.jurors
            ]
        scores.append(score)
    if scores:
        data["sc"] = scores
    return data


def _cost(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}"


def _when(value: datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M:%S} UTC"


def _facts(run: RunRecord) -> list[tuple[str, str]]:
    samples = f"{run.n_samples:,} × {run.epochs} epoch(s); scored {run.n_scored:,}"
    if run.n_cached:
        samples += f", from cache {run.n_cached:,}"
    duration = ""
    if run.started_at is not None and run.finished_at is not None:
        duration = f" ({(run.finished_at - run.started_at).total_seconds():,.1f} s)"
    facts = [
        ("run", run.id),
        ("label", run.label or "—"),
        ("status", run.status),
        ("benchmark", f"{run.benchmark} · task version {run.task_version}"),
        ("dataset", f"{run.dataset_version} (selection {run.selection_version})"),
        ("model", run.model_spec),
        ("started", _when(run.started_at)),
        ("finished", _when(run.finished_at) + duration),
        ("samples", samples),
        ("errors", f"{run.n_errors:,} sample(s) with a model or scorer error"),
        (
            "tokens",
            f"in {run.input_tokens if run.input_tokens is not None else 'n/a'}, "
            f"out {run.output_tokens if run.output_tokens is not None else 'n/a'}",
        ),
        ("cost", _cost(run.cost)),
    ]
    if run.judge_calls:
        facts.append(
            (
                "judges",
                f"{run.judge_calls:,} call(s), tokens in {run.judge_input_tokens or 0:,} / out "
                f"{run.judge_output_tokens or 0:,}, cost {_cost(run.judge_cost)}",
            )
        )
    signatures = [str(s.get("signature") or s.get("name") or "?") for s in run.scorers]
    facts.append(("scorers", " · ".join(signatures) or "—"))
    if run.slices:
        facts.append(("slices", ", ".join(run.slices)))
    commit = run.environment.get("git_commit") if isinstance(run.environment, dict) else None
    if commit:
        facts.append(("git commit", str(commit)))
    return facts


def _header(run: RunRecord, compared: bool) -> str:
    sub = [f"run {run.id}", run.status, f"{run.n_samples:,} samples"]
    if run.label:
        sub.insert(1, f"label {run.label}")
    links = [("metrics", "Metrics")]
    if compared:
        links.append(("comparison", "Comparison"))
    links += [("slices", "Slices"), ("distributions", "Distributions"), ("samples", "Samples")]
    nav = "".join(f'<a href="#{anchor}">{text}</a>' for anchor, text in links)
    return (
        f'<header class="top"><h1>{_e(run.benchmark)} <span class="model">· '
        f"{_e(run.model_spec)}</span></h1>"
        f'<div class="sub">{_e(" · ".join(sub))}</div></header>'
        f'<nav class="toc">{nav}</nav>'
    )


def _run_facts(run: RunRecord) -> str:
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in _facts(run))
    return f'<section id="run"><h2>Run</h2><dl class="facts">{facts}</dl></section>'


def _ci(low: float | None, high: float | None, *, sign: bool = False) -> str:
    if low is None or high is None:
        return "n/a"
    return f"[{_svg.fmt_value(low, sign=sign)}, {_svg.fmt_value(high, sign=sign)}]"


def _metric_cards(metrics: list[MetricValue], comparison: Comparison | None) -> str:
    deltas: dict[str, MetricDelta] = {}
    if comparison is not None:
        deltas = {d.name: d for d in comparison.metrics if d.slice_key is None}
    cards = []
    for m in metrics:
        better = "higher is better" if m.higher_is_better else "lower is better"
        card = (
            f'<div class="card"><div class="card-name">{_e(m.name)}</div>'
            f'<div class="card-value">{_e(_svg.fmt_value(m.value))}</div>'
            f'<div class="card-ci">95% CI {_e(_ci(m.ci_low, m.ci_high))}</div>'
            f'<div class="card-n">n {m.n:,}/{m.n_total:,} · {_e(m.method)} · {better}</div>'
        )
        d = deltas.get(m.name)
        if d is not None:
            delta = _svg.fmt_value(d.delta, sign=True)
            card += (
                f'<div class="card-delta st-{_e(d.status)}">Δ {_e(delta)} vs baseline '
                f"({_e(d.status)})</div>"
            )
        cards.append(card + "</div>")
    body = "".join(cards) or '<p class="muted">No metrics were stored for this run.</p>'
    return f'<section id="metrics"><h2>Metrics</h2><div class="cards">{body}</div></section>'


def _box(svg: str) -> str:
    return f'<div class="chart-box">{svg}</div>'


def _slices(groups: list[SliceGroup]) -> str:
    if not groups:
        return (
            '<section id="slices"><h2>Slices</h2><p class="muted">This run has no slices '
            "(declare <code>slices:</code> in the benchmark).</p></section>"
        )
    charts = []
    for group in groups:
        items = [
            (f"{m.slice_value} (n={m.n})", m.value, m.ci_low, m.ci_high) for m in group.figures
        ]
        if group.overall is not None:
            o = group.overall
            items.insert(0, (f"all (n={o.n})", o.value, o.ci_low, o.ci_high))
        charts.append(_box(_svg.bar_chart(items, title=f"{group.name} by {group.key}")))
    return (
        f'<section id="slices"><h2>Slices</h2><div class="charts">{"".join(charts)}</div></section>'
    )


def _distributions(tally: ScoreTally) -> str:
    charts = []
    for name in tally.scorers():
        values = tally.values.get(name)
        if values:
            binary = tally.binary.get(name, False)
            in_unit = min(values) >= 0 and max(values) <= 1
            title = f"{name}: scores" + (" (0 = false, 1 = true)" if binary else "")
            charts.append(
                _box(
                    _svg.histogram(
                        values,
                        bins=2 if binary else 20,
                        title=title,
                        lo=0.0 if in_unit else None,
                        hi=1.0 if in_unit else None,
                    )
                )
            )
        labels = tally.labels.get(name)
        if labels:
            items = [(label, float(n), None, None) for label, n in labels.most_common(30)]
            charts.append(_box(_svg.bar_chart(items, title=f"{name}: labels")))
        if tally.errors.get(name):
            charts.append(
                f'<p class="muted small">{_e(name)}: {tally.errors[name]:,} scorer error(s), '
                "not counted above.</p>"
            )
    body = "".join(charts) or '<p class="muted">No scores to show.</p>'
    return (
        f'<section id="distributions"><h2>Score distributions</h2>'
        f'<div class="charts">{body}</div></section>'
    )


def _samples(tally: ScoreTally, shown: int) -> str:
    note = ""
    if shown < tally.records:
        note = (
            f'<p class="muted">The table holds the first {shown:,} of {tally.records:,} '
            "samples; the figures and charts cover all of them.</p>"
        )
    sizes = "".join(f'<option value="{n}">{n} per page</option>' for n in (25, PAGE_SIZE, 100, 250))
    return (
        '<section id="samples"><h2>Samples</h2>'
        f"{note}"
        '<div class="controls">'
        '<input type="search" id="q" placeholder="Search input, output, target, explanations" '
        'aria-label="Search samples">'
        '<label><input type="checkbox" id="errors-only"> errors only</label>'
        '<label>score <select id="score-scorer" aria-label="Scorer"></select></label>'
        '<select id="score-outcome" aria-label="Score outcome">'
        '<option value="">any outcome</option>'
        '<option value="failed">failed (false or 0)</option>'
        '<option value="below">not full marks (&lt; 1)</option>'
        '<option value="partial">partial (between 0 and 1)</option>'
        '<option value="passed">passed (true or ≥ 1)</option>'
        '<option value="error">scorer error</option></select>'
        '<label>slice <select id="slice" aria-label="Slice"></select></label>'
        '<span id="match-count" class="muted"></span></div>'
        '<div class="pager"><button type="button" id="prev">‹ previous</button>'
        '<span id="page-info"></span><button type="button" id="next">next ›</button>'
        f'<select id="page-size" aria-label="Rows per page">{sizes}</select></div>'
        '<div class="scroll"><table class="grid" id="samples-table">'
        '<thead><tr id="samples-head"></tr></thead><tbody id="samples-body"></tbody>'
        "</table></div></section>"
    )
