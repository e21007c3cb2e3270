"""The HTML report as a file: its sections, its policy, nothing loaded from the network,
and sample data that cannot escape its script element."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from report_runs import make_run, records, wrong_on

from proctor.errors import ConfigError, StoreError
from proctor.report import render_report
from proctor.report._html import CSP, script_json
from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store

N = 40


@pytest.fixture
def runs(store: Store) -> tuple[str, str]:
    rows = records(N, explode={3})
    baseline = make_run(store, rows, wrong_on(set()))
    candidate = make_run(store, rows, wrong_on(range(0, N, 4)), failing={9}, label="v2")
    return baseline, candidate


def embedded(page: str, element_id: str) -> object:
    found = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S
    )
    assert found is not None, element_id
    return json.loads(found.group(1))


def test_the_report_has_every_section(store: Store, runs: tuple[str, str]) -> None:
    page = render_report(store, runs[1])
    assert page.startswith("<!DOCTYPE html>")
    for section in ("run", "metrics", "slices", "distributions", "samples"):
        assert f'<section id="{section}">' in page
    assert 'id="comparison"' not in page
    assert "exact_match/mean" in page and "critic/mean by topic" in page
    assert page.count('class="chart bar-chart"') == 2  # one per metric with slices
    assert page.count('class="chart histogram"') == 2  # one per scorer
    assert "95% CI" in page and "n 39/40" in page  # the exact_match card: one model error


def test_the_header_describes_the_run(store: Store, runs: tuple[str, str]) -> None:
    run = store.get_run(runs[1])
    page = render_report(store, run.id)
    for text in (run.id, run.task_version, run.model_spec, "label", "v2", "report-test"):
        assert text in page
    assert "2 sample(s) with a model or scorer error" in page


def test_the_policy_allows_only_the_page_s_own_inline_style_and_script(
    store: Store, runs: tuple[str, str]
) -> None:
    page = render_report(store, runs[1])
    head = page[: page.index("</head>")]
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in head
    assert head.index("Content-Security-Policy") < head.index("<style>")
    assert "default-src 'none'" in CSP and "script-src 'unsafe-inline'" in CSP
    assert "connect-src" not in CSP  # default-src 'none' covers fetches too


def test_nothing_is_loaded_from_the_network(store: Store, runs: tuple[str, str]) -> None:
    page = render_report(store, runs[1], compare_with=runs[0])
    lowered = page.lower()
    assert not re.search(
        r"""\b(src|href|action|poster|srcset|data)\s*=\s*["']?\s*(https?:)?//""", lowered
    )
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", lowered)
    assert "@import" not in lowered
    # the only URLs are the SVG namespace, which names the vocabulary and loads nothing
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script type="application/json" id="proctor-meta">',
        '<script type="application/json" id="proctor-rows">',
        "<script>",
    ]
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page))


def test_the_samples_are_embedded_as_json(store: Store, runs: tuple[str, str]) -> None:
    page = render_report(store, runs[1])
    rows = embedded(page, "proctor-rows")
    meta = embedded(page, "proctor-meta")
    assert isinstance(rows, list) and len(rows) == N
    assert meta["scorers"] == ["exact_match", "critic"] and meta["total"] == N
    assert meta["slices"] == {"topic": ["blue", "green", "red"]}
    first = rows[0]
    assert (first["id"], first["in"], first["out"], first["tgt"]) == (
        "q0",
        "question 0",
        "no idea",
        "answer 0",
    )
    critic = next(s for s in first["sc"] if s["n"] == "critic")
    assert critic["src"] == "judge" and critic["p"].startswith("critic_v1:")
    assert [c["met"] for c in critic["cr"]] == [False, False]
    assert rows[9]["err"] == "ModelError: the server is down"
    assert "ScorerError" in next(s for s in rows[3]["sc"] if s["n"] == "critic")["err"]


def test_max_samples_limits_the_table_not_the_figures(store: Store, runs: tuple[str, str]) -> None:
    page = render_report(store, runs[1], max_samples=5)
    assert len(embedded(page, "proctor-rows")) == 5
    assert "the first 5 of 40" in page
    assert "(n = 38)" in page  # exact_match's histogram: every scored sample


def test_the_comparison_section_shows_paired_deltas(store: Store, runs: tuple[str, str]) -> None:
    page = render_report(store, runs[1], compare_with=runs[0])
    section = page[page.index('<section id="comparison">') :]
    section = section[: section.index("</section>")]
    assert 'class="chart delta-chart"' in section
    assert "exact_match/mean[topic=red]" in section and "regressed" in section
    assert "Regressed samples" in section and "no idea" in section
    assert "critic: not compared" in section  # a scorer that cannot be rebuilt is named
    assert "Δ −0.256 vs baseline (regressed)" in page  # the card: 10 of 39 paired went wrong


def test_a_refused_comparison_and_an_unknown_run_raise(store: Store, runs: tuple[str, str]) -> None:
    with pytest.raises(ConfigError, match="compared with itself"):
        render_report(store, runs[1], compare_with=runs[1])
    with pytest.raises(StoreError, match="no run matches"):
        render_report(store, "nope")


@pytest.mark.parametrize(
    "text",
    [
        "</script><script>alert(1)</script>",
        "<!-- <script>",
        "a & b > c",
        "line\u2028separator\u2029paragraph",
        "lone \ud800 surrogate",
        "emoji 😀 and accents é",
    ],
)
def test_json_in_a_script_element_is_inert_and_round_trips(text: str) -> None:
    encoded = script_json({"out": text, "n": [1, 2.5, None, True]})
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert not re.search("[\ud800-\udfff]", encoded)
    encoded.encode("utf-8")  # always encodable
    assert json.loads(encoded) == {"out": text, "n": [1, 2.5, None, True]}


def _bare_run(store: Store, run_id: str, **fields: object) -> RunRecord:
    """A run written directly, with no benchmark behind it."""
    values: dict[str, object] = {
        "benchmark": "bare",
        "task_version": "t",
        "dataset_version": "d",
        "selection_version": "d",
        "model_spec": "python:m:f",
        "model_config": {},
        "scorers": [],
        "n_samples": 0,
        "started_at": datetime.now(UTC),
    }
    run = RunRecord(id=run_id, **(values | fields))  # type: ignore[arg-type]
    store.create_run(run)
    return run


def test_a_run_without_samples_still_renders(store: Store) -> None:
    run = _bare_run(store, "empty0000001", status="failed")
    page = render_report(store, run.id)
    assert "No metrics were stored for this run." in page and "No scores to show." in page
    assert embedded(page, "proctor-rows") == []


def test_label_scores_get_a_chart_of_their_counts(store: Store) -> None:
    run = _bare_run(store, "labels000001", scorers=[{"name": "sentiment"}], n_samples=3)
    store.write_samples(
        [
            SampleRecord(run.id, f"s{i}", 0, i, "x", scores=[ScoreRecord("sentiment", label)])
            for i, label in enumerate(["positive", "negative", "positive"])
        ]
    )
    page = render_report(store, run.id)
    chart = page[page.index("sentiment: labels") :]
    assert page.count('class="chart bar-chart"') == 1 and 'class="chart histogram"' not in page
    assert chart.index("positive") < chart.index("negative")  # the most common first


def test_the_page_script_never_parses_text_as_html() -> None:
    from proctor.report._assets import JS

    assert "textContent" in JS
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in JS, sink
