"""Scorers: turn one model output into a `Score`."""

from proctor.scorer._choice import choice
from proctor.scorer._match import exact_match, f1, includes, regex
from proctor.scorer._normalize import Normalization, normalize_answer, token_f1
from proctor.scorer._numeric import numeric
from proctor.scorer._python import python_scorer
from proctor.scorer._resolve import resolve_scorer
from proctor.scorer._score import Score, ScoreContext, ScoreFn, Scorer, ScoreValue, scorer

__all__ = [
    "Normalization",
    "Score",
    "ScoreContext",
    "ScoreFn",
    "ScoreValue",
    "Scorer",
    "choice",
    "exact_match",
    "f1",
    "includes",
    "normalize_answer",
    "numeric",
    "python_scorer",
    "regex",
    "resolve_scorer",
    "scorer",
    "token_f1",
]
