"""A comparison as JSON, or as Markdown ready for a pull-request comment.

Model outputs and inputs are untrusted: in Markdown they go inside code spans
or fenced blocks whose fence is longer than any run of backticks in the text,
and HTML-significant characters are escaped, so an output cannot break out
into links, images or raw HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.compare._compare import Comparison, MetricDelta, SampleChange
    from proctor.compare._gates import GateResult

_MARKS = {"regressed": "🔻 regressed", "improved": "🟢 improved", "unchanged": "·", "n/a": "n/a"}


def to_json(
    comparison: Comparison, gates: Sequence[GateResult] = (), warnings: Sequence[str] = ()
) -> str:
    data = comparison.to_dict()
    data["gates"] = [g.to_dict() for g in gates]
    data["passed"] = all(g.passed for g in gates)
    data["warnings"] = list(warnings)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def fmt(value: float | None, digits: int = 3, *, sign: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def fmt_p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


def _cell(text: Any) -> str:
    """Untrusted text inside a Markdown table cell: an escaped inline code span."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False)
    flat = " ".join(text.split())
    if len(flat) > 120:
        flat = flat[:119] + "…"
    flat = flat.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def _plain(text: str) -> str:
    """A name from the store (metric, model, label) as inert Markdown text."""
    escaped = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", escaped)


def _row(m: MetricDelta) -> str:
    ci = "n/a" if m.ci_low is None else f"[{fmt(m.ci_low, sign=True)}, {fmt(m.ci_high, sign=True)}]"
    return (
        f"| {_plain(m.name)} | {fmt(m.a)} | {fmt(m.b)} | {fmt(m.delta, sign=True)} | {ci} | "
        f"{fmt_p(m.p_value)} | {fmt_p(m.q_value)} | {m.n} | {_MARKS.get(m.status, m.status)} |"
    )


def _changes(title: str, changes: Sequence[SampleChange]) -> list[str]:
    if not changes:
        return []
    lines = [
        f"### {title}",
        "",
        "| sample | scorer | A | B | output A | output B |",
        "|---|---|---|---|---|---|",
    ]
    for c in changes:
        lines.append(
            f"| {_cell(c.sample_id)} | {_plain(c.scorer)} | {c.a:.3g} | {c.b:.3g} | "
            f"{_cell(c.output_a)} | {_cell(c.output_b)} |"
        )
    return [*lines, ""]


def to_markdown(
    comparison: Comparison, gates: Sequence[GateResult] = (), warnings: Sequence[str] = ()
) -> str:
    """A short report: headline deltas, gates, top regressions, warnings."""
    a, b = comparison.run_a, comparison.run_b
    lines = [
        f"## Proctor: {_plain(b.model_spec)} vs {_plain(a.model_spec)} on {_plain(a.benchmark)}",
        "",
        f"Baseline `{a.id}`{' (' + _plain(a.label) + ')' if a.label else ''} → candidate "
        f"`{b.id}`{' (' + _plain(b.label) + ')' if b.label else ''}: {comparison.n_shared} "
        "paired samples"
        + (
            " (different task versions: compared on shared sample ids)"
            if comparison.intersect
            else ""
        )
        + "; Δ = B − A with 95% paired CIs; q = Benjamini–Hochberg across "
        + f"{len(comparison.metrics)} tests.",
        "",
    ]
    if gates:
        failed = [g for g in gates if not g.passed]
        lines.append(
            f"**Gates: {'FAILED' if failed else 'passed'}** "
            f"({len(gates) - len(failed)}/{len(gates)})"
        )
        lines.append("")
        for g in gates:
            lines.append(f"- {'✅' if g.passed else '❌'} {_plain(g.rule)} — {_plain(g.detail)}")
        lines.append("")
    headline = [m for m in comparison.metrics if m.slice_key is None]
    lines += [
        "| metric | A | B | Δ | 95% CI | p | q | n | |",
        "|---|---:|---:|---:|---|---:|---:|---:|---|",
        *(_row(m) for m in headline),
        "",
    ]
    moved = [m for m in comparison.metrics if m.slice_key is not None and m.status != "unchanged"]
    if moved:
        lines += [
            "Slices with a significant change:",
            "",
            "| metric | A | B | Δ | 95% CI | p | q | n | |",
            "|---|---:|---:|---:|---|---:|---:|---:|---|",
            *(_row(m) for m in moved),
            "",
        ]
    for name, why in comparison.skipped:
        lines.append(f"- not compared: {_plain(name)} — {_plain(why)}")
    if comparison.skipped:
        lines.append("")
    lines += _changes("Top regressions", comparison.regressed[:5])
    lines += [f"- ⚠️ {_plain(w)}" for w in warnings]
    return "\n".join(lines).rstrip() + "\n"
