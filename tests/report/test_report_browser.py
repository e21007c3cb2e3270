"""The HTML report in Chromium: the table pages, searches, filters and sorts; the
comparison shows its deltas. Opened from a file, as a reader would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import browser, require_browser
from report_runs import make_run, records, wrong_on

from proctor.report import render_report
from proctor.store import Store

require_browser()

from playwright.sync_api import expect  # noqa: E402  (after the skip when it is missing)

N = 120
WRONG = set(range(0, N, 4))  # 30 samples the candidate gets wrong
FAILING = {9, 10}  # model errors
EXPLODE = {3}  # the critic fails on it

OpenReport = Callable[..., Any]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The candidate's report alone and compared with the baseline, written once.

    Made before the browser starts: Playwright's sync API runs an event loop,
    and the engine must not run inside it.
    """
    folder = tmp_path_factory.mktemp("reports")
    rows = records(N, explode=EXPLODE)
    with Store(f"sqlite:///{folder / 'proctor.db'}") as store:
        baseline = make_run(store, rows, wrong_on(set()))
        candidate = make_run(store, rows, wrong_on(WRONG), failing=FAILING, label="v2")
        pages = {
            "alone": render_report(store, candidate),
            "compared": render_report(store, candidate, compare_with=baseline),
        }
    paths = {}
    for name, html in pages.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def chromium(reports: dict[str, Path]) -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture
def open_report(chromium: Any, reports: dict[str, Path]) -> Iterator[OpenReport]:
    """`open_report(name)`: that report loaded from its file, its script done; no script error."""
    pages: list[tuple[Any, list[str]]] = []

    def open_(name: str) -> Any:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        pages.append((page, errors))
        page.goto(reports[name].as_uri())
        page.wait_for_selector("body[data-ready]", timeout=10_000)
        return page

    yield open_
    for page, errors in pages:
        page.close()
        assert errors == []


def rows(page: Any) -> Any:
    return page.locator("#samples-body tr")


def matched(page: Any) -> int:
    return int(page.get_attribute("#match-count", "data-count"))


def test_the_table_shows_a_page_at_a_time(
    open_report: OpenReport,
) -> None:
    page = open_report("alone")
    expect(rows(page)).to_have_count(50)
    expect(page.locator("#page-info")).to_have_text("page 1 of 3")
    assert page.is_disabled("#prev") and matched(page) == N
    page.click("#next")
    page.click("#next")
    expect(page.locator("#page-info")).to_have_text("page 3 of 3")
    expect(rows(page)).to_have_count(20)
    assert page.is_disabled("#next")
    expect(rows(page).first.locator("td").first).to_contain_text("q100")


def test_search_filters_the_table(
    open_report: OpenReport,
) -> None:
    page = open_report("alone")
    expect(rows(page)).to_have_count(50)
    page.fill("#q", "ANSWER 42")  # every word must match, whatever the case
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("question 42")
    page.fill("#q", "no idea")  # the wrong answers, found in outputs and explanations
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(len(WRONG)))
    page.fill("#q", "the judge gave no verdict")  # a scorer's error is searchable too
    expect(rows(page)).to_have_count(1)
    page.fill("#q", "")
    expect(rows(page)).to_have_count(50)
    assert matched(page) == N


def test_errors_only_keeps_the_samples_with_a_model_or_scorer_error(
    open_report: OpenReport,
) -> None:
    page = open_report("alone")
    page.check("#errors-only")
    expect(rows(page)).to_have_count(len(FAILING | EXPLODE))
    ids = rows(page).locator("td.sample .sid").all_inner_texts()
    assert sorted(ids) == sorted(f"q{i}" for i in FAILING | EXPLODE)
    expect(rows(page).first).to_have_class("has-error")
    expect(page.locator("#samples-body")).to_contain_text("ModelError: the server is down")
    page.uncheck("#errors-only")
    expect(rows(page)).to_have_count(50)


def test_score_and_slice_filters(open_report: OpenReport) -> None:
    page = open_report("alone")
    page.select_option("#score-scorer", "exact_match")
    page.select_option("#score-outcome", "failed")
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(len(WRONG)))
    page.select_option("#score-outcome", "passed")
    passed = N - len(WRONG) - len(FAILING - WRONG)
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(passed))
    page.select_option("#score-scorer", "critic")
    page.select_option("#score-outcome", "error")
    expect(rows(page)).to_have_count(1)
    page.select_option("#score-outcome", "")
    page.select_option("#slice", label="topic = red")
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(N // 3))
    assert set(rows(page).locator(".tag").all_inner_texts()) == {"topic=red"}


def test_a_score_column_sorts_the_table(
    open_report: OpenReport,
) -> None:
    page = open_report("alone")

    def first_critic() -> str:
        return rows(page).first.locator("td.score").nth(1).locator(".value").inner_text()

    page.click("th button[data-scorer=critic]")
    expect(page.locator("th button[data-scorer=critic]")).to_have_text("critic ▲")
    assert first_critic() == "0.250"  # lowest first
    page.click("th button[data-scorer=critic]")
    assert first_critic() == "1"
    page.click("#next")
    page.click("#next")
    # samples without a critic score (its error, model errors) come last in either direction
    last = rows(page).locator(".sid").all_inner_texts()[-3:]
    assert last == ["q3", "q9", "q10"]
    page.click("th button[data-scorer=critic]")  # a third click: back to sample order
    expect(rows(page).first.locator(".sid")).to_have_text("q0")


def test_the_comparison_shows_the_deltas(
    open_report: OpenReport,
) -> None:
    page = open_report("compared")
    section = page.locator("#comparison")
    expect(section).to_be_visible()
    expect(section.locator("svg.delta-chart")).to_have_count(2)  # overall, and by topic
    expect(section.locator("svg.delta-chart circle.regressed").first).to_be_visible()
    figures = section.locator("table.deltas tbody tr")
    expect(figures).to_have_count(4)  # exact_match overall and its three topics
    first = figures.first.locator("td")
    assert first.nth(0).inner_text() == "exact_match/mean"
    assert first.nth(3).inner_text().startswith("-0.2")
    assert first.nth(9).inner_text() == "regressed"
    expect(section.locator("table.changes").first.locator("tbody tr")).to_have_count(10)
    expect(page.locator(".card-delta").first).to_contain_text("vs baseline (regressed)")
