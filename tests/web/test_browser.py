"""The viewer in a real browser (Debian's Chromium through Playwright) against a real
uvicorn server on 127.0.0.1: what a person clicking through it sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import require_browser
from web_data import N, Seeded, live_server

require_browser()

from playwright.sync_api import expect  # noqa: E402  (after the skip when missing)


@pytest.fixture(scope="module")
def base(seeded_sqlite: Seeded) -> Iterator[str]:
    with live_server(seeded_sqlite.url) as url:
        yield url


def _rows(page: Any) -> int:
    page.wait_for_selector("#samples[data-state=ready]")
    return page.locator("#sample-table tbody tr").count()


def test_the_runs_list_shows_every_run(page: Any, base: str, console_errors: list) -> None:
    page.goto(f"{base}/")
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 3
    assert rows.nth(1).inner_text().count("candidate") == 1
    assert "exact_match/mean" in rows.nth(1).inner_text()
    page.select_option("select[name=label]", "baseline")
    page.click("#run-filters button")
    assert page.locator("#runs tbody tr").count() == 1
    assert console_errors == []


def test_open_a_run_then_search_its_samples(page: Any, base: str, seeded_sqlite: Seeded) -> None:
    page.goto(f"{base}/")
    page.click(f"text={seeded_sqlite.candidate}")
    assert page.inner_text("h1") == "web-qa · scripted:worse"
    assert page.locator("#metric-cards .metric").count() == 2
    assert page.locator("svg.bar-chart").count() >= 2  # exact_match and f1 by topic
    assert _rows(page) == N
    page.fill("#sample-filters input[name=q]", "question 1")  # searched as one types
    expect(page.locator("#sample-status")).to_have_text("rows 1–11 of 11")
    assert _rows(page) == 11


def test_filters_errors_failures_and_slices(page: Any, base: str, seeded_sqlite: Seeded) -> None:
    page.goto(f"{base}/runs/{seeded_sqlite.candidate}")
    assert _rows(page) == N
    page.check("#sample-filters input[name=errors]")
    assert _rows(page) == 1
    assert "ModelError: the server is down" in page.inner_text("#sample-table tbody")
    page.uncheck("#sample-filters input[name=errors]")
    page.select_option("#sample-filters select[name=scorer]", "exact_match")
    page.check("#sample-filters input[name=failed]")
    assert _rows(page) == 19
    page.uncheck("#sample-filters input[name=failed]")
    page.select_option("#sample-filters select[name=scorer]", "")
    page.select_option("#sample-filters select[name=slice]", label="topic = even")
    assert _rows(page) == N // 2


def test_a_sample_opens_and_back_keeps_the_filters(
    page: Any, base: str, seeded_sqlite: Seeded
) -> None:
    page.goto(f"{base}/runs/{seeded_sqlite.candidate}?q=question%203")
    assert page.input_value("#sample-filters input[name=q]") == "question 3"
    assert _rows(page) == 11  # q3, q30..q39
    page.click("#sample-table tbody tr:first-child a")
    page.wait_for_selector("#sample-id")
    assert page.inner_text("#sample-id") == "q3"
    assert page.inner_text(".output") == "something else entirely"
    assert "exact_match" in page.inner_text(".score[data-scorer=exact_match]")
    page.go_back()
    assert page.input_value("#sample-filters input[name=q]") == "question 3"
    assert _rows(page) == 11


def test_paging_through_samples(page: Any, base: str, seeded_sqlite: Seeded) -> None:
    page.goto(f"{base}/runs/{seeded_sqlite.baseline}")
    page.wait_for_selector("#samples[data-state=ready]")
    page.select_option("#sample-filters select[name=limit]", "25")
    assert _rows(page) == 25
    page.click("#sample-next")
    assert _rows(page) == N - 25
    assert page.inner_text("#sample-status") == f"rows 26–{N} of {N}"
    assert page.is_disabled("#sample-next") and not page.is_disabled("#sample-prev")


def test_a_sample_shows_rubric_criteria_and_jurors(
    page: Any, base: str, seeded_sqlite: Seeded, console_errors: list
) -> None:
    page.goto(f"{base}/runs/{seeded_sqlite.graded}/samples/s0")
    criteria = page.locator("table.criteria tbody tr")
    assert criteria.count() == 3
    assert criteria.nth(0).inner_text().split("\t")[:2] == ["met", "+5"]
    assert criteria.nth(1).inner_text().split("\t")[:2] == ["not met", "-3"]
    assert criteria.nth(2).inner_text().startswith("no verdict")
    jurors = page.locator("table.jurors tbody tr")
    assert "clear and safe" in jurors.nth(0).inner_text()
    assert "no verdict" in jurors.nth(1).inner_text()
    assert "rubric_v1:0123456789ab" in page.inner_text(".score[data-scorer=rubric]")
    assert "5 of 7 points" in page.inner_text(".score[data-scorer=rubric]")
    assert console_errors == []


def test_compare_two_runs_picked_from_the_selects(
    page: Any, base: str, seeded_sqlite: Seeded, console_errors: list
) -> None:
    page.goto(f"{base}/compare")
    page.select_option("#pick-a", seeded_sqlite.baseline)
    page.select_option("#pick-b", seeded_sqlite.candidate)
    page.click("#compare-form button")
    page.wait_for_selector("#deltas")
    overall = page.locator("#deltas tr.overall", has_text="exact_match/mean")
    assert "regressed" in overall.inner_text()
    assert page.locator("svg.delta-chart").count() >= 1
    first = page.locator(".regressed-sample").first
    assert first.locator(".output-a").inner_text().startswith("answer")
    assert first.locator(".output-b").inner_text() == "something else entirely"
    assert console_errors == []


def test_compare_from_the_runs_list(page: Any, base: str, seeded_sqlite: Seeded) -> None:
    page.goto(f"{base}/")
    page.check(f"input[name=a][value='{seeded_sqlite.baseline}']")
    page.check(f"input[name=b][value='{seeded_sqlite.candidate}']")
    page.click("text=Compare >> nth=-1")
    page.wait_for_selector("#deltas")
    assert page.input_value("#pick-a") == seeded_sqlite.baseline


def test_comparing_other_task_versions_says_why(
    page: Any, base: str, seeded_sqlite: Seeded
) -> None:
    page.goto(f"{base}/compare?a={seeded_sqlite.baseline}&b={seeded_sqlite.graded}")
    assert "task version" in page.inner_text("#compare-error")


def test_history_shows_the_trend_and_the_regression(
    page: Any, base: str, console_errors: list
) -> None:
    page.goto(f"{base}/history")
    page.click("#benchmarks >> text=web-qa")
    assert page.inner_text("#benchmark-name") == "web-qa"
    assert page.locator("svg.trend-chart").count() == 2  # exact_match/mean, f1/mean
    rows = page.locator("#history tbody tr")
    assert rows.count() == 2
    assert "regressed" in rows.nth(0).inner_text()  # newest first: the candidate
    assert console_errors == []


def test_with_a_token_the_link_lets_the_browser_in(chromium: Any, seeded_sqlite: Seeded) -> None:
    with live_server(seeded_sqlite.url, token="browser-token") as guarded:
        stranger = chromium.new_context().new_page()
        assert stranger.goto(f"{guarded}/").status == 401
        stranger.context.close()
        context = chromium.new_context()
        page = context.new_page()
        page.goto(f"{guarded}/runs/{seeded_sqlite.baseline}?token=browser-token")
        assert page.url == f"{guarded}/runs/{seeded_sqlite.baseline}"
        assert _rows(page) == N  # the table's fetches carry the cookie
        cookie = next(c for c in context.cookies() if c["name"] == "proctor_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # out of scripts' reach
        context.close()
