"""Proctor's exceptions.

Every exception Proctor raises on purpose derives from `ProctorError`; the CLI
turns these into one readable line and exit code 2 (user error) or records
them on a sample (model and scorer failures). Anything else is a bug and keeps
its traceback.

    ProctorError
    ├── ConfigError            a benchmark, dataset or option the user wrote is wrong
    │   ├── DatasetError       a dataset file or line cannot be read or mapped
    │   └── TemplateError      a prompt template does not parse or render
    ├── RegistryError          a scorer or model is unknown or failed to register
    ├── StoreError             the store cannot be opened, or a run is not found
    ├── ModelError             a model call failed (recorded on the sample)
    │   ├── ModelTimeout       the call took longer than the per-call timeout
    │   └── RateLimited        the server said 429; may carry Retry-After
    └── ScorerError            a scorer failed (recorded on the sample)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DatasetError",
    "ModelError",
    "ModelTimeout",
    "ProctorError",
    "RateLimited",
    "RegistryError",
    "ScorerError",
    "StoreError",
    "TemplateError",
]


class ProctorError(Exception):
    """Base of every error Proctor raises on purpose."""


class ConfigError(ProctorError):
    """Something the user declared is wrong. `source` names the file (and line)."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.source is None:
            return self.message
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class DatasetError(ConfigError):
    """A dataset file or one of its lines cannot be read or mapped onto a `Sample`."""


class TemplateError(ConfigError):
    """A prompt template does not parse, or fails to render for a sample."""


class RegistryError(ProctorError):
    """A scorer or model name is unknown, or a plugin failed to register."""


class StoreError(ProctorError):
    """The store cannot be opened or migrated, or a run id does not resolve."""


class ModelError(ProctorError):
    """A model call failed. `retryable` tells the engine whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


class ModelTimeout(ModelError):
    """A model call exceeded the per-call timeout."""

    def __init__(self, message: str):
        super().__init__(message, retryable=True)


class RateLimited(ModelError):
    """The server answered 429. `retry_after` is its Retry-After in seconds, if it sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message, retryable=True, status=429, retry_after=retry_after)


class ScorerError(ProctorError):
    """A scorer failed on a sample (as opposed to scoring a wrong answer as 0)."""
