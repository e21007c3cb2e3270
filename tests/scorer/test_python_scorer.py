"""python: scorers — a user's function named by import path."""

from __future__ import annotations

import pytest

from proctor.errors import ConfigError, ScorerError
from proctor.scorer import Score, python_scorer

SOURCE = """
from proctor.scorer import Score, exact_match

def polite(sample, output, ctx):
    return "please" in output.text.lower()

def two_args(sample, output):
    return output.text == sample.target

def no_args():
    return 0.5

async def async_half(sample, output, ctx):
    return 0.5

def full_score(sample, output):
    return Score(0.25, explanation="custom", answer=output.text)

def returns_none(sample, output):
    return None

def returns_nan(sample, output):
    return float("nan")

def raises(sample, output):
    raise ValueError("boom")

def too_many(sample, output, ctx, extra):
    return True

def needs_keyword(sample, *, mode):
    return True

class Checks:
    @staticmethod
    def short(sample, output):
        return len(output.text) < 10

NOT_CALLABLE = 3
ready = exact_match(ignore_case=False)
"""


@pytest.fixture
def checks(write_module) -> str:
    return write_module(SOURCE)


async def test_a_sync_bool_function_scores(checks, score_text) -> None:
    scorer = python_scorer(f"python:{checks}:polite")
    assert scorer.name == f"python:{checks}:polite"
    assert (await score_text(scorer, "Please wait")).value is True
    assert (await score_text(scorer, "Wait")).value is False


async def test_fewer_positional_parameters_get_the_first_arguments(checks, score_text) -> None:
    assert (await score_text(python_scorer(f"python:{checks}:two_args"), "4", target="4")).value
    assert (await score_text(python_scorer(f"python:{checks}:no_args"), "x")).value == 0.5


async def test_an_async_function_is_awaited(checks, score_text) -> None:
    assert (await score_text(python_scorer(f"python:{checks}:async_half"), "x")).value == 0.5


async def test_a_returned_score_is_kept(checks, score_text) -> None:
    score = await score_text(python_scorer(f"python:{checks}:full_score"), "out")
    assert score == Score(0.25, explanation="custom", answer="out")


async def test_a_nested_attribute_resolves(checks, score_text) -> None:
    assert (await score_text(python_scorer(f"python:{checks}:Checks.short"), "ok")).value is True


def test_the_prefix_may_be_omitted(checks) -> None:
    assert python_scorer(f"{checks}:polite").name == f"python:{checks}:polite"


async def test_a_ready_scorer_object_is_used_under_the_python_name(checks, score_text) -> None:
    scorer = python_scorer(f"python:{checks}:ready")
    assert scorer.name == f"python:{checks}:ready"
    assert scorer.args == {"ignore_case": False}
    assert (await score_text(scorer, "Paris", target="Paris")).value is True


@pytest.mark.parametrize("name", ["returns_none", "returns_nan"])
async def test_an_unusable_return_value_is_a_scorer_error(checks, score_text, name) -> None:
    with pytest.raises(ScorerError, match=name):
        await score_text(python_scorer(f"python:{checks}:{name}"), "x")


async def test_an_exception_in_the_function_becomes_a_scorer_error(checks, score_text) -> None:
    with pytest.raises(ScorerError, match="raised ValueError: boom") as info:
        await score_text(python_scorer(f"python:{checks}:raises"), "x")
    assert isinstance(info.value.__cause__, ValueError)


def test_a_module_that_does_not_import_names_the_ref() -> None:
    with pytest.raises(ConfigError, match=r"'python:no_such_module_xyz:check'.*cannot import"):
        python_scorer("python:no_such_module_xyz:check")


def test_a_missing_attribute_names_the_ref(checks) -> None:
    with pytest.raises(ConfigError, match=f"'python:{checks}:missing'.*no attribute 'missing'"):
        python_scorer(f"python:{checks}:missing")


def test_a_module_that_fails_on_import_names_the_ref(write_module) -> None:
    broken = write_module("raise RuntimeError('broken module')\n")
    with pytest.raises(ConfigError, match=f"python:{broken}:f.*broken module"):
        python_scorer(f"python:{broken}:f")


@pytest.mark.parametrize("ref", ["python:", "python:module_only", "python::fn"])
def test_a_malformed_ref_is_a_config_error(ref: str) -> None:
    with pytest.raises(ConfigError, match=r"not of the form python:package\.module:function"):
        python_scorer(ref)


@pytest.mark.parametrize("name", ["too_many", "needs_keyword"])
def test_a_function_needing_more_than_sample_output_ctx_is_rejected(checks, name) -> None:
    with pytest.raises(ConfigError, match="must take"):
        python_scorer(f"python:{checks}:{name}")


def test_a_non_callable_is_rejected(checks) -> None:
    with pytest.raises(ConfigError, match="not callable"):
        python_scorer(f"python:{checks}:NOT_CALLABLE")
