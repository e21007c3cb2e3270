"""Distributions of a run's values for the run page's histograms, binned in the database.

Two aggregate scans per distribution (the range, then a `GROUP BY` on each value's
bin), so a histogram of 100,000 scores costs two queries and returns at most one
row per bin, whatever the run's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Integer, and_, case, cast, func, select

from proctor.store import Store
from proctor.store._schema import samples, scores

__all__ = ["Distribution", "score_distributions"]


@dataclass(frozen=True, slots=True)
class Distribution:
    """Counts of values in `len(counts)` equal bins over [lo, hi]."""

    label: str
    lo: float
    hi: float
    counts: list[int]

    @property
    def n(self) -> int:
        return sum(self.counts)

    def centers(self) -> list[float]:
        """One value per counted item, at its bin's centre: what a histogram needs to
        redraw the same bins without the database's rows."""
        width = (self.hi - self.lo) / len(self.counts)
        values: list[float] = []
        for index, count in enumerate(self.counts):
            values.extend([self.lo + width * (index + 0.5)] * count)
        return values


def _binned(
    conn: Connection,
    label: str,
    column: Any,
    where: Sequence[ColumnElement[bool]],
    bins: int,
    *,
    skip_binary: bool,
) -> Distribution | None:
    """Two aggregate scans: the range, then the count of each bin (`GROUP BY` its index)."""
    value = cast(column, Float)
    not_binary = func.sum(case((and_(value != 0, value != 1), 1), else_=0))
    lo, hi, n, fractional = conn.execute(
        select(func.min(value), func.max(value), func.count(value), not_binary).where(*where)
    ).one()
    if not n or (skip_binary and not fractional):
        return None
    lo, hi = float(lo), float(hi)
    if hi == lo:
        return Distribution(label, lo - 0.5, hi + 0.5, [int(n)])
    scaled = (value - lo) * (bins / (hi - lo))
    # the bin's index is floor(scaled); SQLite may lack floor(), and there CAST truncates,
    # which is the same for these non-negative numbers (PostgreSQL's CAST would round)
    index = cast(scaled, Integer) if conn.dialect.name == "sqlite" else func.floor(scaled)
    counts = [0] * bins
    query = select(index, func.count()).where(*where, value.is_not(None)).group_by(index)
    for found, count in conn.execute(query):
        counts[min(bins - 1, max(0, int(found)))] += int(count)  # the maximum joins the last
    return Distribution(label, lo, hi, counts)


def score_distributions(
    store: Store, run_id: str, scorer_names: Sequence[str], *, bins: int = 20
) -> list[Distribution]:
    """Histograms of each scorer's numeric values that are not all 0/1 (those are
    pass rates, shown as metric cards), then of model latency."""
    found: list[Distribution] = []
    with store.engine.connect() as conn:
        for name in scorer_names:
            where = [scores.c.run_id == run_id, scores.c.scorer == name]
            binned = _binned(conn, name, scores.c.value_num, where, bins, skip_binary=True)
            if binned is not None:
                found.append(binned)
        latency = _binned(
            conn,
            "latency (ms)",
            samples.c.latency_ms,
            [samples.c.run_id == run_id],
            bins,
            skip_binary=False,
        )
    if latency is not None:
        found.append(latency)
    return found
