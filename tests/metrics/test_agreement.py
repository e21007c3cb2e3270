"""Agreement between raters: Krippendorff's alpha, Fleiss' kappa, and their metrics."""

from __future__ import annotations

import itertools
import random

import pytest

from proctor.metrics import SampleScores, compute_metrics
from proctor.metrics._agreement import (
    alpha_agreement,
    fleiss_kappa,
    kappa_agreement,
    krippendorff_alpha,
)
from proctor.scorer import Score

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with
# missing data: four observers, twelve units, values 1..5, "." where an observer gave none.
_ = None
TEXTBOOK = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}
TEXTBOOK_UNITS = [list(unit) for unit in zip(*TEXTBOOK.values(), strict=True)]


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_krippendorffs_worked_example(level, expected) -> None:
    assert round(krippendorff_alpha(TEXTBOOK_UNITS, level), 3) == expected


def _alpha_by_pairs(units, delta) -> float:
    """Alpha from its definition over pairs of values, without a coincidence matrix."""
    pairable = [[v for v in u if v is not None] for u in units]
    pairable = [u for u in pairable if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    within = sum(
        sum(delta(a, b) for a, b in itertools.permutations(u, 2)) / (len(u) - 1) for u in pairable
    )
    between = sum(delta(a, b) for a, b in itertools.permutations(values, 2))
    return 1 - (within / n) / (between / (n * (n - 1)))


@pytest.mark.parametrize(
    ("level", "delta"),
    [("nominal", lambda a, b: float(a != b)), ("interval", lambda a, b: (a - b) ** 2)],
)
def test_alpha_agrees_with_its_definition_over_pairs_on_random_data(level, delta) -> None:
    rng = random.Random(7)
    for _trial in range(20):
        units = [
            [rng.choice([None, 1, 2, 3, 4]) for _rater in range(rng.randint(1, 5))]
            for _unit in range(rng.randint(3, 15))
        ]
        expected = _alpha_by_pairs(units, delta)
        assert krippendorff_alpha(units, level) == pytest.approx(expected)


def test_perfect_agreement_gives_alpha_one_at_every_level() -> None:
    units = [[1, 1, None], [3, 3, 3], [5, None, 5]]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(units, level) == pytest.approx(1.0)


def test_alpha_is_undefined_without_pairs_or_without_variation() -> None:
    assert krippendorff_alpha([[1, None], [None, 2], [3]]) is None
    assert krippendorff_alpha([[4, 4], [4, 4, 4]]) is None


def test_ordinal_alpha_follows_the_order_given_by_values() -> None:
    units = [["low", "mid"], ["mid", "high"], ["low", "low"], ["high", "high"]]
    order = ["low", "mid", "high"]
    by_rank = krippendorff_alpha([[order.index(v) for v in u] for u in units], "ordinal")
    assert krippendorff_alpha(units, "ordinal", values=order) == pytest.approx(by_rank)


def test_interval_alpha_refuses_labels() -> None:
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["b", "b"]], "interval")


def test_kappa_on_a_hand_computed_case() -> None:
    # Three raters, two labels. Per unit P_u = Σ n(n-1) / (m(m-1)):
    #   (3,0) → 6/6 = 1; (2,1) → 2/6 = 1/3; (1,2) → 1/3; (0,3) → 1.  P̄ = (8/3)/4 = 2/3.
    # Shares: a = 6/12, b = 6/12, so P_e = 1/2; kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3.
    units = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "a"], ["b", "b", "b"]]
    assert fleiss_kappa(units, ["a", "b"]) == pytest.approx(1 / 3)


def test_kappa_reproduces_fleiss_worked_example_from_its_counts() -> None:
    # The usual worked example: 10 subjects, 14 raters, 5 categories (counts per category).
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    units = [[c for c, k in enumerate(row) for _ in range(k)] for row in counts]
    assert round(fleiss_kappa(units, range(5)), 3) == 0.210


def test_kappa_with_a_missing_rater_counts_each_unit_with_the_raters_it_has() -> None:
    # (a,a,-): P = 1; (a,b,b): P = 2/6 = 1/3; (b,b,b): P = 1.  P̄ = 7/9.
    # Shares over the 8 labels: a 3/8, b 5/8, P_e = 34/64 = 17/32.
    # kappa = (7/9 - 17/32) / (15/32) = 71/135. A unit with one label is skipped.
    units = [["a", "a", None], ["a", "b", "b"], ["b", "b", "b"], [None, "a", None]]
    assert fleiss_kappa(units, ["a", "b"]) == pytest.approx(71 / 135)


def test_kappa_is_undefined_when_every_label_is_the_same() -> None:
    assert fleiss_kappa([["a", "a"], ["a", "a", "a"]], ["a", "b"]) is None
    assert fleiss_kappa([["a"], [None, "b"]], ["a", "b"]) is None


def test_kappa_refuses_labels_outside_the_categories() -> None:
    with pytest.raises(ValueError, match="'c' is not one of the categories"):
        fleiss_kappa([["a", "c"]], ["a", "b"])


# --- as metrics ------------------------------------------------------------


def jury_score(**ratings) -> Score:
    return Score(0.5, metadata={"ratings": ratings}, source="judge")


def test_each_epoch_is_a_unit_and_units_without_two_ratings_are_dropped() -> None:
    metric = alpha_agreement()
    stat = metric.sample_stat([jury_score(a=1, b=2), jury_score(a=None, b=3), jury_score(a=4, b=4)])
    assert stat == ((1, 2), (4, 4))
    assert metric.sample_stat([jury_score(a=None, b=3)]) is None
    assert metric.sample_stat([Score(1.0, metadata={"rating": 5})]) is None  # one judge


def test_the_metric_equals_alpha_over_all_units_of_all_samples() -> None:
    metric = alpha_agreement("nominal")
    stats = [
        metric.sample_stat([jury_score(**dict(zip("ABCD", unit, strict=True)))])
        for unit in TEXTBOOK_UNITS
    ]
    assert metric.name == "alpha" and metric.higher_is_better
    assert round(metric.value(stats), 3) == 0.743


def test_the_interval_is_a_seeded_bootstrap_over_samples() -> None:
    metric = alpha_agreement()
    rng = random.Random(3)
    stats = []
    for _sample in range(30):
        truth = rng.randint(1, 5)
        stats.append(((truth, min(5, truth + rng.choice([0, 0, 1]))),))
    value, low, high, se, method = metric.summarize(stats)
    assert method == "bootstrap" and low <= value <= high and se > 0
    assert metric.summarize(stats) == (value, low, high, se, method)
    clustered = metric.summarize(stats, [f"c{i % 5}" for i in range(30)])
    assert clustered[0] == value and clustered[4] == "clustered-bootstrap"


def test_one_sample_or_an_undefined_figure_has_no_interval() -> None:
    metric = alpha_agreement()
    assert metric.summarize([((1, 2), (3, 3))]) == (
        pytest.approx(krippendorff_alpha([[1, 2], [3, 3]])),
        None,
        None,
        None,
        "none",
    )
    assert metric.summarize([((4, 4),), ((4, 4),)]) == (None, None, None, None, "none")
    assert metric.summarize([None, None]) == (None, None, None, None, "none")


def test_kappa_metric_reads_labels_from_the_jury() -> None:
    metric = kappa_agreement(["a", "b"])
    units = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "a"], ["b", "b", "b"]]
    stats = [metric.sample_stat([jury_score(x=u[0], y=u[1], z=u[2])]) for u in units]
    assert metric.name == "kappa" and metric.value(stats) == pytest.approx(1 / 3)
    assert metric.summarize(stats)[4] == "bootstrap"


def test_compute_metrics_reports_an_undefined_agreement_as_none() -> None:
    class Jury:
        name = "judge"
        applies_to = "all"
        metrics = (alpha_agreement(),)

    rows = [
        SampleScores("s1", scores={"judge": [jury_score(a=3, b=None)]}),
        SampleScores("s2", scores={"judge": [jury_score(a=2, b=2)]}),
    ]
    [figure] = compute_metrics(rows, [Jury()])  # type: ignore[list-item]
    assert figure.name == "judge/alpha" and figure.value is None
    assert (figure.n, figure.n_total, figure.method) == (1, 2, "none")
