"""Server-side HTML: one Jinja2 environment with autoescaping on for every template.

Everything a page shows from the store (inputs, outputs, explanations,
labels, model names) is untrusted and goes through autoescaping; the only
markup let through unescaped is the SVG of the charts, which the chart
functions build with their labels escaped. Data never goes inside a
`<script>`: the pages' scripts read what they need from `data-` attributes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

__all__ = ["page"]


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _signed(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def _ci(low: float | None, high: float | None, digits: int = 3) -> str:
    if low is None or high is None:
        return "—"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _text(value: Any) -> str:
    """A stored value as readable text: strings as they are, the rest as indented JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2)


def _score(value: Any) -> str:
    if isinstance(value, bool):
        return "pass" if value else "fail"
    if isinstance(value, float):
        return f"{value:.3f}"
    return _text(value)


def _code_spans(text: str) -> Markup:
    """`text` with its `backticked` spans as <code>, everything escaped."""
    parts = str(text).split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _segment(value: Any) -> str:
    """One path segment of a link: every reserved character escaped, `/` included."""
    return quote(str(value), safe="")


_ENV = Environment(
    loader=PackageLoader("proctor.web", "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(
    num=_num,
    signed=_signed,
    when=_when,
    text=_text,
    score=_score,
    segment=_segment,
    code_spans=_code_spans,
)


def _script(name: str) -> Markup:
    """A packaged script, verbatim: read as a file, never rendered as a template."""
    assert _ENV.loader is not None
    source, _, _ = _ENV.loader.get_source(_ENV, name)
    return Markup(source)


_ENV.globals.update(ci=_ci, script=_script)


def page(template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with `context` into an HTML response."""
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)
