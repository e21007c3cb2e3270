"""`loglikelihood_choice`: multiple choice scored by the model's log-probabilities.

The definitions are lm-evaluation-harness's (`lm_eval/api/task.py`,
`MultipleChoiceTask` / `ConfigurableTask.process_results` for
`output_type: multiple_choice`):

* `acc` — the gold option has the highest summed log-probability of its
  continuation given the prompt;
* `acc_norm` — the same after dividing each sum by the length of the option's
  text in characters (lm-eval's `len(choice)`, the continuation without its
  leading delimiter);
* `acc_bytes` (only with `bytes_norm=True`) — divided by the length in UTF-8
  bytes instead, under its own name;
* `acc_macro` (only with `macro_by=KEY`) — the mean over the groups named by
  that metadata key of each group's `acc` (MMLU reports this next to the
  micro average `acc`).

The engine computes the log-probabilities (benchmark `protocol:
loglikelihood`) and keeps each option's value on the sample; this scorer only
compares them with the gold option. The generative route — the model writes
an answer and `choice` finds the letter in it — stays available for the same
questions.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from proctor.errors import ScorerError
from proctor.scorer._choice import target_letter
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext


def _argmax(values: list[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)  # first of equal maxima, as np.argmax


def _metrics(*, bytes_norm: bool = False, macro_by: str | None = None) -> list[Metric]:
    from proctor.metrics import macro_mean, mean_of

    metrics = [mean_of(None, name="acc"), mean_of("acc_norm")]
    if bytes_norm:
        metrics.append(mean_of("acc_bytes"))
    if macro_by is not None:
        metrics.append(macro_mean("group", name="acc_macro"))
    return metrics


@scorer("loglikelihood_choice", metrics=_metrics)
def loglikelihood_choice(*, bytes_norm: bool = False, macro_by: str | None = None) -> ScoreFn:
    """Multiple choice by log-probabilities: metrics `acc`, `acc_norm` (and `acc_bytes`).

    With `macro_by` (a metadata key such as MMLU's `subject`), also `acc_macro`:
    the unweighted mean of the per-group accuracies, next to the micro `acc`.
    """

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        if not sample.choices:
            raise ScorerError("loglikelihood_choice needs a sample with choices")
        results = output.extra.get("loglikelihoods")
        texts = output.extra.get("choice_texts")
        if not isinstance(results, list) or len(results) != len(sample.choices):
            raise ScorerError(
                "no log-probabilities for the choices: run the benchmark with "
                "`protocol: loglikelihood` on a model that supports it"
            )
        if not sample.targets:
            raise ScorerError("loglikelihood_choice needs a target (letter, index or text)")
        letters = string.ascii_uppercase[: len(sample.choices)]
        target = sample.targets[0].strip()
        # A letter target means that letter, even when an option's text is a letter too
        gold = (
            letters.index(target)
            if len(target) == 1 and target in letters
            else letters.index(target_letter(target, sample.choices))
        )
        logprobs = [float(r["logprob"]) for r in results]
        texts = texts if isinstance(texts, list) else list(sample.choices)
        pred = _argmax(logprobs)
        pred_norm = _argmax([lp / max(1, len(t)) for lp, t in zip(logprobs, texts, strict=True)])
        metadata: dict[str, object] = {
            "acc_norm": pred_norm == gold,
            "logprobs": logprobs,
            "pred": letters[pred],
            "pred_norm": letters[pred_norm],
            "gold": letters[gold],
        }
        if macro_by is not None:
            metadata["group"] = str(sample.metadata.get(macro_by))
        if bytes_norm:
            by_bytes = [lp / max(1, len(t.encode())) for lp, t in zip(logprobs, texts, strict=True)]
            metadata["acc_bytes"] = _argmax(by_bytes) == gold
        explanation = (
            f"most likely {letters[pred]} (length-normalised {letters[pred_norm]}), "
            f"gold {letters[gold]}"
        )
        return Score(pred == gold, explanation=explanation, answer=letters[pred], metadata=metadata)

    return score
