"""Every run of a benchmark over time, with significant changes marked.

Each run is shown with its own figures (value and 95% CI, as stored). A run
is compared with the previous *comparable* run — the latest earlier finished
run of the same task version — by the paired comparison of `compare`; its
overall metrics that changed significantly (q < α) are flagged. Runs of a new
task version start a new line of comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.compare._compare import MetricDelta
    from proctor.metrics import MetricValue
    from proctor.store import RunRecord, Store


@dataclass
class HistoryEntry:
    """One run: its overall figures, and the changes against `previous` (a run id)."""

    run: RunRecord
    metrics: dict[str, MetricValue]
    previous: str | None = None
    changes: dict[str, MetricDelta] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run.id,
            "label": self.run.label,
            "model": self.run.model_spec,
            "task_version": self.run.task_version,
            "started_at": None if self.run.started_at is None else self.run.started_at.isoformat(),
            "status": self.run.status,
            "metrics": {
                name: {"value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high, "n": m.n}
                for name, m in self.metrics.items()
            },
            "previous": self.previous,
            "changes": {
                name: {"delta": d.delta, "q_value": d.q_value, "status": d.status}
                for name, d in self.changes.items()
            },
        }


def history(
    store: Store,
    benchmark: str,
    *,
    limit: int = 50,
    resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> list[HistoryEntry]:
    """The last `limit` finished runs of `benchmark`, oldest first, changes flagged."""
    from proctor.compare._compare import compare

    runs = [r for r in store.list_runs(benchmark=benchmark, limit=limit) if r.status == "finished"]
    if not runs:
        known = sorted({r.benchmark for r in store.list_runs(limit=200)})
        raise ConfigError(
            f"no finished run of benchmark {benchmark!r} in the store"
            + (f" (benchmarks: {', '.join(known)})" if known else "")
        )
    runs.reverse()
    entries: list[HistoryEntry] = []
    latest: dict[str, RunRecord] = {}  # task version -> its latest run so far
    for run in runs:
        figures = {m.name: m for m in store.get_metrics(run.id) if m.slice_key is None}
        entry = HistoryEntry(run, figures)
        previous = latest.get(run.task_version)
        if previous is not None:
            comparison = compare(
                previous.id,
                run.id,
                store=store,
                resamples=resamples,
                seed=seed,
                alpha=alpha,
                show=0,
            )
            entry.previous = previous.id
            entry.changes = {m.name: m for m in comparison.metrics if m.slice_key is None}
        latest[run.task_version] = run
        entries.append(entry)
    return entries
