"""resolve_scorer: a name and arguments, as a benchmark declares them, into a Scorer."""

from __future__ import annotations

import pytest

from proctor.errors import ConfigError, RegistryError
from proctor.scorer import resolve_scorer

BUILT_INS = ["choice", "exact_match", "f1", "includes", "numeric", "regex"]


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_resolves_by_name(name: str) -> None:
    args = {"pattern": "x"} if name == "regex" else None
    scorer = resolve_scorer(name, args)
    assert scorer.name == name
    assert [m.name for m in scorer.metrics] == ["mean"]


def test_arguments_reach_the_factory() -> None:
    scorer = resolve_scorer("numeric", {"tolerance": 0.5, "relative": True})
    assert scorer.args == {"tolerance": 0.5, "relative": True}


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(RegistryError, match="unknown scorer 'exact_mach'") as info:
        resolve_scorer("exact_mach")
    for name in BUILT_INS:
        assert name in str(info.value)


def test_an_unknown_argument_is_named_with_the_accepted_ones() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_scorer("exact_match", {"ignore_kase": True})
    assert str(info.value) == (
        "scorer 'exact_match' does not accept argument 'ignore_kase' (accepts: ignore_case, "
        "ignore_punctuation, ignore_articles, normalize_whitespace)"
    )


def test_a_scorer_without_options_says_so() -> None:
    with pytest.raises(ConfigError, match=r"\(accepts: no arguments\)"):
        resolve_scorer("f1", {"k": 1})


def test_a_missing_required_argument_is_named() -> None:
    with pytest.raises(ConfigError, match="scorer 'regex' needs argument 'pattern'"):
        resolve_scorer("regex")


def test_an_invalid_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid pattern"):
        resolve_scorer("regex", {"pattern": "("})


def test_a_python_ref_resolves_through_python_scorer(write_module) -> None:
    module = write_module("def ok(sample, output):\n    return True\n")
    assert resolve_scorer(f"python:{module}:ok").name == f"python:{module}:ok"


def test_a_python_ref_takes_no_arguments(write_module) -> None:
    module = write_module("def ok(sample, output):\n    return True\n")
    with pytest.raises(ConfigError, match="takes no arguments"):
        resolve_scorer(f"python:{module}:ok", {"threshold": 1})


def test_a_python_ref_that_does_not_import_names_the_ref() -> None:
    with pytest.raises(ConfigError, match=r"python:missing_pkg_xyz\.checks:ok"):
        resolve_scorer("python:missing_pkg_xyz.checks:ok")
