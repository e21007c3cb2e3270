"""The viewer's HTML pages, rendered on the server from the same reads as the API.

The run page's sample table is the one part drawn in the browser: it pages
and filters through `/api/runs/{id}/samples`, so a run of any size opens at
once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse

from proctor.errors import ConfigError
from proctor.web import _charts, _distributions, _json, _queries
from proctor.web._api import compare_runs, run_or_404, store_of
from proctor.web._render import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

RUNS_PER_PAGE = 50
RUNS_TO_PICK = 300
"""Runs offered in the compare page's selects (the newest)."""


def _link(path: str, **params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", 0)}
    return path + (f"?{urlencode(kept)}" if kept else "")


@router.get("/", response_class=HTMLResponse)
def runs_page(
    request: Request,
    benchmark: str | None = None,
    model: str | None = None,
    label: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    store = store_of(request)
    found, total = _queries.list_runs(
        store,
        benchmark=benchmark or None,
        model=model or None,
        label=label or None,
        limit=RUNS_PER_PAGE,
        offset=offset,
    )
    heads = _queries.headlines(store, [r.id for r in found])
    filters = {"benchmark": benchmark or "", "model": model or "", "label": label or ""}
    previous = next_ = None
    if offset > 0:
        previous = _link("/", **filters, offset=max(0, offset - RUNS_PER_PAGE))
    if offset + RUNS_PER_PAGE < total:
        next_ = _link("/", **filters, offset=offset + RUNS_PER_PAGE)
    return page(
        "runs.html",
        title="Runs",
        nav="runs",
        rows=[(r, heads.get(r.id)) for r in found],
        total=total,
        first=offset + 1,
        last=offset + len(found),
        options=_queries.filter_options(store),
        filters=filters,
        previous=previous,
        next=next_,
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str) -> HTMLResponse:
    store = store_of(request)
    run = run_or_404(store, run_id)
    metrics = store.get_metrics(run.id)
    scorer_names = [str(s.get("name")) for s in run.scorers if s.get("name")]
    slices = sorted(
        {(m.slice_key, m.slice_value) for m in metrics if m.slice_key is not None},
        key=lambda kv: (str(kv[0]), str(kv[1])),
    )
    return page(
        "run.html",
        title=f"Run {run.id}",
        nav="runs",
        run=run,
        overall=[m for m in metrics if m.slice_key is None],
        slice_charts=_charts.slice_charts(metrics),
        histograms=_charts.histograms(
            _distributions.score_distributions(store, run.id, scorer_names)
        ),
        scorers=scorer_names,
        slices=slices,
    )


@router.get("/runs/{run_id}/samples/{sample_id:path}", response_class=HTMLResponse)
def sample_page(request: Request, run_id: str, sample_id: str) -> HTMLResponse:
    store = store_of(request)
    run = run_or_404(store, run_id)
    records = _queries.sample_detail(store, run.id, sample_id)
    if not records:
        raise HTTPException(404, f"run {run.id} has no sample {sample_id!r}")
    return page(
        "sample.html",
        title=f"Sample {sample_id}",
        nav="runs",
        run=run,
        sample_id=sample_id,
        epochs=[_json.sample_json(r) for r in records],
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, a: str | None = None, b: str | None = None, intersect: bool = False
) -> HTMLResponse:
    store = store_of(request)
    choices, _ = _queries.list_runs(store, limit=RUNS_TO_PICK)
    comparison = None
    error = None
    status = 200
    if b and not a:  # "compare this run": with its baseline, else the run before it
        candidate = _queries.find_run(store, b)
        partner = None if candidate is None else _queries.previous_run(store, candidate)
        a = None if partner is None else partner.id
    if a and b:
        try:
            comparison = compare_runs(store, a, b, intersect=intersect)
        except HTTPException as exc:
            error, status = str(exc.detail), exc.status_code
    if comparison is not None:
        a, b = comparison.run_a.id, comparison.run_b.id  # prefixes resolved
        known = {r.id for r in choices}
        # older runs than the selects offer still show as picked
        choices = [r for r in (comparison.run_a, comparison.run_b) if r.id not in known] + choices
    return page(
        "compare.html",
        status=status,
        title="Compare runs",
        nav="compare",
        choices=choices,
        a=a or "",
        b=b or "",
        intersect=intersect,
        comparison=comparison,
        charts=_charts.delta_charts(comparison) if comparison is not None else [],
        error=error,
    )


@router.get("/history", response_class=HTMLResponse)
def benchmarks_page(request: Request) -> HTMLResponse:
    return page(
        "benchmarks.html",
        title="Benchmarks",
        nav="history",
        benchmarks=_queries.benchmarks(store_of(request)),
    )


@router.get("/history/{benchmark:path}", response_class=HTMLResponse)
def history_page(request: Request, benchmark: str) -> HTMLResponse:
    from proctor.compare import history

    try:
        entries = history(store_of(request), benchmark)
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from None
    names: list[str] = []
    for entry in entries:
        names.extend(n for n in entry.metrics if n not in names)
    return page(
        "history.html",
        title=f"History of {benchmark}",
        nav="history",
        benchmark=benchmark,
        entries=list(reversed(entries)),  # the table reads newest first
        names=names,
        charts=_charts.trend_charts(entries),
    )


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    """The API reference, drawn from the OpenAPI document without any outside asset."""
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p.get("name"),
                            "in": p.get("in"),
                            "required": p.get("required", False),
                            "type": _type_name(p.get("schema", {})),
                            "default": p.get("schema", {}).get("default"),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                }
            )
    return page("docs.html", title="API", nav="api", endpoints=endpoints, spec=spec)


def _type_name(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    kinds = [s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return " | ".join(str(k) for k in kinds) or "any"
