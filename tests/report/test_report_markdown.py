"""The Markdown report: headline figures, and the comparison as `proctor compare` writes it."""

from __future__ import annotations

import re

import pytest
from report_runs import make_run, records, wrong_on

from proctor.errors import ConfigError
from proctor.report import Gates, run_markdown
from proctor.store import Store

N = 40
PAYLOAD = "<img src=x onerror=alert(1)> [link](javascript:alert(2)) `tick` | pipe"


def test_a_run_alone_gets_its_headline_figures(store: Store) -> None:
    run_id = make_run(store, records(N), wrong_on({1, 2}), failing={5})
    text = run_markdown(store, run_id)
    assert text.startswith("## Proctor: report-test · scripted:test\n")
    assert f"Run `{run_id}`" in text and "40 samples × 1 epoch(s), 1 with errors" in text
    assert "| metric | value | 95% CI | n | method |" in text
    assert "| exact\\_match/mean | 0.949 | [" in text and "| 39/40 | wilson |" in text
    assert "[topic=" not in text  # slices are left to the HTML report


def test_a_comparison_adds_deltas_and_top_regressions(store: Store) -> None:
    rows = records(N)
    baseline = make_run(store, rows, wrong_on(set()))
    candidate = make_run(store, rows, wrong_on(range(0, N, 4)))
    text = run_markdown(store, candidate, compare_with=baseline)
    head, comparison = text.split("\n### Proctor: ", 1)
    assert "| metric | value | 95% CI | n | method |" in head
    assert comparison.startswith("scripted:test vs scripted:test on report-test")
    assert "| exact\\_match/mean | 1.000 | 0.750 | -0.250 |" in comparison
    assert "#### Top regressions" in comparison and "` no idea `" in comparison


def test_gates_are_checked_on_the_comparison(store: Store) -> None:
    rows = records(N)
    baseline = make_run(store, rows, wrong_on(set()))
    candidate = make_run(store, rows, wrong_on(range(0, N, 4)))
    gates = Gates(fail_if=("exact_match/mean < -0.05",), significant_regression=True)
    text = run_markdown(store, candidate, compare_with=baseline, gates=gates)
    assert "**Gates: FAILED** (0/2)" in text
    with pytest.raises(ConfigError, match="gates are checked on a comparison"):
        run_markdown(store, candidate, gates=gates)


def test_untrusted_text_stays_inert(store: Store) -> None:
    rows = records(N)
    baseline = make_run(store, rows, wrong_on(set()))
    candidate = make_run(store, rows, wrong_on({0, 1}, text=PAYLOAD), label=PAYLOAD)
    text = run_markdown(store, candidate, compare_with=baseline)
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt; \\[link\\]\\(javascript:" in text  # label
    assert "`` &lt;img src=x onerror=alert(1)&gt; [link](javascript:" in text  # output
    # outside code spans, no link or image syntax survives
    outside = re.sub(r"(`+) .*? \1", "", text)
    assert "](javascript:" not in outside and "<" not in outside
