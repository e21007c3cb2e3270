"""The JSON API under `/api`: what the pages show, for scripts and notebooks.

Every endpoint reads; none writes. Run ids may be given in full or as a
unique prefix. Unknown runs, samples and benchmarks are 404s with a `detail`
message; a comparison that cannot be made (different task versions without
`intersect`, a run compared with itself) is a 400.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from proctor.errors import ConfigError
from proctor.store import RunRecord, Store
from proctor.web import _json, _queries

__all__ = ["COMPARE_RESAMPLES", "compare_runs", "router", "run_or_404", "store_of"]

RUN_ID = Path(description="Run id, or a unique prefix of one.")

COMPARE_RESAMPLES = 2000
"""Bootstrap resamples of a comparison asked from the viewer: fewer than the CLI's
10,000, so that a page answers in about a second; the CLI is for final figures."""

router = APIRouter(prefix="/api", tags=["api"])


def store_of(request: Request) -> Store:
    return request.app.state.store


def run_or_404(store: Store, ref: str) -> RunRecord:
    run = _queries.find_run(store, ref)
    if run is None:
        raise HTTPException(404, f"no run {ref!r} (or the prefix matches several runs)")
    return run


def compare_runs(store: Store, a: str, b: str, *, intersect: bool = False) -> Any:
    """`proctor.compare` of two runs as the viewer shows it; 404/400 when it cannot."""
    from proctor.compare import compare

    run_a, run_b = run_or_404(store, a), run_or_404(store, b)
    try:
        return compare(
            run_a.id,
            run_b.id,
            store=store,
            intersect=intersect,
            resamples=COMPARE_RESAMPLES,
            show=10,
        )
    except ConfigError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/runs", summary="List runs")
def list_runs(
    request: Request,
    benchmark: str | None = Query(None, description="Only runs of this benchmark."),
    model: str | None = Query(None, description="Only runs of this model spec."),
    label: str | None = Query(None, description="Only runs with this label."),
    limit: int = Query(50, ge=1, le=500, description="Runs per page."),
    offset: int = Query(0, ge=0, description="Runs to skip (newest first)."),
) -> dict[str, Any]:
    """Runs newest first: `{total, offset, limit, runs: [...]}`. Each run has its id,
    benchmark, model spec, label, status, counts, times and `headline`, its first
    overall metric `{name, value, ci_low, ci_high, n, n_total, ...}` (or null)."""
    store = store_of(request)
    found, total = _queries.list_runs(
        store, benchmark=benchmark, model=model, label=label, limit=limit, offset=offset
    )
    heads = _queries.headlines(store, [r.id for r in found])
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "runs": [_json.run_json(r, headline=heads.get(r.id)) for r in found],
    }


@router.get("/runs/{run_id}", summary="One run and its metrics")
def get_run(request: Request, run_id: str = RUN_ID) -> dict[str, Any]:
    """`{run, metrics}`: every stored field of the run (configuration, scorer signatures,
    environment, totals, judge usage) and its figures in order, overall and per slice,
    each with its 95% CI, `n`/`n_total` and interval method."""
    store = store_of(request)
    run = run_or_404(store, run_id)
    return {
        "run": _json.run_json(run, full=True),
        "metrics": [_json.metric_json(m) for m in store.get_metrics(run.id)],
    }


@router.get("/runs/{run_id}/samples", summary="A page of a run's samples")
def list_samples(
    request: Request,
    run_id: str = RUN_ID,
    offset: int = Query(0, ge=0, description="Rows to skip, in run order."),
    limit: int = Query(50, ge=1, le=500, description="Rows per page."),
    q: str | None = Query(
        None, description="Case-insensitive text in the sample id, input, target, output or error."
    ),
    errors: bool = Query(False, description="Only samples with a model or scorer error."),
    scorer: str | None = Query(None, description="Only samples this scorer scored."),
    failed: bool = Query(
        False,
        description="Only samples given less than full marks (a value below 1; above 0 for "
        "lower-is-better scorers) or an error by `scorer` (or by any scorer).",
    ),
    slice_key: str | None = Query(None, description="Slice key, with `slice_value`."),
    slice_value: str | None = Query(None, description="Only samples of this slice."),
) -> dict[str, Any]:
    """`{total, offset, limit, samples: [...]}`, one row per sample and epoch, in run
    order: previews of input, target and output, the error, latency, tokens and
    `scores` (`{scorer, value, error}` each). `total` counts every matching row."""
    store = store_of(request)
    run = run_or_404(store, run_id)
    where = _queries.SampleFilter(
        q=q or None,
        errors=errors,
        scorer=scorer or None,
        failed=failed,
        slice_key=slice_key or None,
        slice_value=slice_value,
        lower_is_better=tuple(
            entry["name"]
            for entry in run.scorers
            if entry.get("higher_is_better") and not any(entry["higher_is_better"].values())
        ),
    )
    found = _queries.sample_page(store, run.id, where, offset=offset, limit=limit)
    return {
        "total": found.total,
        "offset": offset,
        "limit": limit,
        "samples": [_json.sample_row_json(row) for row in found.rows],
    }


@router.get("/runs/{run_id}/samples/{sample_id:path}", summary="One sample in full")
def get_sample(
    request: Request,
    run_id: str = RUN_ID,
    sample_id: str = Path(description="The sample's id (it may contain `/`)."),
) -> dict[str, Any]:
    """`{run_id, sample_id, epochs: [...]}`: every epoch with input, target, choices,
    metadata, output (and extra fields), error, latency, tokens, cost, and every score
    with value, answer, explanation, source, annotator, error, judge `prompt` hash,
    judge `usage`, `jurors` (`{juror, rating, explanation, error}`) and rubric
    `criteria` (`{criterion, points, tags, met, explanation}`)."""
    store = store_of(request)
    run = run_or_404(store, run_id)
    records = _queries.sample_detail(store, run.id, sample_id)
    if not records:
        raise HTTPException(404, f"run {run.id} has no sample {sample_id!r}")
    return {
        "run_id": run.id,
        "sample_id": sample_id,
        "epochs": [_json.sample_json(r) for r in records],
    }


@router.get("/compare", summary="Compare two runs")
def compare(
    request: Request,
    a: str = Query(..., description="Baseline run id (or unique prefix)."),
    b: str = Query(..., description="Candidate run id (or unique prefix)."),
    intersect: bool = Query(
        False, description="Compare runs of different task versions on their shared samples."
    ),
) -> dict[str, Any]:
    """The paired comparison of `proctor compare` (with 2,000 bootstrap resamples): per
    metric and slice A, B, Δ = B − A with its CI, p- and BH q-values and a status
    (regressed / improved / unchanged), the skipped scorers, and the ten samples that
    regressed and improved most, with both outputs."""
    comparison = compare_runs(store_of(request), a, b, intersect=intersect)
    return _json.clean(comparison.to_dict())


@router.get("/history/{benchmark:path}", summary="A benchmark's runs over time")
def history(
    request: Request,
    benchmark: str = Path(description="The benchmark's name."),
    limit: int = Query(50, ge=1, le=500, description="The latest this many runs."),
) -> dict[str, Any]:
    """`{benchmark, entries: [...]}`: the finished runs oldest first, each with its
    overall figures and the changes against the previous run of the same task
    version (`{delta, q_value, status}` per metric)."""
    from proctor.compare import history as run_history

    try:
        entries = run_history(store_of(request), benchmark, limit=limit)
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from None
    return {"benchmark": benchmark, "entries": [_json.clean(e.to_dict()) for e in entries]}


@router.get("/benchmarks", summary="Benchmarks in the store")
def list_benchmarks(request: Request) -> list[dict[str, Any]]:
    """Every benchmark with runs: `{benchmark, runs, finished, latest, baseline}`."""
    return [_json.benchmark_json(b) for b in _queries.benchmarks(store_of(request))]
