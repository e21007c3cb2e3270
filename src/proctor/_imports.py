"""Resolve `package.module:attribute` references, as `python:` specs name user code."""

from __future__ import annotations

import importlib
from typing import Any

from proctor.errors import ConfigError


def import_object(ref: str, *, what: str) -> Any:
    """The object `ref` (`package.module:name`, or `module:Class.method`) points at.

    `what` names the reference in errors, e.g. "python model 'python:app:answer'".
    A reference that does not resolve raises `ConfigError`, never ImportError.
    """
    module_name, sep, attr_path = ref.partition(":")
    if not sep or not module_name or not attr_path:
        raise ConfigError(f"{what} is not of the form python:package.module:function")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigError(
            f"{what}: cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(f"{what}: {module_name!r} has no attribute {attr_path!r}") from None
    return obj
