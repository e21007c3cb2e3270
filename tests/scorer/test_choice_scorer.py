"""choice: the letter a free-text answer picked among a question's options."""

from __future__ import annotations

import pytest

from proctor.errors import ScorerError
from proctor.scorer import choice
from proctor.scorer._choice import extract_choice, target_letter

CHOICES = ("Paris", "London", "Berlin", "Madrid")


@pytest.mark.parametrize(
    "text",
    [
        "B",
        "b",
        "(B)",
        "B)",
        "b)",
        "B.",
        "B. London",
        "B: London",
        "**B**",
        "[B]",
        "B - London",
        "Answer: B",
        "ANSWER: (B)",
        "**Answer:** B",
        "Answer: **B**",
        "The answer is B",
        "The correct answer is option B.",
        "The best answer is: (B) London",
        "Final answer: $\\boxed{B}$",
        "I choose B.",
        "I'd go with B",
        "the answer is b.",
        "answer: (b)",
        "London",
        "london.",
    ],
)
def test_common_answer_forms_give_the_letter(text: str) -> None:
    found = extract_choice(text, CHOICES)
    assert found is not None
    assert found[0] == "B"


def test_the_last_stated_answer_wins_over_letters_met_on_the_way() -> None:
    text = "A) Paris looks right, but wait. The answer is not A. The answer is (C)."
    assert extract_choice(text, CHOICES) == ("C", "stated answer")


def test_a_stated_answer_wins_over_a_leading_letter() -> None:
    assert extract_choice("A is tempting.\nAnswer: D", CHOICES) == ("D", "stated answer")


@pytest.mark.parametrize(
    "text",
    ["A dog barked.", "I think so.", "Answer: Because it is.", "The answer is a bit unclear."],
)
def test_capitals_that_are_words_are_not_letters(text: str) -> None:
    assert extract_choice(text, CHOICES) is None


def test_a_letter_beyond_the_options_is_no_answer() -> None:
    assert extract_choice("The answer is E.", CHOICES) is None


def test_a_single_marked_letter_anywhere_counts() -> None:
    assert extract_choice("After checking, (D) fits best.", CHOICES) == ("D", "marked letter")


def test_marked_letters_naming_several_options_are_ambiguous() -> None:
    assert extract_choice("Between (A) and (B), hard to say.", CHOICES) is None


def test_a_uniquely_mentioned_option_text_counts() -> None:
    assert extract_choice("I am fairly sure it is Madrid, Spain.", CHOICES) == (
        "D",
        "option text mentioned",
    )


def test_the_longer_of_two_nested_option_texts_wins() -> None:
    options = ("New York", "New York City", "Boston")
    assert extract_choice("New York City.", options) == ("B", "option text")
    assert extract_choice("I'd say New York City, surely", options) == (
        "B",
        "option text mentioned",
    )


def test_several_mentioned_options_are_ambiguous() -> None:
    assert extract_choice("Either Paris or Berlin.", CHOICES) is None


@pytest.mark.parametrize(
    ("target", "letter"),
    [("B", "B"), ("b", "B"), ("1", "B"), ("London", "B"), (" london ", "B")],
)
def test_targets_become_letters(target: str, letter: str) -> None:
    assert target_letter(target, CHOICES) == letter


def test_a_target_reading_as_two_different_options_is_an_error() -> None:
    with pytest.raises(ScorerError, match="ambiguous"):
        target_letter("1", ("0", "2", "1"))  # index 1 is B, but C's text is "1"


def test_a_target_reading_the_same_either_way_is_fine() -> None:
    assert target_letter("0", ("0", "1")) == "A"


def test_a_target_naming_no_option_is_an_error() -> None:
    with pytest.raises(ScorerError, match="neither a letter"):
        target_letter("Rome", CHOICES)


async def test_choice_scores_the_extracted_letter(score_text) -> None:
    score = await score_text(choice(), "The answer is (B).", target="1", choices=CHOICES)
    assert score.value is True
    assert score.answer == "B"
    assert score.explanation == "chose B (stated answer), target B"


async def test_choice_wrong_letter(score_text) -> None:
    score = await score_text(choice(), "C", target="B", choices=CHOICES)
    assert score.value is False
    assert score.answer == "C"


async def test_no_letter_found_is_wrong_with_an_explanation(score_text) -> None:
    score = await score_text(choice(), "I am not sure.", target="B", choices=CHOICES)
    assert score.value is False
    assert score.answer is None
    assert score.explanation == "no choice found among A-D"


async def test_choice_without_choices_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError, match="no choices"):
        await score_text(choice(), "B", target="B")


async def test_choice_without_target_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(choice(), "B", choices=CHOICES)


async def test_choice_with_a_bad_target_names_the_sample(score_text) -> None:
    with pytest.raises(ScorerError, match="sample 's1'"):
        await score_text(choice(), "B", target="Z", choices=CHOICES)
