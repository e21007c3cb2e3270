"""Text-similarity scorers: BLEU, chrF and TER through sacrebleu, ROUGE through rouge-score.

BLEU, chrF and TER are corpus metrics: sacrebleu sums every segment's
sufficient statistics and computes one figure from the sums. Each of these
scorers therefore stores, per output, sacrebleu's own segment statistics in
`Score.metadata["stats"]`:

| scorer | `stats` (sacrebleu's segment statistics)                               |
| ------ | ---------------------------------------------------------------------- |
| bleu   | hyp length, closest ref length, matches of 1..N-grams, totals of 1..N  |
| chrf   | per character (then word) n-gram order: hyp count, ref count, matches  |
| ter    | fewest edits over the references, average reference length             |

and the `corpus` metric (`bleu/corpus`, `chrf/corpus`, `ter/corpus`) sums them
and calls sacrebleu's `_compute_score_from_stats`, so the figure equals
sacrebleu's `corpus_score` on the same outputs and references, and can be
recomputed on any resample of samples (its bootstrap interval). `Score.value`
is the sentence-level score, for drill-down; `/mean` averages it. Scores are on
sacrebleu's 0-100 scale; TER is an error rate, lower is better.

Sentence BLEU uses sacrebleu's `effective_order` (as `sacrebleu.sentence_bleu`
does, so a short output is not 0 for lacking 4-grams); corpus BLEU does not
(as `sacrebleu.corpus_bleu`). The statistics are the same for both.

Every sample's targets are its references (sacrebleu allows a variable number
per segment). sacrebleu's signature (`case:mixed|eff:no|tok:13a|...`) is part
of the scorer's signature, without `nrefs`, which varies from sample to sample.

ROUGE-1, ROUGE-2 and ROUGE-L are rouge-score's F-measures (0-1). With several
references each is the best over the references, chosen per ROUGE type
(rouge-score's `score_multi`).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from proctor.errors import ConfigError
from proctor.metrics._corpus import corpus
from proctor.metrics._mean import Mean, mean, mean_of
from proctor.scorer._checks import check_bool, require_targets
from proctor.scorer._score import Score, ScoreContext, ScoreFn, Scorer, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput

__all__ = ["bleu", "chrf", "rouge", "ter"]

_EXTRA = "pip install 'proctor[metrics]'"
SmoothMethod = Literal["exp", "floor", "add-k", "none"]


def _require(module: str, scorer_name: str) -> ModuleType:
    """Import an optional dependency, or raise `ConfigError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"scorer {scorer_name!r} needs the {module.split('.')[0]} package: {_EXTRA}"
        ) from exc


def _check_int(scorer_name: str, option: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"scorer {scorer_name!r}: option {option!r} must be an integer >= {minimum}, "
            f"got {value!r}"
        )


def _check_choice(scorer_name: str, option: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"scorer {scorer_name!r}: option {option!r} must be one of "
            f"{', '.join(map(repr, allowed))}, got {value!r}"
        )


def _build_metric(scorer_name: str, make: Callable[[], Any]) -> Any:
    """A sacrebleu metric object; its own errors (an unusable tokenizer) become `ConfigError`."""
    try:
        return make()
    except Exception as exc:
        raise ConfigError(f"scorer {scorer_name!r}: sacrebleu refused the options: {exc}") from exc


def _signature(metric: Any) -> str:
    """sacrebleu's signature of `metric`, without `nrefs` (it varies per sample)."""
    probe = copy.copy(metric)
    probe.num_refs = 1  # sacrebleu learns it while scoring; it is dropped below
    signature = probe.get_signature()
    signature.update("nrefs", None)
    return signature.format()


def _segment_stats(metric: Any, text: str, references: Sequence[str]) -> list[Any]:
    """sacrebleu's statistics for one output against its references."""
    return list(metric._extract_corpus_statistics([text], [[r] for r in references])[0])


def _figure(metric: Any) -> Callable[[list[Any]], float]:
    def figure(totals: list[Any]) -> float:
        return float(metric._compute_score_from_stats(list(totals)).score)

    return figure


def _explain(result: Any, references: Sequence[str]) -> str:
    count = len(references)
    return f"{result} against {count} reference{'s' if count != 1 else ''}"


class _LowerIsBetterMean(Mean):
    """`mean()` of an error rate."""

    higher_is_better = False

    def __repr__(self) -> str:
        return "mean(higher_is_better=False)"


@dataclass(frozen=True)
class ScorerParts:
    """What a `parts_scorer` factory builds: its function, metrics and extra signature."""

    fn: ScoreFn
    metrics: Sequence[Metric]
    signature_extra: dict[str, str] = field(default_factory=dict)


def parts_scorer(name: str, *, version: str = "1") -> Callable[..., Callable[..., Scorer]]:
    """Like `@scorer`, for factories that also build their metrics and `signature_extra`.

    The factory returns `ScorerParts`, so the metrics and the signature can
    come from the same object as the score function (one sacrebleu metric).
    """

    def decorate(factory: Callable[..., ScorerParts]) -> Callable[..., Scorer]:
        @functools.wraps(factory)
        def build(**kwargs: Any) -> Scorer:
            parts = factory(**kwargs)
            return Scorer(
                name=name,
                fn=parts.fn,
                args=dict(kwargs),
                version=version,
                metrics=tuple(parts.metrics),
                signature_extra=parts.signature_extra,
            )

        build.scorer_name = name  # type: ignore[attr-defined]
        return build

    return decorate


@parts_scorer("bleu")
def bleu(
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
    smooth_method: SmoothMethod = "exp",
    smooth_value: float | None = None,
    max_ngram_order: int = 4,
) -> ScorerParts:
    """BLEU as sacrebleu computes it; metrics `bleu/corpus` and `bleu/mean`.

    The options are sacrebleu's `BLEU` options (`tokenize`: 13a, intl, char,
    none, zh, ...). `Score.value` is sentence BLEU; see the module docstring.

        bleu()                                  # sacrebleu.corpus_bleu's defaults
        bleu(tokenize="intl", lowercase=True)
    """
    sacrebleu = _require("sacrebleu.metrics", "bleu")
    check_bool("bleu", "lowercase", lowercase)
    _check_choice("bleu", "tokenize", tokenize, list(sacrebleu.BLEU.TOKENIZERS))
    _check_choice("bleu", "smooth_method", smooth_method, list(sacrebleu.BLEU.SMOOTH_DEFAULTS))
    _check_int("bleu", "max_ngram_order", max_ngram_order, 1)
    if smooth_value is not None and (
        isinstance(smooth_value, bool) or not isinstance(smooth_value, int | float)
    ):
        raise ConfigError("scorer 'bleu': option 'smooth_value' must be a number or null")

    def make(effective_order: bool) -> Any:
        return sacrebleu.BLEU(
            tokenize=tokenize,
            lowercase=lowercase,
            smooth_method=smooth_method,
            smooth_value=smooth_value,
            max_ngram_order=max_ngram_order,
            effective_order=effective_order,
        )

    corpus_bleu = _build_metric("bleu", lambda: make(False))
    sentence_bleu = _build_metric("bleu", lambda: make(True))

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        references = require_targets(sample, "bleu")
        stats = _segment_stats(corpus_bleu, output.text, references)
        result = sentence_bleu._compute_score_from_stats(stats)
        return Score(result.score, _explain(result, references), metadata={"stats": stats})

    signature = _signature(corpus_bleu)
    return ScorerParts(
        score,
        [corpus(_figure(corpus_bleu), signature=signature), mean()],
        {"sacrebleu": signature, "sacrebleu_sentence": _signature(sentence_bleu)},
    )


@parts_scorer("chrf")
def chrf(
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: int = 2,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
) -> ScorerParts:
    """chrF (chrF++ with `word_order=2`) as sacrebleu computes it; `chrf/corpus`, `chrf/mean`.

    The options are sacrebleu's `CHRF` options. With several references, the
    statistics are those of the reference with the best sentence chrF.

        chrf()                # chrF2
        chrf(word_order=2)    # chrF++
    """
    sacrebleu = _require("sacrebleu.metrics", "chrf")
    for option, value in {
        "lowercase": lowercase,
        "whitespace": whitespace,
        "eps_smoothing": eps_smoothing,
    }.items():
        check_bool("chrf", option, value)
    _check_int("chrf", "char_order", char_order, 0)
    _check_int("chrf", "word_order", word_order, 0)
    _check_int("chrf", "beta", beta, 0)
    if char_order + word_order == 0:
        raise ConfigError("scorer 'chrf': char_order and word_order cannot both be 0")
    metric = _build_metric(
        "chrf",
        lambda: sacrebleu.CHRF(
            char_order=char_order,
            word_order=word_order,
            beta=beta,
            lowercase=lowercase,
            whitespace=whitespace,
            eps_smoothing=eps_smoothing,
        ),
    )

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        references = require_targets(sample, "chrf")
        stats = _segment_stats(metric, output.text, references)
        result = metric._compute_score_from_stats(stats)
        return Score(result.score, _explain(result, references), metadata={"stats": stats})

    signature = _signature(metric)
    return ScorerParts(
        score, [corpus(_figure(metric), signature=signature), mean()], {"sacrebleu": signature}
    )


@parts_scorer("ter")
def ter(
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
) -> ScorerParts:
    """TER (translation edit rate) as sacrebleu computes it; lower is better.

    Metrics `ter/corpus` (total edits over total average reference length)
    and `ter/mean`. The options are sacrebleu's `TER` options. TER's edit
    search is slow on long texts, so it runs in a worker thread.

        ter()
        ter(case_sensitive=True)
    """
    sacrebleu = _require("sacrebleu.metrics", "ter")
    options = {
        "normalized": normalized,
        "no_punct": no_punct,
        "asian_support": asian_support,
        "case_sensitive": case_sensitive,
    }
    for option, value in options.items():
        check_bool("ter", option, value)
    metric = _build_metric("ter", lambda: sacrebleu.TER(**options))

    def compute(text: str, references: Sequence[str]) -> Score:
        stats = _segment_stats(metric, text, references)
        result = metric._compute_score_from_stats(stats)
        return Score(result.score, _explain(result, references), metadata={"stats": stats})

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        references = require_targets(sample, "ter")
        return await asyncio.to_thread(compute, output.text, references)

    signature = _signature(metric)
    return ScorerParts(
        score,
        [
            corpus(_figure(metric), higher_is_better=False, signature=signature),
            _LowerIsBetterMean(),
        ],
        {"sacrebleu": signature},
    )


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


@scorer("rouge", metrics=lambda: [mean_of(kind) for kind in ROUGE_TYPES])
def rouge(*, use_stemmer: bool = False) -> ScoreFn:
    """ROUGE-1, ROUGE-2 and ROUGE-L F-measures (rouge-score); `rouge/rouge1`, ... .

    `Score.value` is ROUGE-L; the three F-measures are in `Score.metadata`.
    `use_stemmer` is rouge-score's Porter stemming. rouge-score's tokenizer
    lowercases and keeps only ASCII letters and digits (English text).

        rouge()
        rouge(use_stemmer=True)
    """
    rouge_scorer = _require("rouge_score.rouge_scorer", "rouge")
    check_bool("rouge", "use_stemmer", use_stemmer)
    engine = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        references = require_targets(sample, "rouge")
        best = engine.score_multi(list(references), output.text)
        figures = {kind: float(best[kind].fmeasure) for kind in ROUGE_TYPES}
        explanation = ", ".join(f"{kind} F {value:.4f}" for kind, value in figures.items())
        return Score(figures["rougeL"], explanation, metadata=figures)

    return score
