"""Time windows: durations such as `1d`, windows aligned on UTC, and `--since` values.

A window of length L holds the records whose timestamps t satisfy
start <= t < start + L, where start is a multiple of L counted from the Unix
epoch (1970-01-01T00:00Z). Daily windows therefore run from midnight to
midnight UTC, hourly ones from hour to hour, whoever computes them: two
processes, or the same process a week later, cut traffic the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from proctor.errors import ConfigError

__all__ = ["Window", "parse_duration", "parse_moment", "window_of"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """One time window, `start` included, `end` excluded (both UTC)."""

    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """`2024-05-01` for a whole day, else `2024-05-01T06:00Z` (its start)."""
        if self.end - self.start == timedelta(days=1) and self.start.hour == 0:
            return self.start.strftime("%Y-%m-%d")
        return self.start.strftime("%Y-%m-%dT%H:%MZ")

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def parse_duration(text: str, *, what: str = "--window") -> timedelta:
    """`30m`, `1h`, `1d` or `2w` as a timedelta; `ConfigError` for anything else.

    >>> parse_duration("6h")
    datetime.timedelta(seconds=21600)
    """
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ConfigError(
            f"{what}: {text!r} is not a duration; write a positive number and a unit, "
            "s, m, h, d or w (e.g. 1d, 6h, 30m)"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def window_of(moment: datetime, length: timedelta) -> Window:
    """The window of `length` holding `moment`, aligned on the epoch."""
    step = int(length.total_seconds())
    offset = int((moment.astimezone(UTC) - _EPOCH).total_seconds() // step) * step
    start = _EPOCH + timedelta(seconds=offset)
    return Window(start, start + length)


def parse_moment(text: str, *, now: datetime, what: str = "--since") -> datetime:
    """An ISO 8601 date or time (UTC unless it says otherwise), or a duration ago (`7d`)."""
    if _DURATION.match(text):
        return now - parse_duration(text, what=what)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{what}: {text!r} is neither a date or time (2024-05-01, 2024-05-01T06:00Z) "
            "nor a duration ago (7d, 12h)"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
