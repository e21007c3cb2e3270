"""Ingestion into SQLite and PostgreSQL: each record once, bad lines reported, PII redacted."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from proctor.online import IngestOptions, ingest
from proctor.store._schema_online import traffic

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALL = [
    FIXTURES / "openai_pairs.jsonl",
    FIXTURES / "otlp_genai.jsonl",
    FIXTURES / "otlp_genai_pretty.json",
    FIXTURES / "plain.jsonl",
]


def _count(store: Any, source: str | None = None) -> int:
    from sqlalchemy import func, select

    query = select(func.count()).select_from(traffic)
    if source is not None:
        query = query.where(traffic.c.source == source)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_ingesting_the_same_files_twice_stores_each_record_once(store: Any) -> None:
    first = ingest(store, ALL, source="support-bot")
    # openai 4 + otlp lines 5 (2 spans skipped) + pretty 1 new (its chat span is already
    # stored from the JSON lines export) + plain 3
    assert first.read == 4 + 4 + 1 + 3
    assert first.stored == 4 + 4 + 0 + 3 and first.duplicates == 1
    assert first.skipped == 2 and first.failed == 1 + 3
    again = ingest(store, ALL, source="support-bot")
    assert again.stored == 0 and again.duplicates == again.read == first.read
    assert _count(store) == first.stored


def test_the_same_record_in_another_source_is_another_record(store: Any) -> None:
    ingest(store, [FIXTURES / "plain.jsonl"], source="a")
    ingest(store, [FIXTURES / "plain.jsonl"], source="b")
    assert _count(store, "a") == _count(store, "b") == 3


def test_records_without_an_id_are_keyed_by_their_content(store: Any, tmp_path: Path) -> None:
    line = {"timestamp": "2024-05-01T00:00:00Z", "input": "hi", "output": "hello"}
    path = tmp_path / "noid.jsonl"
    other = {**line, "timestamp": "2024-05-01T00:00:01Z"}
    path.write_text("\n".join(json.dumps(x) for x in (line, line, other)) + "\n")
    report = ingest(store, [path], source="s", options=IngestOptions(batch_size=1))
    assert (report.stored, report.duplicates) == (2, 1)
    with store.engine.connect() as conn:
        keys = sorted(r for (r,) in conn.exec_driver_sql("SELECT record_id FROM traffic"))
    assert all(k.startswith("h:") for k in keys) and len(set(keys)) == 2


def test_a_malformed_line_is_reported_with_file_and_line_and_the_rest_is_ingested(
    store: Any, tmp_path: Path
) -> None:
    path = tmp_path / "calls.jsonl"
    lines = [
        json.dumps({"id": f"r{i}", "timestamp": 1714521600 + i, "input": "q", "output": "a"})
        for i in range(10)
    ]
    lines[3] = '{"id": "r3", "timestamp": 1714521603, "input": "q", "output": '  # cut short
    lines[7] = json.dumps({"id": "r7", "timestamp": "soon", "input": "q", "output": "a"})
    path.write_text("\n".join(lines) + "\n")
    report = ingest(store, [path], source="s")
    assert report.failed == 2 and report.stored == 8
    assert report.errors[0].startswith(f"{path}:4: invalid JSON")
    assert report.errors[1] == f"{path}:8: timestamp 'soon' is not an ISO 8601 time"


def _planted(rng: random.Random, n: int) -> tuple[list[dict], list[str]]:
    """Plain records with e-mails and phone numbers in their input, output and metadata."""
    planted: list[str] = []
    records = []
    formats = ["+44 20 7946 {:04d}", "(555) 201-{:04d}", "555.301.{:04d}", "+4915112{:06d}"]
    for i in range(n):
        email = f"user{i}.{rng.randint(0, 999)}@example{i % 3}.org"
        phone = formats[i % len(formats)].format(rng.randint(0, 9999))
        planted += [email, phone]
        records.append(
            {
                "id": f"c{i}",
                "timestamp": 1714521600 + 60 * i,
                "input": [
                    {"role": "system", "content": "You help customers."},
                    {"role": "user", "content": f"I am {email}, call {phone} about order {i}."},
                ],
                "output": f"We will call {phone} today." if i % 2 else f"We wrote to {email}.",
                "metadata": {"customer": email, "topic": "billing"},
            }
        )
    return records, planted


def test_redaction_removes_every_planted_email_and_phone_from_the_database(
    store: Any, tmp_path: Path
) -> None:
    records, planted = _planted(random.Random(5), 60)
    path = tmp_path / "pii.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = ingest(store, [path, FIXTURES / "openai_pairs.jsonl"], source="pii")
    assert report.failed == 0
    # each record: e-mail and phone in the input, one of them in the output, e-mail in metadata
    assert report.redactions >= 4 * len(records)
    planted += ["ann.lee@example.com", "+44 20 7946 0958"]  # in openai_pairs.jsonl
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT record_id, content_hash, CAST(input AS TEXT), output, CAST(metadata AS TEXT),"
            " error, redactions FROM traffic"
        ).all()
    stored = "\n".join(str(value) for row in rows for value in row)
    leaked = [value for value in planted if value in stored]
    assert not leaked
    assert "[EMAIL]" in stored and "[PHONE]" in stored
    assert sum(row[-1] for row in rows) == report.redactions


def test_ingest_cli_prints_bad_lines_and_a_summary_and_exits_1(db_url: str, proctor: Any) -> None:
    result = proctor("ingest", str(FIXTURES / "plain.jsonl"), "--source", "bot", db=db_url)
    assert result.returncode == 1, result.stderr
    plain = FIXTURES / "plain.jsonl"
    assert f"{plain}:3: invalid JSON" in result.stderr
    assert f"{plain}:5: missing field 'output'" in result.stderr
    assert "stored 3 new" in result.stdout and "failed 3" in result.stdout
    assert "card 1" in result.stdout  # the card number of line 2
    clean = proctor("ingest", str(FIXTURES / "openai_pairs.jsonl"), "--source", "bot", db=db_url)
    assert clean.returncode == 0, clean.stderr


def test_a_store_failure_stops_the_ingest_with_a_store_error(store: Any, tmp_path: Path) -> None:
    from proctor.errors import StoreError

    ingest(store, [FIXTURES / "plain.jsonl"], source="s")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE traffic_samples")
        conn.exec_driver_sql("DROP TABLE online_scored")
        conn.exec_driver_sql("DROP TABLE traffic")
    with pytest.raises(StoreError, match="cannot store traffic in"):
        ingest(store, [FIXTURES / "plain.jsonl"], source="s", options=IngestOptions(batch_size=1))
