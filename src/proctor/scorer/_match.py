"""Reference-based text scorers: exact match, includes, regex and token F1.

Every scorer here compares the output with the sample's targets; with
several targets, the output is right when it matches any of them (F1 takes
the best target). A sample without a target, where one is needed, is a
`ScorerError` (recorded on the sample), never a silent 0.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._checks import check_bool, require_targets
from proctor.scorer._normalize import SQUAD, Normalization, normalize_answer, token_f1
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["exact_match", "f1", "includes", "regex"]


def _targets_phrase(count: int) -> str:
    return "the target" if count == 1 else f"any of the {count} targets"


@scorer("exact_match")
def exact_match(
    *,
    ignore_case: bool = True,
    ignore_punctuation: bool = True,
    ignore_articles: bool = True,
    normalize_whitespace: bool = True,
) -> ScoreFn:
    """Right when the output equals a target once both are normalized.

    The defaults are SQuAD's `normalize_answer` (see `proctor.scorer._normalize`);
    each flag turns one step off. `Score.answer` is the normalized output.

        exact_match()                    # "The Eiffel Tower." equals "eiffel tower"
        exact_match(ignore_case=False)   # "Paris" no longer equals "paris"
    """
    options = {
        "ignore_case": ignore_case,
        "ignore_punctuation": ignore_punctuation,
        "ignore_articles": ignore_articles,
        "normalize_whitespace": normalize_whitespace,
    }
    for option, value in options.items():
        check_bool("exact_match", option, value)
    config = Normalization(
        lowercase=ignore_case,
        remove_punctuation=ignore_punctuation,
        remove_articles=ignore_articles,
        fix_whitespace=normalize_whitespace,
    )

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = require_targets(sample, "exact_match")
        answer = normalize_answer(output.text, config)
        for target in targets:
            if normalize_answer(target, config) == answer:
                return Score(True, f"{answer!r} matches target {target!r}", answer)
        return Score(False, f"{answer!r} does not match {_targets_phrase(len(targets))}", answer)

    return score


@scorer("includes")
def includes(*, ignore_case: bool = True) -> ScoreFn:
    """Right when a target appears verbatim inside the output.

    With `ignore_case`, both are case-folded first. `Score.answer` is the
    target found, if any. An empty target would be found in every output,
    so it raises `ScorerError` instead.

        includes()                       # "The capital is Paris." includes "paris"
    """
    check_bool("includes", "ignore_case", ignore_case)

    def fold(text: str) -> str:
        return text.casefold() if ignore_case else text

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = require_targets(sample, "includes")
        if any(not t.strip() for t in targets):
            raise ScorerError(f"scorer 'includes': sample {sample.id!r} has an empty target")
        text = fold(output.text)
        for target in targets:
            if fold(target) in text:
                return Score(True, f"output contains {target!r}", target)
        return Score(False, f"output does not contain {_targets_phrase(len(targets))}")

    return score


@scorer("regex")
def regex(*, pattern: str, group: int | str | None = None, ignore_case: bool = False) -> ScoreFn:
    """Search the output for `pattern` (Python `re` syntax, first match).

    Without `group`, finding a match is right and the sample needs no target;
    `Score.answer` is the matched text. With `group` (a number or a name),
    the text that group captured is compared with the targets after SQuAD
    normalization (case, punctuation, articles, whitespace); no match, or a
    group that captured nothing, is wrong. An invalid pattern or a group the
    pattern does not have raises `ConfigError` when the scorer is built.

        regex(pattern=r"\\bI cannot help\\b")          # a refusal check
        regex(pattern=r"Answer:\\s*(\\w+)", group=1)    # extract, then compare
    """
    if not isinstance(pattern, str):
        raise ConfigError(f"scorer 'regex': option 'pattern' must be a string, got {pattern!r}")
    if group is not None and (isinstance(group, bool) or not isinstance(group, int | str)):
        raise ConfigError(
            f"scorer 'regex': option 'group' must be a group number or name, got {group!r}"
        )
    check_bool("regex", "ignore_case", ignore_case)
    try:
        compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ConfigError(f"scorer 'regex': invalid pattern {pattern!r}: {exc}") from exc
    if isinstance(group, int) and not 0 <= group <= compiled.groups:
        raise ConfigError(
            f"scorer 'regex': pattern {pattern!r} has {compiled.groups} group(s), no group {group}"
        )
    if isinstance(group, str) and group not in compiled.groupindex:
        raise ConfigError(f"scorer 'regex': pattern {pattern!r} has no group named {group!r}")

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = require_targets(sample, "regex") if group is not None else ()
        match = compiled.search(output.text)
        if match is None:
            return Score(False, "pattern did not match")
        if group is None:
            return Score(True, f"pattern matched {match.group(0)!r}", match.group(0))
        captured = match.group(group)
        if captured is None:
            return Score(False, f"group {group!r} captured nothing")
        answer = normalize_answer(captured, SQUAD)
        for target in targets:
            if normalize_answer(target, SQUAD) == answer:
                return Score(True, f"captured {captured!r} matches target {target!r}", captured)
        phrase = _targets_phrase(len(targets))
        return Score(False, f"captured {captured!r} does not match {phrase}", captured)

    return score


@scorer("f1")
def f1() -> ScoreFn:
    """SQuAD token F1 between the output and the best-matching target, in [0, 1].

    Both sides are normalized as SQuAD does; `Score.answer` is the normalized
    output.

        f1()                             # "the cat sat" vs "a cat sat down": 0.8
    """

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = require_targets(sample, "f1")
        best_value, best_target = max(
            ((token_f1(output.text, t), t) for t in targets), key=lambda pair: pair[0]
        )
        answer = normalize_answer(output.text)
        return Score(best_value, f"F1 {best_value:.3f} against target {best_target!r}", answer)

    return score
