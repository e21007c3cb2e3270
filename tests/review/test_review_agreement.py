"""Agreement statistics equal the reference implementations on the same data:
scikit-learn's `cohen_kappa_score` and `f1_score`, SciPy's `spearmanr`, and the
`krippendorff` package's alpha."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score

from proctor.metrics import krippendorff_alpha
from proctor.review import PairedVerdicts, agreement_rate, cohen_kappa, macro_f1, spearman
from proctor.review._agreement import bootstrap_figure, kappa_figure

SCALE = [1, 2, 3, 4, 5]


def ratings(seed: int, n: int = 60, *, skip: int | None = None) -> tuple[list[int], list[int]]:
    """A judge's and a person's ratings that mostly agree; `skip` is a rating never given."""
    rng = random.Random(seed)
    values = [v for v in SCALE if v != skip]
    human = [rng.choice(values) for _ in range(n)]
    judge = [h if rng.random() < 0.6 else rng.choice(values) for h in human]
    return judge, human


def paired(judge, human, categories) -> PairedVerdicts:
    return PairedVerdicts(judge, human, [f"s{i}" for i in range(len(judge))], categories)


@pytest.mark.parametrize("seed", range(5))
def test_kappa_equals_scikit_learn(seed: int) -> None:
    judge, human = ratings(seed)
    assert cohen_kappa(paired(judge, human, SCALE)) == pytest.approx(
        cohen_kappa_score(judge, human, labels=SCALE)
    )


@pytest.mark.parametrize("seed", range(5))
def test_quadratic_weighted_kappa_equals_scikit_learn_over_the_whole_scale(seed: int) -> None:
    # 3 is never given: the distances still count it, as the scale does
    judge, human = ratings(seed, skip=3)
    ours = cohen_kappa(paired(judge, human, SCALE), weights="quadratic")
    assert ours == pytest.approx(cohen_kappa_score(judge, human, labels=SCALE, weights="quadratic"))


def test_kappa_on_labels_and_booleans_equals_scikit_learn() -> None:
    rng = random.Random(3)
    human = [rng.choice(["bad", "ok", "good"]) for _ in range(40)]
    judge = [h if rng.random() < 0.7 else "ok" for h in human]
    assert cohen_kappa(paired(judge, human, ["bad", "ok", "good"])) == pytest.approx(
        cohen_kappa_score(judge, human)
    )
    met_h = [rng.random() < 0.5 for _ in range(50)]
    met_j = [m if rng.random() < 0.8 else not m for m in met_h]
    assert cohen_kappa(paired(met_j, met_h, [False, True])) == pytest.approx(
        cohen_kappa_score(met_j, met_h)
    )


@pytest.mark.parametrize("seed", range(4))
def test_macro_f1_equals_scikit_learn_with_people_as_the_truth(seed: int) -> None:
    rng = random.Random(seed)
    human = [rng.random() < 0.4 for _ in range(50)]
    judge = [h if rng.random() < 0.75 else not h for h in human]
    assert macro_f1(paired(judge, human, [False, True])) == pytest.approx(
        f1_score(human, judge, average="macro")
    )


def test_macro_f1_leaves_out_a_category_neither_side_used() -> None:
    judge, human = ["ok", "good", "good"], ["ok", "good", "ok"]
    ours = macro_f1(paired(judge, human, ["bad", "ok", "good"]))
    assert ours == pytest.approx(f1_score(human, judge, average="macro", labels=["ok", "good"]))


def test_agreement_rate_with_and_without_ties() -> None:
    judge = ["a", "a", "b", "tie", "b", "a"]
    human = ["a", "b", "b", "tie", "tie", "a"]
    pairs = paired(judge, human, ["a", "b", "tie"])
    assert agreement_rate(pairs) == pytest.approx(4 / 6)
    # without ties: only the pairs where neither said tie (1st, 2nd, 3rd, 6th)
    assert agreement_rate(pairs, without="tie") == pytest.approx(3 / 4)


def test_spearman_equals_scipy_and_is_undefined_without_variation() -> None:
    judge, human = ratings(7)
    assert spearman(judge, human) == pytest.approx(spearmanr(judge, human).statistic)
    assert spearman([3, 3, 3], [1, 2, 3]) is None


def test_kappa_is_undefined_when_chance_agreement_is_perfect() -> None:
    assert cohen_kappa(paired([4, 4], [4, 4], SCALE)) is None


def test_a_verdict_off_the_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="not among the categories"):
        paired([6], [5], SCALE)


def test_the_bootstrap_interval_holds_the_figure_and_repeats_with_its_seed() -> None:
    judge, human = ratings(11, n=80)
    pairs = PairedVerdicts(judge, human, [f"s{i // 2}" for i in range(80)], SCALE)
    rows, groups = pairs.rows()
    assert len(groups) == 40  # two pairs per sample, resampled together

    def make():
        return bootstrap_figure(
            "kappa", rows, lambda t: kappa_figure(t, 5), n=80, seed=5, resamples=300
        )

    first, second = make(), make()
    assert first == second
    assert first.ci_low <= first.value <= first.ci_high
    assert first.method == "bootstrap"


@pytest.mark.parametrize("level", ["interval", "nominal", "ordinal"])
def test_krippendorff_alpha_equals_the_krippendorff_package(level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rng = random.Random(level)
    units = []
    for _ in range(30):
        truth = rng.choice(SCALE)
        units.append(
            [
                None if rng.random() < 0.2 else (truth if rng.random() < 0.7 else rng.choice(SCALE))
                for _ in range(3)
            ]
        )
    data = np.array([[np.nan if r is None else r for r in unit] for unit in units]).T
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(units, level) == pytest.approx(expected)
