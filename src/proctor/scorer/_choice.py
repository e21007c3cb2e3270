"""The `choice` scorer: which option of a multiple-choice question the output picked.

`sample.choices` holds the options in order; they are lettered A, B, C, ...
(at most 26). The letter is read from free text by the first rule that finds
one, in this order:

1. **Stated answer** — the *last* "answer is B", "Answer: (B)", "**Answer:** B",
   "the correct option is B", "Final answer: \\boxed{B}", "I choose B" in the
   text (the conclusion of a reasoning wins over letters met on the way).
   A lowercase letter counts only when punctuation or the end of the line
   closes it ("the answer is b." but not "the answer is a bit unclear").
2. **Leading letter** — the output starts with "B", "(B)", "[B]", "B)", "B.",
   "B:", "B,", "**B**" or "B - ...". A bare capital must be followed by
   punctuation or the end of the line, so "A dog is ..." or "I think ..." is
   not a letter; lowercase counts only as "(b)", "b)" or a lone "b".
3. **Option text** — the whole output, normalized as SQuAD does, is the text of
   exactly one option.
4. **Marked letter** — "(B)", "[B]" or "**B**" somewhere in the text, when all
   such marks name the same option.
5. **Option text mentioned** — exactly one option's normalized text appears
   in the output as whole words, once options contained in a longer
   mentioned option are set aside ("New York City" wins over "New York").

Only letters of existing options count ("answer is E" with four options is
no answer). When no rule finds a letter, the output is wrong with the
explanation "no choice found".

A target may be a letter ("B", "b"), a 0-based index ("1") or the text of an
option; it is turned into a letter. A target that reads differently under two
of these (index "1" while option C's text is "1") raises `ScorerError`, as does
a target that is none of them, or a sample without choices.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

from proctor.errors import ScorerError
from proctor.scorer._checks import require_targets
from proctor.scorer._normalize import normalize_answer
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["choice", "extract_choice", "target_letter"]

# What may stand between "answer is" and the letter; one run, so matching stays linear.
_OPENERS = r"(?:\\boxed\{|\\text\{|\\textbf\{|[\s:(\[*_{$])*"
# A capital not glued to a word, or a lowercase letter closed by punctuation or the line's end
# ("answer is b." but not "answer is a bit").
_LETTER = r"(?:([A-Z])(?![A-Za-z0-9])|([a-z])(?=[).:,*\]}]|[ \t]*(?:\n|$)))"
_STATED = (
    r"(?i:\b(?:answer|choice|option)\b)[\s*_]*"
    r"(?:(?i:is|would\s+be|should\s+be|must\s+be|will\s+be)\b|[:=]|[-–—])"
)
_CHOSEN = (
    r"(?i:\bI\s+(?:would\s+|will\s+)?(?:choose|pick|select)|\bI'd\s+(?:choose|pick|go\s+with)"
    r"|\bgo\s+with)\b"
)
_EXPLICIT = re.compile(
    f"(?:{_STATED}|{_CHOSEN}){_OPENERS}" + rf"(?:(?i:option|choice|letter)\b{_OPENERS})?" + _LETTER
)
_LEADING = re.compile(
    r"^[\s*_#>]*(?:\(([A-Za-z])\)|\[([A-Za-z])\]"
    r"|([A-Z])(?=[ \t]*(?:\n|$)|[).:\]*,}]|\s+[-–—])"
    r"|([a-z])(?=\)|\s*$))"
)
_MARKED = re.compile(r"\(([A-Z])\)|\[([A-Z])\]|\*\*([A-Z])\*\*")


def _letters(sample: Sample) -> str:
    if not sample.choices:
        raise ScorerError(f"scorer 'choice': sample {sample.id!r} has no choices")
    if len(sample.choices) > len(string.ascii_uppercase):
        raise ScorerError(
            f"scorer 'choice': sample {sample.id!r} has {len(sample.choices)} choices, "
            f"more than the {len(string.ascii_uppercase)} letters A-Z"
        )
    return string.ascii_uppercase[: len(sample.choices)]


def _first_group(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None).upper()


def _text_letters(text: str, choices: tuple[str, ...], letters: str) -> list[str]:
    """Letters of the options whose text is `text`: verbatim first, then normalized."""
    exact = [letters[i] for i, c in enumerate(choices) if c.strip() == text.strip()]
    if exact:
        return exact
    wanted = normalize_answer(text)
    return [letters[i] for i, c in enumerate(choices) if wanted and normalize_answer(c) == wanted]


def _mentioned_letter(text: str, choices: tuple[str, ...], letters: str) -> str | None:
    padded = f" {normalize_answer(text)} "
    found = {}
    for letter, option in zip(letters, choices, strict=True):
        normalized = normalize_answer(option)
        if normalized and f" {normalized} " in padded:
            found[letter] = f" {normalized} "
    longest = [
        letter
        for letter, option in found.items()
        if not any(option != other and option in other for other in found.values())
    ]
    return longest[0] if len(longest) == 1 else None


def extract_choice(text: str, choices: tuple[str, ...]) -> tuple[str, str] | None:
    """The letter `text` chose among `choices` and the rule that found it, or None.

    See the module docstring for the rules and their order.

    >>> extract_choice("Let me think... The answer is (C).", ("1", "2", "3", "4"))
    ('C', 'stated answer')
    >>> extract_choice("Paris", ("London", "Paris"))
    ('B', 'option text')
    """
    letters = string.ascii_uppercase[: len(choices)]
    stated = [m for m in _EXPLICIT.finditer(text) if _first_group(m) in letters]
    if stated:
        return _first_group(stated[-1]), "stated answer"
    leading = _LEADING.match(text)
    if leading is not None and _first_group(leading) in letters:
        return _first_group(leading), "leading letter"
    exact = set(_text_letters(text, choices, letters)) if text.strip() else set()
    if len(exact) == 1:
        return exact.pop(), "option text"
    marked = {_first_group(m) for m in _MARKED.finditer(text)} & set(letters)
    if len(marked) == 1:
        return marked.pop(), "marked letter"
    mentioned = _mentioned_letter(text, choices, letters)
    if mentioned is not None:
        return mentioned, "option text mentioned"
    return None


def target_letter(target: str, choices: tuple[str, ...]) -> str:
    """The letter a target names: a letter, a 0-based index, or an option's text.

    Raises `ScorerError` when the target names no option, or names different
    options depending on how it is read.

    >>> target_letter("2", ("red", "green", "blue"))
    'C'
    >>> target_letter("green", ("red", "green", "blue"))
    'B'
    """
    letters = string.ascii_uppercase[: len(choices)]
    stripped = target.strip()
    readings: dict[str, str] = {}
    if len(stripped) == 1 and stripped.upper() in letters:
        readings["letter"] = stripped.upper()
    if stripped.isascii() and stripped.isdigit() and int(stripped) < len(choices):
        readings["index"] = letters[int(stripped)]
    by_text = sorted(set(_text_letters(stripped, choices, letters)))
    if len(by_text) > 1:
        raise ScorerError(
            f"target {target!r} is the text of several options ({', '.join(by_text)})"
        )
    if by_text:
        readings["option text"] = by_text[0]
    if not readings:
        raise ScorerError(
            f"target {target!r} is neither a letter A-{letters[-1]}, "
            f"an index below {len(choices)} nor the text of an option"
        )
    if len(set(readings.values())) > 1:
        how = ", ".join(f"{kind} {letter}" for kind, letter in readings.items())
        raise ScorerError(f"target {target!r} is ambiguous: it reads as {how}")
    return next(iter(readings.values()))


@scorer("choice")
def choice() -> ScoreFn:
    """Right when the option the output picked is the target option.

    `Score.answer` is the chosen letter; the explanation says which rule found
    it (see the module docstring for the rules).

        choice()      # "The answer is (B)." with target "B", "1" or B's text
    """

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        letters = _letters(sample)
        choices = sample.choices or ()
        try:
            wanted = {target_letter(t, choices) for t in require_targets(sample, "choice")}
        except ScorerError as exc:
            raise ScorerError(f"scorer 'choice': sample {sample.id!r}: {exc}") from exc
        target = " or ".join(sorted(wanted))
        found = extract_choice(output.text, choices)
        if found is None:
            return Score(False, f"no choice found among {letters[0]}-{letters[-1]}")
        letter, rule = found
        return Score(letter in wanted, f"chose {letter} ({rule}), target {target}", letter)

    return score
