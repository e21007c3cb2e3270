"""`online_status`: each window's figures, tested against the trailing baseline, and input drift.

    report = online_status(store, "support-online", options=StatusOptions(last=7))
    for alert in report.alerts(): ...

For every overall figure of the benchmark's window runs (quality scorers and
latency, tokens, cost alike), each tested window is compared with the pooled
per-sample statistics of the `baseline` windows before it that were scored
with the same scorer signature (`proctor.online._drift`). The p-values of
all tests shown are turned into Benjamini–Hochberg q-values; a window is
flagged for a figure when q < `alpha`, the change points the figure's bad
way and |Δ| is at least `min_effect`. Input drift reads all the window's
traffic, sampled or not: input lengths and the shares of each value of the
chosen metadata keys, with their PSI against the baseline windows.

`last` limits the windows tested and shown (earlier ones still form the
baseline), which is what a scheduler checking the latest day wants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ProctorError
from proctor.online._drift import DriftTest, category_psi, compare_window, length_psi
from proctor.online._windows import Window

if TYPE_CHECKING:
    from proctor.metrics import Metric, MetricValue
    from proctor.store import RunRecord, Store
    from proctor.store._online import WindowRun

__all__ = ["InputCheck", "MetricCheck", "StatusOptions", "StatusReport", "online_status"]


@dataclass(frozen=True)
class StatusOptions:
    """How windows are tested; see the module docstring."""

    baseline: int = 7
    alpha: float = 0.05
    min_effect: float = 0.0
    last: int | None = None
    since: datetime | None = None
    keys: tuple[str, ...] | None = None  # metadata keys for input drift; None: the slices
    psi_threshold: float = 0.25
    min_records: int = 100
    resamples: int = 1000
    seed: int = 0


@dataclass
class MetricCheck:
    """One figure of one window, against its baseline."""

    window: Window
    run_id: str
    metric: str
    higher_is_better: bool
    figure: MetricValue | None  # as stored with the run (value, CI, n)
    baseline_windows: int
    test: DriftTest
    q_value: float | None = None
    alert: bool = False


@dataclass
class InputCheck:
    """The inputs of one window against the baseline windows'."""

    window: Window
    records: int
    baseline_records: int
    length_median: float | None
    length_p90: float | None
    length_psi: float | None
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    key_psi: dict[str, float | None] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)  # "length", or the metadata keys that shifted


@dataclass
class StatusReport:
    """Every tested window's figures and inputs."""

    benchmark: str
    source: str
    windows: list[tuple[Window, str]]  # the tested windows and their runs, oldest first
    metrics: list[MetricCheck]
    inputs: list[InputCheck]
    options: StatusOptions

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts, as the webhook payload lists them."""
        found: list[dict[str, Any]] = []
        for check in self.metrics:
            if check.alert:
                t = check.test
                found.append(
                    {
                        "kind": "quality",
                        "window": check.window.label,
                        "window_start": check.window.start.isoformat(),
                        "window_end": check.window.end.isoformat(),
                        "run_id": check.run_id,
                        "metric": check.metric,
                        "value": t.window,
                        "baseline": t.baseline,
                        "delta": t.delta,
                        "ci": [t.ci_low, t.ci_high],
                        "p_value": t.p_value,
                        "q_value": check.q_value,
                        "test": t.test,
                        "n": t.n_window,
                        "n_baseline": t.n_baseline,
                    }
                )
        for inputs in self.inputs:
            for what in inputs.alerts:
                found.append(
                    {
                        "kind": "input",
                        "window": inputs.window.label,
                        "window_start": inputs.window.start.isoformat(),
                        "window_end": inputs.window.end.isoformat(),
                        "what": what,
                        "psi": inputs.length_psi if what == "length" else inputs.key_psi[what],
                        "records": inputs.records,
                    }
                )
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "source": self.source,
            "windows": [
                {
                    "window": w.label,
                    "start": w.start.isoformat(),
                    "end": w.end.isoformat(),
                    "run": r,
                }
                for w, r in self.windows
            ],
            "metrics": [
                {
                    "window": c.window.label,
                    "run": c.run_id,
                    "metric": c.metric,
                    "value": None if c.figure is None else c.figure.value,
                    "ci": None if c.figure is None else [c.figure.ci_low, c.figure.ci_high],
                    "n": None if c.figure is None else c.figure.n,
                    "baseline": c.test.baseline,
                    "baseline_windows": c.baseline_windows,
                    "delta": c.test.delta,
                    "delta_ci": [c.test.ci_low, c.test.ci_high],
                    "p_value": c.test.p_value,
                    "q_value": c.q_value,
                    "test": c.test.test,
                    "alert": c.alert,
                }
                for c in self.metrics
            ],
            "inputs": [
                {
                    "window": i.window.label,
                    "records": i.records,
                    "length_median": i.length_median,
                    "length_p90": i.length_p90,
                    "length_psi": i.length_psi,
                    "shares": i.shares,
                    "psi": i.key_psi,
                    "alerts": i.alerts,
                }
                for i in self.inputs
            ],
            "alerts": self.alerts(),
        }


def online_status(
    store: Store, benchmark: str, *, options: StatusOptions | None = None
) -> StatusReport:
    """Test the windows of online benchmark `benchmark` (see the module docstring)."""
    from proctor.compare._paired import bh_qvalues
    from proctor.store._online import ensure_tables, online_benchmarks, window_runs

    options = options or StatusOptions()
    if options.baseline < 1 or not 0 < options.alpha < 1:
        raise ConfigError("--baseline must be at least 1 and --alpha between 0 and 1")
    ensure_tables(store)
    windows = window_runs(store, benchmark)
    if not windows:
        known = ", ".join(sorted(online_benchmarks(store))) or "none"
        raise ConfigError(
            f"no window runs of benchmark {benchmark!r} in {store.display_url} "
            f"(online benchmarks: {known}); run `proctor online run` first"
        )
    runs = {w.run_id: store.get_run(w.run_id) for w in windows}
    windows = [w for w in windows if runs[w.run_id].status == "finished"]
    tested = [
        i
        for i, w in enumerate(windows)
        if options.since is None or w.end > options.since  # type: ignore[operator]
    ]
    if options.last is not None:
        tested = tested[-options.last :] if options.last > 0 else []
    checks = _metric_checks(store, windows, runs, tested, options)
    for check, q in zip(checks, bh_qvalues([c.test.p_value for c in checks]), strict=True):
        check.q_value = q
        delta = check.test.delta
        worse = delta is not None and (delta < 0 if check.higher_is_better else delta > 0)
        check.alert = (
            q is not None and q < options.alpha and worse and abs(delta) >= options.min_effect  # type: ignore[arg-type]
        )
    keys = options.keys
    if keys is None:
        keys = tuple(runs[windows[-1].run_id].slices) if windows else ()
    inputs = _input_checks(store, windows, tested, keys, options)
    return StatusReport(
        benchmark=benchmark,
        source=windows[-1].source if windows else "",
        windows=[(_window(windows[i]), windows[i].run_id) for i in tested],
        metrics=checks,
        inputs=inputs,
        options=options,
    )


def _window(w: WindowRun) -> Window:
    return Window(w.start, w.end)


def _metrics_of(run: RunRecord) -> list[tuple[str, str, Any, Metric]]:
    """`(figure name, scorer signature, scorer, metric)` for each of a run's scorers' metrics.

    A scorer that cannot be rebuilt here (a `python:` check whose module is
    not importable) is stood in for by a plain mean when that is its only
    metric, as `python:` checks are.
    """
    from proctor.metrics import metric_name
    from proctor.metrics._mean import Mean
    from proctor.online._operational import LowerMean
    from proctor.scorer._score import rebuild_scorer

    found = []
    for entry in run.scorers:
        try:
            scorer = rebuild_scorer(entry)
            metrics: Sequence[Metric] = scorer.metrics
        except ProctorError:
            if entry.get("metrics") != ["mean"]:
                continue
            lower = entry.get("higher_is_better", {}).get("mean") is False
            scorer = _StandIn(entry["name"], entry.get("applies_to") or "all")
            metrics = [LowerMean(None, name="mean") if lower else Mean()]
        for metric in metrics:
            found.append(
                (metric_name(entry["name"], metric.name), entry["signature"], scorer, metric)
            )
    return found


@dataclass(frozen=True)
class _StandIn:
    name: str
    applies_to: str

    def applies_to_kind(self, multiple_choice: bool) -> bool:
        return self.applies_to == "all" or multiple_choice == (self.applies_to == "choices")


def _metric_checks(
    store: Store,
    windows: list[WindowRun],
    runs: dict[str, RunRecord],
    tested: list[int],
    options: StatusOptions,
) -> list[MetricCheck]:
    from proctor.compare._compare import _stats
    from proctor.engine._aggregate import sample_scores

    needed = set(tested)
    for i in tested:
        needed.update(range(max(0, i - options.baseline), i))
    stats: dict[int, dict[tuple[str, str], list[Any]]] = {}
    meta: dict[tuple[str, str], tuple[Metric, bool]] = {}
    for i in sorted(needed):
        run = runs[windows[i].run_id]
        rows = list(sample_scores(store, run.id))
        per: dict[tuple[str, str], list[Any]] = {}
        for name, signature, scorer, metric in _metrics_of(run):
            per[(name, signature)] = [_stats(metric, scorer, row) for row in rows]
            meta[(name, signature)] = (metric, metric.higher_is_better)
        stats[i] = per
    figures = {
        i: {m.name: m for m in store.get_metrics(windows[i].run_id) if m.slice_key is None}
        for i in tested
    }
    checks: list[MetricCheck] = []
    for i in tested:
        for key, window_stats in stats[i].items():
            name, _signature = key
            metric, higher = meta[key]
            pooled: list[Any] = []
            used = 0
            for j in range(i - 1, -1, -1):
                if used >= options.baseline:
                    break
                if j in stats and key in stats[j]:
                    pooled.extend(stats[j][key])
                    used += 1
            test = compare_window(
                metric,
                window_stats,
                pooled,
                resamples=options.resamples,
                seed=options.seed,
            )
            checks.append(
                MetricCheck(
                    window=_window(windows[i]),
                    run_id=windows[i].run_id,
                    metric=name,
                    higher_is_better=higher,
                    figure=figures[i].get(name),
                    baseline_windows=used,
                    test=test,
                )
            )
    return checks


def _input_checks(
    store: Store,
    windows: list[WindowRun],
    tested: list[int],
    keys: Sequence[str],
    options: StatusOptions,
) -> list[InputCheck]:
    import numpy as np

    from proctor.store._online import input_profile

    needed = set(tested)
    for i in tested:
        needed.update(range(max(0, i - options.baseline), i))
    profiles = {
        i: input_profile(store, windows[i].source, windows[i].start, windows[i].end, keys)
        for i in sorted(needed)
    }
    checks = []
    for i in tested:
        lengths, counts = profiles[i]
        previous = [profiles[j] for j in range(max(0, i - options.baseline), i)]
        base_lengths = [n for p in previous for n in p[0]]
        check = InputCheck(
            window=_window(windows[i]),
            records=len(lengths),
            baseline_records=len(base_lengths),
            length_median=float(np.median(lengths)) if lengths else None,
            length_p90=float(np.quantile(lengths, 0.9)) if lengths else None,
            length_psi=length_psi(base_lengths, lengths) if previous else None,
        )
        enough = check.records >= options.min_records and (
            check.baseline_records >= options.min_records
        )
        if enough and check.length_psi is not None and check.length_psi >= options.psi_threshold:
            check.alerts.append("length")
        for key in keys:
            here = counts.get(key, {})
            total = sum(here.values())
            check.shares[key] = {v: n / total for v, n in sorted(here.items())} if total else {}
            base: dict[str, int] = {}
            for p in previous:
                for value, n in p[1].get(key, {}).items():
                    base[value] = base.get(value, 0) + n
            value_psi = category_psi(base, here) if previous else None
            check.key_psi[key] = value_psi
            if enough and value_psi is not None and value_psi >= options.psi_threshold:
                check.alerts.append(key)
        checks.append(check)
    return checks
