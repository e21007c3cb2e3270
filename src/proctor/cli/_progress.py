"""The live progress bar of `proctor run`: done/total, rate, errors, cache hits, ETA."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.engine import RunSummary
    from proctor.store import RunRecord, SampleRecord


class ProgressBar:
    """An engine `Observer` drawing a Rich progress bar on stderr.

    The engine calls `advance` once per sample; Rich redraws on its own
    thread a few times per second, so a fast run is not slowed by drawing.
    """

    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self.errors = 0
        self.cached = 0
        self._progress: Any = None
        self._task: Any = None
        self._started = 0.0

    def start(self, run: RunRecord, total: int, skipped: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        from proctor.cli._common import console

        self._started = time.perf_counter()
        if not self.enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TextColumn("errors {task.fields[errors]}"),
            TextColumn("cached {task.fields[cached]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console(stderr=True),
            refresh_per_second=5,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            f"{run.benchmark} · {run.model_spec}",
            total=total,
            completed=skipped,
            rate="0",
            errors=0,
            cached=0,
        )
        self._done = 0

    def advance(self, record: SampleRecord) -> None:
        if record.error is not None or any(s.error for s in record.scores):
            self.errors += 1
        if record.cached:
            self.cached += 1
        if self._progress is not None:
            self._done += 1
            elapsed = time.perf_counter() - self._started
            self._progress.update(
                self._task,
                advance=1,
                errors=self.errors,
                cached=self.cached,
                rate=f"{self._done / elapsed:.1f}" if elapsed > 0 else "0",
            )

    def finish(self, summary: RunSummary) -> None:
        if self._progress is not None:
            self._progress.stop()
