"""Agreement between raters: Krippendorff's alpha and Fleiss' kappa.

Both take *units* — the things rated, here one judged output each — as
lists of the ratings the raters gave it, None where a rater gave none:

    >>> round(krippendorff_alpha([[1, 1], [3, 3], [5, 4]], level="interval"), 3)
    0.935
    >>> round(fleiss_kappa([["yes", "yes"], ["no", "no"], ["yes", "no"]], ["yes", "no"]), 3)
    0.333

**Krippendorff's alpha** (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability", Annenberg School for Communication, University of
Pennsylvania) is computed from the coincidence matrix: a unit with m ≥ 2
ratings adds, for every ordered pair of its ratings (c, k) taken from
different raters, 1 / (m − 1) to cell o[c, k]; units with fewer ratings are
not pairable and add nothing. With n_c the row sums and n their total,

    alpha = 1 − D_o / D_e = 1 − (n − 1) · Σ o[c,k] δ²(c,k) / Σ n_c n_k δ²(c,k)

where δ² is the level's difference: nominal 0/1, interval (c − k)², ordinal
(Σ_{g=c..k} n_g − (n_c + n_k) / 2)². This is exact with missing ratings
and any number of raters. Alpha is 1 for perfect agreement, 0 for agreement
at chance; it is undefined (None) when there is no pairable rating or no
variation at all (D_e = 0: chance would agree perfectly too).

**Fleiss' kappa** (Fleiss 1971, "Measuring nominal scale agreement among
many raters", Psychological Bulletin 76(5)) for labels. Each unit's
agreement is the share of agreeing ordered pairs among its own m_u raters,
P_u = Σ_j n_uj (n_uj − 1) / (m_u (m_u − 1)); P̄ is their mean, the chance
agreement P_e = Σ_j p_j² with p_j the share of all ratings in category j,
and kappa = (P̄ − P_e) / (1 − P_e). Fleiss defined it for the same number of
raters on every unit; when a rater is missing on some units this is the
usual generalisation (each unit's agreement over the raters it has, the
category shares pooled over all ratings), which is Fleiss' kappa exactly
when every unit has all its raters. Units with fewer than two ratings are
skipped. Kappa is undefined (None) when every rating falls in one category.

As metrics (`alpha_agreement`, `kappa_agreement`) they read the ratings of a
jury of judges from `score.metadata["ratings"]` ({rater: rating or None}).
Every epoch of a sample is its own unit (each epoch's output is a different
thing rated), and a sample's statistic keeps its units together, so the
percentile bootstrap (1,000 seeded resamples, as for the other figures that
are not means) draws whole samples — or whole clusters — never single
ratings. Both statistics are sums over units (coincidences; agreements and
category counts), so each resample costs one matrix product.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    import numpy as np

    from proctor.scorer import Score

__all__ = [
    "AlphaAgreement",
    "KappaAgreement",
    "alpha_agreement",
    "fleiss_kappa",
    "kappa_agreement",
    "krippendorff_alpha",
]

Level = Literal["nominal", "ordinal", "interval"]
Rating = Hashable
Summary = tuple[float | None, float | None, float | None, float | None, str]
_LEVELS = ("nominal", "ordinal", "interval")


def _pairable(units: Sequence[Sequence[Rating | None]]) -> list[list[Rating]]:
    """The units' present ratings, leaving out units with fewer than two."""
    kept = [[r for r in unit if r is not None] for unit in units]
    return [unit for unit in kept if len(unit) >= 2]


def _finite(value: float) -> float | None:
    import math

    return value if math.isfinite(value) else None


# --- Krippendorff's alpha --------------------------------------------------


def _alpha_values(
    groups: Sequence[Sequence[Sequence[Rating]]], level: Level, values: Sequence[Rating] | None
) -> list[Rating]:
    """The distinct ratings in the order the level needs (numbers or the given order)."""
    seen = {r for group in groups for unit in group for r in unit}
    if level == "interval":
        bad = [r for r in seen if isinstance(r, bool) or not isinstance(r, int | float)]
        if bad:
            raise ValueError(f"interval alpha needs numeric ratings, got {bad[0]!r}")
    if values is None:
        try:
            return sorted(seen)  # type: ignore[type-var]
        except TypeError:
            if level != "nominal":
                raise ValueError(f"{level} alpha needs ratings that sort, or values=") from None
            return sorted(seen, key=repr)
    unknown = seen - set(values)
    if unknown:
        raise ValueError(f"rating {next(iter(unknown))!r} is not among the values given")
    return list(values)


def _coincidence_rows(
    groups: Sequence[Sequence[Sequence[Rating]]], values: Sequence[Rating]
) -> np.ndarray:
    """`(groups, V·V)`: each group's coincidences, summed over its pairable units."""
    import numpy as np

    index = {v: i for i, v in enumerate(values)}
    size = len(values)
    rows = np.zeros((len(groups), size * size))
    for g, group in enumerate(groups):
        for unit in group:
            counts = np.bincount([index[r] for r in unit], minlength=size).astype(float)
            pairs = np.outer(counts, counts) - np.diag(counts)  # ordered pairs of two raters
            rows[g] += (pairs / (len(unit) - 1)).ravel()
    return rows


def _alpha_figure(totals: np.ndarray, values: Sequence[Rating], level: Level) -> np.ndarray:
    """Alpha of each row of summed coincidences `(r, V·V)`; NaN where undefined."""
    import numpy as np

    size = len(values)
    o = totals.reshape(-1, size, size)
    marginals = o.sum(axis=2)  # n_c
    n = marginals.sum(axis=1)
    if level == "nominal":
        delta = np.broadcast_to(1.0 - np.eye(size), o.shape)
    elif level == "interval":
        v = np.asarray(values, dtype=float)
        delta = np.broadcast_to((v[:, None] - v[None, :]) ** 2, o.shape)
    else:
        # Σ_{g=c..k} n_g − (n_c + n_k)/2 is the gap between the values' mid-ranks
        midrank = np.cumsum(marginals, axis=1) - marginals / 2
        delta = (midrank[:, :, None] - midrank[:, None, :]) ** 2
    observed = (o * delta).sum(axis=(1, 2))
    expected = (marginals[:, :, None] * marginals[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def krippendorff_alpha(
    units: Sequence[Sequence[Rating | None]],
    level: Level = "interval",
    *,
    values: Sequence[Rating] | None = None,
) -> float | None:
    """Krippendorff's alpha of `units` (one list of ratings per unit, None for missing).

    `level` picks the difference function: `nominal` (labels), `ordinal`
    (ranks; ratings in sorted order, or in the order of `values`) or
    `interval` (numbers). None when undefined: no unit with two ratings, or
    no variation among the pairable ratings. See the module docstring
    (Krippendorff 2011, coincidence matrix; exact with missing data).
    """
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
    groups = [[unit] for unit in _pairable(units)]
    if not groups:
        return None
    order = _alpha_values(groups, level, values)
    totals = _coincidence_rows(groups, order).sum(axis=0, keepdims=True)
    return _finite(float(_alpha_figure(totals, order, level)[0]))


# --- Fleiss' kappa -----------------------------------------------------------


def _kappa_rows(
    groups: Sequence[Sequence[Sequence[Rating]]], categories: Sequence[Rating]
) -> np.ndarray:
    """`(groups, 2 + J)`: per group Σ P_u, the number of units, and the category counts."""
    import numpy as np

    index = {c: i for i, c in enumerate(categories)}
    rows = np.zeros((len(groups), 2 + len(categories)))
    for g, group in enumerate(groups):
        for unit in group:
            try:
                counts = np.bincount([index[r] for r in unit], minlength=len(categories))
            except KeyError as exc:
                raise ValueError(f"rating {exc.args[0]!r} is not one of the categories") from None
            m = len(unit)
            rows[g, 0] += (counts * (counts - 1)).sum() / (m * (m - 1))
            rows[g, 1] += 1
            rows[g, 2:] += counts
    return rows


def _kappa_figure(totals: np.ndarray) -> np.ndarray:
    """Kappa of each row of summed `_kappa_rows`; NaN where undefined."""
    import numpy as np

    agreement = totals[:, 0] / totals[:, 1]
    shares = totals[:, 2:] / totals[:, 2:].sum(axis=1, keepdims=True)
    chance = (shares**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(chance < 1, (agreement - chance) / (1 - chance), np.nan)


def fleiss_kappa(
    units: Sequence[Sequence[Rating | None]], categories: Sequence[Rating]
) -> float | None:
    """Fleiss' kappa of `units` (one list of labels per unit, None for missing).

    Units with fewer than two labels are skipped; a unit missing some raters
    counts with those it has (see the module docstring; Fleiss 1971). None
    when no unit has two labels or every label is the same category.
    """
    groups = [[unit] for unit in _pairable(units)]
    if not groups:
        return None
    totals = _kappa_rows(groups, list(categories)).sum(axis=0, keepdims=True)
    return _finite(float(_kappa_figure(totals)[0]))


# --- as metrics ----------------------------------------------------------------


class _Agreement(Metric):
    """Agreement among a jury's ratings, each sample's epochs being its units."""

    higher_is_better = True

    def __init__(self, key: str):
        self.key = key

    def sample_stat(self, scores: Sequence[Score]) -> tuple[tuple[Rating, ...], ...] | None:
        """The sample's pairable units, one per epoch; None when there is none."""
        units = []
        for score in scores:
            ratings = score.metadata.get(self.key)
            if isinstance(ratings, dict):
                units.append(tuple(ratings.values()))
        pairable = _pairable(units)
        return tuple(tuple(unit) for unit in pairable) or None

    def _rows(self, stats: Sequence[Any]) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def _figure(self, totals: np.ndarray, context: Any) -> np.ndarray:
        raise NotImplementedError

    def value(self, stats: Sequence[Any]) -> float | None:
        present = [s for s in stats if s is not None]
        if not present:
            return None
        rows, context = self._rows(present)
        return _finite(float(self._figure(rows.sum(axis=0, keepdims=True), context)[0]))

    def summarize(self, stats: Sequence[Any], clusters: Sequence[str] | None = None) -> Summary:
        """The figure, and a percentile bootstrap over samples (or clusters)."""
        from proctor.metrics._bootstrap import bootstrap_sums

        if clusters is not None and len(clusters) != len(stats):
            raise ValueError(f"{len(stats)} statistics but {len(clusters)} cluster keys")
        keep = [i for i, s in enumerate(stats) if s is not None]
        if not keep:
            return None, None, None, None, "none"
        rows, context = self._rows([stats[i] for i in keep])
        value = _finite(float(self._figure(rows.sum(axis=0, keepdims=True), context)[0]))
        keys = None if clusters is None else [clusters[i] for i in keep]
        if value is None or len(set(keys if keys is not None else keep)) < 2:
            return value, None, None, None, "none"
        boot = bootstrap_sums(rows, lambda t: self._figure(t, context), clusters=keys)
        if len(boot.values) == 0:
            return value, None, None, None, "none"
        method = "bootstrap" if keys is None else "clustered-bootstrap"
        return value, boot.low, boot.high, boot.stderr, method


class AlphaAgreement(_Agreement):
    """Krippendorff's alpha among a jury's ratings, as the metric `alpha`."""

    name = "alpha"

    def __init__(self, level: Level = "interval", *, key: str = "ratings"):
        if level not in _LEVELS:
            raise ValueError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
        super().__init__(key)
        self.level = level

    def __repr__(self) -> str:
        return f"alpha_agreement({self.level!r})"

    def _rows(self, stats: Sequence[Any]) -> tuple[np.ndarray, list[Rating]]:
        values = _alpha_values(stats, self.level, None)
        return _coincidence_rows(stats, values), values

    def _figure(self, totals: np.ndarray, context: list[Rating]) -> np.ndarray:
        return _alpha_figure(totals, context, self.level)


class KappaAgreement(_Agreement):
    """Fleiss' kappa among a jury's labels, as the metric `kappa`."""

    name = "kappa"

    def __init__(self, categories: Sequence[Rating], *, key: str = "ratings"):
        if len(categories) < 2:
            raise ValueError("kappa needs at least two categories")
        super().__init__(key)
        self.categories = list(categories)

    def __repr__(self) -> str:
        return f"kappa_agreement({self.categories!r})"

    def _rows(self, stats: Sequence[Any]) -> tuple[np.ndarray, None]:
        return _kappa_rows(stats, self.categories), None

    def _figure(self, totals: np.ndarray, context: None) -> np.ndarray:
        return _kappa_figure(totals)


def alpha_agreement(level: Level = "interval", *, key: str = "ratings") -> Metric:
    """Krippendorff's alpha among the ratings in `score.metadata[key]`, named `alpha`.

    The metric of a jury of judges on a numeric scale; see the module docstring.
    """
    return AlphaAgreement(level, key=key)


def kappa_agreement(categories: Sequence[Rating], *, key: str = "ratings") -> Metric:
    """Fleiss' kappa among the labels in `score.metadata[key]`, named `kappa`.

    The metric of a jury of judges choosing among labels; see the module docstring.
    """
    return KappaAgreement(categories, key=key)
