"""Registries: built-ins come from entry points, third-party packages extend them the same way."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from proctor._registry import MODELS_GROUP, SCORERS_GROUP, Registry, _is_scorer_factory
from proctor.errors import RegistryError


def make_distribution(
    root: Path, name: str, entry_points: str, module: str = "", module_name: str = ""
) -> None:
    """A real installed distribution (dist-info with entry_points.txt) on sys.path."""
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    if module:
        (root / f"{module_name}.py").write_text(textwrap.dedent(module))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_builtin_scorers_and_models_register_through_entry_points() -> None:
    from proctor._registry import models, scorers

    assert {"exact_match", "includes", "regex", "f1", "numeric", "choice"} <= set(scorers.names())
    assert {"openai", "python", "replay"} <= set(models.names())


def test_a_third_party_scorer_is_found_by_name(site: Path) -> None:
    make_distribution(
        site,
        "proctor_plugin_ok",
        f"""
        [{SCORERS_GROUP}]
        shouting = proctor_plugin_ok_mod:shouting
        """,
        module="""
        from proctor.scorer import Score, scorer

        @scorer("shouting")
        def shouting():
            async def score(sample, output, ctx):
                return Score(output.text.isupper())
            return score
        """,
        module_name="proctor_plugin_ok_mod",
    )
    registry = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
    assert "shouting" in registry.names()
    assert registry.get("shouting")().name == "shouting"


def test_a_plugin_that_fails_to_import_raises(site: Path) -> None:
    make_distribution(
        site,
        "proctor_plugin_broken",
        f"""
        [{SCORERS_GROUP}]
        broken = proctor_plugin_missing_module:nothing
        """,
    )
    registry = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
    with pytest.raises(RegistryError, match="broken = proctor_plugin_missing_module:nothing"):
        registry.get("broken")


def test_an_object_of_the_wrong_kind_raises(site: Path) -> None:
    make_distribution(
        site,
        "proctor_plugin_wrong",
        f"""
        [{SCORERS_GROUP}]
        wrong = proctor_plugin_wrong_mod:VALUE
        """,
        module="VALUE = 3\n",
        module_name="proctor_plugin_wrong_mod",
    )
    registry = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
    with pytest.raises(RegistryError, match="'wrong' is not a valid scorer"):
        registry.get("wrong")


def test_two_packages_claiming_one_name_raise(site: Path) -> None:
    for dist, target in (("proctor_plugin_a", "a_mod:f"), ("proctor_plugin_b", "b_mod:f")):
        make_distribution(
            site / dist,
            dist,
            f"""
            [{MODELS_GROUP}]
            clash = {target}
            """,
        )
        sys.path.insert(0, str(site / dist))
    try:
        registry = Registry(MODELS_GROUP, "model backend", callable)
        with pytest.raises(RegistryError, match="'clash' is registered twice"):
            registry.names()
    finally:
        for dist in ("proctor_plugin_a", "proctor_plugin_b"):
            sys.path.remove(str(site / dist))


def test_unknown_name_lists_the_known_ones() -> None:
    from proctor._registry import scorers

    with pytest.raises(RegistryError, match=r"unknown scorer 'exact'.*exact_match"):
        scorers.get("exact")


def test_explicit_registration_of_a_non_scorer_raises() -> None:
    registry = Registry(SCORERS_GROUP, "scorer", _is_scorer_factory)
    with pytest.raises(RegistryError):
        registry.register("x", object())
