"""The SVG charts: well-formed, accessible, escaped, and drawing what they are given."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from proctor.report._svg import (
    COLORS,
    bar_chart,
    bin_counts,
    delta_chart,
    fmt_value,
    histogram,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<b>bold</b> & \"quoted\" 'single' </svg><script>alert(1)</script>"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root: ET.Element) -> str:
    return " ".join("".join(e.itertext()) for e in root.iter(f"{NS}text"))


def every_chart(label: str = "x", title: str = "t") -> list[str]:
    return [
        bar_chart([(label, 0.5, 0.4, 0.6)], title=title),
        histogram([0.1, 0.2], title=title),
        trend_chart([(label, 0.5, 0.4, 0.6, None), ("b", 0.6, 0.5, 0.7, "improved")], title=title),
        delta_chart([(label, 0.1, 0.0, 0.2, "improved")], title=title),
    ]


def test_every_chart_is_an_accessible_image_with_a_title() -> None:
    for svg in every_chart(title="Accuracy by topic"):
        root = parse(svg)
        assert root.tag == f"{NS}svg" and root.get("role") == "img"
        assert root[0].tag == f"{NS}title" and root[0].text == "Accuracy by topic"
        assert root.get("aria-label") == "Accuracy by topic"


def test_labels_and_titles_are_escaped_never_markup() -> None:
    for svg in every_chart(label=HOSTILE, title=HOSTILE):
        assert "<script" not in svg and "<b>" not in svg
        assert "&lt;script&gt;" in svg and "&quot;quoted&quot;" in svg and "&#x27;single" in svg
        root = parse(svg)
        tags = {e.tag.removeprefix(NS) for e in root.iter()}
        assert not tags & {"script", "b", "foreignObject"}
        assert root[0].text == HOSTILE  # the text survives, as text


def test_bar_chart_draws_a_whisker_for_each_interval() -> None:
    items = [("a", 0.5, 0.4, 0.6), ("b", 0.7, None, None), ("c", 0.2, 0.1, 0.35)]
    root = parse(bar_chart(items))
    assert len(by_class(root, "bar")) == 3
    whiskers = by_class(root, "whisker")
    assert len(whiskers) == 2
    # a whisker is the interval line and its two end caps
    assert all(len(list(w.iter(f"{NS}line"))) == 3 for w in whiskers)


def test_bar_chart_whisker_spans_the_interval_on_the_scale() -> None:
    root = parse(bar_chart([("a", 0.5, 0.25, 0.75)], lo=0, hi=1))
    bar = by_class(root, "bar")[0]
    line = next(by_class(root, "whisker")[0].iter(f"{NS}line"))
    x0 = float(bar.get("x"))
    full = (float(line.get("x2")) - float(line.get("x1"))) * 2  # the interval is half the range
    assert float(bar.get("width")) == pytest.approx(full / 2, abs=0.2)
    assert float(line.get("x1")) == pytest.approx(x0 + full / 4, abs=0.2)


def test_missing_values_are_shown_as_n_a_without_a_bar() -> None:
    root = parse(bar_chart([("known", 0.5, None, None), ("unknown", None, None, None)]))
    assert len(by_class(root, "bar")) == 1
    assert "n/a" in texts(root)
    only_missing = parse(bar_chart([("unknown", None, None, None)]))
    assert not by_class(only_missing, "bar") and "n/a" in texts(only_missing)


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart([], title="empty"),
        histogram([], title="empty"),
        histogram([math.nan, math.inf]),
        trend_chart([]),
        trend_chart([("r1", None, None, None, None)]),
        delta_chart([]),
    ],
)
def test_empty_charts_say_no_data(svg: str) -> None:
    root = parse(svg)
    assert "no data" in texts(root) and root.get("role") == "img"


def test_bin_counts_put_each_value_in_its_bin() -> None:
    counts, lo, hi = bin_counts([0.0, 0.1, 0.49, 0.5, 0.99, 1.0], 2, 0.0, 1.0)
    assert (counts, lo, hi) == ([3, 3], 0.0, 1.0)  # the last bin includes its upper edge
    counts, _, _ = bin_counts([0.05 * i for i in range(20)], 20, 0.0, 1.0)
    assert counts == [1] * 20


def test_bin_counts_keep_out_of_range_values_in_the_edge_bins_and_skip_nan() -> None:
    counts, _, _ = bin_counts([-0.5, 0.2, 1.7, math.nan, math.inf], 4, 0.0, 1.0)
    assert counts == [2, 0, 0, 1]


def test_bin_counts_of_identical_values_get_a_range() -> None:
    counts, lo, hi = bin_counts([3.0, 3.0, 3.0], 5)
    assert lo < 3.0 < hi and sum(counts) == 3


def test_histogram_bars_carry_their_counts() -> None:
    values = [0.1] * 5 + [0.6] * 3 + [0.95]
    root = parse(histogram(values, bins=4, lo=0, hi=1, title="scores"))
    bars = by_class(root, "bar")
    assert [int(b.get("data-count")) for b in bars] == [5, 0, 3, 1]
    assert max(float(b.get("height")) for b in bars) == float(bars[0].get("height"))
    assert "(n = 9)" in texts(root)


def test_trend_chart_draws_the_band_the_line_and_the_marks() -> None:
    points = [
        ("run 1", 0.70, 0.65, 0.75, None),
        ("run 2", 0.72, 0.67, 0.77, None),
        ("run 3", 0.60, 0.55, 0.65, "regressed"),
        ("run 4", 0.75, 0.70, 0.80, "improved"),
    ]
    root = parse(trend_chart(points, title="exact_match/mean"))
    assert len(by_class(root, "band")) == 1
    assert len(by_class(root, "line")) == 1
    assert len(by_class(root, "regressed")) == 1 and len(by_class(root, "improved")) == 1
    assert len(by_class(root, "point")) == 4


def test_trend_chart_breaks_the_line_at_a_missing_value() -> None:
    points = [
        ("1", 0.5, 0.4, 0.6, None),
        ("2", 0.6, 0.5, 0.7, None),
        ("3", None, None, None, None),
        ("4", 0.5, 0.4, 0.6, None),
        ("5", 0.7, 0.6, 0.8, None),
    ]
    root = parse(trend_chart(points))
    assert len(by_class(root, "line")) == 2 and len(by_class(root, "band")) == 2
    assert len(by_class(root, "point")) == 4


def test_delta_chart_is_centred_on_zero_and_coloured_by_status() -> None:
    items = [
        ("worse", -0.1, -0.15, -0.05, "regressed"),
        ("better", 0.05, 0.01, 0.09, "improved"),
        ("same", 0.0, -0.02, 0.02, "unchanged"),
    ]
    root = parse(delta_chart(items))
    zero = by_class(root, "zero")
    assert len(zero) == 1
    points = {p.get("class").split()[1]: p for p in by_class(root, "point")}
    for status in ("regressed", "improved", "unchanged"):
        assert points[status].get("fill") == COLORS[status]
    # the range is symmetric: zero sits halfway between the plot's edges
    assert float(points["regressed"].get("cx")) < float(zero[0].get("x1"))
    assert float(points["improved"].get("cx")) > float(zero[0].get("x1"))


def test_coordinates_are_written_compactly() -> None:
    for svg in every_chart():
        numbers = re.findall(r' (?:x|y|x1|x2|y1|y2|cx|cy|width|height)="(-?[0-9.]+)"', svg)
        assert numbers and all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers), numbers


def test_values_are_formatted_for_people() -> None:
    assert fmt_value(0.5) == "0.500"
    assert fmt_value(12.345) == "12.3"
    assert fmt_value(1234.4) == "1,234"
    assert fmt_value(-0.05, sign=True) == "−0.050"
    assert fmt_value(0.05, sign=True) == "+0.050"
    assert fmt_value(None) == "n/a" and fmt_value(math.nan) == "n/a"
