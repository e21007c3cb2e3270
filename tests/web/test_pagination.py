"""A big run opens a page at a time: the database is asked for one page and a count,
never for the whole run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_data import client_for, live_server, make_run

from proctor.metrics import MetricValue
from proctor.store import SampleRecord, ScoreRecord, Store

SIZE = 5_000


@pytest.fixture(scope="module")
def big(empty_url: str) -> tuple[str, str]:
    """A store holding one run of 5,000 samples (every 10th wrong, every 100th errored)."""
    run_id = "b16b16b16b16"
    records = [
        SampleRecord(
            run_id=run_id,
            sample_id=f"item-{i:05d}",
            epoch=0,
            position=i,
            input=f"input number {i}",
            target=f"t{i}",
            metadata={"part": "a" if i < 1000 else "b"},
            output=f"output number {i}" if i % 100 else None,
            error=None if i % 100 else "ModelTimeout: no answer in 30 s",
            latency_ms=float(10 + i % 50),
            scores=[]
            if i % 100 == 0
            else [
                ScoreRecord("exact_match", i % 10 != 0),
                ScoreRecord("f1", (i % 10) / 9),
            ],
        )
        for i in range(SIZE)
    ]
    with Store(empty_url) as store:
        store.create_run(
            make_run(
                run_id,
                "big",
                n_samples=SIZE,
                scorers=[{"name": "exact_match"}, {"name": "f1"}],
                slices=["part"],
            )
        )
        store.write_samples(records)
        store.write_metrics(
            run_id,
            [
                MetricValue(
                    "exact_match/mean",
                    "exact_match",
                    "mean",
                    0.9,
                    0.89,
                    0.91,
                    0.004,
                    4950,
                    SIZE,
                    True,
                    "wilson",
                )
            ],
        )
    return empty_url, run_id


@pytest.fixture
def client(big: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def whole_run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the viewer read a whole run")

    monkeypatch.setattr(Store, "iter_samples", whole_run)
    monkeypatch.setattr(Store, "iter_scored", whole_run)
    with client_for(big[0]) as opened:
        yield opened


def test_the_first_page_has_limit_rows_and_the_total(client, big: tuple[str, str]) -> None:
    body = client.get(f"/api/runs/{big[1]}/samples?limit=50").json()
    assert body["total"] == SIZE and len(body["samples"]) == 50
    assert body["samples"][0]["sample_id"] == "item-00000"


def test_a_deep_page_comes_as_quickly_as_the_first(client, big: tuple[str, str]) -> None:
    body = client.get(f"/api/runs/{big[1]}/samples?limit=50&offset=4990").json()
    assert [s["sample_id"] for s in body["samples"]] == [f"item-{i:05d}" for i in range(4990, SIZE)]


def test_filters_count_over_the_whole_run(client, big: tuple[str, str]) -> None:
    url = f"/api/runs/{big[1]}/samples"
    assert client.get(url, params={"errors": "true"}).json()["total"] == 50
    failed = client.get(url, params={"scorer": "exact_match", "failed": "true"}).json()
    assert failed["total"] == 450  # every 10th, less the errored
    part = client.get(url, params={"slice_key": "part", "slice_value": "a"}).json()
    assert part["total"] == 1000
    found = client.get(url, params={"q": "number 4321"}).json()
    assert [s["sample_id"] for s in found["samples"]] == ["item-04321"]


def test_the_run_page_opens_with_its_distributions(client, big: tuple[str, str]) -> None:
    page = client.get(f"/runs/{big[1]}")
    assert page.status_code == 200
    assert page.text.count('class="chart histogram') == 2  # f1 and latency, not 0/1 exact_match


@pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)
def test_the_big_run_opens_in_the_browser(big: tuple[str, str], page: Any) -> None:
    with live_server(big[0]) as base:
        page.goto(f"{base}/runs/{big[1]}")
        page.wait_for_selector("#samples[data-state=ready]")
        assert page.locator("#sample-table tbody tr").count() == 50
        assert page.inner_text("#sample-status") == "rows 1–50 of 5,000"
        page.click("#sample-next")
        page.wait_for_selector("#samples[data-state=ready]")
        assert page.inner_text("#sample-status") == "rows 51–100 of 5,000"
