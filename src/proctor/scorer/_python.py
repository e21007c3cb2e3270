"""Scorers written as plain Python functions, named `python:package.module:function`.

The function receives `(sample, output, ctx)` — or only the first one or two
of them if it declares fewer positional parameters — may be sync or async,
and returns a bool (right/wrong), a number, or a `Score`:

    # my_checks.py
    def is_polite(sample, output):
        return "please" in output.text.lower()

    # benchmark YAML
    scorers:
      - python:my_checks:is_polite

The module must be importable (installed, or on `PYTHONPATH`). A ref that
does not import or resolve raises `ConfigError` naming it, when the scorer is
built. At scoring time, an exception in the function, or a return value of
another type, raises `ScorerError`, which the engine records on the sample.
The ref may also name a `Scorer` or a `@scorer` factory taking no argument;
it is then used as is, under the `python:` name.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from proctor._imports import import_object
from proctor.errors import ConfigError, ScorerError
from proctor.scorer._score import Score, ScoreContext, Scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["PYTHON_PREFIX", "python_scorer"]

PYTHON_PREFIX = "python:"
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _load(name: str) -> Any:
    """The object `name` (`python:pkg.mod:attr`) points at; `ConfigError` if it does not resolve."""
    return import_object(name.removeprefix(PYTHON_PREFIX), what=f"scorer {name!r}")


def _arity(fn: Callable[..., Any], name: str) -> int:
    """How many of (sample, output, ctx) to pass to `fn`."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 3  # no introspectable signature (some builtins): pass everything
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return 3
    positional = [p for p in params if p.kind in _POSITIONAL]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    missing_kw = [
        p.name
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    ]
    if len(required) > 3 or missing_kw:
        extra = [p.name for p in required[3:]] + missing_kw
        raise ConfigError(
            f"scorer {name!r}: the function must take (sample, output, ctx) or fewer; "
            f"it also requires {', '.join(extra)}"
        )
    return min(len(positional), 3)


def _to_score(result: Any, name: str) -> Score:
    if isinstance(result, Score):
        return result
    if isinstance(result, bool):
        return Score(result)
    if isinstance(result, int | float):
        if not math.isfinite(result):
            raise ScorerError(f"scorer {name!r} returned {result!r}, not a finite number")
        return Score(result)
    raise ScorerError(
        f"scorer {name!r} returned {type(result).__name__}; expected a bool, a number or a Score"
    )


def python_scorer(ref: str) -> Scorer:
    """The `Scorer` for `python:package.module:function` (the prefix may be omitted).

    The scorer's name is the full `python:` ref; it takes no arguments.
    Raises `ConfigError` naming the ref when it does not import or resolve,
    or when the function cannot be called with (sample, output, ctx).
    """
    from proctor.metrics import mean

    name = ref if ref.startswith(PYTHON_PREFIX) else PYTHON_PREFIX + ref
    obj = _load(name)
    if isinstance(obj, Scorer):
        return dataclasses.replace(obj, name=name)
    if isinstance(getattr(obj, "scorer_name", None), str):
        try:
            built = obj()
        except TypeError as exc:
            raise ConfigError(
                f"scorer {name!r}: the @scorer factory needs arguments: {exc}"
            ) from exc
        return dataclasses.replace(built, name=name)
    if not callable(obj):
        raise ConfigError(f"scorer {name!r}: {type(obj).__name__} object is not callable")
    fn: Callable[..., Any] = obj
    arity = _arity(fn, name)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        try:
            result = fn(*(sample, output, ctx)[:arity])
            if inspect.isawaitable(result):
                result = await result
        except ScorerError:
            raise
        except Exception as exc:
            raise ScorerError(f"scorer {name!r} raised {type(exc).__name__}: {exc}") from exc
        return _to_score(result, name)

    return Scorer(name=name, fn=score, metrics=(mean(),))
