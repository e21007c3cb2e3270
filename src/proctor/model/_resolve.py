"""Model spec strings (`prefix:name`) to model instances."""

from __future__ import annotations

from proctor._registry import models
from proctor.errors import ConfigError
from proctor.model._types import Model, ModelConfig

__all__ = ["get_model"]


def get_model(spec: str, config: ModelConfig | None = None) -> Model:
    """The model a spec names, built with `config` (defaults when None).

    The part before the first `:` picks the backend registered under
    `proctor.models`; the rest is handed to it unchanged:

    >>> get_model("replay:outputs.jsonl")      # doctest: +SKIP
    >>> get_model("openai:gpt-4o-mini", ModelConfig(max_concurrency=64))  # doctest: +SKIP

    Raises `ConfigError` when the spec has no prefix or no name, and
    `RegistryError` (listing the known prefixes) when the prefix is unknown.
    """
    prefix, sep, name = spec.partition(":")
    prefix = prefix.strip()
    if not sep or not prefix:
        raise ConfigError(
            f"model spec {spec!r} names no backend; write it as prefix:name, "
            f"e.g. openai:gpt-4o-mini or replay:outputs.jsonl "
            f"(known prefixes: {', '.join(models.names()) or 'none'})"
        )
    if not name:
        raise ConfigError(f"model spec {spec!r} has nothing after {prefix + ':'!r}")
    backend = models.get(prefix)
    return backend(name, config if config is not None else ModelConfig())
