"""What a run is given (`RunOptions`), what it returns (`RunSummary`), who watches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from proctor.engine._retry import Backoff

if TYPE_CHECKING:
    from proctor.metrics import MetricValue
    from proctor.store import RunRecord, SampleRecord


@dataclass(frozen=True)
class RunOptions:
    """Options of one run that are not part of the benchmark or the model.

    `limit` and `epochs` override the benchmark's; `max_concurrency` the
    model's; `cache` None means the backend's default (on for remote APIs,
    off for `python:` and `replay:`); `resume` names a run to finish, and
    `retry_errors` re-runs its errored samples too.
    """

    limit: int | None = None
    epochs: int | None = None
    max_concurrency: int | None = None
    label: str | None = None
    resume: str | None = None
    retry_errors: bool = False
    cache: bool | None = None
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class RunSummary:
    """What happened in one invocation of a run."""

    run: RunRecord
    metrics: list[MetricValue]
    total: int
    processed: int
    skipped: int
    n_errors: int
    n_cached: int
    cost: float | None
    model_calls: int
    interrupted: bool = False


class Observer(Protocol):
    """Receives progress: the CLI draws its progress bar from these calls."""

    def start(self, run: RunRecord, total: int, skipped: int) -> None: ...

    def advance(self, record: SampleRecord) -> None: ...

    def finish(self, summary: RunSummary) -> None: ...
