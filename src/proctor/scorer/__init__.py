"""Scorers: turn one model output into a `Score`."""

from proctor.scorer._choice import choice
from proctor.scorer._composite import composite
from proctor.scorer._embedding import embedding_similarity
from proctor.scorer._extraction import extraction
from proctor.scorer._format import json_schema, json_valid, regex_format
from proctor.scorer._judge import judge
from proctor.scorer._labels import label
from proctor.scorer._loglikelihood import loglikelihood_choice
from proctor.scorer._match import exact_match, f1, includes, regex
from proctor.scorer._normalize import Normalization, normalize_answer, token_f1
from proctor.scorer._numeric import numeric
from proctor.scorer._python import python_scorer
from proctor.scorer._resolve import resolve_scorer
from proctor.scorer._rubric import rubric
from proctor.scorer._score import Score, ScoreContext, ScoreFn, Scorer, ScoreValue, scorer
from proctor.scorer._similarity import bleu, chrf, rouge, ter

__all__ = [
    "Normalization",
    "Score",
    "ScoreContext",
    "ScoreFn",
    "ScoreValue",
    "Scorer",
    "bleu",
    "choice",
    "chrf",
    "composite",
    "embedding_similarity",
    "exact_match",
    "extraction",
    "f1",
    "includes",
    "json_schema",
    "json_valid",
    "judge",
    "label",
    "loglikelihood_choice",
    "normalize_answer",
    "numeric",
    "python_scorer",
    "regex",
    "regex_format",
    "resolve_scorer",
    "rouge",
    "rubric",
    "scorer",
    "ter",
    "token_f1",
]
