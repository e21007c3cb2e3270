"""Compare two runs of a benchmark on the same samples: `compare(store, a, b)`.

Run A is the baseline, run B the candidate, and Δ = B − A in each metric's
own units. A change counts as a regression when it goes in the metric's bad
direction (down for higher-is-better metrics, up for the others), so a
lower-is-better metric such as TER still reads the right way.

The comparison is paired: both runs are reduced to the samples they share
(same sample id) that each scorer scored in both, and every metric is
recomputed from those samples' statistics. Only scorers with the same
signature in both runs are compared — the others are named with the reason.
Runs of different task versions answered different prompts or data; they are
refused unless `intersect=True`, which compares them on their shared sample
ids and says so.

The tests behind every figure are in `compare/_paired.py`; across all
(metric, slice) tests the false discovery rate is controlled with
Benjamini–Hochberg (q-values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ProctorError

if TYPE_CHECKING:
    from proctor.metrics import Metric, SampleScores
    from proctor.scorer import Scorer
    from proctor.store import RunRecord, SampleRecord, Store

ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class MetricDelta:
    """One metric (overall or in one slice) of the two runs, on their paired samples.

    `status` is "regressed" or "improved" when the change is significant after
    the false-discovery-rate correction (`q_value < alpha`), else "unchanged";
    "n/a" when it could not be computed. `detectable` is, for a change that is
    not significant, the smallest change this many paired samples would detect
    with 80% power (a hint for sizing the benchmark).
    """

    name: str
    scorer: str
    metric: str
    slice_key: str | None
    slice_value: str | None
    higher_is_better: bool
    n: int
    dropped: int  # shared samples left out because one of the runs has no score on them
    a: float | None
    b: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_drop: float | None
    q_value: float | None
    test: str
    status: str
    detectable: float | None = None
    correlation: float | None = None  # of the two runs' per-sample statistics
    diff_sd: float | None = None  # SD of the per-sample differences

    @property
    def regression(self) -> bool:
        """Whether Δ points the metric's bad way (whatever its significance)."""
        if self.delta is None or self.delta == 0:
            return False
        return (self.delta < 0) == self.higher_is_better

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class SampleChange:
    """One sample whose score moved between the runs, with both outputs."""

    sample_id: str
    scorer: str
    a: float
    b: float
    change: float  # b − a, the sample's mean over its epochs
    input: Any = None
    target: Any = None
    output_a: str | None = None
    output_b: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass
class Comparison:
    """Everything `proctor compare` reports; see the module docstring."""

    run_a: RunRecord
    run_b: RunRecord
    intersect: bool
    n_shared: int
    n_only_a: int
    n_only_b: int
    metrics: list[MetricDelta]
    skipped: list[tuple[str, str]]  # (scorer, why it was not compared)
    regressed: list[SampleChange] = field(default_factory=list)
    improved: list[SampleChange] = field(default_factory=list)
    candidate: dict[str, float | None] = field(default_factory=dict)  # B's own stored figures
    alpha: float = ALPHA
    resamples: int = 10_000
    seed: int = 0

    def metric(self, name: str) -> MetricDelta:
        """The figure named `name` (`exact_match/mean`, `f1/mean[topic=billing]`)."""
        for m in self.metrics:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.metrics if m.slice_key is None) or "none"
        raise ConfigError(f"the comparison has no metric {name!r} (overall metrics: {known})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_a": _run_summary(self.run_a),
            "run_b": _run_summary(self.run_b),
            "intersect": self.intersect,
            "n_shared": self.n_shared,
            "n_only_a": self.n_only_a,
            "n_only_b": self.n_only_b,
            "alpha": self.alpha,
            "resamples": self.resamples,
            "seed": self.seed,
            "metrics": [m.to_dict() for m in self.metrics],
            "skipped": [{"scorer": s, "reason": r} for s, r in self.skipped],
            "regressed": [c.to_dict() for c in self.regressed],
            "improved": [c.to_dict() for c in self.improved],
        }


def _run_summary(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "benchmark": run.benchmark,
        "task_version": run.task_version,
        "model": run.model_spec,
        "label": run.label,
        "started_at": None if run.started_at is None else run.started_at.isoformat(),
        "n_samples": run.n_samples,
        "n_errors": run.n_errors,
    }


def compare(
    run_a: str,
    run_b: str,
    *,
    store: Store | None = None,
    intersect: bool = False,
    resamples: int = 10_000,
    seed: int = 0,
    alpha: float = ALPHA,
    show: int = 10,
) -> Comparison:
    """Compare run `run_b` (candidate) with run `run_a` (baseline); ids or prefixes.

    `store` defaults to the default store (`$PROCTOR_DB`, else `.proctor/proctor.db`).
    """
    if store is None:
        from proctor.store import Store

        with Store() as default:
            return compare(
                run_a,
                run_b,
                store=default,
                intersect=intersect,
                resamples=resamples,
                seed=seed,
                alpha=alpha,
                show=show,
            )
    from proctor.compare._paired import bh_qvalues
    from proctor.engine._aggregate import sample_scores

    a, b = store.get_run(run_a), store.get_run(run_b)
    if a.id == b.id:
        raise ConfigError(f"run {a.id} compared with itself: name two different runs")
    if a.task_version != b.task_version and not intersect:
        raise ConfigError(
            f"runs {a.id} and {b.id} are of different task versions ({a.task_version}, "
            f"{b.task_version}): they answered other prompts or data. Compare them on the "
            "sample ids they share with --intersect"
        )
    scorers, skipped = _shared_scorers(a, b)
    if all(_plain_mean(m) for scorer_ in scorers for m in scorer_.metrics):
        # every figure is a mean of numbers: read the numbers, not whole score records
        names = [scorer_.name for scorer_ in scorers]
        rows_a: dict[str, Any] = _numeric_rows(store, a.id, names)
        rows_b: dict[str, Any] = _numeric_rows(store, b.id, names)
    else:
        rows_a = {row.sample_id: row for row in sample_scores(store, a.id)}
        rows_b = {row.sample_id: row for row in sample_scores(store, b.id)}
    shared = [sid for sid in rows_a if sid in rows_b]
    slices = [k for k in a.slices if k in b.slices]
    cluster = a.cluster if a.cluster == b.cluster else None
    deltas: list[MetricDelta] = []
    for scorer_ in scorers:
        for metric in scorer_.metrics:
            deltas.extend(
                _metric_deltas(
                    scorer_, metric, shared, rows_a, rows_b, slices, cluster, resamples, seed
                )
            )
    q_values = bh_qvalues([d.p_value for d in deltas])
    deltas = [_with_q(d, q, alpha) for d, q in zip(deltas, q_values, strict=True)]
    comparison = Comparison(
        run_a=a,
        run_b=b,
        intersect=a.task_version != b.task_version,
        n_shared=len(shared),
        n_only_a=len(rows_a) - len(shared),
        n_only_b=len(rows_b) - len(shared),
        metrics=deltas,
        skipped=skipped,
        candidate={m.name: m.value for m in store.get_metrics(b.id)},
        alpha=alpha,
        resamples=resamples,
        seed=seed,
    )
    _sample_changes(store, comparison, scorers, shared, rows_a, rows_b, show)
    return comparison


@dataclass(slots=True)
class _NumericRow:
    """A sample as a comparison of means needs it: each scorer's mean over the epochs."""

    sample_id: str
    metadata: dict[str, Any]
    multiple_choice: bool
    error: bool = True  # until an epoch without a model error is seen
    means: dict[str, float] = field(default_factory=dict)


def _plain_mean(metric: Metric) -> bool:
    from proctor.metrics._mean import Mean

    return isinstance(metric, Mean) and type(metric).sample_stat is Mean.sample_stat


def _numeric_rows(store: Store, run_id: str, scorers: Sequence[str]) -> dict[str, _NumericRow]:
    """Each sample's mean numeric value per scorer over its epochs, as `Mean.sample_stat`
    computes it from `Score.as_float()` (the stored `value_num`), in position order.

    Reviewers' scores and scorer errors are left out, as in a run's metrics.
    """
    import json

    from sqlalchemy import Text, cast, select

    from proctor.store._schema import samples, scores

    rows: dict[str, _NumericRow] = {}
    values: dict[tuple[str, str], list[float]] = {}
    parsed: dict[str, dict[str, Any]] = {}  # samples often share their metadata text
    with store.engine.connect() as conn:
        query = (
            select(
                samples.c.sample_id,
                cast(samples.c.metadata, Text),
                samples.c.choices.is_not(None),
                samples.c.error.is_(None),
            )
            .where(samples.c.run_id == run_id)
            .order_by(samples.c.position, samples.c.epoch)
        )
        for sample_id, metadata, has_choices, answered in conn.execute(query):
            row = rows.get(sample_id)
            if row is None:
                meta = parsed.get(metadata)
                if meta is None:
                    meta = parsed[metadata] = (json.loads(metadata) if metadata else None) or {}
                row = rows[sample_id] = _NumericRow(sample_id, meta, bool(has_choices))
            if answered:
                row.error = False
        query = select(scores.c.sample_id, scores.c.scorer, scores.c.value_num).where(
            scores.c.run_id == run_id,
            scores.c.scorer.in_(list(scorers)),
            scores.c.error.is_(None),
            scores.c.value_num.is_not(None),
            scores.c.source != "human",
        )
        for sample_id, scorer, value in conn.execute(query):
            key = (sample_id, scorer)
            found = values.get(key)
            if found is None:
                values[key] = [value]
            else:
                found.append(value)
    for (sample_id, scorer), numbers in values.items():
        row = rows.get(sample_id)
        if row is not None:
            row.means[scorer] = (
                numbers[0] if len(numbers) == 1 else math.fsum(numbers) / len(numbers)
            )
    return rows


def _shared_scorers(a: RunRecord, b: RunRecord) -> tuple[list[Scorer], list[tuple[str, str]]]:
    """The scorers both runs ran with the same signature, rebuilt; the others, with why."""
    from proctor.scorer._score import rebuild_scorer

    in_b = {entry["name"]: entry for entry in b.scorers}
    shared: list[Scorer] = []
    skipped: list[tuple[str, str]] = []
    for entry in a.scorers:
        name = entry["name"]
        other = in_b.pop(name, None)
        if other is None:
            skipped.append((name, f"only in run {a.id}"))
        elif other.get("signature") != entry.get("signature"):
            skipped.append(
                (
                    name,
                    f"scorer signatures differ ({entry.get('signature')} vs "
                    f"{other.get('signature')}): the scores do not mean the same thing",
                )
            )
        else:
            try:
                shared.append(rebuild_scorer(entry))
            except ProctorError as exc:
                skipped.append((name, f"cannot be rebuilt to recompute its metrics ({exc})"))
    skipped.extend((name, f"only in run {b.id}") for name in in_b)
    return shared, skipped


def _stats(metric: Metric, scorer_: Scorer, row: SampleScores) -> Any:
    if row.error or not scorer_.applies_to_kind(row.multiple_choice):
        return None
    if isinstance(row, _NumericRow):
        return row.means.get(scorer_.name)
    scores = row.scores.get(scorer_.name)
    return metric.sample_stat(scores) if scores else None


def _metric_deltas(
    scorer_: Scorer,
    metric: Metric,
    shared: Sequence[str],
    rows_a: dict[str, SampleScores],
    rows_b: dict[str, SampleScores],
    slices: Sequence[str],
    cluster: str | None,
    resamples: int,
    seed: int,
) -> list[MetricDelta]:
    import numpy as np

    from proctor.compare._paired import paired_tests
    from proctor.metrics import metric_name

    stats_a: list[Any] = []
    stats_b: list[Any] = []
    ids: list[str] = []
    applicable: list[str] = []
    for sid in shared:
        row_a, row_b = rows_a[sid], rows_b[sid]
        if not scorer_.applies_to_kind(row_a.multiple_choice):
            continue
        applicable.append(sid)
        sa, sb = _stats(metric, scorer_, row_a), _stats(metric, scorer_, row_b)
        if sa is None or sb is None:
            continue
        stats_a.append(sa)
        stats_b.append(sb)
        ids.append(sid)
    groups: list[tuple[str | None, str | None, Any]] = [(None, None, np.arange(len(ids)))]
    sizes: dict[tuple[str | None, str | None], int] = {(None, None): len(applicable)}
    for key in slices:
        members: dict[str, list[int]] = {}
        for index, sid in enumerate(ids):
            value = rows_a[sid].metadata.get(key)
            if value is not None:
                members.setdefault(str(value), []).append(index)
        every: dict[str, int] = {}
        for sid in applicable:
            value = rows_a[sid].metadata.get(key)
            if value is not None:
                every[str(value)] = every.get(str(value), 0) + 1
        for value in sorted(every):
            groups.append((key, value, np.array(members.get(value, []), dtype=np.int64)))
            sizes[(key, value)] = every[value]
    clusters = None
    if cluster is not None:
        clusters = [
            str(rows_a[sid].metadata[cluster])
            if rows_a[sid].metadata.get(cluster) is not None
            else f"\x00{sid}"
            for sid in ids
        ]
    results = paired_tests(
        metric, stats_a, stats_b, groups, clusters=clusters, resamples=resamples, seed=seed
    )
    deltas = []
    for result in results:
        deltas.append(
            MetricDelta(
                name=metric_name(scorer_.name, metric.name, result.slice_key, result.slice_value),
                scorer=scorer_.name,
                metric=metric.name,
                slice_key=result.slice_key,
                slice_value=result.slice_value,
                higher_is_better=metric.higher_is_better,
                n=result.n,
                dropped=sizes[(result.slice_key, result.slice_value)] - result.n,
                a=result.a,
                b=result.b,
                delta=result.delta,
                ci_low=result.ci_low,
                ci_high=result.ci_high,
                p_value=result.p_value,
                p_drop=result.p_drop,
                q_value=None,
                test=result.test,
                status="n/a",
                detectable=_detectable(result),
                correlation=result.correlation,
                diff_sd=result.diff_sd,
            )
        )
    return deltas


def _detectable(result: Any) -> float | None:
    """The smallest change this comparison could detect with 80% power (one-sided 5%)."""
    from proctor.compare._plan import detectable_binary, detectable_continuous

    if result.n < 2 or result.a is None:
        return None
    found = None
    try:
        if result.test == "mcnemar" and result.correlation is not None:
            found = detectable_binary(result.n, result.a, correlation=result.correlation)
        elif result.diff_sd:
            found = detectable_continuous(result.n, result.diff_sd)
    except (ValueError, ZeroDivisionError):
        return None
    return found if found is not None and math.isfinite(found) else None


def _with_q(delta: MetricDelta, q: float | None, alpha: float) -> MetricDelta:
    import dataclasses

    if delta.delta is None:
        status = "n/a"
    elif q is not None and q < alpha and delta.delta != 0:
        status = "regressed" if delta.regression else "improved"
    else:
        status = "unchanged"
    return dataclasses.replace(delta, q_value=q, status=status)


def _sample_values(row: SampleScores, scorer: str) -> float | None:
    if row.error:
        return None
    if isinstance(row, _NumericRow):
        return row.means.get(scorer)
    values = [s.as_float() for s in row.scores.get(scorer, [])]
    numbers = [v for v in values if v is not None]
    return sum(numbers) / len(numbers) if numbers else None


def _sample_changes(
    store: Store,
    comparison: Comparison,
    scorers: Sequence[Scorer],
    shared: Sequence[str],
    rows_a: dict[str, SampleScores],
    rows_b: dict[str, SampleScores],
    show: int,
) -> None:
    """The samples that regressed and improved most, by score change, with both outputs."""
    if show <= 0:
        return
    import heapq

    worse: list[tuple[float, int, str, str, float, float]] = []
    better: list[tuple[float, int, str, str, float, float]] = []
    order = 0
    for scorer_ in scorers:
        higher = all(m.higher_is_better for m in scorer_.metrics) if scorer_.metrics else True
        name = scorer_.name
        for sid in shared:
            va = _sample_values(rows_a[sid], name)
            vb = None if va is None else _sample_values(rows_b[sid], name)
            if vb is None or va == vb:
                continue
            order += 1  # ties in size keep the samples' order
            moved = (-abs(vb - va), order, sid, name, va, vb)  # type: ignore[operator]
            (worse if (vb < va) == higher else better).append(moved)  # type: ignore[operator]
    picked_worse = [
        SampleChange(sid, name, va, vb, vb - va)
        for _, _, sid, name, va, vb in heapq.nsmallest(show, worse)
    ]
    picked_better = [
        SampleChange(sid, name, va, vb, vb - va)
        for _, _, sid, name, va, vb in heapq.nsmallest(show, better)
    ]
    ids = {c.sample_id for c in picked_worse + picked_better}
    records_a = _first_epochs(store.get_samples(comparison.run_a.id, sorted(ids)))
    records_b = _first_epochs(store.get_samples(comparison.run_b.id, sorted(ids)))
    comparison.regressed = [_with_outputs(c, records_a, records_b) for c in picked_worse]
    comparison.improved = [_with_outputs(c, records_a, records_b) for c in picked_better]


def _first_epochs(records: list[SampleRecord]) -> dict[str, SampleRecord]:
    first: dict[str, SampleRecord] = {}
    for record in records:
        first.setdefault(record.sample_id, record)
    return first


def _with_outputs(
    change: SampleChange, a: dict[str, SampleRecord], b: dict[str, SampleRecord]
) -> SampleChange:
    import dataclasses

    ra, rb = a.get(change.sample_id), b.get(change.sample_id)
    return dataclasses.replace(
        change,
        input=None if ra is None else ra.input,
        target=None if ra is None else ra.target,
        output_a=None if ra is None else (ra.output if ra.error is None else ra.error),
        output_b=None if rb is None else (rb.output if rb.error is None else rb.error),
    )
