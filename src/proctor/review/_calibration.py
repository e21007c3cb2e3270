"""How far a judge can be trusted: its agreement with people on the reviewed units.

    from proctor.review import calibrate, calibration_for

    result = calibrate(store, "3f2a", scorer="helpfulness")
    print(result.headline, result.agreement)       # weighted_kappa 0.71
    figures = calibration_for(store, signature)      # the latest, as stored; None if never

`calibrate` pairs the judge's current verdicts with the review items of
every review set made for the scorer's *current* signature: a judge whose
model or prompt changed is uncalibrated until reviewed again (its older
review sets are named in the error). By kind:

- ratings on a numeric scale: quadratic-weighted kappa (the headline),
  unweighted kappa, exact agreement, Spearman's rho, and the judge's bias
  as the mean rating difference (judge − person, in the scale's units);
  a jury's fractional mean rating is rounded half down onto the scale for
  the kappas and kept as it is for rho and the difference;
- ratings on labels: kappa (headline), macro F1, agreement, and the
  confusion table (the judge's label → people's);
- rubrics: every criterion a pair of met / not met: kappa (headline), macro
  F1 over met and unmet (HealthBench's meta-evaluation figure), agreement;
  the bias as the mean score difference and the criteria (and tags) the
  judge over-credits (met where people said not) or under-credits;
- pairwise: agreement with ties as a verdict, agreement without ties,
  kappa (headline), and the bias as the mean difference in the reviewed
  run's score (1 win, 0.5 tie, 0 loss).

Where several people reviewed the same units, their agreement with each
other — Krippendorff's alpha (Krippendorff 2011; interval level for
numeric ratings, nominal otherwise) from `proctor.metrics._agreement` — is
the ceiling a judge can be expected to reach. Every figure has a seeded
95% percentile bootstrap interval over samples (clusters when the run has a
cluster key). The result also carries the scorer's own metrics computed
from the human scores (every reviewer's score of a sample averaged, as the
metric averages epochs) beside the judge's on the same samples, and is kept
in the store (`calibrations`) under the judge's signature.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.metrics._bootstrap import RESAMPLES, SEED
from proctor.review._agreement import (
    Figure,
    PairedVerdicts,
    bootstrap_figure,
    bootstrap_spearman,
    f1_figure,
    kappa_figure,
    rate_figure,
)
from proctor.review._human_metrics import human_metrics
from proctor.review._target import Target, Unit, load_units, resolve_target

if TYPE_CHECKING:
    from proctor.store import Store
    from proctor.store._review import ReviewItemRecord, ReviewSetRecord

__all__ = ["Calibration", "calibrate", "calibration_for"]

HEADLINE = {"rating": "weighted_kappa", "labels": "kappa", "rubric": "kappa", "pairwise": "kappa"}


@dataclass
class Calibration:
    """A judge's agreement with people on one run's reviews (see the module docstring)."""

    run_id: str
    scorer: str
    signature: str
    kind: str
    review_sets: list[str]
    units: int  # reviewed units paired with a judge verdict
    judgments: int  # people's verdicts paired with the judge's
    skipped: int
    annotators: list[str]
    origins: dict[str, int]
    judge_vs_human: list[Figure]
    human_vs_human: list[Figure]
    bias: dict[str, Any]
    headline: str
    human_metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def agreement(self) -> float | None:
        """The headline figure's value: what `compare` checks a threshold against."""
        return next((f.value for f in self.judge_vs_human if f.name == self.headline), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "scorer": self.scorer,
            "signature": self.signature,
            "kind": self.kind,
            "review_sets": self.review_sets,
            "units": self.units,
            "judgments": self.judgments,
            "skipped": self.skipped,
            "annotators": self.annotators,
            "origins": self.origins,
            "headline": self.headline,
            "agreement": self.agreement,
            "judge_vs_human": [f.to_dict() for f in self.judge_vs_human],
            "human_vs_human": [f.to_dict() for f in self.human_vs_human],
            "bias": self.bias,
            "human_metrics": self.human_metrics,
        }


def calibration_for(store: Store, signature: str) -> dict[str, Any] | None:
    """The latest stored calibration figures of judge signature `signature`, or None.

    The dict is `Calibration.to_dict()`: `agreement` is the headline
    figure's value (`headline` names it: weighted kappa for numeric ratings,
    kappa otherwise), `judge_vs_human` and `human_vs_human` list every
    figure with its interval, `units` and `judgments` say how much was
    reviewed, `run` which run's reviews it came from.
    """
    from proctor.store._review import latest_calibration

    record = latest_calibration(store, signature)
    return None if record is None else record.figures


def calibrate(
    store: Store,
    run_ref: str,
    *,
    scorer: str | None = None,
    pairwise: str | None = None,
    against: str | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    save: bool = True,
) -> Calibration:
    """The judge's agreement with people on run `run_ref`'s reviews of `scorer` (or of
    comparison `pairwise`); stored under the judge's signature unless `save=False`."""
    from proctor.store._review import CalibrationRecord, review_items_of, write_calibration

    target = resolve_target(store, run_ref, scorer=scorer, pairwise=pairwise, against=against)
    sets = _review_sets(store, target)
    items = _latest(review_items_of(store, [s.id for s in sets]))
    done = [i for i in items if i.status == "done" and i.result is not None]
    units = {u.key: u for u in load_units(store, target)}
    paired = [i for i in done if (i.sample_id, i.epoch) in units]
    if not paired:
        raise ConfigError(
            f"no reviewed unit of {target.scorer} on run {target.run.id} has both a person's "
            f"verdict and the judge's: import the reviews first (review sets "
            f"{', '.join(s.id for s in sets)})"
        )
    cluster = target.run.cluster

    def group(item: ReviewItemRecord) -> Hashable:
        unit = units[(item.sample_id, item.epoch)]
        if cluster is not None and unit.metadata.get(cluster) is not None:
            return str(unit.metadata[cluster])
        return f"\x00{item.sample_id}"

    options = _Options(resamples, seed, cluster is not None)
    scale_kind = target.kind
    if target.kind == "rating":
        assert target.scale is not None
        scale_kind = "rating" if target.scale.numeric else "labels"
        figures, bias = _ratings(target, units, paired, group, options)
    elif target.kind == "rubric":
        figures, bias = _rubric(units, paired, group, options)
    else:
        figures, bias = _pairwise(units, paired, group, options)
    result = Calibration(
        run_id=target.run.id,
        scorer=target.scorer,
        signature=target.signature,
        kind=target.kind,
        review_sets=[s.id for s in sets],
        units=len({(i.sample_id, i.epoch) for i in paired}),
        judgments=len(paired),
        skipped=sum(1 for i in items if i.status == "skipped"),
        annotators=sorted({i.annotator for i in paired}),
        origins=dict(Counter(i.origin or "added" for i in paired)),
        judge_vs_human=figures,
        human_vs_human=_human_agreement(target, paired, group, options),
        bias=bias,
        headline=HEADLINE[scale_kind],
        human_metrics=human_metrics(store, target, paired),
    )
    if save:
        write_calibration(
            store,
            CalibrationRecord(
                signature=target.signature,
                scorer=target.scorer,
                run_id=target.run.id,
                review_sets=result.review_sets,
                figures=result.to_dict(),
            ),
        )
    return result


@dataclass(frozen=True, slots=True)
class _Options:
    resamples: int
    seed: int
    clustered: bool


def _review_sets(store: Store, target: Target) -> list[ReviewSetRecord]:
    from proctor.store._review import list_review_sets

    every = [
        s
        for s in list_review_sets(store, target.run.id, scorer=target.scorer)
        if target.against is None or s.options.get("against") == target.against
    ]
    current = [s for s in every if s.signature == target.signature]
    if current:
        return current
    if every:
        older = ", ".join(f"{s.id} ({s.signature})" for s in every)
        raise ConfigError(
            f"{target.scorer} of run {target.run.id} now has judge signature "
            f"{target.signature}; its review sets were made for another judge or prompt "
            f"({older}): the judge is uncalibrated until reviewed again (proctor review export)"
        )
    raise ConfigError(
        f"run {target.run.id} has no review set of {target.scorer}: make one with "
        "proctor review export (or push), and import the reviews"
    )


def _latest(items: Sequence[ReviewItemRecord]) -> list[ReviewItemRecord]:
    """One item per unit and person: the last stored (from any review set of the judge)."""
    latest: dict[tuple[str, int, str], ReviewItemRecord] = {}
    for item in items:
        latest[(item.sample_id, item.epoch, item.annotator)] = item
    return list(latest.values())


def _confusion_figures(
    pairs: PairedVerdicts, names: Sequence[str], options: _Options, *, tie: Hashable = None
) -> list[Figure]:
    rows, _ = pairs.rows()
    size = len(pairs.categories)
    n = len(pairs.judge)
    makers = {
        "weighted_kappa": lambda t: kappa_figure(t, size, "quadratic"),
        "kappa": lambda t: kappa_figure(t, size),
        "macro_f1": lambda t: f1_figure(t, size),
        "agreement": lambda t: rate_figure(t, size),
        "agreement_without_ties": lambda t: rate_figure(
            t, size, skip=list(pairs.categories).index(tie)
        ),
    }
    return [
        bootstrap_figure(
            name,
            rows,
            makers[name],
            n=n,
            seed=options.seed,
            resamples=options.resamples,
            clustered=options.clustered,
        )
        for name in names
    ]


def _difference(
    judge: Sequence[float], human: Sequence[float], groups: Sequence[Hashable], options: _Options
) -> Figure:
    import numpy as np

    order = list(dict.fromkeys(groups))
    place = {g: i for i, g in enumerate(order)}
    rows = np.zeros((len(order), 2))
    for j, h, g in zip(judge, human, groups, strict=True):
        rows[place[g]] += (j - h, 1.0)
    return bootstrap_figure(
        "mean_difference",
        rows,
        lambda t: t[:, 0] / t[:, 1],
        n=len(judge),
        seed=options.seed,
        resamples=options.resamples,
        clustered=options.clustered,
    )


def _ratings(
    target: Target,
    units: dict[tuple[str, int], Unit],
    items: Sequence[ReviewItemRecord],
    group: Any,
    options: _Options,
) -> tuple[list[Figure], dict[str, Any]]:
    scale = target.scale
    assert scale is not None
    judge_raw = [units[(i.sample_id, i.epoch)].verdict.rating for i in items]
    human = [i.result["rating"] for i in items]  # type: ignore[index]
    groups = [group(i) for i in items]
    pairs = PairedVerdicts([scale.nearest(r) for r in judge_raw], human, groups, scale.values)
    if not scale.numeric:
        figures = _confusion_figures(pairs, ["kappa", "macro_f1", "agreement"], options)
        table = Counter(zip(pairs.judge, pairs.human, strict=True))
        bias = {
            "confusion": [
                {"judge": j, "human": h, "n": n} for (j, h), n in sorted(table.items(), key=str)
            ]
        }
        return figures, bias
    figures = _confusion_figures(pairs, ["weighted_kappa", "kappa", "agreement"], options)
    judge_numbers = [float(r) for r in judge_raw]
    human_numbers = [float(r) for r in human]
    figures.append(
        bootstrap_spearman(
            judge_numbers,
            human_numbers,
            groups,
            seed=options.seed,
            resamples=options.resamples,
            clustered=options.clustered,
        )
    )
    difference = _difference(judge_numbers, human_numbers, groups, options)
    return figures, {"mean_difference": difference.to_dict()}


def _rubric(
    units: dict[tuple[str, int], Unit],
    items: Sequence[ReviewItemRecord],
    group: Any,
    options: _Options,
) -> tuple[list[Figure], dict[str, Any]]:
    from proctor.metrics._rubric import rubric_points

    judge: list[bool] = []
    human: list[bool] = []
    groups: list[Hashable] = []
    score_judge: list[float] = []
    score_human: list[float] = []
    score_groups: list[Hashable] = []
    credit: dict[str, Counter[str]] = defaultdict(Counter)
    by_tag: dict[str, Counter[str]] = defaultdict(Counter)
    points: dict[str, Any] = {}
    for item in items:
        verdict = units[(item.sample_id, item.epoch)].verdict
        criteria = verdict.criteria or ()
        met = item.result["met"]  # type: ignore[index]
        if len(met) != len(criteria):
            continue  # the sample's rubric changed since the review: not comparable
        achieved, possible = rubric_points(
            (float(c["points"]), bool(h)) for c, h in zip(criteria, met, strict=True)
        )
        if possible > 0:
            score_judge.append(float(verdict.value))
            score_human.append(achieved / possible)
            score_groups.append(group(item))
        for criterion, said in zip(criteria, met, strict=True):
            judged = bool(criterion.get("met"))
            judge.append(judged)
            human.append(bool(said))
            groups.append(group(item))
            text = str(criterion.get("criterion"))
            points[text] = criterion.get("points")
            outcome = "agree" if judged == bool(said) else ("over" if judged else "under")
            credit[text][outcome] += 1
            for tag in criterion.get("tags") or []:
                by_tag[str(tag)][outcome] += 1
    pairs = PairedVerdicts(judge, human, groups, [False, True])
    figures = _confusion_figures(pairs, ["kappa", "macro_f1", "agreement"], options)
    bias: dict[str, Any] = {
        "mean_difference": _difference(score_judge, score_human, score_groups, options).to_dict(),
        "over_credited": sum(c["over"] for c in credit.values()),
        "under_credited": sum(c["under"] for c in credit.values()),
        "criteria": _credit_table(credit, points),
        "tags": _credit_table(by_tag, None),
    }
    return figures, bias


def _credit_table(
    counts: dict[str, Counter[str]], points: dict[str, Any] | None, top: int = 10
) -> list[dict[str, Any]]:
    """The criteria (or tags) the judge most often over- or under-credits, worst first."""
    rows = []
    for name, c in counts.items():
        if not c["over"] and not c["under"]:
            continue
        row = {"name": name, "over": c["over"], "under": c["under"], "n": sum(c.values())}
        if points is not None:
            row["points"] = points.get(name)
        rows.append(row)
    rows.sort(key=lambda r: (-(r["over"] + r["under"]), r["name"]))
    return rows[:top]


def _pairwise(
    units: dict[tuple[str, int], Unit],
    items: Sequence[ReviewItemRecord],
    group: Any,
    options: _Options,
) -> tuple[list[Figure], dict[str, Any]]:
    judge = [units[(i.sample_id, i.epoch)].verdict.rating for i in items]
    human = [i.result["winner"] for i in items]  # type: ignore[index]
    groups = [group(i) for i in items]
    pairs = PairedVerdicts(judge, human, groups, ["a", "b", "tie"])
    figures = _confusion_figures(
        pairs, ["agreement", "agreement_without_ties", "kappa"], options, tie="tie"
    )
    value = {"a": 1.0, "b": 0.0, "tie": 0.5}
    difference = _difference([value[j] for j in judge], [value[h] for h in human], groups, options)
    bias = {
        "mean_difference": difference.to_dict(),
        "judge_ties": sum(1 for j in judge if j == "tie"),
        "human_ties": sum(1 for h in human if h == "tie"),
    }
    return figures, bias


def _human_agreement(
    target: Target, items: Sequence[ReviewItemRecord], group: Any, options: _Options
) -> list[Figure]:
    """Krippendorff's alpha among people, on the units two or more of them reviewed."""
    from proctor.metrics._agreement import AlphaAgreement

    by_unit: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    unit_group: dict[tuple[Any, ...], Hashable] = {}
    for item in items:
        result = item.result or {}
        if target.kind == "rubric":
            for index, met in enumerate(result["met"]):
                unit = (item.sample_id, item.epoch, index)
                by_unit[unit][item.annotator] = bool(met)
                unit_group[unit] = group(item)
        else:
            unit = (item.sample_id, item.epoch)
            by_unit[unit][item.annotator] = (
                result["rating"] if target.kind == "rating" else result["winner"]
            )
            unit_group[unit] = group(item)
    stats: dict[Hashable, list[tuple[Any, ...]]] = defaultdict(list)
    for unit, ratings in by_unit.items():
        if len(ratings) >= 2:
            stats[unit_group[unit]].append(tuple(ratings.values()))
    n = sum(len(s) for s in stats.values())
    if not n:
        return []
    numeric = target.kind == "rating" and target.scale is not None and target.scale.numeric
    metric = AlphaAgreement("interval" if numeric else "nominal")
    collected = [tuple(units) for units in stats.values()]
    # `summarize` draws its own seeded resamples of the groups (samples or clusters)
    value, low, high, _, method = metric.summarize(collected)
    if options.clustered and method == "bootstrap":
        method = "clustered-bootstrap"
    return [Figure("alpha", value, low, high, n, method)]
