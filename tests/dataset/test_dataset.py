"""Datasets: loading, mapping, ids, versions, selection and streaming."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from proctor.dataset import ChatMessage, Dataset, FieldMap, Sample
from proctor.errors import ConfigError, DatasetError

ROWS = [
    {"id": "a", "question": "2+2?", "answer": "4", "topic": "math"},
    {"id": "b", "question": "Capital of France?", "answer": "Paris", "topic": "geo"},
    {"id": "c", "question": "Colour of the sky?", "answer": "blue", "topic": "nature"},
]
FIELDS = FieldMap(input="question", target="answer")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_jsonl_fields_are_mapped_onto_samples(tmp_path: Path) -> None:
    ds = Dataset.from_file(write_jsonl(tmp_path / "d.jsonl", ROWS), fields=FIELDS)
    first = next(iter(ds))
    assert first == Sample(id="a", input="2+2?", target="4", metadata={"topic": "math"})


def test_same_samples_in_jsonl_csv_and_inline_have_the_same_version(tmp_path: Path) -> None:
    jsonl = Dataset.from_file(write_jsonl(tmp_path / "d.jsonl", ROWS), fields=FIELDS)
    from_csv = Dataset.from_file(write_csv(tmp_path / "d.csv", ROWS), fields=FIELDS)
    inline = Dataset.from_records(ROWS, fields=FIELDS)
    assert jsonl.version == from_csv.version == inline.version
    assert list(jsonl) == list(from_csv) == list(inline)


def test_numbers_in_jsonl_hash_like_their_text_in_csv(tmp_path: Path) -> None:
    rows = [{"id": 1, "input": "6*7", "target": 42, "level": 3}]
    text_rows = [{"id": "1", "input": "6*7", "target": "42", "level": "3"}]
    assert (
        Dataset.from_file(write_jsonl(tmp_path / "n.jsonl", rows)).version
        == Dataset.from_file(write_csv(tmp_path / "n.csv", text_rows)).version
    )


def test_version_ignores_file_order(tmp_path: Path) -> None:
    a = Dataset.from_file(write_jsonl(tmp_path / "a.jsonl", ROWS), fields=FIELDS)
    b = Dataset.from_file(write_jsonl(tmp_path / "b.jsonl", ROWS[::-1]), fields=FIELDS)
    assert a.version == b.version


@pytest.mark.parametrize(
    "field,value", [("question", "2+3?"), ("answer", "5"), ("topic", "arith"), ("id", "z")]
)
def test_any_change_to_any_sample_changes_the_version(
    tmp_path: Path, field: str, value: str
) -> None:
    changed = [dict(r) for r in ROWS]
    changed[0][field] = value
    a = Dataset.from_file(write_jsonl(tmp_path / "a.jsonl", ROWS), fields=FIELDS)
    b = Dataset.from_file(write_jsonl(tmp_path / "b.jsonl", changed), fields=FIELDS)
    assert a.version != b.version


def test_without_an_id_the_id_is_a_hash_of_the_content(tmp_path: Path) -> None:
    rows = [{"input": "x", "target": "1"}, {"input": "y", "target": "1"}]
    ds = Dataset.from_file(write_jsonl(tmp_path / "d.jsonl", rows))
    ids = [s.id for s in ds]
    assert len(set(ids)) == 2 and all(len(i) == 16 for i in ids)
    again = Dataset.from_file(write_jsonl(tmp_path / "e.jsonl", rows[::-1]))
    assert sorted(s.id for s in again) == sorted(ids)


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [ROWS[0], ROWS[1], ROWS[0]])
    with pytest.raises(DatasetError) as err:
        _ = Dataset.from_file(path, fields=FIELDS).version
    assert "duplicate sample id 'a'" in str(err.value)
    assert f"{path}:3" in str(err.value) and "line 1" in str(err.value)


def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"{path}:2: malformed JSON line"):
        _ = Dataset.from_file(path, fields=FIELDS).version


def test_missing_mapped_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [ROWS[0], {"id": "x", "answer": "1"}])
    with pytest.raises(DatasetError, match=rf"{path}:2: missing field 'question'"):
        _ = Dataset.from_file(path, fields=FIELDS).version


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="dataset file not found"):
        Dataset.from_file(tmp_path / "nope.jsonl")


def test_limit_and_seeded_shuffle_select_reproducibly(tmp_path: Path) -> None:
    rows = [{"id": f"s{i}", "input": f"q{i}"} for i in range(50)]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    first = [s.id for s in Dataset.from_file(path, shuffle=True, seed=7, limit=10)]
    again = [s.id for s in Dataset.from_file(path, shuffle=True, seed=7, limit=10)]
    other = [s.id for s in Dataset.from_file(path, shuffle=True, seed=8, limit=10)]
    assert first == again and first != other and len(first) == 10
    assert first != [f"s{i}" for i in range(10)]
    assert [s.id for s in Dataset.from_file(path, limit=3)] == ["s0", "s1", "s2"]


def test_selection_version_tracks_the_samples_run(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": f"s{i}", "input": "q"} for i in range(5)])
    full = Dataset.from_file(path)
    part = Dataset.from_file(path, limit=2)
    assert full.version == part.version
    assert full.selection_version == full.version
    assert part.selection_version != full.selection_version


def test_csv_choices_from_several_columns(tmp_path: Path) -> None:
    rows = [{"q": "Pick B", "A": "x", "B": "y", "answer": "B"}]
    ds = Dataset.from_file(
        write_csv(tmp_path / "c.csv", rows),
        fields=FieldMap(input="q", target="answer", choices=("A", "B")),
    )
    assert next(iter(ds)).choices == ("x", "y")


def test_chat_input_and_list_targets(tmp_path: Path) -> None:
    rows = [{"input": [{"role": "user", "content": "hi"}], "target": ["hello", "hey"]}]
    sample = next(iter(Dataset.from_records(rows)))
    assert sample.input == (ChatMessage("user", "hi"),)
    assert sample.targets == ("hello", "hey")


def test_a_large_file_streams_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w") as f:
        for i in range(20_000):
            f.write(json.dumps({"id": i, "input": "x" * 100}) + "\n")
    ds = Dataset.from_file(path)
    assert len(ds) == 20_000
    it = iter(ds)
    assert next(it).id == "0"


def test_a_new_selection_does_not_read_the_source_again(tmp_path: Path) -> None:
    ds = Dataset.from_file(write_jsonl(tmp_path / "d.jsonl", ROWS), fields=FIELDS)
    version = ds.version
    (tmp_path / "d.jsonl").write_text("")  # a second read would now find nothing
    limited = ds.with_options(limit=2)
    assert limited.version == version and len(limited) == 2
