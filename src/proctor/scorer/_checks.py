"""Checks shared by the built-in scorers: option types at build time, targets at score time.

A wrong option is the user's mistake in the benchmark and raises `ConfigError`
when the scorer is built; a sample that lacks what a scorer needs raises
`ScorerError` when it is scored, so the engine records it on that sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proctor.errors import ConfigError, ScorerError

if TYPE_CHECKING:
    from proctor.dataset import Sample


def check_bool(scorer: str, option: str, value: object) -> None:
    """Raise `ConfigError` unless `value` is a bool."""
    if not isinstance(value, bool):
        raise ConfigError(
            f"scorer {scorer!r}: option {option!r} must be true or false, got {value!r}"
        )


def require_targets(sample: Sample, scorer: str) -> tuple[str, ...]:
    """The sample's targets; `ScorerError` when it has none (scoring needs a reference)."""
    targets = sample.targets
    if not targets:
        raise ScorerError(f"scorer {scorer!r} needs a target, and sample {sample.id!r} has none")
    return targets
