"""`create_app`: the read-only viewer over a store, as an ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from proctor.web import _api, _pages
from proctor.web._guard import Guard
from proctor.web._queries import open_read_only
from proctor.web._render import page

__all__ = ["create_app"]


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json"


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    return page(
        "error.html",
        status=exc.status_code,
        title=f"{exc.status_code}",
        nav="",
        status_code=exc.status_code,
        message=str(exc.detail),
    )


def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"where": ".".join(str(part) for part in e.get("loc", ())), "message": e.get("msg")}
        for e in exc.errors()
    ]
    if _wants_json(request):
        return JSONResponse({"detail": problems}, status_code=422)
    message = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
    return page("error.html", status=422, title="422", nav="", status_code=422, message=message)


def create_app(store_url: str | None, *, token: str | None = None) -> FastAPI:
    """The viewer over the store at `store_url` (None: `$PROCTOR_DB`, else the default).

    With `token`, every request must present it (see `proctor.web._guard`); without,
    only requests addressed to a loopback host name are answered. The store is opened
    here, read-only, so a bad URL fails before a server starts; it is closed when the
    application shuts down.
    """
    if token is not None and not token:
        raise ValueError("the token must not be empty")
    store = open_read_only(store_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="Proctor viewer",
        summary="Read-only access to the runs, samples, scores and comparisons of a store.",
        version=_version(),
        # FastAPI's own /docs and /redoc load their scripts from a CDN, which the
        # Content-Security-Policy forbids (and an offline machine cannot reach): the
        # viewer serves its own API reference at /docs, and the schema at /openapi.json.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.store = store
    app.include_router(_api.router)
    app.include_router(_pages.router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(Guard, token=token)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("proctor")
    except PackageNotFoundError:
        return "unknown"
