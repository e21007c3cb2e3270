"""Screenshots of `proctor serve` for the README, from a demo store built here.

    python scripts/screenshots.py [--out docs/screenshots]

Builds a SQLite store in a temporary folder with three runs of the example
benchmark `examples/support/benchmark.yaml`: the example app
(`python:support_app:answer`), a worse variant whose knowledge base lost
its shipping and returns articles (`python:screenshots:answer_trimmed`, defined below), then
the example app again. Serves it on a free 127.0.0.1 port and saves PNGs of
the runs list, a run, its sample table, a sample, a comparison and the
benchmark's history, drawn by Debian's Chromium through Playwright
(`apt-get install chromium`; `pip install playwright`). Nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT / "examples" / "support" / "benchmark.yaml"
VIEWPORT = {"width": 1280, "height": 800}
# what tests/browser_support.py passes: headless, no sandbox, no background traffic
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


TRIMMED = ("shipping", "returns", "refund")
"""Articles the worse variant's knowledge base lost (by id prefix)."""


def answer_trimmed(prompt: Any, sample: Any) -> dict:
    """The example app with a trimmed knowledge base: the regression to be found."""
    import support_app

    article = support_app.retrieve(sample.input_text)
    if article.startswith(TRIMMED):
        return {"text": "Sorry, I cannot help with that; please contact support.", "contexts": []}
    return support_app.answer(prompt, sample)


def build_store(url: str) -> list[str]:
    """Three runs of the example benchmark; their ids, oldest first."""
    from proctor import run_benchmark
    from proctor.benchmark import load_benchmark
    from proctor.engine import RunOptions
    from proctor.store import Store

    benchmark = load_benchmark(BENCHMARK)  # puts examples/support on the path
    plan = [
        ("python:support_app:answer", "v1"),
        ("python:screenshots:answer_trimmed", "v2-kb-trimmed"),
        ("python:support_app:answer", "v3-kb-restored"),
    ]
    ids = []
    with Store(url) as store:
        for spec, label in plan:
            summary = run_benchmark(benchmark, spec, store=store, options=RunOptions(label=label))
            ids.append(summary.run.id)
            time.sleep(0.01)  # distinct start times keep the order unambiguous
    return ids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(url: str) -> Iterator[str]:
    """The viewer over `url` on a free 127.0.0.1 port, in a thread; yields its address."""
    import uvicorn

    from proctor.web import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(url), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the viewer did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def shoot(base: str, ids: list[str], out: Path) -> list[Path]:
    """Open each page in Chromium and save a viewport-sized PNG of it."""
    from playwright.sync_api import sync_playwright

    first, worse, _ = ids
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)

            def save(name: str) -> None:
                path = out / f"{name}.png"
                page.screenshot(path=str(path))
                saved.append(path)

            page.goto(f"{base}/")
            save("runs")
            page.goto(f"{base}/runs/{worse}")
            page.wait_for_selector("#samples[data-state=ready]")
            save("run")
            # the regressed slice, samples below full marks only
            page.select_option("#sample-filters select[name=slice]", label="topic = shipping")
            page.check("#sample-filters input[name=failed]")
            page.wait_for_selector("#samples[data-state=ready]")
            page.evaluate(
                "document.querySelector('#samples').previousElementSibling.scrollIntoView()"
            )
            save("run-samples")
            page.goto(f"{base}/runs/{worse}/samples/sup-009")
            save("sample")
            page.goto(f"{base}/compare?a={first}&b={worse}")
            save("compare")
            page.goto(f"{base}/history/support-qa")
            save("history")
        finally:
            browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # python:screenshots:...
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        ids = build_store(url)
        with serving(url) as base:
            for path in shoot(base, ids, args.out):
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
