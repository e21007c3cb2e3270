"""Build a scorer from its name and arguments, as a benchmark declares it.

    resolve_scorer("exact_match", {"ignore_case": False})
    resolve_scorer("regex", {"pattern": r"Answer: (\\w+)", "group": 1})
    resolve_scorer("python:my_checks:is_polite")

Registered names come from `proctor._registry.scorers` (Proctor's own
scorers and those of installed plugins); `python:` refs name a function.
"""

from __future__ import annotations

import inspect
from typing import Any

from proctor import _registry
from proctor.errors import ConfigError
from proctor.scorer._python import PYTHON_PREFIX, python_scorer
from proctor.scorer._score import Scorer

__all__ = ["resolve_scorer"]

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _check_args(name: str, factory: Any, args: dict[str, Any]) -> None:
    """Raise `ConfigError` for an argument the factory does not take, or one it lacks."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return  # no signature to check against; the call itself will tell
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = [p.name for p in params if p.kind not in _VARIADIC]
    for key in args:
        if key not in accepted:
            accepts = ", ".join(accepted) or "no arguments"
            raise ConfigError(
                f"scorer {name!r} does not accept argument {key!r} (accepts: {accepts})"
            )
    for p in params:
        if p.kind not in _VARIADIC and p.default is inspect.Parameter.empty and p.name not in args:
            raise ConfigError(f"scorer {name!r} needs argument {p.name!r}")


def resolve_scorer(name: str, args: dict[str, Any] | None = None) -> Scorer:
    """The `Scorer` registered as `name`, built with `args` (keyword arguments).

    Raises `RegistryError` for an unknown name (listing the known ones) and
    `ConfigError` for an argument the scorer does not accept, a missing
    required argument, an invalid value, or arguments given to a `python:`
    scorer (which takes none).
    """
    args = dict(args or {})
    if name.startswith(PYTHON_PREFIX):
        if args:
            raise ConfigError(
                f"scorer {name!r} takes no arguments (got: {', '.join(sorted(args))}); "
                "put options in the Python function itself"
            )
        return python_scorer(name)
    factory = _registry.scorers.get(name)
    _check_args(name, factory, args)
    try:
        return factory(**args)
    except TypeError as exc:
        raise ConfigError(f"scorer {name!r}: {exc}") from exc
