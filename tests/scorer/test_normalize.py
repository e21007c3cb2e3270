"""SQuAD answer normalization and token F1: examples and properties."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.scorer import Normalization, normalize_answer, token_f1
from proctor.scorer._normalize import answer_tokens

# Words that are not articles, so that inserting/removing articles is the only change.
WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8).filter(
    lambda w: w.lower() not in {"a", "an", "the"}
)
WORDS = st.lists(WORD, min_size=0, max_size=8)
ANY_TEXT = st.text(max_size=60)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Eiffel Tower!", "eiffel tower"),
        ("  an   apple,\ta day ", "apple day"),
        ("Theater", "theater"),  # "the" inside a word stays
        ("don't", "dont"),  # punctuation is removed, not replaced by a space
        ("1,234.5", "12345"),
        ("", ""),
    ],
)
def test_normalize_answer_follows_squad(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


def test_each_normalization_step_can_be_switched_off() -> None:
    text = "The  Cat!"
    assert Normalization(lowercase=False).apply(text) == "Cat"
    assert Normalization(remove_punctuation=False).apply(text) == "cat!"
    assert Normalization(remove_articles=False).apply(text) == "the cat"
    assert Normalization(fix_whitespace=False).apply(text) == "   cat"


def test_articles_are_removed_in_any_case_when_lowercasing_is_off() -> None:
    assert Normalization(lowercase=False).apply("The Cat and a Dog") == "Cat and Dog"


def test_tokens_are_the_normalized_answer_split_on_whitespace() -> None:
    assert answer_tokens("The cat, the hat.") == ["cat", "hat"]


def test_token_f1_counts_shared_tokens_as_bags() -> None:
    assert token_f1("the cat sat", "a cat sat down") == pytest.approx(0.8)
    assert token_f1("cat cat", "cat") == pytest.approx(2 / 3)
    assert token_f1("dog", "cat") == 0.0


def test_token_f1_of_two_empty_answers_is_one_and_of_one_empty_answer_zero() -> None:
    assert token_f1("the", "a") == 1.0  # both normalize to nothing
    assert token_f1("", "cat") == 0.0
    assert token_f1("cat", "") == 0.0


@given(ANY_TEXT)
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize_answer(text)
    assert normalize_answer(once) == once


@given(ANY_TEXT, st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_every_partial_normalization_is_idempotent(
    text: str, lower: bool, punct: bool, articles: bool, space: bool
) -> None:
    config = Normalization(lower, punct, articles, space)
    once = config.apply(text)
    assert config.apply(once) == once


@given(
    WORDS,
    st.lists(st.sampled_from(["upper", "title", "punct", "space", "article"]), max_size=6),
    st.randoms(use_true_random=False),
)
def test_normalized_answer_ignores_case_whitespace_punctuation_and_articles(
    words: list[str], edits: list[str], rnd
) -> None:
    tokens = list(words)
    for edit in edits:
        if not tokens and edit != "article":
            continue
        i = rnd.randrange(len(tokens)) if tokens else 0
        if edit == "upper":
            tokens[i] = tokens[i].upper()
        elif edit == "title":
            tokens[i] = tokens[i].title()
        elif edit == "punct":
            tokens[i] = tokens[i] + rnd.choice(string.punctuation)
        elif edit == "space":
            tokens[i] = tokens[i] + rnd.choice([" ", "\t", "\n", "  "])
        else:
            tokens.insert(i, rnd.choice(["a", "An", "THE", "the"]))
    assert normalize_answer(" ".join(tokens)) == normalize_answer(" ".join(words))


@given(ANY_TEXT)
def test_token_f1_of_an_answer_with_itself_is_one(text: str) -> None:
    assert token_f1(text, text) == 1.0


@given(ANY_TEXT, ANY_TEXT)
def test_token_f1_is_symmetric_and_between_zero_and_one(a: str, b: str) -> None:
    value = token_f1(a, b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(token_f1(b, a))


@given(WORDS, st.randoms(use_true_random=False))
def test_token_f1_ignores_token_order(words: list[str], rnd) -> None:
    shuffled = list(words)
    rnd.shuffle(shuffled)
    assert token_f1(" ".join(shuffled), " ".join(words)) == 1.0
