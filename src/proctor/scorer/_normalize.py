"""Answer normalization and token F1, as in the SQuAD v1.1 evaluation script.

The SQuAD v1.1 evaluation script (`evaluate-v1.1.py`, Rajpurkar et al., 2016,
https://rajpurkar.github.io/SQuAD-explorer/) compares answers after
`normalize_answer`: lowercase, remove punctuation, remove the articles
"a", "an" and "the", and collapse whitespace, in that order. Token F1 splits
the normalized answers on whitespace and compares them as bags of tokens.

Proctor follows the script exactly, with three documented choices:

* each step can be switched off through a `Normalization`;
* when lowercasing is off, articles are still removed whatever their case
  ("The" as well as "the"), so that switching case sensitivity on does not
  switch article handling off as a side effect;
* when both answers normalize to no token at all, their F1 is 1.0 (as in the
  SQuAD v2.0 script) rather than 0.0 (v1.1), so that an answer always has
  F1 1.0 with itself.

Punctuation is Python's `string.punctuation` (ASCII), as in the script.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass

__all__ = ["SQUAD", "Normalization", "answer_tokens", "normalize_answer", "token_f1"]

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Normalization:
    """Which steps of SQuAD's `normalize_answer` to apply (all of them by default).

    >>> Normalization().apply("The  Eiffel Tower!")
    'eiffel tower'
    >>> Normalization(lowercase=False, remove_articles=False).apply("The  Eiffel Tower!")
    'The Eiffel Tower'
    """

    lowercase: bool = True
    remove_punctuation: bool = True
    remove_articles: bool = True
    fix_whitespace: bool = True

    def apply(self, text: str) -> str:
        """`text` with the enabled steps applied in SQuAD's order."""
        if self.lowercase:
            text = text.lower()
        if self.remove_punctuation:
            text = "".join(ch for ch in text if ch not in _PUNCTUATION)
        if self.remove_articles:
            text = _ARTICLES.sub(" ", text)
        if self.fix_whitespace:
            text = " ".join(text.split())
        return text


SQUAD = Normalization()
"""Every step on: SQuAD's `normalize_answer`."""


def normalize_answer(text: str, config: Normalization = SQUAD) -> str:
    """SQuAD's `normalize_answer`, with the steps chosen by `config`.

    >>> normalize_answer("The Cat, sat.")
    'cat sat'
    """
    return config.apply(text)


def answer_tokens(text: str, config: Normalization = SQUAD) -> list[str]:
    """The tokens F1 compares: the normalized answer split on whitespace (as SQuAD does).

    >>> answer_tokens("An apple a day!")
    ['apple', 'day']
    """
    return config.apply(text).split()


def token_f1(prediction: str, reference: str, config: Normalization = SQUAD) -> float:
    """SQuAD token F1 between two answers, in [0, 1].

    Precision and recall count the tokens the two answers share, as bags
    (a token repeated in both counts as many times as it appears in both).
    Two answers without any token have F1 1.0; one empty answer gives 0.0.

    >>> token_f1("the cat sat", "a cat sat down")
    0.8
    """
    pred = answer_tokens(prediction, config)
    ref = answer_tokens(reference, config)
    if not pred or not ref:
        return 1.0 if pred == ref else 0.0
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred)
    recall = same / len(ref)
    return 2 * precision * recall / (precision + recall)
