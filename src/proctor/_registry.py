"""Registries of scorers and model backends, filled from entry points.

Proctor's own scorers and backends are declared as entry points in its
`pyproject.toml`, exactly as a third-party package declares its own:

    [project.entry-points."proctor.scorers"]
    my_check = "my_pkg.checks:my_check"      # a @scorer factory

    [project.entry-points."proctor.models"]
    mybackend = "my_pkg.backend:MyModel"     # a class taking (name, config)

Entry points are listed on the first look-up and each is imported only when
its name is asked for, so using one backend never imports the others. A
plugin that fails to import, that is not what its group expects, or whose
name another package already claims raises `RegistryError`: a broken plugin
is never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from proctor.errors import RegistryError

SCORERS_GROUP = "proctor.scorers"
MODELS_GROUP = "proctor.models"
CATALOG_GROUP = "proctor.catalog"


class Registry:
    """Names to factories for one entry-point group, plus explicit registrations."""

    def __init__(self, group: str, kind: str, check: Callable[[Any], bool]):
        self.group = group
        self.kind = kind
        self._check = check
        self._entries: dict[str, Any] = {}
        self._points: dict[str, EntryPoint] | None = None

    def register(self, name: str, obj: Any, *, origin: str = "code") -> None:
        """Register `obj` under `name`; a duplicate or an object of the wrong kind raises."""
        if not self._check(obj):
            raise RegistryError(f"{origin}: {name!r} is not a valid {self.kind}")
        existing = self._entries.get(name)
        if existing is not None and existing is not obj:
            raise RegistryError(f"{origin}: {self.kind} {name!r} is already registered")
        self._entries[name] = obj

    def get(self, name: str) -> Any:
        """The factory registered as `name`, importing its plugin on first use."""
        if name in self._entries:
            return self._entries[name]
        point = self._entry_points().get(name)
        if point is None:
            raise RegistryError(f"unknown {self.kind} {name!r} (known: {', '.join(self.names())})")
        origin = f"entry point {point.name} = {point.value} (group {self.group})"
        try:
            obj = point.load()
        except Exception as exc:
            raise RegistryError(f"{origin} failed to load: {exc}") from exc
        self.register(name, obj, origin=origin)
        return obj

    def names(self) -> list[str]:
        """Every registered name, without importing any plugin."""
        return sorted(set(self._entries) | set(self._entry_points()))

    def _entry_points(self) -> dict[str, EntryPoint]:
        if self._points is None:
            points: dict[str, EntryPoint] = {}
            for point in entry_points(group=self.group):
                other = points.get(point.name)
                if other is not None and other.value != point.value:
                    raise RegistryError(
                        f"{self.kind} {point.name!r} is registered twice (group {self.group}): "
                        f"{other.value} and {point.value}"
                    )
                points[point.name] = point
            self._points = points
        return self._points


def _is_scorer_factory(obj: Any) -> bool:
    return callable(obj) and isinstance(getattr(obj, "scorer_name", None), str)


def _is_model_class(obj: Any) -> bool:
    return callable(obj) and callable(getattr(obj, "generate", None))


scorers = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
models = Registry(MODELS_GROUP, "model backend", _is_model_class)
catalog = Registry(CATALOG_GROUP, "catalog benchmark", callable)
