"""Paired comparison of two runs on the same samples: delta, interval and tests per group.

Run A is the baseline, run B the candidate; `stats_a[i]` and `stats_b[i]` are
one sample's statistics (`Metric.sample_stat`) in each run. Every group (the
whole set, then each slice) gets the metric in both runs, `delta = b - a`, a
95% interval of delta, a two-sided p-value for delta ≠ 0 and `p_drop`, the
one-sided p-value for a change in the metric's bad direction (what the
regression gate reads). Which test depends on the metric and the data:

| metric, data                           | test                    | p-value                       |
| -------------------------------------- | ----------------------- | ----------------------------- |
| `Mean`, all 0/1, unclustered           | `mcnemar`               | exact binomial, discordant    |
| `Mean`, other, unclustered, n ≤ 20     | `permutation`           | all 2^n sign flips            |
| `Mean`, other, unclustered, n > 20     | `permutation-mc`        | `resamples` random sign flips |
| `Mean`, clusters                       | `clustered-permutation` | sign flips of cluster sums    |
| any other metric                       | `bootstrap`             | null-centred paired bootstrap |
| any other metric, clusters             | `clustered-bootstrap`   | the same, whole clusters      |

* McNemar (1947): of the pairs where the runs disagree, b have A right and B
  wrong and c the reverse; with no difference b ~ Binomial(b + c, 1/2). The
  two-sided p is SciPy's exact `binomtest(b, b + c)`; b + c = 0 gives 1.
* Sign-flip permutation test of the mean difference (Fisher's randomization
  test for paired data): with no difference each d_i = b_i - a_i is as likely
  to have either sign. Exact, the two-sided p is twice the smaller one-sided
  tail, clipped to 1, as SciPy's `permutation_test(..., permutation_type=
  "samples")` computes it; Monte Carlo, p = (1 + #extreme) / (1 + R) for R
  random sign patterns, |T*| ≥ |T| two-sided. With a cluster key (Miller 2024,
  "Adding Error Bars to Evals", on samples that are not independent) whole
  clusters' summed differences are flipped, exactly up to 20 clusters.
* Other metrics (corpus BLEU, pass@k, F1, macro means) are recomputed from
  the per-sample statistics of both runs on the same bootstrap resamples
  (Efron & Tibshirani 1993, "An Introduction to the Bootstrap"), in bulk from
  weighted sums for the metrics of `proctor.metrics`, else by calling
  `metric.value` on each resample. The p-value
  is that of the null-centred bootstrap (ibid., ch. 16): the resampled deltas
  minus the observed one stand for the distribution of delta with no
  difference, p = (1 + #{|δ* − δ| ≥ |δ|}) / (1 + R), one-sided alike.

The interval of delta is always the paired percentile bootstrap: R resamples
of the whole data set (of whole clusters when clustered), drawn once; each
group's figure is computed on the same resamples restricted to its members,
so slices and the whole set move together. A resample in which a group has no
member is left out of that group's interval. Below two samples (or clusters)
a group has no interval, and a bootstrap test no p-value.

Speed. For `Mean` the resampled delta is Σ c_i d_i / Σ c_i over the group
(c_i how often sample i is drawn), which is computed exactly from less than
the full (R, n) table of draws:

* samples are grouped into atoms (samples belonging to the same groups), and
  when few distinct (atom, d) pairs exist (0/1 scores, means over a few
  epochs) a resample is one multinomial draw of how many of each are taken;
* otherwise, within each atom, samples form blocks of 256: a multinomial
  draw gives each block's number of picks, and each pick inside a full block
  is one random byte (two picks per 16-bit word, looked up in the table of
  the 65,536 pair sums of the block); partial blocks draw plain integers;
* random sign flips use one random byte per 8 samples, looked up in the
  table of their 256 signed sums (atoms padded with zeros, which no sign
  changes), or, with few distinct |d|, one binomial per (atom, |d|).

These have the distribution of the naive draws (n indices drawn one by one,
one random sign per sample); the tests hold them to that reference
(`tests/compare/paired_reference.py`). pass@k, a plain mean of per-sample
estimates, is resampled the same way. Results depend on `seed` and the inputs
only; adding a slice regroups the atoms, so it changes which resamples are
drawn, not their distribution.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from proctor.metrics._agreement import _Agreement
from proctor.metrics._bootstrap import resample_counts
from proctor.metrics._classification import _CountMetric
from proctor.metrics._corpus import CorpusMetric
from proctor.metrics._macro import MacroMean
from proctor.metrics._mean import Mean
from proctor.metrics._metric import Metric
from proctor.metrics._passk import _PassMetric
from proctor.metrics._rubric import RubricScore

__all__ = ["PairedResult", "bh_qvalues", "paired_tests"]

Group = tuple[str | None, str | None, np.ndarray]

EXACT_MAX = 20  # sign patterns are enumerated up to 2**20 (meet in the middle: 2 x 1,024 sums)
_BLOCK = 256  # samples per block: one random byte picks one
_CELLS = 1 << 21  # bounds the temporary arrays of one batch of resamples
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, slots=True)
class PairedResult:
    """One group's comparison; see the module docstring. None where not computable."""

    slice_key: str | None
    slice_value: str | None
    n: int
    n_clusters: int | None
    a: float | None
    b: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_drop: float | None
    test: str
    diff_sd: float | None
    correlation: float | None


# --- the entry point ------------------------------------------------------------


def paired_tests(
    metric: Metric,
    stats_a: Sequence[Any],
    stats_b: Sequence[Any],
    groups: Sequence[Group],
    *,
    clusters: Sequence[str] | None = None,
    resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[PairedResult]:
    """Compare run B with run A on paired samples, one result per group, in order.

    `groups` holds `(slice_key, slice_value, indices)`, the indices pointing
    into the paired statistics. A pair whose statistic is None in either run
    is left out. `clusters`, when given, is each pair's cluster key.
    """
    if len(stats_a) != len(stats_b):
        raise ValueError(f"{len(stats_a)} statistics in run A but {len(stats_b)} in run B")
    if clusters is not None and len(clusters) != len(stats_a):
        raise ValueError(f"{len(stats_a)} statistics but {len(clusters)} cluster keys")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    if not groups:
        return []
    # keep the pairs scored in both runs; renumber the groups' members accordingly
    pairs = zip(stats_a, stats_b, strict=True)
    kept = [i for i, (x, y) in enumerate(pairs) if x is not None and y is not None]
    new_index = np.full(len(stats_a), -1, dtype=np.intp)
    new_index[kept] = np.arange(len(kept))
    members = []
    for _, _, indices in groups:
        mapped = new_index[np.asarray(indices, dtype=np.intp)]
        members.append(np.unique(mapped[mapped >= 0]))  # a sample counts once per group
    a_stats = [stats_a[i] for i in kept]
    b_stats = [stats_b[i] for i in kept]
    codes = None if clusters is None else _codes([clusters[i] for i in kept])
    scalar = all(isinstance(x, int | float | np.number) for x in (*a_stats, *b_stats))
    xa = np.asarray(a_stats, dtype=np.float64) if scalar else None
    xb = np.asarray(b_stats, dtype=np.float64) if scalar else None
    if _is_mean(metric):
        if xa is None or xb is None:
            raise ValueError(f"{metric!r} needs numbers as per-sample statistics")
        outcome = _mean_tests(
            xa, xb, members, codes, metric.higher_is_better, resamples=resamples, seed=seed
        )
    else:
        outcome = _bootstrap_tests(
            metric, a_stats, b_stats, members, codes, resamples=resamples, seed=seed
        )
    results = []
    for g, (group, m) in enumerate(zip(groups, members, strict=True)):
        spread = (None, None) if xa is None or xb is None else _spread(xa[m], xb[m])
        results.append(_result(group, m, codes, outcome, g, spread, confidence))
    return results


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the tests of one metric produced for every group."""

    test: list[str]
    a: list[float | None]
    b: list[float | None]
    p_value: list[float | None]
    p_drop: list[float | None]
    deltas: np.ndarray  # (resamples, groups) resampled deltas, NaN where undefined


def _result(
    group: Group,
    members: np.ndarray,
    codes: np.ndarray | None,
    outcome: _Outcome,
    g: int,
    spread: tuple[float | None, float | None],
    confidence: float,
) -> PairedResult:
    n = len(members)
    n_clusters = None if codes is None else len(np.unique(codes[members]))
    a, b = outcome.a[g], outcome.b[g]
    low = high = None
    if (n if n_clusters is None else n_clusters) >= 2:
        values = outcome.deltas[:, g]
        values = values[np.isfinite(values)]
        if len(values):
            tail = (1.0 - confidence) / 2
            low, high = (float(q) for q in np.quantile(values, [tail, 1.0 - tail]))
    return PairedResult(
        slice_key=group[0],
        slice_value=group[1],
        n=n,
        n_clusters=n_clusters,
        a=a,
        b=b,
        delta=None if a is None or b is None else b - a,
        ci_low=low,
        ci_high=high,
        p_value=outcome.p_value[g],
        p_drop=outcome.p_drop[g],
        test=outcome.test[g],
        diff_sd=spread[0],
        correlation=spread[1],
    )


def _is_mean(metric: Metric) -> bool:
    """A plain mean of the statistics (`mean()`, `mean_of()`), for which the tests above hold."""
    return isinstance(metric, Mean) and type(metric).value is Mean.value


def _codes(keys: Sequence[str]) -> np.ndarray:
    numbers: dict[str, int] = {}
    return np.fromiter((numbers.setdefault(k, len(numbers)) for k in keys), dtype=np.intp)


def _spread(xa: np.ndarray, xb: np.ndarray) -> tuple[float | None, float | None]:
    """SD of the differences (ddof=1) and the A-B correlation; None below two samples."""
    if len(xa) < 2:
        return None, None
    diff_sd = float(np.std(xb - xa, ddof=1))
    if np.ptp(xa) == 0 or np.ptp(xb) == 0:
        return diff_sd, None  # a constant run: no correlation
    return diff_sd, float(np.corrcoef(xa, xb)[0, 1])


def _fsum_mean(values: np.ndarray) -> float | None:
    """The mean as `Mean.value` computes it (exactly rounded sum), so figures agree."""
    return math.fsum(values.tolist()) / len(values) if len(values) else None


# --- means: McNemar, sign flips, fast bootstrap ------------------------------------


def _mean_tests(
    xa: np.ndarray,
    xb: np.ndarray,
    members: list[np.ndarray],
    codes: np.ndarray | None,
    higher_is_better: bool,
    *,
    resamples: int,
    seed: int,
) -> _Outcome:
    d = xb - xa
    n_groups = len(members)
    boot = np.random.default_rng(seed)
    flips = np.random.default_rng([seed, 1])  # an independent stream for the sign flips
    a = [_fsum_mean(xa[m]) for m in members]
    b = [_fsum_mean(xb[m]) for m in members]
    p_value: list[float | None] = [None] * n_groups
    p_drop: list[float | None] = [None] * n_groups
    if codes is not None:
        units, sizes = _cluster_sums(d, codes, members)
        deltas = _cluster_deltas(units, sizes, resamples, seed)
        tests = ["clustered-permutation"] * n_groups
        _flip_tests(units, sizes > 0, higher_is_better, flips, resamples, p_value, p_drop)
        return _Outcome(tests, a, b, p_value, p_drop, deltas)
    atom_of, membership = _atoms(len(d), members)
    deltas = _mean_deltas(d, atom_of, membership, resamples, boot)
    binary = bool(np.all((xa == 0) | (xa == 1)) and np.all((xb == 0) | (xb == 1)))
    if binary:
        for g, m in enumerate(members):
            if len(m):
                p_value[g], p_drop[g] = _mcnemar(xa[m], xb[m], higher_is_better)
        return _Outcome(["mcnemar"] * n_groups, a, b, p_value, p_drop, deltas)
    tests = ["permutation" if len(m) <= EXACT_MAX else "permutation-mc" for m in members]
    null = None
    if any(len(m) > EXACT_MAX for m in members):
        null = _flip_sums(d, atom_of, len(membership), resamples, flips) @ membership
    for g, m in enumerate(members):
        if len(m) and len(m) <= EXACT_MAX:
            p_value[g], p_drop[g] = _exact_flip_p(d[m], higher_is_better)
        elif null is not None and len(m):
            p_value[g], p_drop[g] = _mc_flip_p(d[m], null[:, g], higher_is_better)
    return _Outcome(tests, a, b, p_value, p_drop, deltas)


def _mean_deltas(
    d: np.ndarray,
    atom_of: np.ndarray,
    membership: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """`(resamples, groups)` bootstrap means of d per group, from one draw of all samples."""
    sums, counts = _resampled_sums(d, atom_of, len(membership), resamples, rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums @ membership) / (counts @ membership)


def _mcnemar(xa: np.ndarray, xb: np.ndarray, higher_is_better: bool) -> tuple[float, float]:
    """Exact McNemar: two-sided and bad-direction p from the discordant pairs."""
    from scipy.stats import binomtest

    worse = int(np.sum((xa == 1) & (xb == 0)))  # b: A right, B wrong
    better = int(np.sum((xa == 0) & (xb == 1)))  # c: A wrong, B right
    discordant = worse + better
    if discordant == 0:
        return 1.0, 1.0
    two_sided = float(binomtest(worse, discordant, 0.5).pvalue)
    bad = worse if higher_is_better else better
    return two_sided, float(binomtest(bad, discordant, 0.5, alternative="greater").pvalue)


def _tolerance(units: np.ndarray) -> float:
    """How far two sums of ±units equal in exact arithmetic may lie apart in floating point.

    SciPy's relative tolerance (100 ulp of the observed statistic) plus a bound on
    the rounding of summing the units in another order.
    """
    observed = abs(float(np.sum(units)))
    return 100 * _EPS * observed + 4 * len(units) * _EPS * float(np.sum(np.abs(units)))


def _exact_flip_p(units: np.ndarray, higher_is_better: bool) -> tuple[float, float]:
    """Two-sided and bad-direction p over all 2^k sign patterns of `units` (k ≤ EXACT_MAX)."""
    k = len(units)
    half = k // 2
    totals = (_pattern_sums(units[:half])[:, None] + _pattern_sums(units[half:])[None, :]).ravel()
    observed = float(np.sum(units))
    tol = _tolerance(units)
    p_less = np.count_nonzero(totals <= observed + tol) / totals.size
    p_greater = np.count_nonzero(totals >= observed - tol) / totals.size
    two_sided = min(1.0, 2 * min(p_less, p_greater))
    return two_sided, (p_less if higher_is_better else p_greater)


def _pattern_sums(units: np.ndarray) -> np.ndarray:
    """Σ ±u over all 2^k sign patterns of `units`."""
    k = len(units)
    bits = (np.arange(1 << k)[:, None] >> np.arange(k)) & 1
    return (1 - 2 * bits).astype(np.float64) @ units


def _mc_flip_p(units: np.ndarray, null: np.ndarray, higher_is_better: bool) -> tuple[float, float]:
    """Monte Carlo p from random sign-flip sums `null` of the same units."""
    observed = float(np.sum(units))
    tol = _tolerance(units)
    extreme = np.count_nonzero(np.abs(null) >= abs(observed) - tol)
    bad = null <= observed + tol if higher_is_better else null >= observed - tol
    r = len(null)
    return (1 + int(extreme)) / (1 + r), (1 + int(np.count_nonzero(bad))) / (1 + r)


def _atoms(n: int, members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's atom (the samples in exactly the same groups) and `(atoms, groups)` 0/1."""
    inside = np.zeros((n, len(members)), dtype=bool)
    for g, m in enumerate(members):
        inside[m, g] = True
    # one byte string per sample: sorting these is much faster than np.unique(axis=0)
    packed = np.ascontiguousarray(np.packbits(inside, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, atom_of = np.unique(keys, return_index=True, return_inverse=True)
    return atom_of.reshape(-1).astype(np.intp), inside[first].astype(np.float64)


def _distinct(atom_of: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (atom, value) pairs and how many samples have each."""
    if len(values) == 0:
        empty = np.zeros(0)
        return empty.astype(np.intp), empty, empty.astype(np.int64)
    order = np.lexsort((values, atom_of))
    atoms, vals = atom_of[order], values[order]
    new = np.ones(len(vals), dtype=bool)
    new[1:] = (atoms[1:] != atoms[:-1]) | (vals[1:] != vals[:-1])
    starts = np.flatnonzero(new)
    return atoms[starts], vals[starts], np.diff(np.append(starts, len(vals)))


def _one_hot(index: np.ndarray, width: int, weights: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros((len(index), width))
    out[np.arange(len(index)), index] = 1.0 if weights is None else weights
    return out


def _resampled_sums(
    d: np.ndarray, atom_of: np.ndarray, n_atoms: int, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`(resamples, atoms)` sums of the drawn d and counts of drawn samples, per atom."""
    n = len(d)
    if n == 0:
        return np.zeros((resamples, n_atoms)), np.zeros((resamples, n_atoms))
    cat_atom, cat_value, cat_size = _distinct(atom_of, d)
    blocks = int(np.sum(-(-np.bincount(atom_of, minlength=n_atoms) // _BLOCK)))
    if len(cat_size) <= blocks + n // 64:
        return _category_sums(cat_atom, cat_value, cat_size, n_atoms, resamples, rng)
    return _block_sums(d, atom_of, n_atoms, resamples, rng)


def _category_sums(
    cat_atom: np.ndarray,
    cat_value: np.ndarray,
    cat_size: np.ndarray,
    n_atoms: int,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Resampling as a multinomial draw over (atom, value) categories: exact, cheap."""
    n = int(cat_size.sum())
    value_matrix = _one_hot(cat_atom, n_atoms, cat_value)
    count_matrix = _one_hot(cat_atom, n_atoms)
    sums, counts = [], []
    step = max(1, _CELLS // len(cat_size))
    for start in range(0, resamples, step):
        drawn = rng.multinomial(n, cat_size / n, size=min(step, resamples - start))
        sums.append(drawn @ value_matrix)
        counts.append(drawn @ count_matrix)
    return np.concatenate(sums), np.concatenate(counts)


def _random_words(rng: np.random.Generator, count: int, dtype: type[np.unsignedinteger]) -> Any:
    """`count` uniform random integers of an unsigned type, cut from 64-bit outputs."""
    per_word = 8 // np.dtype(dtype).itemsize
    raw = rng.bit_generator.random_raw(-(-count // per_word))
    return np.asarray(raw, dtype=np.uint64).view(dtype)[:count]


def _segment_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums of consecutive runs of `values` of the given lengths (0 for an empty run)."""
    out = np.zeros(len(lengths))
    nonempty = lengths > 0
    if values.size:
        starts = np.cumsum(lengths) - lengths
        out[nonempty] = np.add.reduceat(values, starts[nonempty])
    return out


def _block_sums(
    d: np.ndarray, atom_of: np.ndarray, n_atoms: int, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Resampling by blocks of 256 samples; see the module docstring."""
    order = np.argsort(atom_of, kind="stable")
    values, atoms = d[order], atom_of[order]
    sizes = np.bincount(atoms, minlength=n_atoms)
    ends = np.cumsum(sizes)
    starts = [s for a in range(n_atoms) for s in range(ends[a] - sizes[a], ends[a], _BLOCK)]
    block_atom = np.repeat(np.arange(n_atoms), -(-sizes // _BLOCK))
    block_size = np.minimum(_BLOCK, ends[block_atom] - np.array(starts, dtype=np.int64))
    n = len(d)
    # how many picks each block gets in each resample (one draw of the whole data set)
    step = max(1, _CELLS // len(starts))
    picks = np.concatenate(
        [
            rng.multinomial(n, block_size / n, size=min(step, resamples - s)).astype(np.int32)
            for s in range(0, resamples, step)
        ]
    )
    sums = np.zeros((resamples, n_atoms))
    batch = max(1, _CELLS // (2 * _BLOCK))  # resamples per batch: about _CELLS picks
    for b, start in enumerate(starts):
        table = values[start : start + block_size[b]]
        full = len(table) == _BLOCK
        pair_table = (table[:, None] + table[None, :]).ravel() if full else None
        for r0 in range(0, resamples, batch):
            k = picks[r0 : r0 + batch, b]
            if pair_table is not None:
                total = _pair_picks(k, table, pair_table, rng)
            else:
                drawn = table.take(rng.integers(0, len(table), int(k.sum())))
                total = _segment_sums(drawn, k)
            sums[r0 : r0 + batch, block_atom[b]] += total
    counts = picks @ _one_hot(block_atom, n_atoms)
    return sums, counts


def _pair_picks(
    k: np.ndarray, table: np.ndarray, pair_table: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sum of k[r] uniform picks from a full block: pairs by 16-bit words, the odd one by a byte."""
    pairs = k >> 1
    index = np.empty(int(pairs.sum()), dtype=np.intp)
    np.copyto(index, _random_words(rng, len(index), np.uint16), casting="unsafe")
    total = _segment_sums(pair_table.take(index), pairs)
    odd = (k & 1).astype(bool)
    singles = np.empty(int(odd.sum()), dtype=np.intp)
    np.copyto(singles, _random_words(rng, len(singles), np.uint8), casting="unsafe")
    total[odd] += table.take(singles)
    return total


def _flip_sums(
    d: np.ndarray, atom_of: np.ndarray, n_atoms: int, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """`(resamples, atoms)` sums of d with independent random signs, per atom."""
    nonzero = d != 0  # a zero difference is the same with either sign
    cat_atom, cat_value, cat_size = _distinct(atom_of[nonzero], np.abs(d[nonzero]))
    if len(cat_size) <= 16 + len(d) // 256:
        # with few distinct |d|: Σ of m signed copies of v is v (2 Binomial(m, 1/2) - m)
        out = np.zeros((resamples, n_atoms))
        step = max(1, _CELLS // max(1, len(cat_size)))
        weights = _one_hot(cat_atom, n_atoms, cat_value)
        for r0 in range(0, resamples, step):
            heads = rng.binomial(cat_size, 0.5, size=(min(step, resamples - r0), len(cat_size)))
            out[r0 : r0 + step] = (2 * heads - cat_size) @ weights
        return out
    return _flip_bytes(d, atom_of, n_atoms, resamples, rng)


def _flip_bytes(
    d: np.ndarray, atom_of: np.ndarray, n_atoms: int, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Random sign flips, one random byte deciding 8 signs through a table of 256 sums."""
    rows, row_atom = [], []
    for a in range(n_atoms):
        values = d[atom_of == a]
        padded = np.zeros(-(-len(values) // 8) * 8)  # zeros: exact whatever their sign
        padded[: len(values)] = values
        rows.append(padded.reshape(-1, 8))
        row_atom.append(np.full(len(padded) // 8, a))
    chunks, chunk_atom = np.concatenate(rows), np.concatenate(row_atom)
    signs = 1.0 - 2.0 * ((np.arange(256)[:, None] >> np.arange(8)) & 1)  # bit j flips sample j
    table = (chunks @ signs.T).ravel()  # row c: the 256 signed sums of chunk c
    offsets = np.arange(len(chunks), dtype=np.intp)[:, None] * 256
    bounds = np.flatnonzero(np.diff(chunk_atom, prepend=-1, append=n_atoms))
    out = np.zeros((resamples, n_atoms))
    batch = max(1, _CELLS // max(1, len(chunks)))
    rows_per_step = 128  # 128 tables of 2 KB stay in cache while their picks are looked up
    for r0 in range(0, resamples, batch):
        width = min(batch, resamples - r0)
        bytes_ = _random_words(rng, len(chunks) * width, np.uint8).reshape(len(chunks), width)
        for lo, hi in itertools.pairwise(bounds):
            for s in range(lo, hi, rows_per_step):
                e = min(s + rows_per_step, hi)
                index = bytes_[s:e].astype(np.intp) + offsets[s:e]
                out[r0 : r0 + width, chunk_atom[lo]] += table.take(index).sum(axis=0)
    return out


def _cluster_sums(
    d: np.ndarray, codes: np.ndarray, members: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """`(clusters, groups)` summed differences and member counts of each cluster in each group."""
    n_clusters = int(codes.max()) + 1 if len(codes) else 0
    units = np.zeros((n_clusters, len(members)))
    sizes = np.zeros((n_clusters, len(members)))
    for g, m in enumerate(members):
        units[:, g] = np.bincount(codes[m], weights=d[m], minlength=n_clusters)
        sizes[:, g] = np.bincount(codes[m], minlength=n_clusters)
    return units, sizes


def _cluster_deltas(units: np.ndarray, sizes: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Resampled group deltas, whole clusters drawn (G from G) once for every group."""
    if len(units) == 0:
        return np.full((resamples, units.shape[1]), np.nan)
    out = []
    for counts in resample_counts(len(units), resamples=resamples, seed=seed):
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((counts @ units) / (counts @ sizes))
    return np.concatenate(out)


def _flip_tests(
    units: np.ndarray,
    present: np.ndarray,
    higher_is_better: bool,
    rng: np.random.Generator,
    resamples: int,
    p_value: list[float | None],
    p_drop: list[float | None],
) -> None:
    """Sign flips of whole clusters' sums: exact up to EXACT_MAX clusters, else shared draws."""
    in_group = present.sum(axis=0)
    null = None
    if np.any(in_group > EXACT_MAX):
        parts = []
        step = max(1, _CELLS // max(1, len(units)))
        for r0 in range(0, resamples, step):
            bits = rng.integers(0, 2, size=(min(step, resamples - r0), len(units)), dtype=np.int8)
            parts.append((1.0 - 2.0 * bits) @ units)
        null = np.concatenate(parts)
    for g in range(units.shape[1]):
        group_units = units[present[:, g], g]
        if len(group_units) == 0:
            continue
        if len(group_units) <= EXACT_MAX:
            p_value[g], p_drop[g] = _exact_flip_p(group_units, higher_is_better)
        elif null is not None:
            p_value[g], p_drop[g] = _mc_flip_p(group_units, null[:, g], higher_is_better)


# --- any other metric: the paired bootstrap ----------------------------------------


def _bootstrap_tests(
    metric: Metric,
    a_stats: list[Any],
    b_stats: list[Any],
    members: list[np.ndarray],
    codes: np.ndarray | None,
    *,
    resamples: int,
    seed: int,
) -> _Outcome:
    n_groups = len(members)
    a = [_value(metric, [a_stats[i] for i in m]) for m in members]
    b = [_value(metric, [b_stats[i] for i in m]) for m in members]
    if type(metric).value in (Mean.value, _PassMetric.value):
        # a plain mean of numbers (pass@k): its resampled delta is the mean of the resampled
        # differences, drawn as for `mean()`; the same resamples, far fewer random draws
        d = np.asarray(b_stats, dtype=np.float64) - np.asarray(a_stats, dtype=np.float64)
        if codes is None:
            atom_of, membership = _atoms(len(d), members)
            deltas = _mean_deltas(d, atom_of, membership, resamples, np.random.default_rng(seed))
        else:
            deltas = _cluster_deltas(*_cluster_sums(d, codes, members), resamples, seed)
    else:
        deltas = _resampled_deltas(metric, a_stats, b_stats, members, codes, resamples, seed)
    higher = metric.higher_is_better
    p_value: list[float | None] = [None] * n_groups
    p_drop: list[float | None] = [None] * n_groups
    for g, m in enumerate(members):
        units = len(m) if codes is None else len(np.unique(codes[m]))
        if units >= 2 and a[g] is not None and b[g] is not None:
            p_value[g], p_drop[g] = _bootstrap_p(deltas[:, g], b[g] - a[g], higher)
    test = "bootstrap" if codes is None else "clustered-bootstrap"
    return _Outcome([test] * n_groups, a, b, p_value, p_drop, deltas)


def _resampled_deltas(
    metric: Metric,
    a_stats: list[Any],
    b_stats: list[Any],
    members: list[np.ndarray],
    codes: np.ndarray | None,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """`(resamples, groups)` deltas of the metric recomputed on shared bootstrap resamples."""
    n_groups = len(members)
    figures = [
        (_resampled_figure(metric, [a_stats[i] for i in m]),
         _resampled_figure(metric, [b_stats[i] for i in m]))
        for m in members
    ]  # fmt: skip
    parts: list[np.ndarray] = []
    if a_stats:
        keys = None if codes is None else codes.tolist()
        for counts in resample_counts(len(a_stats), clusters=keys, resamples=resamples, seed=seed):
            weights = counts.astype(np.float64)
            part = np.full((len(counts), n_groups), np.nan)
            for g, m in enumerate(members):
                if len(m):
                    w = weights[:, m]
                    part[:, g] = figures[g][1](w) - figures[g][0](w)
            parts.append(part)
    return np.concatenate(parts) if parts else np.full((resamples, n_groups), np.nan)


def _value(metric: Metric, stats: list[Any]) -> float | None:
    value = metric.value(stats) if stats else None
    return None if value is None or not math.isfinite(value) else float(value)


def _bootstrap_p(
    deltas: np.ndarray, observed: float, higher_is_better: bool
) -> tuple[float | None, float | None]:
    """Null-centred bootstrap p-values: deltas − observed as the distribution with no change."""
    centred = deltas[np.isfinite(deltas)] - observed
    if len(centred) == 0:
        return None, None
    tol = 1e-12 * max(1.0, abs(observed))  # a resample equal to the observed delta is a tie
    r = len(centred)
    extreme = int(np.count_nonzero(np.abs(centred) >= abs(observed) - tol))
    bad = centred <= observed + tol if higher_is_better else centred >= observed - tol
    return (1 + extreme) / (1 + r), (1 + int(np.count_nonzero(bad))) / (1 + r)


Figure = Callable[[np.ndarray], np.ndarray]


def _resampled_figure(metric: Metric, stats: list[Any]) -> Figure:
    """`weights (r, m) -> r figures`: the metric of the stats taken weights[j, i] times each.

    Metrics whose `value` is known are computed in bulk from weighted sums;
    any other metric is called once per resample on the resampled statistics.
    NaN where the figure is undefined (e.g. nothing drawn).
    """
    kind = type(metric).value
    if kind in (Mean.value, _PassMetric.value, RubricScore.value):
        x = np.asarray(stats, dtype=np.float64)
        clip = kind is RubricScore.value

        def mean(w: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                out = (w @ x) / w.sum(axis=1)
            return np.clip(out, 0.0, 1.0) if clip else out

        return mean
    if kind is CorpusMetric.value and isinstance(metric, CorpusMetric):
        return _corpus_figure(metric, stats)
    if kind is _CountMetric.value and isinstance(metric, _CountMetric):
        entries, context = metric._encode(stats)
        matrix = np.zeros((len(stats), entries.cells))
        np.add.at(matrix, (entries.sample, entries.cell), entries.weight)
        return _rows_figure(matrix, lambda t: metric._figure(t, context))
    if kind is _Agreement.value and isinstance(metric, _Agreement):
        rows, context = metric._rows(stats)  # one row of summable counts per sample
        return _bulk_figure(rows.astype(np.float64), lambda t: metric._figure(t, context))
    if kind is MacroMean.value:
        return _macro_figure(stats)
    return _generic_figure(metric, stats)


def _rows_figure(matrix: np.ndarray, figure: Callable[[np.ndarray], float]) -> Figure:
    def compute(w: np.ndarray) -> np.ndarray:
        totals = w @ matrix
        drawn = w.sum(axis=1) > 0
        return np.array([figure(t) if ok else np.nan for t, ok in zip(totals, drawn, strict=True)])

    return compute


def _bulk_figure(matrix: np.ndarray, figure: Callable[[np.ndarray], np.ndarray]) -> Figure:
    def compute(w: np.ndarray) -> np.ndarray:
        out = np.asarray(figure(w @ matrix), dtype=np.float64)
        out = np.where(np.isfinite(out), out, np.nan)
        return np.where(w.sum(axis=1) > 0, out, np.nan)

    return compute


def _corpus_figure(metric: CorpusMetric, stats: list[Any]) -> Figure:
    rows = np.asarray(stats)
    exact = np.issubdtype(rows.dtype, np.integer)  # sacrebleu's counts: keep them integers
    matrix = rows.astype(np.float64)

    def compute(w: np.ndarray) -> np.ndarray:
        totals = w @ matrix
        listed = np.rint(totals).astype(np.int64).tolist() if exact else totals.tolist()
        drawn = w.sum(axis=1) > 0
        return np.array(
            [float(metric.figure(t)) if ok else np.nan for t, ok in zip(listed, drawn, strict=True)]
        )

    return compute


def _macro_figure(stats: list[Any]) -> Figure:
    names = _codes([s[0] for s in stats])
    values = np.array([s[1] for s in stats], dtype=np.float64)
    width = int(names.max()) + 1 if len(names) else 0
    sums, counts = _one_hot(names, width, values), _one_hot(names, width)

    def compute(w: np.ndarray) -> np.ndarray:
        total, size = w @ sums, w @ counts
        present = size > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(present, total / np.where(present, size, 1), 0.0)
            return means.sum(axis=1) / present.sum(axis=1)

    return compute


def _generic_figure(metric: Metric, stats: list[Any]) -> Figure:
    def compute(w: np.ndarray) -> np.ndarray:
        out = np.full(len(w), np.nan)
        for r, row in enumerate(w):
            picks = np.repeat(np.arange(len(stats)), row.astype(np.intp))
            if len(picks):
                value = _value(metric, [stats[i] for i in picks])
                out[r] = np.nan if value is None else value
        return out

    return compute


# --- multiple testing ---------------------------------------------------------------


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini & Hochberg (1995) adjusted p-values (q-values); None stays None.

    q_(i) = min over j ≥ i of m · p_(j) / j, clipped to 1, with m the number of
    p-values that are not None. Computed as SciPy's
    `false_discovery_control(ps, method="bh")` does, so the two agree exactly.

    >>> bh_qvalues([0.01, None, 0.04, 0.03])
    [0.03, None, 0.04, 0.04]
    """
    present = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    ps = np.array([p_values[i] for i in present], dtype=np.float64)
    if np.any((ps < 0) | (ps > 1)) or not np.all(np.isfinite(ps)):
        raise ValueError("p-values must lie in [0, 1]")
    order = np.argsort(ps)
    ranked = ps[order]
    m = len(ranked)
    ranked *= m / np.arange(1, m + 1, dtype=np.float64)
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    adjusted = np.empty(m)
    adjusted[order] = ranked
    for i, q in zip(present, np.clip(adjusted, 0.0, 1.0), strict=True):
        out[i] = float(q)
    return out
