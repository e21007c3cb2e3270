"""Seeded sampling rules for a traffic source.

Every stored record carries a *draw*: the first 53 bits of
SHA-256(source, record id) as a number in [0, 1). A record's draw never
changes, and hashes behave as independent uniform variables, so a rule can
select by it without keeping any random state:

- `rate` r: a record is in the sample when its rotated draw is below r, the
  rotation being (draw + φ) mod 1 with φ derived from the rule's seed. Each
  record is kept with probability r, independently of the others; another
  seed rotates by another φ and so keeps another subset. Because the
  decision is a function of the record, a window's sample can be drawn again
  at any time, late arrivals included.
- `per_window` n: the n records of the window with the smallest rotated
  draws (a bottom-n sample, i.e. n drawn uniformly without replacement);
  with `stratify: KEY`, n per value of the metadata key (records without it
  form one more stratum), so rare categories are seen too. This needs the
  whole window, so it is drawn once the window has closed, and the ids drawn
  are recorded (`traffic_samples`): records arriving later never change it.

The rule, seed included, is recorded per source under an id that hashes it
(`online_rules`), so any window's sample can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from proctor.errors import ConfigError

__all__ = ["SamplingRule", "record_draw", "rotated_draw"]

_SCALE = float(1 << 53)


def _unit(text: str) -> float:
    """A number in [0, 1) from the first 53 bits of SHA-256(text), exact as a double."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / _SCALE


def record_draw(source: str, record_id: str) -> float:
    """The record's draw: uniform in [0, 1), a function of its source and id only."""
    return _unit(f"{source}\n{record_id}")


def rotated_draw(draw: float, phi: float) -> float:
    """(draw + φ) mod 1, computed as the store's SQL computes it (same rounding)."""
    cut = 1.0 - phi
    return draw - cut if draw >= cut else draw + phi


@dataclass(frozen=True, slots=True)
class SamplingRule:
    """A seeded sampling rule; see the module docstring.

    >>> SamplingRule(kind="rate", rate=0.1, seed=7).describe()
    {'kind': 'rate', 'rate': 0.1, 'seed': 7}
    """

    kind: Literal["rate", "per_window"]
    rate: float | None = None
    n: int | None = None
    stratify: str | None = None
    seed: int = 0
    window_seconds: int | None = None  # per_window rules: the window they draw from

    def __post_init__(self) -> None:
        if self.kind == "rate":
            if self.rate is None or not 0 < self.rate <= 1:
                raise ConfigError(f"sample: rate must be in (0, 1], got {self.rate}")
            if self.n is not None or self.stratify is not None:
                raise ConfigError("sample: a rate rule takes no `per_window` or `stratify`")
        elif self.n is None or self.n < 1:
            raise ConfigError(f"sample: per_window must be at least 1, got {self.n}")

    @property
    def phi(self) -> float:
        """The rotation φ in [0, 1) this rule's seed gives."""
        return _unit(f"proctor-sampling-seed\n{self.seed}")

    @property
    def window_wide(self) -> bool:
        """Whether the sample depends on the whole window (drawn when it closes)."""
        return self.kind == "per_window"

    def for_window(self, seconds: int) -> SamplingRule:
        """This rule bound to a window length (only window-wide rules depend on it)."""
        if not self.window_wide:
            return self
        return SamplingRule(
            kind=self.kind, n=self.n, stratify=self.stratify, seed=self.seed, window_seconds=seconds
        )

    def describe(self) -> dict[str, Any]:
        """The rule as recorded: only the fields that apply."""
        described: dict[str, Any] = {"kind": self.kind}
        if self.kind == "rate":
            described["rate"] = self.rate
        else:
            described["per_window"] = self.n
            if self.stratify is not None:
                described["stratify"] = self.stratify
            if self.window_seconds is not None:
                described["window_seconds"] = self.window_seconds
        described["seed"] = self.seed
        return described

    def rule_id(self, source: str) -> str:
        """A stable id for this rule on `source`: the same rule always gets the same id."""
        text = json.dumps([source, self.describe()], sort_keys=True, separators=(",", ":"))
        return "r" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:15]

    def selects(self, draw: float) -> bool:
        """For a rate rule: whether a record with this draw is in the sample."""
        if self.rate is None:
            raise ValueError("only a rate rule decides record by record")
        return rotated_draw(draw, self.phi) < self.rate
