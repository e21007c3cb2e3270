"""numeric: the final number of the output against the target number."""

from __future__ import annotations

from fractions import Fraction

import pytest

from proctor.errors import ConfigError, ScorerError
from proctor.scorer import numeric
from proctor.scorer._numeric import extract_final_number, parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 42.", Fraction(42)),
        ("x = -3", Fraction(-3)),
        ("x = \u22123", Fraction(-3)),
        ("It totals 1,234.5 dollars", Fraction("1234.5")),
        ("It costs $12", Fraction(12)),
        ("a loss of -$12.50", Fraction("-12.50")),
        ("about 50%", Fraction(50)),
        ("three quarters: 3/4", Fraction(3, 4)),
        ("Step 1: 6 * 7 = 42\n#### 42", Fraction(42)),
        ("5-3", Fraction(3)),  # a hyphen between terms is not a sign
        ("COVID-19", Fraction(19)),
        ("1,2345", Fraction(2345)),  # commas only group digits by three
        ("about .5 of it", Fraction(1, 2)),
        ("1.5e3 metres", Fraction(1500)),
        ("divide 5/0", Fraction(0)),
        ("+7", Fraction(7)),
    ],
)
def test_final_number_extraction(text: str, expected: Fraction) -> None:
    found = extract_final_number(text)
    assert found is not None
    assert found[0] == expected


def test_no_number_gives_none() -> None:
    assert extract_final_number("forty-two") is None


def test_a_huge_digit_run_is_not_read_as_a_number() -> None:
    assert extract_final_number("7 and " + "9" * 5000) == (Fraction(7), "7")


def test_parse_number_needs_exactly_one_number() -> None:
    assert parse_number(" $1,000 ") == 1000
    assert parse_number("3/4") == Fraction(3, 4)
    assert parse_number("#### 42") is None
    assert parse_number("42 apples") is None


async def test_numeric_compares_the_final_number(score_text) -> None:
    score = await score_text(numeric(), "First 3, then 5, finally 42.", target="42")
    assert score.value is True
    assert score.answer == "42"
    assert score.metadata == {"number": 42.0}


HUGE_INTEGER = "9" * 400


@pytest.mark.parametrize(
    "output", ["The answer is 1e999", f"The answer is {HUGE_INTEGER}"], ids=["1e999", "400 digits"]
)
async def test_numeric_a_number_beyond_float_range_is_a_wrong_answer(score_text, output) -> None:
    score = await score_text(numeric(), output, target="42")
    assert score.value is False
    assert score.explanation.startswith("found ") and score.explanation.endswith("target 42")
    assert score.metadata == {}


@pytest.mark.parametrize("target", ["1e999", HUGE_INTEGER], ids=["1e999", "400 digits"])
async def test_numeric_a_target_beyond_float_range_is_compared_exactly(score_text, target) -> None:
    assert (await score_text(numeric(), f"It is {target}", target=target)).value is True
    assert (await score_text(numeric(), "It is 42", target=target)).value is False
    within = numeric(tolerance=0.01, relative=True)
    assert (await score_text(within, f"It is {target}", target=target)).value is True


async def test_numeric_equal_values_written_differently_match(score_text) -> None:
    assert (await score_text(numeric(), "It is 0.75", target="3/4")).value is True
    assert (await score_text(numeric(), "It is $1,000", target="1000")).value is True
    assert (await score_text(numeric(), "It is 42.0", target="42")).value is True


async def test_numeric_wrong_number(score_text) -> None:
    score = await score_text(numeric(), "It is 41", target="42")
    assert score.value is False
    assert score.explanation == "found 41, target 42"


async def test_numeric_absolute_tolerance(score_text) -> None:
    assert (await score_text(numeric(tolerance=0.5), "3.6", target="3.14")).value is True
    assert (await score_text(numeric(tolerance=0.1), "3.6", target="3.14")).value is False


async def test_numeric_relative_tolerance(score_text) -> None:
    scorer = numeric(tolerance=0.01, relative=True)
    assert (await score_text(scorer, "1009", target="1000")).value is True
    assert (await score_text(scorer, "1011", target="1000")).value is False


async def test_numeric_tolerance_boundary_is_inclusive(score_text) -> None:
    assert (await score_text(numeric(tolerance=0.01), "1.01", target="1")).value is True


async def test_numeric_any_target(score_text) -> None:
    assert (await score_text(numeric(), "7", target=("6", "7"))).value is True


async def test_no_number_is_wrong_not_an_error(score_text) -> None:
    score = await score_text(numeric(), "I do not know.", target="42")
    assert score.value is False
    assert score.explanation == "no number found"


async def test_non_numeric_target_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError, match="is not a number"):
        await score_text(numeric(), "42", target="forty-two")


async def test_numeric_without_target_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(numeric(), "42")


@pytest.mark.parametrize("tolerance", [-1.0, float("nan"), float("inf"), "0.1", True])
def test_numeric_rejects_a_bad_tolerance(tolerance) -> None:
    with pytest.raises(ConfigError, match="tolerance"):
        numeric(tolerance=tolerance)
