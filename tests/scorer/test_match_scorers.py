"""exact_match, includes, regex and f1 against real samples and outputs."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proctor.errors import ConfigError, ScorerError
from proctor.scorer import exact_match, f1, includes, regex

# --- exact_match ---------------------------------------------------------


async def test_exact_match_normalizes_like_squad(score_text) -> None:
    score = await score_text(exact_match(), "  The Eiffel Tower. ", target="eiffel tower")
    assert score.value is True
    assert score.answer == "eiffel tower"


async def test_exact_match_is_wrong_for_a_different_answer(score_text) -> None:
    score = await score_text(exact_match(), "Big Ben", target="Eiffel Tower")
    assert score.value is False
    assert "does not match the target" in score.explanation


async def test_exact_match_is_right_when_any_target_matches(score_text) -> None:
    score = await score_text(exact_match(), "NYC", target=("New York", "NYC"))
    assert score.value is True
    assert "'NYC'" in score.explanation


async def test_exact_match_respects_switched_off_steps(score_text) -> None:
    assert (
        await score_text(exact_match(ignore_case=False), "paris", target="Paris")
    ).value is False
    strict_punct = exact_match(ignore_punctuation=False)
    assert (await score_text(strict_punct, "Paris!", target="Paris")).value is False
    keep_articles = exact_match(ignore_articles=False)
    assert (await score_text(keep_articles, "the Louvre", target="Louvre")).value is False
    keep_space = exact_match(normalize_whitespace=False)
    assert (await score_text(keep_space, "Paris\n", target="Paris")).value is False


async def test_exact_match_without_target_is_an_error_not_a_zero(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(exact_match(), "Paris")


def test_exact_match_rejects_a_non_boolean_option() -> None:
    with pytest.raises(ConfigError, match="ignore_case"):
        exact_match(ignore_case="yes")


def test_exact_match_records_its_arguments_in_its_signature() -> None:
    assert exact_match().signature != exact_match(ignore_case=False).signature
    assert exact_match(ignore_case=False).args == {"ignore_case": False}


WORDS = st.lists(
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6).filter(
        lambda w: w not in {"a", "an", "the"}
    ),
    min_size=1,
    max_size=5,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(WORDS, st.sampled_from(["upper", "punct", "space", "article"]))
async def test_exact_match_is_invariant_under_surface_changes(score_text, words, change) -> None:
    target = " ".join(words)
    if change == "upper":
        output = target.upper()
    elif change == "punct":
        output = target.replace(" ", ", ") + "."
    elif change == "space":
        output = "\n  " + target.replace(" ", " \t ") + "  "
    else:
        output = "The " + target
    assert (await score_text(exact_match(), output, target=target)).value is True


# --- includes ------------------------------------------------------------


async def test_includes_finds_a_target_inside_the_output(score_text) -> None:
    score = await score_text(includes(), "I believe the capital is PARIS.", target="Paris")
    assert score.value is True
    assert score.answer == "Paris"


async def test_includes_can_be_case_sensitive(score_text) -> None:
    score = await score_text(includes(ignore_case=False), "the capital is PARIS", target="Paris")
    assert score.value is False
    assert score.explanation == "output does not contain the target"


async def test_includes_with_several_targets_needs_one(score_text) -> None:
    score = await score_text(includes(), "It is Lutetia.", target=("Paris", "Lutetia"))
    assert score.value is True


async def test_includes_refuses_an_empty_target_that_would_match_everything(score_text) -> None:
    with pytest.raises(ScorerError, match="empty target"):
        await score_text(includes(), "anything", target="  ")


async def test_includes_without_target_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(includes(), "Paris")


# --- regex ---------------------------------------------------------------


async def test_regex_without_group_is_right_when_the_pattern_matches(score_text) -> None:
    scorer = regex(pattern=r"\bI cannot help\b")
    score = await score_text(scorer, "Sorry, I cannot help with that.")
    assert score.value is True
    assert score.answer == "I cannot help"
    assert (await score_text(scorer, "Sure, here it is.")).value is False


async def test_regex_with_group_compares_the_captured_text_normalized(score_text) -> None:
    scorer = regex(pattern=r"Answer:\s*(.+)", group=1)
    score = await score_text(
        scorer, "Reasoning...\nAnswer: The Eiffel Tower.", target="eiffel tower"
    )
    assert score.value is True
    assert score.answer == "The Eiffel Tower."
    wrong = await score_text(scorer, "Answer: Big Ben", target="eiffel tower")
    assert wrong.value is False


async def test_regex_named_group(score_text) -> None:
    scorer = regex(pattern=r"final=(?P<final>\w+)", group="final")
    assert (await score_text(scorer, "x final=Paris", target="paris")).value is True


async def test_regex_ignore_case_applies_to_the_pattern(score_text) -> None:
    assert (await score_text(regex(pattern="yes"), "YES")).value is False
    assert (await score_text(regex(pattern="yes", ignore_case=True), "YES")).value is True


async def test_regex_group_without_a_match_is_wrong_not_an_error(score_text) -> None:
    score = await score_text(regex(pattern=r"Answer: (\w+)", group=1), "no idea", target="x")
    assert score.value is False
    assert score.explanation == "pattern did not match"


async def test_regex_optional_group_that_captured_nothing_is_wrong(score_text) -> None:
    scorer = regex(pattern=r"Answer(?:: (\w+))?", group=1)
    score = await score_text(scorer, "Answer pending", target="x")
    assert score.value is False
    assert "captured nothing" in score.explanation


async def test_regex_with_group_needs_a_target(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(regex(pattern=r"(\w+)", group=1), "Paris")


def test_regex_invalid_pattern_fails_when_built() -> None:
    with pytest.raises(ConfigError, match="invalid pattern"):
        regex(pattern="(unclosed")


def test_regex_group_the_pattern_lacks_fails_when_built() -> None:
    with pytest.raises(ConfigError, match="no group 2"):
        regex(pattern=r"(\w+)", group=2)
    with pytest.raises(ConfigError, match="no group named 'x'"):
        regex(pattern=r"(\w+)", group="x")


# --- f1 ------------------------------------------------------------------


async def test_f1_is_squad_token_f1(score_text) -> None:
    score = await score_text(f1(), "the cat sat", target="a cat sat down")
    assert score.value == pytest.approx(0.8)
    assert score.answer == "cat sat"


async def test_f1_takes_the_best_target(score_text) -> None:
    score = await score_text(f1(), "New York City", target=("York", "new york city"))
    assert score.value == 1.0
    assert "new york city" in score.explanation


async def test_f1_without_target_is_an_error(score_text) -> None:
    with pytest.raises(ScorerError):
        await score_text(f1(), "anything")
