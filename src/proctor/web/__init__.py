"""`proctor serve`: a read-only web viewer over a store, and its JSON API.

    from proctor.web import create_app
    app = create_app("sqlite:///./.proctor/proctor.db")     # an ASGI app (FastAPI)

Pages: the runs list, a run (metric cards with CIs, per-slice bars,
histograms, a searchable sample table), a sample in full, a comparison of two
runs and a benchmark's history. The API under `/api` serves the same data as
JSON (schema at `/openapi.json`, reference at `/docs`). Nothing is loaded from
outside the viewer itself; every page is rendered with autoescaping.

Needs the `web` extra (`pip install 'proctor[web]'`: FastAPI and uvicorn).
"""

from proctor.web._app import create_app

__all__ = ["create_app"]
