"""Paired comparison: the tests equal SciPy's, the fast resampling equals the naive one."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from paired_reference import naive_deltas, naive_flip_sums
from paired_sims import binary_cells, binary_runs, continuous_runs
from scipy import stats as sps

from proctor.compare._paired import (
    EXACT_MAX,
    _atoms,
    _block_sums,
    _bootstrap_tests,
    _category_sums,
    _distinct,
    _exact_flip_p,
    _flip_bytes,
    _flip_sums,
    _generic_figure,
    _mc_flip_p,
    _mean_tests,
    _resampled_figure,
    bh_qvalues,
    paired_tests,
)
from proctor.metrics import corpus, macro_mean, mean, mean_of, pass_at_k
from proctor.metrics._agreement import AlphaAgreement
from proctor.metrics._classification import FieldMetric, LabelMetric
from proctor.metrics._mean import Mean
from proctor.metrics._rubric import RubricScore
from proctor.scorer import Score


class ErrorRate(Mean):
    """A mean where lower is better: the bad direction is an increase."""

    name = "error_rate"
    higher_is_better = False


def whole(n: int) -> list[tuple[str | None, str | None, np.ndarray]]:
    return [(None, None, np.arange(n))]


def table(worse: int, better: int, both_right: int = 5, both_wrong: int = 3):
    """Paired 0/1 statistics with the given discordant counts (b: A right, B wrong; c)."""
    a = [1.0] * worse + [0.0] * better + [1.0] * both_right + [0.0] * both_wrong
    b = [0.0] * worse + [1.0] * better + [1.0] * both_right + [0.0] * both_wrong
    return a, b


def scipy_permutation(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    result = sps.permutation_test(
        (b, a),
        statistic=lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative=alternative,
    )
    return float(result.pvalue)


# --- the tests against SciPy --------------------------------------------------------


@pytest.mark.parametrize(
    ("worse", "better"),
    [(0, 0), (3, 0), (0, 4), (1, 1), (7, 3), (15, 16), (40, 22), (120, 95), (2000, 1890)],
)
def test_mcnemar_p_is_scipys_exact_binomial_test_on_the_discordant_pairs(worse, better) -> None:
    a, b = table(worse, better)
    [result] = paired_tests(mean(), a, b, whole(len(a)), resamples=200)
    assert result.test == "mcnemar"
    if worse + better == 0:
        assert result.p_value == 1.0 and result.p_drop == 1.0
        return
    assert result.p_value == sps.binomtest(worse, worse + better, 0.5).pvalue
    greater = sps.binomtest(worse, worse + better, 0.5, alternative="greater").pvalue
    assert result.p_drop == greater


def test_mcnemar_bad_direction_follows_the_metric() -> None:
    a, b = table(3, 12)  # B right more often: fine for accuracy, bad for an error rate
    [error] = paired_tests(ErrorRate(), a, b, whole(len(a)), resamples=200)
    assert error.p_drop == sps.binomtest(12, 15, 0.5, alternative="greater").pvalue
    [accuracy] = paired_tests(mean(), a, b, whole(len(a)), resamples=200)
    assert accuracy.p_drop == sps.binomtest(3, 15, 0.5, alternative="greater").pvalue
    assert error.p_value == accuracy.p_value


@pytest.mark.parametrize(("n", "seed"), [(2, 1), (3, 0), (5, 2), (8, 3), (11, 4), (13, 5), (15, 6)])
def test_exact_permutation_p_is_scipys_permutation_test(n, seed) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(n) + 0.1
    [result] = paired_tests(mean(), a.tolist(), b.tolist(), whole(n), resamples=200)
    assert result.test == "permutation"
    assert result.p_value == scipy_permutation(a, b, "two-sided")
    assert result.p_drop == scipy_permutation(a, b, "less")


def test_exact_permutation_with_tied_differences_is_scipys() -> None:
    # differences that tie exactly (multiples of 1/8), where the tolerance matters
    rng = np.random.default_rng(7)
    for _ in range(5):
        a = rng.integers(0, 9, 14) / 8
        b = rng.integers(0, 9, 14) / 8
        [result] = paired_tests(mean(), a.tolist(), b.tolist(), whole(14), resamples=100)
        assert result.p_value == scipy_permutation(a, b, "two-sided")
        assert result.p_drop == scipy_permutation(a, b, "less")


def test_exact_permutation_bad_direction_for_lower_is_better() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.random(10), rng.random(10)
    [result] = paired_tests(ErrorRate(), a.tolist(), b.tolist(), whole(10), resamples=100)
    assert result.p_drop == scipy_permutation(a, b, "greater")


@pytest.mark.parametrize(
    "ps",
    [
        [0.01, 0.04, 0.03, 0.2],
        [0.05, 0.05, 0.05, 0.01, 0.01],  # ties
        [0.5, None, 0.001, None, 0.049, 0.049, 1.0],  # ties and None
        [0.0, 1.0, 0.3],
        [0.2],
    ],
)
def test_bh_qvalues_equal_scipys_false_discovery_control(ps) -> None:
    present = [p for p in ps if p is not None]
    expected = iter(sps.false_discovery_control(present, method="bh").tolist())
    got = bh_qvalues(ps)
    assert [None if p is None else next(expected) for p in ps] == got


def test_bh_qvalues_of_nothing() -> None:
    assert bh_qvalues([]) == [] and bh_qvalues([None, None]) == [None, None]


# --- which test, and the edge cases ---------------------------------------------------


def test_the_test_follows_the_metric_and_the_data() -> None:
    rng = np.random.default_rng(0)
    binary = (rng.random(40) < 0.7).astype(float).tolist()
    other = (rng.random(40) < 0.7).astype(float).tolist()
    continuous = rng.random(40).tolist()
    groups = [(None, None, np.arange(40)), ("k", "small", np.arange(10))]
    clusters = [str(i // 4) for i in range(40)]
    assert [r.test for r in paired_tests(mean(), binary, other, groups, resamples=50)] == [
        "mcnemar",
        "mcnemar",
    ]
    assert [r.test for r in paired_tests(mean(), binary, continuous, groups, resamples=50)] == [
        "permutation-mc",
        "permutation",
    ]
    clustered = paired_tests(mean(), binary, other, groups, clusters=clusters, resamples=50)
    assert {r.test for r in clustered} == {"clustered-permutation"}
    assert [r.n_clusters for r in clustered] == [10, 3]
    generic = paired_tests(pass_at_k(1), continuous, binary, groups, resamples=50)
    assert {r.test for r in generic} == {"bootstrap"}
    generic = paired_tests(
        pass_at_k(1), continuous, binary, groups, clusters=clusters, resamples=50
    )
    assert {r.test for r in generic} == {"clustered-bootstrap"}


@pytest.mark.parametrize("kind", ["binary", "continuous", "clustered", "generic"])
def test_equal_runs_have_delta_zero_and_p_one(kind) -> None:
    rng = np.random.default_rng(1)
    stats = (rng.random(60) < 0.6).astype(float) if kind == "binary" else rng.random(60)
    metric = pass_at_k(1) if kind == "generic" else mean()
    clusters = [str(i // 3) for i in range(60)] if kind == "clustered" else None
    groups = [(None, None, np.arange(60)), ("k", "v", np.arange(0, 60, 2))]
    results = paired_tests(
        metric, stats.tolist(), stats.tolist(), groups, clusters=clusters, resamples=300
    )
    for r in results:
        assert r.delta == 0.0 and r.a == r.b
        assert r.p_value == 1.0 and r.p_drop == 1.0
        assert r.ci_low == 0.0 and r.ci_high == 0.0
        assert r.diff_sd == 0.0


@pytest.mark.parametrize("metric", [mean(), pass_at_k(1)], ids=["mean", "generic"])
@pytest.mark.parametrize("clustered", [False, True])
def test_groups_of_zero_and_one_sample_give_none_without_crashing(metric, clustered) -> None:
    a, b = [0.2, 0.9, 0.4, 0.5], [0.3, 0.1, 0.8, 0.5]
    groups = [
        (None, None, np.arange(4)),
        ("k", "none", np.array([], dtype=np.int64)),
        ("k", "one", np.array([1])),
    ]
    clusters = ["x", "y", "y", "z"] if clustered else None
    overall, empty, one = paired_tests(metric, a, b, groups, clusters=clusters, resamples=200)
    assert overall.n == 4 and overall.ci_low is not None and overall.p_value is not None
    assert (empty.n, empty.a, empty.b, empty.delta) == (0, None, None, None)
    assert (empty.ci_low, empty.ci_high, empty.p_value, empty.p_drop) == (None,) * 4
    assert (empty.diff_sd, empty.correlation) == (None, None)
    assert one.n == 1 and one.a == 0.9 and one.b == 0.1 and one.delta == pytest.approx(-0.8)
    assert one.ci_low is None and one.ci_high is None and one.diff_sd is None
    if metric.name == "mean":  # an exact test still says what one pair can say
        assert one.p_value == 1.0 and one.p_drop == 0.5
    else:
        assert one.p_value is None and one.p_drop is None


def test_pairs_missing_in_either_run_are_left_out() -> None:
    a = [1.0, None, 0.0, 1.0, 1.0]
    b = [0.0, 1.0, None, 1.0, 0.0]
    groups = [(None, None, np.arange(5)), ("k", "v", np.array([1, 2, 3]))]
    overall, part = paired_tests(mean(), a, b, groups, resamples=100)
    assert overall.n == 3 and overall.a == 1.0 and overall.b == pytest.approx(1 / 3)
    assert part.n == 1 and part.a == 1.0 and part.b == 1.0


def test_no_pairs_at_all() -> None:
    [result] = paired_tests(mean(), [None, 1.0], [0.0, None], whole(2), resamples=10)
    assert result.n == 0 and result.delta is None and result.p_value is None


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="run B"):
        paired_tests(mean(), [1.0], [1.0, 0.0], whole(1))
    with pytest.raises(ValueError, match="cluster keys"):
        paired_tests(mean(), [1.0], [1.0], whole(1), clusters=["a", "b"])
    with pytest.raises(ValueError, match="resamples"):
        paired_tests(mean(), [1.0], [1.0], whole(1), resamples=0)
    with pytest.raises(ValueError, match="numbers"):
        paired_tests(mean(), [(1, 2)], [(1, 2)], whole(1))


def test_values_spread_and_correlation_are_reported() -> None:
    rng = np.random.default_rng(5)
    a = rng.random(300)
    b = a + rng.normal(0, 0.1, 300)
    [result] = paired_tests(mean_of(None, name="m"), a.tolist(), b.tolist(), whole(300))
    assert result.a == pytest.approx(a.mean()) and result.b == pytest.approx(b.mean())
    assert result.delta == result.b - result.a
    assert result.diff_sd == pytest.approx(np.std(b - a, ddof=1))
    assert result.correlation == pytest.approx(np.corrcoef(a, b)[0, 1])
    assert result.ci_low < result.delta < result.ci_high


def test_a_clear_drop_is_detected_and_a_rise_is_not_a_drop() -> None:
    rng = np.random.default_rng(6)
    a, b = continuous_runs(rng, 500, noise=0.1, drop=0.05)
    [drop] = paired_tests(mean(), a.tolist(), b.tolist(), whole(500), resamples=2000)
    assert drop.p_drop < 0.001 and drop.p_value < 0.002 and drop.ci_high < 0
    [rise] = paired_tests(mean(), b.tolist(), a.tolist(), whole(500), resamples=2000)
    assert rise.p_drop > 0.99 and rise.ci_low > 0


def test_results_are_reproducible_by_seed() -> None:
    rng = np.random.default_rng(8)
    a, b = continuous_runs(rng, 400, noise=0.2)
    groups = [(None, None, np.arange(400)), ("k", "v", np.arange(0, 400, 3))]
    first = paired_tests(mean(), a.tolist(), b.tolist(), groups, resamples=500, seed=3)
    again = paired_tests(mean(), a.tolist(), b.tolist(), groups, resamples=500, seed=3)
    other = paired_tests(mean(), a.tolist(), b.tolist(), groups, resamples=500, seed=4)
    assert first == again
    assert first[0].ci_low != other[0].ci_low and first[0].p_value != other[0].p_value


# --- slices share one draw of the whole data set --------------------------------------


@pytest.mark.parametrize("kind", ["binary", "continuous", "generic", "corpus", "clustered"])
def test_a_slice_holding_every_sample_gets_the_same_interval_as_the_whole(kind) -> None:
    rng = np.random.default_rng(9)
    if kind == "binary":
        a, b = binary_runs(rng, 700, binary_cells(0.8, 0.02, 0.4))
    else:
        a, b = continuous_runs(rng, 700, noise=0.2)
    metric = {"generic": pass_at_k(1), "corpus": RATIO}.get(kind, mean())
    stats_a, stats_b = (ratio_rows(a), ratio_rows(b)) if kind == "corpus" else (a, b)
    clusters = [str(i // 5) for i in range(700)] if kind == "clustered" else None
    everything = np.arange(700)
    groups = [(None, None, everything), ("k", "all", everything), ("k", "half", everything[::2])]
    overall, same, _ = paired_tests(
        metric, list(stats_a), list(stats_b), groups, clusters=clusters, resamples=400
    )
    assert (same.ci_low, same.ci_high) == (overall.ci_low, overall.ci_high)


def ratio_rows(x: np.ndarray) -> list[tuple[float, float]]:
    """Corpus statistics whose figure, sum(x) / count, is the mean: a metric bootstrapped
    by recomputing it on every resample."""
    return [(float(v), 1.0) for v in x]


RATIO = corpus(lambda t: t[0] / t[1], name="ratio")


@pytest.mark.parametrize("kind", ["binary", "continuous", "generic", "corpus", "clustered"])
def test_slices_move_with_the_whole_on_each_resample(kind) -> None:
    # one draw of the whole data set: half the samples carry about half the
    # whole's sampling noise, so their resampled deltas correlate at ≈ √(1/2)
    rng = np.random.default_rng(10)
    n = 2000
    a, b = continuous_runs(rng, n, noise=0.2)
    if kind == "binary":
        a, b = binary_runs(rng, n, binary_cells(0.7, 0.0, 0.3))
    members = [np.arange(n), np.arange(0, n, 2), np.arange(1, n, 2)]
    codes = np.arange(n) // 4 if kind == "clustered" else None
    if kind == "generic":
        outcome = _bootstrap_tests(
            pass_at_k(1), a.tolist(), b.tolist(), members, None, resamples=3000, seed=0
        )
    elif kind == "corpus":
        outcome = _bootstrap_tests(
            RATIO, ratio_rows(a), ratio_rows(b), members, None, resamples=3000, seed=0
        )
    else:
        outcome = _mean_tests(a, b, members, codes, True, resamples=3000, seed=0)
    deltas = outcome.deltas
    assert np.corrcoef(deltas[:, 0], deltas[:, 1])[0, 1] == pytest.approx(math.sqrt(0.5), abs=0.05)
    assert abs(np.corrcoef(deltas[:, 1], deltas[:, 2])[0, 1]) < 0.08  # disjoint halves
    # and the whole is the size-weighted mix of its two halves, resample by resample
    if kind == "binary":
        mixed = (deltas[:, 1] + deltas[:, 2]) / 2
        assert np.corrcoef(mixed, deltas[:, 0])[0, 1] > 0.99


# --- the fast resampling against the naive reference ------------------------------------


def exact_bootstrap(d: np.ndarray, members: list[np.ndarray]) -> list[dict[float, float]]:
    """The exact distribution of each group's resampled mean of d (NaN: no member drawn)."""
    n = len(d)
    out: list[dict[float, float]] = [{} for _ in members]
    for drawn in itertools.product(range(n), repeat=n):
        picks = np.array(drawn)
        for g, m in enumerate(members):
            chosen = picks[np.isin(picks, m)]
            key = round(float(d[chosen].mean()), 9) if len(chosen) else math.nan
            out[g][key] = out[g].get(key, 0.0) + n**-n
    return out


def assert_matches(sample: np.ndarray, exact: dict[float, float]) -> None:
    """Chi-square goodness of fit of the drawn values to the exact distribution."""
    keys = sorted(exact, key=lambda k: (math.isnan(k), k))
    rounded = np.round(sample, 9)
    observed = np.array(
        [
            np.count_nonzero(np.isnan(rounded)) if math.isnan(k) else np.sum(rounded == k)
            for k in keys
        ]
    )
    assert observed.sum() == len(sample), "a drawn value outside the exact support"
    expected = np.array([exact[k] for k in keys]) * len(sample)
    assert sps.chisquare(observed, expected).pvalue > 1e-4


@pytest.mark.parametrize("path", ["category", "block"])
def test_fast_bootstrap_has_the_exact_distribution_on_a_tiny_input(path) -> None:
    d = np.array([0.5, -1.0, 0.25, 2.0, 0.5])
    members = [np.arange(5), np.array([0, 1]), np.array([2, 3, 4])]
    atom_of, membership = _atoms(5, members)
    rng = np.random.default_rng(11)
    resamples = 60_000
    if path == "category":
        sums, counts = _category_sums(
            *_distinct(atom_of, d), len(membership), resamples=resamples, rng=rng
        )
    else:
        sums, counts = _block_sums(d, atom_of, len(membership), resamples, rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        deltas = (sums @ membership) / (counts @ membership)
    for g, exact in enumerate(exact_bootstrap(d, members)):
        assert_matches(deltas[:, g], exact)


def test_full_blocks_draw_each_sample_binomially_and_independently_enough() -> None:
    # probe the block path with indicator values: the sum counts a sample's draws
    n, resamples = 1100, 20_000
    atom_of = (np.arange(n) >= 800).astype(np.intp)  # 800 = 3 full blocks + 32; then 300
    for probe, partner in [(5, 300), (700, 1000), (900, 901)]:
        d = np.zeros(n)
        d[probe], d[partner] = 1.0, 4096.0  # counts stay below 4096: decode both
        sums, counts = _block_sums(d, atom_of, 2, resamples, np.random.default_rng(probe))
        total = sums.sum(axis=1)
        c_probe, c_partner = total % 4096, total // 4096
        for c in (c_probe, c_partner):
            assert c.mean() == pytest.approx(1.0, abs=4 * math.sqrt(1 / resamples))
            assert c.var() == pytest.approx(1 - 1 / n, rel=0.06)
        assert np.cov(c_probe, c_partner)[0, 1] == pytest.approx(-1 / n, abs=0.03)
        assert np.all(counts.sum(axis=1) == n)
        assert counts[:, 0].mean() == pytest.approx(800, rel=0.01)


def test_fast_bootstrap_moments_match_the_naive_draws() -> None:
    rng = np.random.default_rng(12)
    a, b = continuous_runs(rng, 600, noise=0.2)
    members = [np.arange(600), np.arange(0, 600, 3), np.arange(100, 600)]
    fast = _mean_tests(a, b, members, None, True, resamples=20_000, seed=1).deltas
    naive = naive_deltas(mean(), a.tolist(), b.tolist(), members, resamples=2_000, seed=2)
    for g in range(3):
        sd = naive[:, g].std()
        assert fast[:, g].mean() == pytest.approx(naive[:, g].mean(), abs=4 * sd / math.sqrt(2000))
        assert fast[:, g].std() == pytest.approx(sd, rel=0.08)
    d = b - a  # and the whole set against theory: mean d̄, variance of the mean σ²/n
    assert fast[:, 0].mean() == pytest.approx(d.mean(), abs=4 * d.std() / math.sqrt(600 * 20_000))
    assert fast[:, 0].std() == pytest.approx(d.std() / math.sqrt(600), rel=0.03)


def test_clustered_bootstrap_moments_match_the_naive_draws() -> None:
    rng = np.random.default_rng(13)
    n = 300
    shift = np.repeat(rng.normal(0, 0.3, n // 5), 5)  # strong cluster effects on B
    a = rng.random(n)
    b = a + shift + rng.normal(0, 0.1, n)
    clusters = [str(i // 5) for i in range(n)]
    members = [np.arange(n), np.arange(0, n, 2)]
    codes = np.arange(n) // 5
    fast = _mean_tests(a, b, members, codes, True, resamples=10_000, seed=1).deltas
    naive = naive_deltas(
        mean(), a.tolist(), b.tolist(), members, clusters=clusters, resamples=1500, seed=2
    )
    for g in range(2):
        assert fast[:, g].std() == pytest.approx(naive[:, g].std(), rel=0.1)
    unclustered = _mean_tests(a, b, members, None, True, resamples=10_000, seed=1).deltas
    assert fast[:, 0].std() > 1.8 * unclustered[:, 0].std()


def exact_flips(d: np.ndarray) -> dict[float, float]:
    out: dict[float, float] = {}
    for signs in itertools.product([-1.0, 1.0], repeat=len(d)):
        key = round(float(np.dot(signs, d)), 9)
        out[key] = out.get(key, 0.0) + 0.5 ** len(d)
    return out


@pytest.mark.parametrize("path", ["bytes", "binomial", "naive"])
def test_random_sign_flips_have_the_exact_distribution(path) -> None:
    # 11 samples: one byte-table chunk of 8 and one of 3 padded with zeros
    continuous = np.array([0.5, -1.25, 0.75, 2.0, -0.5, 0.125, 1.5, -3.0, 0.25, 1.0, -2.0])
    discrete = np.array([0.5, -0.5, 1.0, -1.0, 0.5, 0.5, 0.0, 1.0, -0.5, 0.5, 1.0])
    d = discrete if path == "binomial" else continuous
    atom_of = np.zeros(11, dtype=np.intp)
    rng = np.random.default_rng(14)
    if path == "bytes":
        null = _flip_bytes(d, atom_of, 1, 60_000, rng)[:, 0]
    elif path == "binomial":
        null = _flip_sums(d, atom_of, 1, 60_000, rng)[:, 0]
    else:
        null = naive_flip_sums(d, resamples=60_000, seed=14)
    exact = exact_flips(d)
    keys = sorted(exact)
    observed = np.array([np.sum(np.round(null, 9) == k) for k in keys])
    assert observed.sum() == len(null)
    assert sps.chisquare(observed, np.array([exact[k] for k in keys]) * len(null)).pvalue > 1e-4


@pytest.mark.parametrize("discrete", [False, True])
def test_monte_carlo_p_agrees_with_the_exact_p(discrete) -> None:
    rng = np.random.default_rng(15)
    d = rng.integers(-2, 3, EXACT_MAX) / 4 if discrete else rng.normal(0.1, 1, EXACT_MAX)
    exact_two, exact_drop = _exact_flip_p(d, True)
    atom_of = np.zeros(len(d), dtype=np.intp)
    null = _flip_sums(d, atom_of, 1, 100_000, np.random.default_rng(16))[:, 0]
    mc_two, mc_drop = _mc_flip_p(d, null, True)
    for mc, exact in ((mc_two, exact_two), (mc_drop, exact_drop)):
        assert mc == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 1e5) + 1e-4)


def test_sign_flips_of_slices_share_one_draw_and_pad_atoms_exactly() -> None:
    rng = np.random.default_rng(17)
    d = rng.normal(size=203)  # atoms of 101 and 102 samples: both padded to whole chunks
    members = [np.arange(203), np.arange(101)]
    atom_of, membership = _atoms(203, members)
    null = _flip_bytes(d, atom_of, len(membership), 40_000, rng) @ membership
    assert null[:, 0].var() == pytest.approx(np.sum(d**2), rel=0.04)
    assert null[:, 1].var() == pytest.approx(np.sum(d[:101] ** 2), rel=0.04)
    expected = np.sum(d[:101] ** 2) / math.sqrt(np.sum(d**2) * np.sum(d[:101] ** 2))
    assert np.corrcoef(null[:, 0], null[:, 1])[0, 1] == pytest.approx(expected, abs=0.02)


# --- clusters -------------------------------------------------------------------------------


def test_clustered_exact_permutation_is_scipys_on_cluster_sums() -> None:
    rng = np.random.default_rng(18)
    sizes = rng.integers(1, 6, 12)
    clusters = [str(c) for c, size in enumerate(sizes) for _ in range(size)]
    n = len(clusters)
    a, b = rng.random(n), rng.random(n) + 0.05
    [result] = paired_tests(mean(), a.tolist(), b.tolist(), whole(n), clusters=clusters)
    codes = np.array([int(c) for c in clusters])
    sums_a = np.bincount(codes, weights=a)
    sums_b = np.bincount(codes, weights=b)
    assert result.test == "clustered-permutation" and result.n_clusters == 12
    assert result.p_value == pytest.approx(scipy_permutation(sums_a, sums_b, "two-sided"))
    assert result.p_drop == pytest.approx(scipy_permutation(sums_a, sums_b, "less"))


def test_one_sample_per_cluster_is_the_plain_permutation_test() -> None:
    rng = np.random.default_rng(19)
    a, b = rng.random(14), rng.random(14)
    own = [str(i) for i in range(14)]
    [plain] = paired_tests(mean(), a.tolist(), b.tolist(), whole(14))
    [clustered] = paired_tests(mean(), a.tolist(), b.tolist(), whole(14), clusters=own)
    assert (clustered.p_value, clustered.p_drop) == pytest.approx((plain.p_value, plain.p_drop))
    assert (clustered.a, clustered.b) == (plain.a, plain.b)


def test_clustered_binary_scores_are_not_tested_by_mcnemar() -> None:
    # discordant pairs come four at a time (whole clusters): less evidence than 42 pairs
    a, b = table(30, 12, both_right=50, both_wrong=8)
    clusters = [str(i // 4) for i in range(len(a))]
    [result] = paired_tests(mean(), a, b, whole(len(a)), clusters=clusters, resamples=4000)
    [plain] = paired_tests(mean(), a, b, whole(len(a)), resamples=100)
    assert result.test == "clustered-permutation" and result.n_clusters == 25
    assert plain.test == "mcnemar" and plain.p_drop < 0.01 < result.p_drop


def test_clustered_intervals_are_wider_when_clusters_move_together() -> None:
    rng = np.random.default_rng(20)
    n = 800
    shift = np.repeat(rng.normal(0, 0.3, n // 10), 10)
    a = rng.random(n)
    b = a + shift + rng.normal(0, 0.05, n)
    clusters = [str(i // 10) for i in range(n)]
    [plain] = paired_tests(mean(), a.tolist(), b.tolist(), whole(n), resamples=2000)
    [clustered] = paired_tests(
        mean(), a.tolist(), b.tolist(), whole(n), clusters=clusters, resamples=2000
    )
    assert clustered.ci_high - clustered.ci_low > 2 * (plain.ci_high - plain.ci_low)
    assert clustered.p_value > plain.p_value


# --- any other metric: the paired bootstrap ---------------------------------------------


def label_stats(rng: np.random.Generator, n: int) -> list[Any]:
    labels = ["x", "y", "z"]
    return [((str(rng.choice(labels)), str(rng.choice(labels))),) for _ in range(n)]


def generic_cases(rng: np.random.Generator) -> list[tuple[Any, list[Any]]]:
    n = 30
    return [
        (mean(), rng.random(n).tolist()),
        (pass_at_k(2), rng.random(n).tolist()),
        (RubricScore(), (rng.random(n) * 1.6 - 0.3).tolist()),
        (corpus(lambda t: 100 * t[0] / t[1], name="ratio"), [
            (int(x), int(x) + int(y) + 1)
            for x, y in zip(rng.integers(0, 9, n), rng.integers(0, 5, n), strict=True)
        ]),
        (LabelMetric("f1", average="macro"), label_stats(rng, n)),
        (LabelMetric("accuracy", labels=["x", "y", "z"]), label_stats(rng, n)),
        (FieldMetric("f1"), [tuple(map(float, rng.integers(0, 4, 3))) for _ in range(n)]),
        (macro_mean("topic"), [(str(t), float(v)) for t, v in zip(
            rng.integers(0, 4, n), rng.random(n), strict=True)]),
        (AlphaAgreement(), [((float(rng.integers(1, 6)), float(rng.integers(1, 6))),)
                            for _ in range(n)]),
    ]  # fmt: skip


def test_bulk_figures_equal_the_metric_recomputed_on_each_resample() -> None:
    rng = np.random.default_rng(21)
    weights = rng.multinomial(30, np.full(30, 1 / 30), size=40).astype(np.float64)
    weights[0] = 0.0  # nothing drawn: undefined
    for metric, stats in generic_cases(rng):
        fast = _resampled_figure(metric, stats)(weights)
        slow = _generic_figure(metric, stats)(weights)
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12, err_msg=repr(metric))
        assert np.isnan(fast[0])


def test_pass_at_k_is_compared_by_the_paired_bootstrap() -> None:
    metric = pass_at_k(2)
    rng = np.random.default_rng(22)

    def sample(rate: float) -> list[Score]:
        return [Score(bool(rng.random() < rate)) for _ in range(4)]

    difficulty = rng.random(300)
    stats_a = [metric.sample_stat(sample(p)) for p in difficulty]
    stats_b = [metric.sample_stat(sample(p * 0.8)) for p in difficulty]
    groups = [(None, None, np.arange(300)), ("k", "v", np.arange(150))]
    results = paired_tests(metric, stats_a, stats_b, groups, resamples=3000, seed=5)
    naive = naive_deltas(metric, stats_a, stats_b, [g[2] for g in groups], resamples=800, seed=6)
    for r, m, column in zip(results, groups, naive.T, strict=True):
        assert r.test == "bootstrap"
        assert r.a == metric.value([stats_a[i] for i in m[2]])
        assert r.b == metric.value([stats_b[i] for i in m[2]])
        low, high = np.quantile(column, [0.025, 0.975])
        assert r.ci_low == pytest.approx(low, abs=0.25 * (high - low))
        assert r.ci_high == pytest.approx(high, abs=0.25 * (high - low))
    assert results[0].p_drop < 0.01 and results[0].ci_high < 0


def test_corpus_bleu_is_compared_from_sacrebleus_statistics() -> None:
    sacrebleu = pytest.importorskip("sacrebleu")
    bleu = sacrebleu.BLEU()
    refs = [
        "the cat sat on the mat",
        "a dog is in the garden",
        "it is raining today",
        "he went to the market",
        "please close the door",
        "green tea is what i like",
    ] * 5
    hyps_a = [
        "the cat is on the mat",
        "a dog in the garden",
        "it rains today",
        "he went to market",
        "close the door please",
        "i like green tea",
    ] * 5
    hyps_b = ["cat mat", "dog garden", "rain", "he market", "door", "tea"] * 5

    def stats(hyps: list[str]) -> list[tuple[int, ...]]:
        return [
            tuple(int(x) for x in bleu._extract_corpus_statistics([h], [[r]])[0])
            for h, r in zip(hyps, refs, strict=True)
        ]

    metric = corpus(lambda t: bleu._compute_score_from_stats(t).score, name="bleu")
    [result] = paired_tests(metric, stats(hyps_a), stats(hyps_b), whole(30), resamples=1000)
    assert result.a == pytest.approx(bleu.corpus_score(hyps_a, [refs]).score)
    assert result.b == pytest.approx(bleu.corpus_score(hyps_b, [refs]).score)
    assert result.test == "bootstrap" and result.ci_high < 0 and result.p_drop < 0.01
    assert result.diff_sd is None and result.correlation is None  # vectors, not numbers


def test_bootstrap_p_values_are_the_null_centred_ones() -> None:
    rng = np.random.default_rng(23)
    a = rng.random(200)
    rows_a, rows_b = ratio_rows(a), ratio_rows(a + rng.normal(0.0, 0.3, 200))
    members = [np.arange(200)]
    outcome = _bootstrap_tests(RATIO, rows_a, rows_b, members, None, resamples=4000, seed=0)
    [result] = paired_tests(RATIO, rows_a, rows_b, whole(200), resamples=4000, seed=0)
    centred = outcome.deltas[:, 0] - result.delta
    extreme = np.sum(np.abs(centred) >= abs(result.delta) - 1e-12)
    assert result.p_value == pytest.approx((1 + extreme) / 4001)
    assert result.p_drop == pytest.approx((1 + np.sum(centred <= result.delta + 1e-12)) / 4001)
    assert 0.0 < result.p_value < 1.0
