"""Charts as SVG text, drawn on the server: no chart library and nothing to download.

The HTML report and the web viewer inline these strings in their pages, so a
report opens offline and a page needs no script to show its figures. Every
label and title comes from the store (benchmark, slice and metric names are
user data) and is escaped with `html.escape(..., quote=True)` before it
enters an element or an attribute.

Each chart is an `<svg role="img">` whose first child is a `<title>`, read by
screen readers and shown as a tooltip; each bar or point has its own
`<title>` with the exact figures. Colours are presentation attributes, and
elements carry classes (`bar`, `whisker`, `point`, `regressed`, ...) so a
page's stylesheet may restyle them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["bar_chart", "bin_counts", "delta_chart", "fmt_value", "histogram", "trend_chart"]

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
BAR = "#4c78a8"
COLORS = {"regressed": "#c62828", "improved": "#2e7d32", "unchanged": "#9ca3af", "n/a": "#9ca3af"}

_ROW = 24  # height of one bar's row
_TITLE = 24  # room for the visible title
_AXIS = 22  # room for the value axis under the bars


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(x: float) -> str:
    """A coordinate, compactly: 12.5, 12, never 12.000000001 or -0."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _known(value: float | None) -> float:
    """A value already checked to be finite, typed as such."""
    return math.nan if value is None else value


def fmt_value(value: float | None, *, sign: bool = False) -> str:
    """A figure for people: three decimals below 10, fewer above, thousands separated."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if size >= 1000:
        text = f"{value:+,.0f}" if sign else f"{value:,.0f}"
    elif size >= 100:
        text = f"{value:+.0f}" if sign else f"{value:.0f}"
    elif size >= 10:
        text = f"{value:+.1f}" if sign else f"{value:.1f}"
    elif size >= 0.001 or size == 0:
        text = f"{value:+.3f}" if sign else f"{value:.3f}"
    else:  # tiny: four decimals read better beside the other figures than an exponent
        text = f"{value:+.4f}" if sign else f"{value:.4f}"
    return text.replace("-", "−")  # a real minus sign reads better and keeps widths even


def _short(value: float) -> str:
    """An axis label: at most four significant digits, no trailing zeros (0, 0.25, 1,500)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace("-", "−")
    text = f"{value:.4g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text).replace("-", "−")


def _interval(low: float | None, high: float | None, *, sign: bool = False) -> str:
    if not (_finite(low) and _finite(high)):
        return ""
    return f"[{fmt_value(low, sign=sign)}, {fmt_value(high, sign=sign)}]"


def _clip(text: str, chars: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def _open(width: int, height: float, title: str, kind: str) -> list[str]:
    label = title or kind
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart {kind}" '
        f'width="{width}" height="{_n(height)}" viewBox="0 0 {width} {_n(height)}" '
        f'aria-label="{_e(label)}" font-family="{FONT}" font-size="12" fill="{INK}">',
        f"<title>{_e(label)}</title>",
    ]


def _heading(title: str) -> str:
    return (
        '<text class="chart-title" x="0" y="16" font-size="13" font-weight="600">'
        f"{_e(title)}</text>"
    )


def _empty(width: int, title: str, kind: str, message: str = "no data") -> str:
    top = _TITLE if title else 0
    parts = _open(width, top + 30, title, kind)
    if title:
        parts.append(_heading(title))
    parts.append(f'<text class="empty" x="0" y="{top + 20}" fill="{MUTED}">{_e(message)}</text>')
    return "".join([*parts, "</svg>"])


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """About `count` round tick values between lo and hi (1, 2, 2.5 or 5 times a power of ten)."""
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + step * 1e-9:
        ticks.append(k * step)
        k += 1
    return ticks


def _domain(
    numbers: Sequence[float], lo: float | None, hi: float | None, *, from_zero: bool
) -> tuple[float, float]:
    """The value range to draw: the given bounds, else the data's (with 0, and [0, 1] for
    figures that are all proportions, so charts of rates are comparable at a glance)."""
    if lo is None:
        lo = min(numbers, default=0.0)
        if from_zero:
            lo = min(lo, 0.0)
    if hi is None:
        hi = max(numbers, default=1.0)
        if from_zero:
            hi = 1.0 if lo >= 0 and hi <= 1 else max(hi, 0.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _value_axis(
    lo: float, hi: float, x0: float, x1: float, top: float, bottom: float, *, zero: bool = False
) -> list[str]:
    def x(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    ticks = _ticks(lo, hi)
    parts = ['<g class="axis">']
    for t in ticks:
        parts.append(
            f'<line x1="{_n(x(t))}" x2="{_n(x(t))}" y1="{_n(top)}" y2="{_n(bottom)}" '
            f'stroke="{GRID}"/>'
            f'<text x="{_n(x(t))}" y="{_n(bottom + 14)}" text-anchor="middle" '
            f'fill="{MUTED}" font-size="11">{_short(t)}</text>'
        )
    if zero and lo < 0 < hi:
        parts.append(
            f'<line class="zero" x1="{_n(x(0))}" x2="{_n(x(0))}" y1="{_n(top)}" '
            f'y2="{_n(bottom)}" stroke="{INK}" stroke-width="1"/>'
        )
    parts.append("</g>")
    return parts


def _whisker(x_low: float, x_high: float, y: float, color: str) -> str:
    return (
        f'<g class="whisker" stroke="{color}" stroke-width="1.5">'
        f'<line x1="{_n(x_low)}" x2="{_n(x_high)}" y1="{_n(y)}" y2="{_n(y)}"/>'
        f'<line x1="{_n(x_low)}" x2="{_n(x_low)}" y1="{_n(y - 5)}" y2="{_n(y + 5)}"/>'
        f'<line x1="{_n(x_high)}" x2="{_n(x_high)}" y1="{_n(y - 5)}" y2="{_n(y + 5)}"/>'
        "</g>"
    )


def bar_chart(
    items: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    title: str = "",
    width: int = 560,
    lo: float | None = None,
    hi: float | None = None,
) -> str:
    """Horizontal bars, one per `(label, value, ci_low, ci_high)`, with CI whiskers.

    The range is `[lo, hi]`, by default the data's from 0 (`[0, 1]` when every
    figure is a proportion). A missing value is drawn as "n/a" without a bar.
    """
    if not items:
        return _empty(width, title, "bar-chart")
    numbers = [v for _, *rest in items for v in rest if _finite(v)]
    lo, hi = _domain(numbers, lo, hi, from_zero=True)
    label_width = min(200.0, width * 0.32)
    x0, x1 = label_width + 8, width - 160.0
    top = _TITLE if title else 4

    def x(v: float) -> float:
        return x0 + (min(max(v, lo), hi) - lo) / (hi - lo) * (x1 - x0)

    bottom = top + len(items) * _ROW
    parts = _open(width, bottom + _AXIS, title, "bar-chart")
    if title:
        parts.append(_heading(title))
    parts += _value_axis(lo, hi, x0, x1, top, bottom, zero=True)
    base = x(min(max(0.0, lo), hi))
    chars = max(4, int(label_width / 7.4))  # about 7 px a character at 12 px
    for i, (label, value, ci_low, ci_high) in enumerate(items):
        mid = top + i * _ROW + _ROW / 2
        figure = f"{label}: {fmt_value(value)} {_interval(ci_low, ci_high)}".strip()
        parts.append(f'<g class="row"><title>{_e(figure)}</title>')
        parts.append(
            f'<text class="label" x="{_n(label_width)}" y="{_n(mid + 4)}" '
            f'text-anchor="end">{_e(_clip(label, chars))}</text>'
        )
        if _finite(value):
            assert value is not None
            left, right = sorted((base, x(value)))
            parts.append(
                f'<rect class="bar" x="{_n(left)}" y="{_n(mid - 7)}" '
                f'width="{_n(max(right - left, 1.0))}" height="14" fill="{BAR}" rx="2"/>'
            )
        if _finite(ci_low) and _finite(ci_high):
            assert ci_low is not None and ci_high is not None
            parts.append(_whisker(x(ci_low), x(ci_high), mid, INK))
        parts.append(
            f'<text class="value" x="{width - 2}" y="{_n(mid + 4)}" font-size="11" '
            f'text-anchor="end">{_e(fmt_value(value))}'
            f'<tspan fill="{MUTED}"> {_e(_interval(ci_low, ci_high))}</tspan></text></g>'
        )
    return "".join([*parts, "</svg>"])


def bin_counts(
    values: Sequence[float], bins: int, lo: float | None = None, hi: float | None = None
) -> tuple[list[int], float, float]:
    """`(counts, lo, hi)`: equal-width bins over [lo, hi] (default: the data's range).

    The last bin includes `hi`; values outside the range are counted in the edge
    bins (an unclipped rubric score below 0 still shows); NaN and infinities are left out.
    """
    bins = max(1, int(bins))
    finite = [v for v in values if math.isfinite(v)]
    if lo is None:
        lo = min(finite, default=0.0)
    if hi is None:
        hi = max(finite, default=1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts = [0] * bins
    scale = bins / (hi - lo)
    for v in finite:
        counts[min(bins - 1, max(0, int((v - lo) * scale)))] += 1
    return counts, lo, hi


def histogram(
    values: Sequence[float],
    *,
    bins: int = 20,
    title: str = "",
    width: int = 560,
    lo: float | None = None,
    hi: float | None = None,
) -> str:
    """The distribution of `values` in `bins` equal-width bins over [lo, hi] (see `bin_counts`)."""
    counts, lo, hi = bin_counts(values, bins, lo, hi)
    total = sum(counts)
    if total == 0:
        return _empty(width, title, "histogram")
    top = _TITLE if title else 8
    x0, x1, plot_height = 44.0, width - 8.0, 120.0
    bottom = top + plot_height
    parts = _open(width, bottom + _AXIS, title, "histogram")
    if title:
        parts.append(_heading(f"{title} (n = {total:,})"))
    peak = max(counts)
    for t in (t for t in _ticks(0, peak, 3) if float(t).is_integer()):  # counts are whole
        y = bottom - t / peak * plot_height
        parts.append(
            f'<line x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
            f'<text x="{_n(x0 - 6)}" y="{_n(y + 4)}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{_short(t)}</text>'
        )
    bar_width = (x1 - x0) / len(counts)
    edge = (hi - lo) / len(counts)
    for i, count in enumerate(counts):
        height = count / peak * plot_height
        start, end = lo + i * edge, lo + (i + 1) * edge
        close = "]" if i == len(counts) - 1 else ")"
        parts.append(
            f'<rect class="bar" data-count="{count}" x="{_n(x0 + i * bar_width + 0.5)}" '
            f'y="{_n(bottom - height)}" width="{_n(max(bar_width - 1, 0.5))}" '
            f'height="{_n(height)}" fill="{BAR}">'
            f"<title>[{_e(fmt_value(start))}, {_e(fmt_value(end))}{close}: {count:,}</title>"
            "</rect>"
        )
    for value, anchor in ((lo, "start"), ((lo + hi) / 2, "middle"), (hi, "end")):
        at = x0 + (value - lo) / (hi - lo) * (x1 - x0)
        parts.append(
            f'<text x="{_n(at)}" y="{_n(bottom + 15)}" text-anchor="{anchor}" fill="{MUTED}" '
            f'font-size="11">{_e(_short(value))}</text>'
        )
    parts.append(
        f'<line x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(bottom)}" y2="{_n(bottom)}" stroke="{INK}"/>'
    )
    return "".join([*parts, "</svg>"])


def _runs(flags: Sequence[bool]) -> list[list[int]]:
    """Indexes grouped into runs of consecutive True flags (lines break at gaps)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, flag in enumerate(flags):
        if flag:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _marker(kind: str | None, cx: float, cy: float) -> str:
    if kind == "regressed":  # a triangle pointing down
        return (
            f'<path class="point regressed" d="M{_n(cx - 6)} {_n(cy - 4)}L{_n(cx + 6)} '
            f'{_n(cy - 4)}L{_n(cx)} {_n(cy + 6)}Z" fill="{COLORS["regressed"]}"/>'
        )
    if kind == "improved":  # a triangle pointing up
        return (
            f'<path class="point improved" d="M{_n(cx - 6)} {_n(cy + 4)}L{_n(cx + 6)} '
            f'{_n(cy + 4)}L{_n(cx)} {_n(cy - 6)}Z" fill="{COLORS["improved"]}"/>'
        )
    return f'<circle class="point" cx="{_n(cx)}" cy="{_n(cy)}" r="3.5" fill="{BAR}"/>'


def trend_chart(
    points: Sequence[tuple[str, float | None, float | None, float | None, str | None]],
    *,
    title: str = "",
    width: int = 720,
) -> str:
    """A figure over runs, `(x label, value, ci_low, ci_high, mark)` oldest first.

    The CI is a shaded band; `mark` "regressed" or "improved" draws a red
    triangle down or a green one up. Missing values break the line.
    """
    if not any(_finite(p[1]) for p in points):
        return _empty(width, title, "trend-chart")
    numbers = [v for _, *rest, _ in points for v in rest if _finite(v)]
    lo, hi = min(numbers), max(numbers)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 0.05)
    lo, hi = lo - pad, hi + pad
    top = _TITLE + 4 if title else 8
    x0, x1, plot_height = 52.0, width - 16.0, 160.0
    bottom = top + plot_height
    count = len(points)

    def x(i: int) -> float:
        return (x0 + x1) / 2 if count == 1 else x0 + i * (x1 - x0) / (count - 1)

    def y(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * plot_height

    parts = _open(width, bottom + _AXIS + 4, title, "trend-chart")
    if title:
        parts.append(_heading(title))
    ticks = _ticks(lo, hi)
    for t in ticks:
        parts.append(
            f'<line x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(y(t))}" y2="{_n(y(t))}" stroke="{GRID}"/>'
            f'<text x="{_n(x0 - 6)}" y="{_n(y(t) + 4)}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{_short(t)}</text>'
        )
    with_ci = [_finite(p[2]) and _finite(p[3]) for p in points]
    for run in _runs(with_ci):
        if len(run) == 1:  # a lone interval: a thick translucent stroke, not a band
            i = run[0]
            high, low = points[i][3], points[i][2]
            assert high is not None and low is not None
            parts.append(
                f'<line class="band" x1="{_n(x(i))}" x2="{_n(x(i))}" y1="{_n(y(high))}" '
                f'y2="{_n(y(low))}" stroke="{BAR}" stroke-opacity="0.35" stroke-width="6"/>'
            )
            continue
        upper = [f"{_n(x(i))} {_n(y(_known(points[i][3])))}" for i in run]
        lower = [f"{_n(x(i))} {_n(y(_known(points[i][2])))}" for i in reversed(run)]
        parts.append(
            f'<path class="band" d="M{"L".join(upper + lower)}Z" fill="{BAR}" '
            'fill-opacity="0.18" stroke="none"/>'
        )
    for run in _runs([_finite(p[1]) for p in points]):
        if len(run) > 1:
            line = " ".join(f"{_n(x(i))},{_n(y(_known(points[i][1])))}" for i in run)
            parts.append(
                f'<polyline class="line" points="{line}" fill="none" stroke="{BAR}" '
                'stroke-width="2"/>'
            )
    shown = max(1, int((x1 - x0) // 80))
    every = max(1, math.ceil(count / shown))
    for i, (label, value, ci_low, ci_high, mark) in enumerate(points):
        if i % every == 0 or i == count - 1:
            # the first and last labels hang inwards, so the chart's edges do not cut them
            anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 else "middle"
            parts.append(
                f'<text class="x-label" x="{_n(x(i))}" y="{_n(bottom + 16)}" '
                f'text-anchor="{anchor}" fill="{MUTED}" font-size="11">'
                f"{_e(_clip(label, 12))}</text>"
            )
        if not _finite(value):
            continue
        assert value is not None
        note = f" ({mark})" if mark else ""
        figure = f"{label}: {fmt_value(value)} {_interval(ci_low, ci_high)}".strip() + note
        parts.append(f"<g><title>{_e(figure)}</title>{_marker(mark, x(i), y(value))}</g>")
    return "".join([*parts, "</svg>"])


def delta_chart(
    items: Sequence[tuple[str, float | None, float | None, float | None, str]],
    *,
    title: str = "",
    width: int = 560,
) -> str:
    """Paired differences `(label, delta, ci_low, ci_high, status)` around a zero line.

    The range is symmetric about zero, so the side a change falls on reads at
    once; point and whisker take the status's colour (regressed red, improved
    green, unchanged grey).
    """
    if not items:
        return _empty(width, title, "delta-chart")
    numbers = [abs(v) for _, *rest, _ in items for v in rest if _finite(v)]
    reach = max(numbers, default=0.0) * 1.1 or 1.0
    lo, hi = -reach, reach
    label_width = min(200.0, width * 0.32)
    x0, x1 = label_width + 8, width - 170.0
    top = _TITLE if title else 4

    def x(v: float) -> float:
        return x0 + (min(max(v, lo), hi) - lo) / (hi - lo) * (x1 - x0)

    bottom = top + len(items) * _ROW
    parts = _open(width, bottom + _AXIS, title, "delta-chart")
    if title:
        parts.append(_heading(title))
    parts += _value_axis(lo, hi, x0, x1, top, bottom, zero=True)
    chars = max(4, int(label_width / 7.4))  # about 7 px a character at 12 px
    for i, (label, delta, ci_low, ci_high, status) in enumerate(items):
        mid = top + i * _ROW + _ROW / 2
        color = COLORS.get(status, COLORS["unchanged"])
        interval = _interval(ci_low, ci_high, sign=True)
        figure = f"{label}: Δ {fmt_value(delta, sign=True)} {interval} ({status})"
        parts.append(f'<g class="row {_e(status)}"><title>{_e(figure)}</title>')
        parts.append(
            f'<text class="label" x="{_n(label_width)}" y="{_n(mid + 4)}" '
            f'text-anchor="end">{_e(_clip(label, chars))}</text>'
        )
        if _finite(ci_low) and _finite(ci_high):
            assert ci_low is not None and ci_high is not None
            parts.append(_whisker(x(ci_low), x(ci_high), mid, color))
        if _finite(delta):
            assert delta is not None
            parts.append(
                f'<circle class="point {_e(status)}" cx="{_n(x(delta))}" cy="{_n(mid)}" r="4.5" '
                f'fill="{color}"/>'
            )
        parts.append(
            f'<text class="value" x="{width - 2}" y="{_n(mid + 4)}" font-size="11" '
            f'text-anchor="end" fill="{color}">{_e(fmt_value(delta, sign=True))}'
            f'<tspan fill="{MUTED}"> {_e(interval)}</tspan></text></g>'
        )
    return "".join([*parts, "</svg>"])
