"""Reports of a run: one self-contained HTML file, or Markdown for a pull request.

    from proctor.report import render_report, run_markdown

    page = render_report(store, "a1b2c3", compare_with="d4e5f6")
    Path("report.html").write_text(page, encoding="utf-8")

The SVG charts (`proctor.report._svg`) are shared with the web viewer.
Names are imported on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Gates", "render_report", "run_markdown"]

_WHERE = {"render_report": "_html", "run_markdown": "_markdown", "Gates": "_markdown"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'proctor.report' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"proctor.report.{module}"), name)
