"""Format checks: json_valid, json_schema and regex_format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.scorer._format import json_schema, json_text, json_valid, regex_format

ITEMS_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "price"],
                "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
            },
        }
    },
}

# --- fenced blocks -----------------------------------------------------------


def test_json_text_takes_the_first_json_or_untagged_block() -> None:
    text = '```python\nprint(1)\n```\nthen\n```JSON\n{"a": 1}\n```\n```\n[2]\n```'
    assert json_text(text, extract_fenced=True) == ('{"a": 1}\n', True)
    assert json_text("x\n```\n[2]\n```", extract_fenced=True) == ("[2]\n", True)


def test_json_text_reads_an_unclosed_block_to_the_end() -> None:
    assert json_text('```json\n{"a": 1}', extract_fenced=True) == ('{"a": 1}', True)


def test_json_text_without_a_block_or_without_extraction_is_the_whole_output() -> None:
    assert json_text('{"a": 1}', extract_fenced=True) == ('{"a": 1}', False)
    fenced = '```json\n{"a": 1}\n```'
    assert json_text(fenced, extract_fenced=False) == (fenced, False)


# --- json_valid --------------------------------------------------------------


async def test_json_valid_accepts_any_json_value(score_text) -> None:
    for text in ('{"a": [1, 2]}', "[]", "  42 \n", '"text"', "null"):
        assert (await score_text(json_valid(), text)).value is True


async def test_json_valid_names_the_error_position(score_text) -> None:
    score = await score_text(json_valid(), '{\n  "a": 1\n  "b": 2\n}')
    assert score.value is False
    assert score.explanation == "invalid JSON: Expecting ',' delimiter at line 3, column 3"


async def test_json_valid_rejects_empty_output_and_nan(score_text) -> None:
    assert "line 1, column 1" in (await score_text(json_valid(), "")).explanation
    score = await score_text(json_valid(), '{"x": NaN}')
    assert score.value is False
    assert "NaN is not JSON" in score.explanation


async def test_json_valid_reads_the_fenced_block_when_asked(score_text) -> None:
    text = 'Sure:\n```json\n{"a": 1}\n```'
    assert (await score_text(json_valid(), text)).value is False
    assert (await score_text(json_valid(extract_fenced=True), text)).value is True
    broken = await score_text(json_valid(extract_fenced=True), "```json\n{'a': 1}\n```")
    assert broken.explanation.startswith(
        "invalid JSON in the fenced block: Expecting property name"
    )


def test_json_valid_rejects_a_non_boolean_option() -> None:
    with pytest.raises(ConfigError, match="extract_fenced"):
        json_valid(extract_fenced="yes")


# --- json_schema -------------------------------------------------------------


async def test_json_schema_accepts_a_valid_instance(score_text) -> None:
    scorer = json_schema(schema=ITEMS_SCHEMA)
    score = await score_text(scorer, json.dumps({"items": [{"name": "tea", "price": 2.5}]}))
    assert score.value is True


async def test_json_schema_names_the_failing_path_and_message(score_text) -> None:
    items = [{"name": "a", "price": 1}, {"name": "b", "price": 2}, {"name": "c", "price": "3"}]
    score = await score_text(json_schema(schema=ITEMS_SCHEMA), json.dumps({"items": items}))
    assert score.value is False
    assert score.explanation == "$.items[2].price: '3' is not of type 'number'"


async def test_json_schema_counts_further_errors_and_keeps_them(score_text) -> None:
    items = [{"name": 1, "price": 1}, {"price": "x"}]
    score = await score_text(json_schema(schema=ITEMS_SCHEMA), json.dumps({"items": items}))
    assert score.explanation.endswith("(and 2 more)")
    paths = sorted(e["path"] for e in score.metadata["errors"])
    assert paths == ["$.items[0].name", "$.items[1]", "$.items[1].price"]


async def test_json_schema_quotes_keys_that_are_not_identifiers(score_text) -> None:
    schema = {"properties": {"unit price": {"type": "number"}}}
    score = await score_text(json_schema(schema=schema), '{"unit price": "x"}')
    assert score.explanation.startswith("$['unit price']: ")


async def test_json_schema_scores_invalid_json_as_wrong(score_text) -> None:
    score = await score_text(json_schema(schema=ITEMS_SCHEMA), "{items: []}")
    assert score.value is False
    assert score.explanation.startswith("invalid JSON: Expecting property name")


async def test_json_schema_reads_the_fenced_block_when_asked(score_text) -> None:
    text = '```json\n{"items": []}\n```'
    assert (await score_text(json_schema(schema=ITEMS_SCHEMA), text)).value is False
    scorer = json_schema(schema=ITEMS_SCHEMA, extract_fenced=True)
    assert (await score_text(scorer, text)).value is True


def test_an_invalid_schema_is_a_config_error_at_build_time() -> None:
    with pytest.raises(ConfigError, match=r"invalid schema at \$\.type: 'strin' is not valid"):
        json_schema(schema={"type": "strin"})


def test_json_schema_needs_exactly_one_source() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        json_schema()
    with pytest.raises(ConfigError, match="exactly one"):
        json_schema(schema={}, schema_path="s.json")


async def test_schema_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, score_text
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "items.json").write_text(json.dumps(ITEMS_SCHEMA))
    monkeypatch.chdir(tmp_path)
    scorer = json_schema(schema_path="schemas/items.json")
    assert scorer.args == {"schema_path": "schemas/items.json"}
    assert (await score_text(scorer, '{"items": []}')).value is True
    assert (await score_text(scorer, "{}")).explanation == "$: 'items' is a required property"


def test_a_schema_file_that_does_not_read_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="cannot read schema file"):
        json_schema(schema_path="missing.json")
    (tmp_path / "bad.json").write_text("{type: object}")
    with pytest.raises(ConfigError, match=r"bad\.json: .*not JSON: .* at line 1, column 2"):
        json_schema(schema_path="bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        json_schema(schema_path="list.json")


def test_the_schema_content_is_part_of_the_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"type": "object"}))
    before = json_schema(schema_path="s.json").signature
    path.write_text(json.dumps({"type": "array"}))
    assert json_schema(schema_path="s.json").signature != before
    inline = json_schema(schema={"type": "array"}).signature
    assert inline.split("|")[-1] == json_schema(schema_path="s.json").signature.split("|")[-1]


def test_json_schema_is_a_registrable_scorer_factory() -> None:
    assert json_schema.scorer_name == "json_schema"
    assert json_schema.__name__ == "json_schema"
    assert "JSON Schema" in json_schema.__doc__


# --- regex_format ------------------------------------------------------------


async def test_regex_format_full_needs_the_whole_output_to_match(score_text) -> None:
    scorer = regex_format(pattern=r"\d{4}-\d{2}-\d{2}")
    assert (await score_text(scorer, "2024-05-01\n")).value is True
    score = await score_text(scorer, "Date: 2024-05-01")
    assert score.value is False
    assert "does not fully match" in score.explanation


async def test_regex_format_search_accepts_a_match_anywhere(score_text) -> None:
    score = await score_text(regex_format(pattern=r"\d{4}", full=False), "In 2024, yes")
    assert (score.value, score.answer) == (True, "2024")


async def test_regex_format_strip_can_be_switched_off(score_text) -> None:
    scorer = regex_format(pattern=r"yes|no", strip=False)
    assert (await score_text(scorer, "yes\n")).value is False
    assert (await score_text(scorer, "yes")).value is True


def test_regex_format_rejects_invalid_patterns_and_options() -> None:
    with pytest.raises(ConfigError, match="invalid pattern"):
        regex_format(pattern="(unclosed")
    with pytest.raises(ConfigError, match="must be a string"):
        regex_format(pattern=3)
    with pytest.raises(ConfigError, match="'full'"):
        regex_format(pattern="x", full="yes")
