"""Hostile text in the store stays text in a real browser.

Model outputs, inputs, targets, explanations, labels, model names, benchmark
names, sample ids, metadata (slice values), juror names and rubric criteria all
carry script payloads. Every page that shows them is opened in Chromium: no
dialog may open, `window.__pwned` must stay undefined, and each payload must be
on the page as visible text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from browser_support import require_browser
from scripted import ScriptedModel
from web_data import PAYLOADS, live_server, make_run, run_async

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark_async
from proctor.scorer import resolve_scorer
from proctor.store import SampleRecord, ScoreRecord, Store

require_browser()

HOSTILE = " | ".join(PAYLOADS)
BENCHMARK = f"bench {PAYLOADS[0]}"
SAMPLE_ID = PAYLOADS[1]


def _rows() -> list[dict]:
    rows = [
        {
            "id": SAMPLE_ID if i == 0 else f"x{i}",
            "input": f"question {i} {HOSTILE}",
            "target": f"target {i} {PAYLOADS[2]}",
            "topic": PAYLOADS[i % 3],
        }
        for i in range(12)
    ]
    return rows


async def _runs(store: Store) -> tuple[str, str]:
    bench = Benchmark(
        name=BENCHMARK,
        dataset=Dataset.from_records(_rows()),
        scorers=[resolve_scorer("exact_match")],
        slices=("topic",),
    )
    good = ScriptedModel(spec=f"scripted:{PAYLOADS[0]}")  # answers each target
    bad = ScriptedModel(lambda r: f"output {HOSTILE}", spec=f"scripted:{PAYLOADS[2]}")
    a = await run_benchmark_async(
        bench, good, store=store, options=RunOptions(cache=False, label=PAYLOADS[1])
    )
    b = await run_benchmark_async(
        bench, bad, store=store, options=RunOptions(cache=False, label=PAYLOADS[2])
    )
    return a.run.id, b.run.id


def _judged(run_id: str) -> SampleRecord:
    return SampleRecord(
        run_id=run_id,
        sample_id=PAYLOADS[2],
        epoch=0,
        position=0,
        input=[{"role": PAYLOADS[0], "content": HOSTILE}],
        target=HOSTILE,
        metadata={PAYLOADS[0]: PAYLOADS[1]},
        output=HOSTILE,
        output_extra={"contexts": [HOSTILE]},
        scores=[
            ScoreRecord(
                scorer="rubric",
                value=0.5,
                answer=PAYLOADS[1],
                explanation=HOSTILE,
                source="judge",
                annotator=PAYLOADS[0],
                metadata={
                    "prompt": PAYLOADS[2],
                    "criteria": [
                        {
                            "criterion": PAYLOADS[0],
                            "points": 1,
                            "tags": [PAYLOADS[1]],
                            "met": True,
                            "explanation": PAYLOADS[2],
                        }
                    ],
                    "ratings": {PAYLOADS[0]: PAYLOADS[1]},
                    "explanations": {PAYLOADS[0]: PAYLOADS[2]},
                },
            ),
            ScoreRecord(scorer=PAYLOADS[1], value=None, error=HOSTILE),
        ],
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('xss') / 'proctor.db'}"
    with Store(url) as store:
        a, b = run_async(_runs(store))
        judged = "0123456789ab"
        store.create_run(
            make_run(
                judged,
                BENCHMARK,
                model_spec=PAYLOADS[1],
                label=PAYLOADS[0],
                scorers=[{"name": "rubric", "signature": PAYLOADS[2]}],
            )
        )
        store.write_samples([_judged(judged)])
    with live_server(url) as base:
        yield base, a, b, judged


def _assert_harmless(page: Any, dialogs: list[str], *expected: str) -> None:
    assert dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.inner_text("body")
    for payload in expected:
        assert payload in text


def test_runs_list(page: Any, dialogs: list[str], hostile: tuple) -> None:
    base, *_ = hostile
    page.goto(f"{base}/")
    _assert_harmless(page, dialogs, *PAYLOADS, BENCHMARK)
    page.select_option("select[name=label]", PAYLOADS[2])  # the filter's options too
    page.click("#run-filters button")
    _assert_harmless(page, dialogs, PAYLOADS[2])
    assert page.locator("#runs tbody tr").count() == 1


def test_run_page_and_a_search_for_the_payload(
    page: Any, dialogs: list[str], hostile: tuple
) -> None:
    base, _, b, _ = hostile
    page.goto(f"{base}/runs/{b}")
    page.wait_for_selector("#samples[data-state=ready]")
    _assert_harmless(page, dialogs, BENCHMARK, PAYLOADS[2], HOSTILE)
    for payload in PAYLOADS:
        page.fill("#sample-filters input[name=q]", payload)
        page.press("#sample-filters input[name=q]", "Enter")
        page.wait_for_selector("#samples[data-state=ready]")
        assert page.locator("#sample-table tbody tr").count() == 12
        _assert_harmless(page, dialogs, payload)
    page.select_option("#sample-filters select[name=slice]", index=1)  # a payload slice value
    page.wait_for_selector("#samples[data-state=ready]")
    assert page.locator("#sample-table tbody tr").count() == 4
    _assert_harmless(page, dialogs)


def test_sample_page_of_a_hostile_sample_id(page: Any, dialogs: list[str], hostile: tuple) -> None:
    base, _, b, _ = hostile
    page.goto(f"{base}/runs/{b}")
    page.wait_for_selector("#samples[data-state=ready]")
    page.click("#sample-table tbody tr:first-child a")  # the link built from the id
    page.wait_for_selector("#sample-id")
    assert page.inner_text("#sample-id") == SAMPLE_ID
    _assert_harmless(page, dialogs, HOSTILE, f"target 0 {PAYLOADS[2]}")


def test_sample_page_with_hostile_scores(page: Any, dialogs: list[str], hostile: tuple) -> None:
    base, _, _, judged = hostile
    page.goto(f"{base}/runs/{judged}/samples/{quote(PAYLOADS[2], safe='')}")
    _assert_harmless(page, dialogs, *PAYLOADS, HOSTILE)
    assert page.locator("table.criteria tbody tr").count() == 1
    assert page.locator("table.jurors tbody tr").count() == 1


def test_compare_page(page: Any, dialogs: list[str], hostile: tuple) -> None:
    base, a, b, _ = hostile
    page.goto(f"{base}/compare?a={a}&b={b}")
    page.wait_for_selector("#deltas")
    _assert_harmless(page, dialogs, *PAYLOADS, f"output {HOSTILE}")
    assert page.locator(".regressed-sample").count() == 10


def test_history_page(page: Any, dialogs: list[str], hostile: tuple) -> None:
    base, *_ = hostile
    page.goto(f"{base}/history")
    page.click("#benchmarks a >> nth=0")
    page.wait_for_selector("#benchmark-name")
    assert page.inner_text("#benchmark-name") == BENCHMARK
    _assert_harmless(page, dialogs, *PAYLOADS)
