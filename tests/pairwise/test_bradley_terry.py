"""Bradley–Terry strengths and win rates: hand-checked fits, ties as half wins, intervals."""

from __future__ import annotations

import numpy as np
import pytest

from proctor.metrics._bradley_terry import (
    bradley_terry,
    bradley_terry_bootstrap,
    tally,
    win_rate,
)


def gm1(values) -> np.ndarray:
    """Normalised to geometric mean 1, the scale strengths are reported on."""
    values = np.asarray(values, dtype=float)
    return values / np.exp(np.log(values).mean())


def test_a_chain_of_three_has_the_closed_form_of_its_two_pairs() -> None:
    # A-B and B-C only: the likelihood splits, so p_A/p_B = 3/1 and p_B/p_C = 1/2
    wins = np.array([[0, 3, 0], [1, 0, 1], [0, 2, 0]])
    fitted = bradley_terry(wins, prior=0)
    np.testing.assert_allclose(fitted, gm1([3, 1, 2]), rtol=0, atol=1e-6)


def test_counts_exactly_proportional_to_strengths_give_those_strengths() -> None:
    # strengths 4, 2, 1: A beats B 4 of 6, A beats C 4 of 5, B beats C 2 of 3;
    # these counts are the expected ones, so the likelihood equations hold at (4, 2, 1)
    wins = np.array([[0, 4, 4], [2, 0, 2], [1, 1, 0]])
    np.testing.assert_allclose(bradley_terry(wins, prior=0), gm1([4, 2, 1]), atol=1e-6)


def test_the_fit_is_the_fixed_point_of_the_classic_mm_update() -> None:
    rng = np.random.default_rng(3)
    wins = rng.integers(1, 9, size=(5, 5)).astype(float)
    np.fill_diagonal(wins, 0)
    p = bradley_terry(wins, prior=0)
    games = wins + wins.T
    mm = wins.sum(axis=1) / (games / (p[:, None] + p[None, :])).sum(axis=1)
    np.testing.assert_allclose(gm1(mm), p, rtol=1e-9)


def test_strengths_have_geometric_mean_one_and_order_the_players() -> None:
    wins = np.array([[0, 8, 9], [2, 0, 6], [1, 4, 0]])
    p = bradley_terry(wins)
    assert np.log(p).mean() == pytest.approx(0.0, abs=1e-12)
    assert p[0] > p[1] > p[2]


def test_a_tie_counts_as_half_a_win_each_way() -> None:
    with_ties = tally(3, [(0, 1, 1.0), (0, 1, 0.5), (1, 2, 0.5), (2, 0, 0.0), (1, 2, 1.0)])
    assert with_ties[0, 1] == 1.5 and with_ties[1, 0] == 0.5
    assert with_ties[1, 2] == 1.5 and with_ties[2, 1] == 0.5
    halves = np.array([[0, 1.5, 1], [0.5, 0, 1.5], [0, 0.5, 0]])
    np.testing.assert_allclose(bradley_terry(with_ties), bradley_terry(halves))


def test_only_ties_give_equal_strengths() -> None:
    all_ties = tally(3, [(i, j, 0.5) for i in range(3) for j in range(3) if i < j] * 4)
    np.testing.assert_allclose(bradley_terry(all_ties, prior=0), [1, 1, 1], atol=1e-9)


def test_an_undefeated_player_gets_a_finite_strength_through_the_prior() -> None:
    wins = np.array([[0, 10, 10], [0, 0, 5], [0, 5, 0]])
    p = bradley_terry(wins)
    assert np.all(np.isfinite(p)) and p[0] > 100 * p[1]
    # B and C are even, and each has 0.05 pseudo-wins against A out of 10.1 games
    assert p[1] == pytest.approx(p[2])
    with pytest.raises(ValueError, match="no finite Bradley–Terry fit"):
        bradley_terry(wins, prior=0)


def test_a_stack_is_fitted_matrix_by_matrix() -> None:
    one = np.array([[0, 3, 0], [1, 0, 1], [0, 2, 0]])
    two = np.array([[0, 4, 4], [2, 0, 2], [1, 1, 0]])
    undefined = np.array([[0, 1, 1], [0, 0, 1], [0, 1, 0]])
    fitted = bradley_terry(np.stack([one, two, undefined]), prior=0)
    np.testing.assert_allclose(fitted[0], bradley_terry(one, prior=0))
    np.testing.assert_allclose(fitted[1], bradley_terry(two, prior=0))
    assert np.all(np.isnan(fitted[2]))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="square"):
        bradley_terry(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="negative"):
        bradley_terry(np.array([[0, -1], [1, 0]]))
    with pytest.raises(ValueError, match="itself"):
        tally(2, [(1, 1, 1.0)])


# -- intervals ------------------------------------------------------------------------------------


def test_win_rate_is_wins_plus_half_ties_over_n() -> None:
    rate = win_rate([[2, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0]])
    assert (rate.wins, rate.ties, rate.losses, rate.n) == (3, 2, 1, 6)
    assert rate.value == pytest.approx(4 / 6)
    assert rate.low <= rate.value <= rate.high and rate.method == "bootstrap"


def test_win_rate_intervals_are_seeded() -> None:
    outcomes = [[1, 0, 0]] * 6 + [[0, 1, 0]] * 2 + [[0, 0, 1]] * 4
    a, b = win_rate(outcomes), win_rate(outcomes)
    assert (a.low, a.high, a.stderr) == (b.low, b.high, b.stderr)
    other = win_rate(outcomes, seed=99)
    assert (other.low, other.high, other.stderr) != (a.low, a.high, a.stderr)


def test_clustered_win_rate_draws_whole_clusters() -> None:
    # two clusters that disagree completely: drawing clusters gives 0, 0.5 or 1
    outcomes = [[1, 0, 0]] * 5 + [[0, 0, 1]] * 5
    rate = win_rate(outcomes, clusters=["x"] * 5 + ["y"] * 5)
    assert rate.method == "clustered-bootstrap" and rate.value == 0.5
    assert (rate.low, rate.high) == (0.0, 1.0)
    unclustered = win_rate(outcomes)
    assert 0.0 < unclustered.low < unclustered.high < 1.0


def test_nothing_compared_gives_no_win_rate() -> None:
    rate = win_rate([[0, 0, 0]])
    assert rate.value is None and rate.low is None and rate.n == 0


def test_bootstrap_ranking_intervals_bracket_the_fit() -> None:
    rng = np.random.default_rng(0)
    strengths = np.array([3.0, 1.0, 0.5])
    per_unit = np.zeros((200, 3, 3))
    for unit in range(200):
        for i in range(3):
            for j in range(i + 1, 3):
                won = rng.random() < strengths[i] / (strengths[i] + strengths[j])
                per_unit[unit, i, j] += won
                per_unit[unit, j, i] += not won
    ranking = bradley_terry_bootstrap(per_unit, resamples=300)
    np.testing.assert_allclose(ranking.strengths, bradley_terry(per_unit.sum(axis=0)))
    assert np.all(ranking.low < ranking.strengths) and np.all(ranking.strengths < ranking.high)
    assert ranking.low[0] > ranking.high[1] and ranking.method == "bootstrap"
    again = bradley_terry_bootstrap(per_unit, resamples=300)
    np.testing.assert_array_equal(again.low, ranking.low)
    clustered = bradley_terry_bootstrap(per_unit, clusters=[u % 20 for u in range(200)])
    assert clustered.method == "clustered-bootstrap"
