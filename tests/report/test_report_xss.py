"""A report of hostile text is safe to open: nothing in the store runs as script.

The run's inputs, outputs, targets, judge explanations, rubric criteria, slice
values and label carry script payloads. The report is opened in Chromium and
used (searched, filtered, sorted, paged); no dialog may open, `window.__pwned`
must stay undefined, and every payload must be on the page as text.

The page's policy allows inline script (its own), so it does not stop an
injected handler: escaping does, and that is what this test holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import browser, require_browser
from report_runs import TOPICS, make_run

from proctor.report import render_report
from proctor.store import Store

require_browser()

from playwright.sync_api import expect  # noqa: E402  (after the skip when it is missing)

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "</script><script>window.__pwned=3</script>",
    '<a href="javascript:window.__pwned=4">click me</a> [md](javascript:window.__pwned=5)',
    "<img src=x onerror=alert(6)><svg onload=alert(7)>",
    "<!-- <script>alert(8)</script> --> \u2028 ' onmouseover=alert(9) x='",
]
N = 60


def hostile_records() -> list[dict[str, Any]]:
    rows = []
    for i in range(N):
        payload = PAYLOADS[i % len(PAYLOADS)]
        rows.append(
            {
                "id": f"q{i}",
                "input": f"question {i} {payload}",
                "target": payload if i % 5 == 0 else f"answer {i}",
                "topic": PAYLOADS[1] if i % 7 == 0 else TOPICS[i % 3],
            }
        )
    return rows


def hostile_answer(request: Any) -> str:
    i = int(request.sample.id[1:])
    return f"{PAYLOADS[i % len(PAYLOADS)]} answer" if i % 2 == 0 else f"answer {i}"


@pytest.fixture
def report(store: Store, tmp_path: Path) -> Path:
    rows = hostile_records()
    baseline = make_run(store, rows, lambda r: f"answer {int(r.sample.id[1:])}")
    candidate = make_run(store, rows, hostile_answer, label=PAYLOADS[1])
    path = tmp_path / "report.html"
    path.write_text(render_report(store, candidate, compare_with=baseline), encoding="utf-8")
    return path


@pytest.fixture
def page(report: Path) -> Iterator[Any]:
    with browser() as launched:
        opened = launched.new_page(viewport={"width": 1400, "height": 900})
        yield opened
        opened.close()


def test_no_payload_reaches_the_markup_unescaped(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "window.__pwned" in html  # the payloads are there...
    for payload in PAYLOADS:
        assert payload not in html  # ...never verbatim
    assert not re.search(r"<(img|svg onload|a href=\"javascript)", html)
    assert html.count("<script") == 3 and html.count("</script>") == 3


def test_opening_and_using_the_report_runs_no_payload(page: Any, report: Path) -> None:
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(report.as_uri())
    page.wait_for_selector("body[data-ready]", timeout=10_000)

    body = page.locator("#samples-body")
    page.fill("#q", "__pwned")
    carrying = sum(1 for i in range(N) if "__pwned" in PAYLOADS[i % len(PAYLOADS)])
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(carrying))
    page.fill("#q", "window.__pwned=3")
    expect(page.locator("#match-count")).to_have_attribute("data-count", str(N // 6))
    for payload in PAYLOADS[:3]:
        page.fill("#q", payload)
        expect(body).to_contain_text(payload)  # the payload is shown, as text
    page.fill("#q", "")
    page.hover("#samples-body tr >> nth=0")
    page.click("#next")
    page.click("th button[data-scorer=critic]")
    page.select_option("#slice", index=1)
    page.select_option("#slice", index=0)
    page.check("#errors-only")
    page.uncheck("#errors-only")
    page.select_option("#page-size", "100")
    for payload in PAYLOADS:
        expect(body).to_contain_text(payload.replace("\u2028", " ").split(" ")[0])
    expect(body).to_contain_text(PAYLOADS[3])  # the javascript: links, as text
    expect(body.locator("a, img, iframe, object, embed, svg")).to_have_count(0)

    # the parts drawn on the server: label, slice names in charts and tables, regressed outputs
    expect(page.locator("header.top")).to_contain_text(PAYLOADS[1])
    expect(page.locator("#comparison table.changes").first).to_contain_text(PAYLOADS[0])
    expect(page.locator("#comparison table.deltas")).to_contain_text(PAYLOADS[1])
    options = page.locator("#slice option").all_inner_texts()
    assert f"topic = {PAYLOADS[1]}" in options

    page.wait_for_timeout(300)  # let any timer or late event fire
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        ".some(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value))).length"
    )
    assert handlers == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert errors == []
