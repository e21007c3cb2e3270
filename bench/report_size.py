"""How big the HTML report of a large run is, and how fast a browser shows it.

    python bench/report_size.py [--samples 10000]

Two runs of 10,000 samples each are written straight into a temporary SQLite
store (scorers `exact_match` and `f1`, a `topic` slice of 8 values, a
judge-like explanation on a third of the `f1` scores, a model error on 1% of
the samples and a scorer error on a few more), their metrics computed as the
engine does. Then, for the report of the second run alone and compared with
the first (`--compare`):

- the time to render it (Python) and the file's size — target < 15 MB;
- the time Chromium (headless, through Playwright, Debian's `chromium`) takes
  from `page.goto(file://...)` until the page's script has drawn the first
  page of the table and set `data-ready` on `<body>` (the SVG charts are in
  the markup, drawn by then) — target < 3 s, median and worst of 3 loads;
- and, for information, how long a search over every row takes to show.

The figures are printed with their targets; this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proctor.store import Store

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

SIZE_TARGET_MB = 15.0
LOAD_TARGET_S = 3.0
TOPICS = ["billing", "shipping", "returns", "account", "orders", "products", "contact", "other"]
WORDS = [
    *("the", "order", "refund", "policy", "days", "shipping", "customer", "account"),
    *("invoice", "payment", "returned", "delivery", "address", "support", "team"),
    *("business", "within", "label", "free", "charge", "card", "email"),
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _write_run(store: Store, n: int, *, skill: float, seed: int) -> str:
    from proctor.engine._aggregate import run_metrics
    from proctor.scorer import resolve_scorer
    from proctor.store import RunRecord, SampleRecord, ScoreRecord, new_run_id

    rng = random.Random(seed)
    scorers = [resolve_scorer("exact_match"), resolve_scorer("f1")]
    started = datetime.now(UTC)
    run = RunRecord(
        id=new_run_id(),
        benchmark="support-qa-large",
        task_version="t1",
        dataset_version="d1",
        selection_version="d1",
        model_spec=f"openai:assistant-v{seed}",
        model_config={},
        scorers=[s.describe() for s in scorers],
        n_samples=n,
        slices=["topic"],
        started_at=started,
        status="finished",
        label=f"v{seed}",
    )
    store.create_run(run)
    data = random.Random(0)  # the same questions and targets in both runs
    batch = []
    for i in range(n):
        question = _sentence(data, 18)
        target = _sentence(data, 3)
        right = rng.random() < skill
        output = f"{target} {_sentence(rng, 25)}" if right else _sentence(rng, 30)
        record = SampleRecord(
            run.id,
            f"q{i:05d}",
            0,
            i,
            [
                {"role": "system", "content": "You are the support assistant of a shop."},
                {"role": "user", "content": question},
            ],
            target=target,
            metadata={"topic": TOPICS[data.randrange(len(TOPICS))]},
            output=output,
            latency_ms=rng.uniform(200, 1500),
            input_tokens=60,
            output_tokens=40,
        )
        if rng.random() < 0.01:
            record.output, record.error = None, "ModelError: the server returned 503"
        else:
            f1 = rng.betavariate(4, 2) if right else rng.betavariate(1.5, 5)
            explanation = None
            if i % 3 == 0:
                explanation = (
                    f"The answer {'states' if right else 'misses'} the key fact of the reference; "
                    + _sentence(rng, 20)
                )
            record.scores = [
                ScoreRecord("exact_match", right),
                ScoreRecord("f1", f1, explanation=explanation, source="judge", annotator="j")
                if rng.random() > 0.005
                else ScoreRecord("f1", None, error="ScorerError: the judge gave no verdict"),
            ]
        batch.append(record)
        if len(batch) == 2000:
            store.write_samples(batch)
            batch = []
    store.write_samples(batch)
    _, counts = run_metrics(store, run, scorers)
    store.update_run(run.id, finished_at=started + timedelta(minutes=12), **counts.run_fields())
    return run.id


def _browser_seconds(path: Path) -> tuple[float, float]:
    """Seconds from `goto` to the first table page drawn; then for a search over every row
    (the first search also builds the rows' search text; typing waits 150 ms first)."""
    from browser_support import browser
    from playwright.sync_api import expect

    with browser() as launched:
        page = launched.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("about:blank")
        start = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", timeout=60_000)
        load = time.perf_counter() - start
        shown = page.locator("#samples-body tr").count()
        before = page.get_attribute("#match-count", "data-count")
        start = time.perf_counter()
        page.fill("#q", "misses")
        # polled from outside: the page's policy forbids the eval `wait_for_function` needs
        expect(page.locator("#match-count")).not_to_have_attribute(
            "data-count", before or "", timeout=60_000
        )
        search = time.perf_counter() - start
        page.close()
    if errors or shown == 0:
        raise SystemExit(f"the report did not render: {errors or 'no rows'}")
    return load, search


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    args = parser.parse_args()

    from proctor.report import render_report
    from proctor.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        start = time.perf_counter()
        baseline = _write_run(store, args.samples, skill=0.72, seed=1)
        candidate = _write_run(store, args.samples, skill=0.68, seed=2)
        written = time.perf_counter() - start
        print(
            f"report of a {args.samples:,}-sample run (2 scorers, 8 slices); "
            f"writing the two runs first: {written:.1f} s, not counted"
        )
        for title, compare_with in (("report", None), ("report --compare", baseline)):
            start = time.perf_counter()
            page = render_report(store, candidate, compare_with=compare_with)
            rendered = time.perf_counter() - start
            path = Path(folder) / f"{title.replace(' ', '')}.html"
            path.write_text(page, encoding="utf-8")
            size = path.stat().st_size / 1e6
            timings = [_browser_seconds(path) for _ in range(3)]
            load = statistics.median(t[0] for t in timings)
            worst = max(t[0] for t in timings)
            search = statistics.median(t[1] for t in timings)
            print(
                f"  {title:<17} render {rendered:5.2f} s   size {size:5.1f} MB "
                f"({'ok' if size < SIZE_TARGET_MB else 'OVER'}, target < {SIZE_TARGET_MB:.0f} MB)"
            )
            print(
                f"  {'':<17} Chromium to charts and first table page {load:4.2f} s "
                f"(median of 3, worst {worst:.2f} s; "
                f"{'ok' if worst < LOAD_TARGET_S else 'OVER'}, target < {LOAD_TARGET_S:.0f} s); "
                f"a search over every row {search:.2f} s"
            )
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
