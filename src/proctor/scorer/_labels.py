"""The `label` scorer: the output is a class label, compared with the target label.

Output and target go through the same normaliser, `LabelSet.resolve`:

1. fold: Unicode NFKC, case-folded, every punctuation character turned into
   a space, whitespace collapsed (`" Tech-Support. "` -> `"tech support"`);
2. map: `mapping` turns synonyms into a canonical label
   (`{"invoice": "billing"}`), its keys folded the same way;
3. check: with `labels` declared, the result must fold to one of them and
   is spelled as declared; an output that does not is the label
   `"(invalid)"` — scored wrong, not an error. Without `labels`, any
   non-empty folded text is a label (an empty output is `"(invalid)"`).

A target that does not resolve to a label, or a sample with several targets,
raises `ScorerError`: that is a dataset error, not a wrong answer.

Each score keeps `{"gold": ..., "pred": ...}` in its metadata; the metrics
(`proctor.metrics._classification`) are computed from those pairs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._checks import require_targets
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput

__all__ = ["INVALID_LABEL", "LabelSet", "fold_label", "label"]

INVALID_LABEL = "(invalid)"


def fold_label(text: str) -> str:
    """`text` case-folded, punctuation turned into spaces, whitespace collapsed.

    >>> fold_label("  Tech-Support. ")
    'tech support'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class LabelSet:
    """The allowed labels (None: any) and the synonyms that map onto them.

    >>> labels = LabelSet.build(["Billing", "Tech Support"], {"invoice": "billing"})
    >>> labels.resolve("INVOICE!"), labels.resolve("tech-support"), labels.resolve("sales")
    ('Billing', 'Tech Support', None)
    """

    allowed: Mapping[str, str] | None  # folded label -> label as declared
    synonyms: Mapping[str, str]  # folded synonym -> folded label

    @classmethod
    def build(
        cls, labels: Sequence[str] | None = None, mapping: Mapping[str, str] | None = None
    ) -> LabelSet:
        """Check and fold the scorer's options; `ConfigError` when they are inconsistent."""
        allowed = None if labels is None else _allowed(labels)
        synonyms: dict[str, str] = {}
        if mapping is not None:
            if not isinstance(mapping, Mapping):
                raise ConfigError(f"scorer 'label': 'mapping' must be a mapping, got {mapping!r}")
            for key, value in mapping.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    raise ConfigError(
                        f"scorer 'label': mapping {key!r}: {value!r} must map text to text"
                    )
                folded, target = fold_label(key), fold_label(value)
                if not folded or not target:
                    raise ConfigError(
                        f"scorer 'label': mapping {key!r}: {value!r} has an empty side"
                    )
                if allowed is not None and target not in allowed:
                    raise ConfigError(
                        f"scorer 'label': mapping {key!r} -> {value!r}: "
                        f"{value!r} is not one of the labels"
                    )
                if synonyms.get(folded, target) != target:
                    raise ConfigError(
                        f"scorer 'label': mapping key {key!r} maps to two labels once folded"
                    )
                synonyms[folded] = target
        return cls(allowed, synonyms)

    def resolve(self, text: str) -> str | None:
        """The canonical label `text` stands for, or None when it stands for none."""
        folded = fold_label(text)
        folded = self.synonyms.get(folded, folded)
        if self.allowed is not None:
            return self.allowed.get(folded)
        return folded or None


def _allowed(labels: Sequence[str]) -> dict[str, str]:
    if isinstance(labels, str) or not isinstance(labels, Sequence) or not labels:
        raise ConfigError(f"scorer 'label': 'labels' must be a non-empty list, got {labels!r}")
    allowed: dict[str, str] = {}
    for declared in labels:
        if not isinstance(declared, str):
            raise ConfigError(f"scorer 'label': label {declared!r} is not text")
        if declared == INVALID_LABEL:
            raise ConfigError(f"scorer 'label': {INVALID_LABEL!r} is reserved for invalid outputs")
        folded = fold_label(declared)
        if not folded:
            raise ConfigError(f"scorer 'label': label {declared!r} is empty once folded")
        if folded in allowed:
            raise ConfigError(
                f"scorer 'label': labels {allowed[folded]!r} and {declared!r} are the same "
                "once case and punctuation are folded"
            )
        allowed[folded] = declared
    return allowed


def _label_metrics(
    *, labels: Sequence[str] | None = None, mapping: Mapping[str, str] | None = None
) -> Sequence[Metric]:
    from proctor.metrics._classification import label_metrics

    return label_metrics(labels=labels)


@scorer("label", metrics=_label_metrics)
def label(*, labels: list[str] | None = None, mapping: dict[str, str] | None = None) -> ScoreFn:
    """Right when the output's label is the target's label (see the module docstring).

    `Score.value` is the match (bool), `Score.answer` the predicted label,
    `metadata` `{"gold": ..., "pred": ...}`. Metrics: accuracy, micro and
    macro precision/recall/F1, and per declared label `precision:<label>`,
    `recall:<label>`, `f1:<label>` (`proctor.metrics._classification`).

        label(labels=["billing", "technical", "account"])
        label(labels=["positive", "negative"], mapping={"pos": "positive", "neg": "negative"})
    """
    label_set = LabelSet.build(labels, mapping)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = require_targets(sample, "label")
        if len(targets) != 1:
            raise ScorerError(
                f"scorer 'label' needs one target label, "
                f"and sample {sample.id!r} has {len(targets)}"
            )
        gold = label_set.resolve(targets[0])
        if gold is None:
            raise ScorerError(
                f"scorer 'label': sample {sample.id!r} has target {targets[0]!r}, "
                "which is not one of the labels"
            )
        pred = label_set.resolve(output.text)
        metadata = {"gold": gold, "pred": pred or INVALID_LABEL}
        if pred is None:
            shown = output.text if len(output.text) <= 80 else output.text[:77] + "..."
            return Score(
                False, f"output {shown!r} is not one of the labels", INVALID_LABEL, metadata
            )
        if pred == gold:
            return Score(True, f"predicted {pred!r}, the gold label", pred, metadata)
        return Score(False, f"predicted {pred!r}, gold label is {gold!r}", pred, metadata)

    return score
