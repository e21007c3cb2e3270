"""pass@k and pass^k: the estimators against their closed forms, and as metrics."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.metrics import pass_at_k, pass_hat_k
from proctor.metrics._passk import pass_at_k_estimate, pass_hat_k_estimate
from proctor.scorer import Score


def closed_pass_at_k(n: int, c: int, k: int) -> float:
    return 1.0 - comb(n - c, k) / comb(n, k)


@pytest.mark.parametrize("k", [1, 5, 10])
@pytest.mark.parametrize("c", [0, 3, 10])
def test_pass_at_k_equals_the_closed_form(c: int, k: int) -> None:
    assert pass_at_k_estimate(10, c, k) == pytest.approx(closed_pass_at_k(10, c, k), abs=1e-12)


def test_hand_made_values() -> None:
    assert pass_at_k_estimate(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k_estimate(10, 3, 5) == pytest.approx(1 - comb(7, 5) / comb(10, 5))
    assert pass_at_k_estimate(10, 3, 10) == 1.0
    assert pass_at_k_estimate(10, 0, 10) == 0.0


@given(n=st.integers(1, 200), data=st.data())
def test_the_product_form_is_stable_for_large_n(n: int, data) -> None:
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    estimate = pass_at_k_estimate(n, c, k)
    assert estimate == pytest.approx(closed_pass_at_k(n, c, k), abs=1e-9)
    assert pass_hat_k_estimate(n, c, k) == pytest.approx(comb(c, k) / comb(n, k), abs=1e-9)


def test_pass_hat_k_is_all_of_k() -> None:
    assert pass_hat_k_estimate(10, 10, 5) == 1.0
    assert pass_hat_k_estimate(10, 4, 5) == 0.0
    assert pass_hat_k_estimate(10, 3, 1) == pytest.approx(0.3)


def test_metrics_average_per_sample_estimates_over_epochs() -> None:
    samples = [
        [Score(True), Score(False), Score(False), Score(True)],  # c=2 of n=4
        [Score(False)] * 4,
        [Score(True)] * 4,
    ]
    at2, hat2 = pass_at_k(2), pass_hat_k(2)
    stats = [at2.sample_stat(s) for s in samples]
    assert stats == pytest.approx([1 - comb(2, 2) / comb(4, 2), 0.0, 1.0])
    assert at2.value(stats) == pytest.approx(sum(stats) / 3)
    assert [hat2.sample_stat(s) for s in samples] == pytest.approx([1 / 6, 0.0, 1.0])
    assert at2.name == "pass@2" and hat2.name == "pass^2"


def test_a_sample_with_fewer_generations_than_k_has_no_estimate() -> None:
    assert pass_at_k(5).sample_stat([Score(True)] * 3) is None
