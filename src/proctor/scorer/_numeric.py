"""The `numeric` scorer: compare the final number of the output with the target.

How a number is read (in the output and in the target alike):

* the **final** number of the output is the answer, so a worked solution
  ending in "... so she has 42 apples." and GSM8K's "#### 42" both give 42;
* a sign counts when it starts a number ("-3", "x = −3", "+5"), not when it
  joins two terms or words ("5-3" reads 5 and 3; "COVID-19" reads 19);
* commas are thousands separators only when they group digits by three
  ("1,234.5" is 1234.5; "3,5" reads 3 and 5 — no decimal comma);
* a currency sign ($ € £ ¥) before the digits and a percent sign after them
  are dropped: "$12" is 12 and "50%" is 50 (not 0.5);
* "3/4" is the fraction 0.75 ("a/0" reads as a and 0); an exponent is kept
  ("1.5e3" is 1500); ".5" is 0.5; "42." is 42;
* only ASCII digits count; number words ("forty-two") and LaTeX
  (`\\frac{3}{4}`) are not read; exponents have at most three digits, and
  a run of more than 1,000 digits is not read as a number.

Numbers are compared exactly as fractions (so "0.75" equals "3/4"), or within
`tolerance` (absolute, or relative to the target with `relative=True`); no
number is too large to compare ("1e999" against "42" is simply wrong).
An output without any number is wrong ("no number found"), not an error; a
target that is not exactly one number raises `ScorerError`.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import TYPE_CHECKING

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._checks import check_bool, require_targets
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["extract_final_number", "numeric", "parse_number"]

_NUMBER = re.compile(
    r"""
    (?:(?<![0-9A-Za-z.)\]])(?P<sign>[-+\u2212]))?   # a sign, unless it joins two terms
    (?:(?P<currency>[$€£¥])(?P<sign2>[-\u2212])?)?  # "$12", "$-12"
    (?<![0-9.])                                     # never the tail of a longer number
    (?P<body>
        [0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?   # 1,234,567.89
      | [0-9]+(?:\.[0-9]+)?                              # 1234.5
      | \.[0-9]+                                         # .5
    )
    (?P<exp>[eE][-+]?[0-9]{1,3}(?![0-9]))?
    (?:/(?P<den>[0-9]+))?
    %?
    """,
    re.VERBOSE,
)


_MAX_DIGITS = 1000


def _value(match: re.Match[str]) -> Fraction | None:
    if len(match["body"]) > _MAX_DIGITS or len(match["den"] or "") > _MAX_DIGITS:
        return None  # not a number anyone means; also keeps int parsing bounded
    value = Fraction(match["body"].replace(",", "") + (match["exp"] or ""))
    if match["den"] is not None:
        den = int(match["den"])
        if den == 0:
            return Fraction(0)  # "a/0" reads as two numbers; the final one is 0
        value /= den
    negative = (match["sign"] or "") in ("-", "\u2212") or match["sign2"] is not None
    return -value if negative else value


def _as_float(value: Fraction) -> float | None:
    """`value` as a float, or None when it is too large for one."""
    try:
        return float(value)
    except OverflowError:
        return None


def extract_final_number(text: str) -> tuple[Fraction, str] | None:
    """The final number of `text` and how it was written, or None without any number.

    >>> extract_final_number("Half of 1,000 is 500. #### 500")
    (Fraction(500, 1), '500')
    >>> extract_final_number("It costs -$12.50") is not None
    True
    """
    found = None
    for match in _NUMBER.finditer(text):
        value = _value(match)
        if value is not None:
            found = (value, match.group(0))
    return found


def parse_number(text: str) -> Fraction | None:
    """`text` read as exactly one number (surrounding blanks allowed), else None.

    >>> parse_number(" 3/4 ")
    Fraction(3, 4)
    >>> parse_number("about 3") is None
    True
    """
    match = _NUMBER.fullmatch(text.strip())
    return None if match is None else _value(match)


@scorer("numeric")
def numeric(*, tolerance: float = 0.0, relative: bool = False) -> ScoreFn:
    """Right when the final number of the output equals a target number.

    `tolerance` allows a difference: absolute by default (|answer − target| ≤
    tolerance), relative to the target with `relative=True` (≤ tolerance ·
    |target|). `Score.answer` is the number as written in the output. See the
    module docstring for how numbers are read.

        numeric()                                  # "#### 42" against "42"
        numeric(tolerance=0.01, relative=True)     # within 1% of the target
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise ConfigError(
            f"scorer 'numeric': option 'tolerance' must be a number, got {tolerance!r}"
        )
    if not math.isfinite(tolerance) or tolerance < 0:
        raise ConfigError(
            f"scorer 'numeric': option 'tolerance' must be zero or more, got {tolerance!r}"
        )
    check_bool("numeric", "relative", relative)
    allowed = Fraction(tolerance)

    def close(answer: Fraction, target: Fraction) -> bool:
        bound = allowed * abs(target) if relative else allowed
        return abs(answer - target) <= bound

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        targets = []
        for text in require_targets(sample, "numeric"):
            number = parse_number(text)
            if number is None:
                raise ScorerError(
                    f"scorer 'numeric': target {text!r} of sample {sample.id!r} is not a number"
                )
            targets.append((number, text))
        found = extract_final_number(output.text)
        if found is None:
            return Score(False, "no number found")
        value, written = found
        # Comparison stays exact; only the metadata is a float, left out for a
        # number beyond float range ("1e999", hundreds of digits).
        number = _as_float(value)
        metadata = {} if number is None else {"number": number}
        for number, text in targets:
            if close(value, number):
                return Score(True, f"found {written}, target {text}", written, metadata)
        wanted = " or ".join(text.strip() for _, text in targets)
        return Score(False, f"found {written}, target {wanted}", written, metadata)

    return score
