"""Registries of scorers and model backends, filled from entry points.

Proctor's own scorers and backends are declared as entry points in its
`pyproject.toml`, exactly as a third-party package declares its own:

    [project.entry-points."proctor.scorers"]
    my_check = "my_pkg.checks:my_check"      # a @scorer factory

    [project.entry-points."proctor.models"]
    mybackend = "my_pkg.backend:MyModel"     # a class taking (name, config)

Entry points are loaded the first time a name is looked up. A plugin that
fails to import, or that is not what its group expects, raises
`RegistryError`: a broken plugin is never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from proctor.errors import RegistryError

SCORERS_GROUP = "proctor.scorers"
MODELS_GROUP = "proctor.models"


class Registry:
    """Names to factories for one entry-point group, plus explicit registrations."""

    def __init__(self, group: str, kind: str, check: Callable[[Any], bool]):
        self.group = group
        self.kind = kind
        self._check = check
        self._entries: dict[str, Any] = {}
        self._loaded = False

    def register(self, name: str, obj: Any, *, origin: str = "code") -> None:
        """Register `obj` under `name`; a duplicate or an object of the wrong kind raises."""
        if not self._check(obj):
            raise RegistryError(f"{origin}: {name!r} is not a valid {self.kind}")
        existing = self._entries.get(name)
        if existing is not None and existing is not obj:
            raise RegistryError(f"{origin}: {self.kind} {name!r} is already registered")
        self._entries[name] = obj

    def get(self, name: str) -> Any:
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for ep in entry_points(group=self.group):
            origin = f"entry point {ep.name} = {ep.value} (group {self.group})"
            try:
                obj = ep.load()
            except Exception as exc:
                raise RegistryError(f"{origin} failed to load: {exc}") from exc
            self.register(ep.name, obj, origin=origin)


def _is_scorer_factory(obj: Any) -> bool:
    return callable(obj) and isinstance(getattr(obj, "scorer_name", None), str)


def _is_model_class(obj: Any) -> bool:
    return callable(obj) and callable(getattr(obj, "generate", None))


scorers = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
models = Registry(MODELS_GROUP, "model backend", _is_model_class)
