"""Property tests of dataset versions: order-free, format-free, change-sensitive."""

from __future__ import annotations

import csv
import io
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.dataset import Dataset
from proctor.dataset._sources import CsvSource, JsonlSource

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=20,
)
# `topic` may be empty or null in JSON, which a CSV file can only write as an empty cell
maybe_text = st.one_of(text, st.just(""), st.none())
rows_strategy = st.lists(
    st.fixed_dictionaries({"input": text, "target": text, "topic": maybe_text}),
    min_size=1,
    max_size=12,
).map(lambda rows: [dict(r, id=f"s{i}") for i, r in enumerate(rows)])


def _jsonl(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("d") / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return Dataset(JsonlSource(path))


def _csv(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("d") / "d.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "input", "target", "topic"])
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return Dataset(CsvSource(path))


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, seed=st.integers(0, 1000))
def test_version_is_the_same_in_any_order_and_format(tmp_path_factory, rows, seed):
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    reference = Dataset.from_records(rows).version
    assert Dataset.from_records(shuffled).version == reference
    assert _jsonl(tmp_path_factory, shuffled).version == reference
    assert _csv(tmp_path_factory, rows).version == reference


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, data=st.data())
def test_changing_any_field_of_any_sample_changes_the_version(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["input", "target", "topic"]))
    new = data.draw(text.filter(lambda v: v != rows[i][field]))  # never empty: a real change
    changed = [dict(r) for r in rows]
    changed[i][field] = new
    assert Dataset.from_records(changed).version != Dataset.from_records(rows).version
