"""The live progress of `proctor run`: done/total, rate, errors, cache hits, ETA."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.store import RunRecord, SampleRecord

_LOG_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal


class ProgressBar:
    """An engine `Observer` reporting progress on stderr.

    On a terminal it draws a Rich progress bar, redrawn by Rich's own thread a
    few times per second, so a fast run is not slowed by drawing. Elsewhere
    (CI logs, pipes) it prints one plain line every ten seconds.
    """

    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self.errors = 0
        self.cached = 0
        self.done = 0
        self.total = 0
        self._progress: Any = None
        self._task: Any = None
        self._console: Any = None
        self._started = 0.0
        self._next_log = 0.0
        self._skipped = 0

    def start(self, run: RunRecord, total: int, skipped: int) -> None:
        self.open(f"{run.benchmark} · {run.model_spec}", total, skipped)

    def advance(self, record: SampleRecord) -> None:
        self.step(
            error=record.error is not None or any(s.error for s in record.scores),
            cached=record.cached,
        )

    def open(self, description: str, total: int, done: int = 0) -> None:
        """Start showing progress towards `total` items, `done` of them already."""
        from proctor.cli._common import console

        self._started = time.perf_counter()
        self._next_log = self._started + _LOG_EVERY
        self.total = total
        self.done = self._skipped = done
        if not self.enabled:
            return
        self._console = console(stderr=True)
        if not self._console.is_terminal:
            return
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TextColumn("errors {task.fields[errors]}"),
            TextColumn("cached {task.fields[cached]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            refresh_per_second=5,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            escape(description), total=total, completed=done, rate="0", errors=0, cached=0
        )

    def step(self, *, error: bool = False, cached: bool = False) -> None:
        """One more item done."""
        self.done += 1
        self.errors += error
        self.cached += cached
        if not self.enabled:
            return
        now = time.perf_counter()
        if self._progress is not None:
            elapsed = now - self._started
            self._progress.update(
                self._task,
                advance=1,
                errors=self.errors,
                cached=self.cached,
                rate=f"{(self._progress.tasks[0].completed + 1) / elapsed:.1f}"
                if elapsed > 0
                else "0",
            )
        elif now >= self._next_log:
            self._next_log = now + _LOG_EVERY
            self._console.print(
                f"{self.done}/{self.total} done · errors {self.errors} · cached {self.cached} · "
                f"{now - self._started:.0f} s"
            )

    def finish(self, summary: Any) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop drawing (safe to call twice)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
