"""`ingest`: read production logs into the store, redacted, each record once.

    report = ingest(store, ["proxy.jsonl"], source="support-bot")
    print(report.stored, report.duplicates, report.failed)

Files are streamed record by record and written in transactions of
`batch_size` rows (executemany) by a writer thread, while the next batch is
read; at most two batches wait, so memory stays flat whatever the size.
Every record is redacted (`proctor.online._redact`) before anything about it
is kept, then keyed by its own id, else by `h:` + the SHA-256 of its redacted
content (input, output, error, time, model, metadata): the store keeps one
row per (source, key), so ingesting a file twice, or overlapping exports,
stores each record once. A record that cannot be read is reported as
`file:line: message` and the rest goes on.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proctor.errors import ConfigError, StoreError
from proctor.online._formats import LogFormat, read_log
from proctor.online._record import TrafficRecord, input_chars
from proctor.online._redact import Redactor, python_redactor
from proctor.online._sampling import record_draw

__all__ = ["IngestOptions", "IngestReport", "ingest"]

# Metadata comes in any key order: sorted, so the content hash does not depend on it.
_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
).encode
# Inputs are built here, keys in a fixed order: no sorting needed.
_dumps_input = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


@dataclass(frozen=True)
class IngestOptions:
    """How to read and redact. `redactors` are `python:package.module:function` refs,
    applied after the built-in patterns (`redact=False` turns those off)."""

    format: LogFormat = "auto"
    redact: bool = True
    redactors: tuple[str, ...] = ()
    batch_size: int = 5_000
    keep_errors: int = 1_000


@dataclass
class IngestReport:
    """What an ingest did. `errors` keeps the first `keep_errors` messages of `failed`."""

    source: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, format read)
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0  # spans that are not GenAI inference calls
    failed: int = 0
    redactions: int = 0
    redacted_records: int = 0
    redacted_by_kind: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def ingest(
    store: Any,
    paths: Sequence[str | Path],
    *,
    source: str,
    options: IngestOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest log files into `store` as traffic of `source`; see the module docstring.

    `progress`, when given, is called with the number of records read after
    each batch. Store failures raise; unreadable records are reported.
    """
    from proctor.store._online import ensure_tables

    options = options or IngestOptions()
    if not source or not source.strip():
        raise ConfigError("give the traffic a source name (--source NAME)")
    if options.batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    redactor = Redactor(
        builtin=options.redact, custom=[python_redactor(ref) for ref in options.redactors]
    )
    ensure_tables(store)
    report = IngestReport(source=source)
    batch: list[dict[str, Any]] = []
    started = datetime.now(UTC)
    writer = _BatchWriter(store)
    try:
        for path in map(Path, paths):
            fmt, items = read_log(path, options.format)
            report.files.append((str(path), fmt))
            for item in items:
                if item.error is not None:
                    report.failed += 1
                    if len(report.errors) < options.keep_errors:
                        report.errors.append(f"{path}:{item.line}: {item.error}")
                    continue
                if item.record is None:
                    report.skipped += 1
                    continue
                report.read += 1
                row = traffic_row(item.record, source, redactor, now=started)
                if row["redactions"]:
                    report.redactions += row["redactions"]
                    report.redacted_records += 1
                batch.append(row)
                if len(batch) >= options.batch_size:
                    writer.put(batch)
                    batch = []
                    if progress is not None:
                        progress(report.read)
        if batch:
            writer.put(batch)
    finally:
        writer.close()
    report.stored = writer.stored
    report.duplicates = report.read - writer.stored
    report.redacted_by_kind = dict(redactor.counts)
    return report


class _BatchWriter:
    """Inserts batches on a thread of its own, so reading the next batch overlaps the
    database's work (both drivers release the GIL while the database works).

    At most two batches wait, so memory stays bounded. A failure is raised by
    the next `put` or by `close`; the thread then drains what is left.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.stored = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="proctor-ingest", daemon=True)
        self._thread.start()

    def put(self, batch: list[dict[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        from proctor.store._online import insert_traffic

        while True:
            batch = self._queue.get()
            if batch is None:
                return
            if self.error is not None:
                continue  # failed already: drain, so that no put waits forever
            try:
                with self.store.engine.begin() as conn:
                    self.stored += insert_traffic(conn, batch)
            except Exception as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip() or type(exc).__name__
                error = StoreError(
                    f"cannot store traffic in {self.store.display_url}: {reason.splitlines()[0]}"
                )
                error.__cause__ = exc
                self.error = error


def _clean(text: str | None) -> str | None:
    """Logged text is untrusted: a NUL character cannot be stored in every database."""
    if text is None or "\x00" not in text:
        return text
    return text.replace("\x00", "\ufffd")


def _usage_json(input_tokens: int | None, output_tokens: int | None) -> str:
    def number(n: int | None) -> str:
        return "null" if n is None else str(int(n))

    return f'{{"input_tokens":{number(input_tokens)},"output_tokens":{number(output_tokens)}}}'


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [m["content"] for m in value]
    return []


def traffic_row(
    record: TrafficRecord, source: str, redactor: Redactor, *, now: datetime | None = None
) -> dict[str, Any]:
    """The `traffic` row of a record: redacted, hashed, keyed and given its draw.

    The JSON columns (`input`, `metadata`, `usage`) come encoded, as
    `proctor.store._online.insert_traffic` takes them: the encoding made for
    the content hash is the one stored.
    """
    metadata_json = _dumps(record.metadata) if record.metadata else "{}"
    texts = [*_strings(record.input), record.output or "", record.error or "", record.id or ""]
    texts.append(metadata_json)
    count = 0
    value: Any = record.input
    output, error, record_id = record.output, record.error, record.id
    if redactor.needed(texts) or any("\x00" in t for t in texts):
        if isinstance(value, str):
            value, count = redactor.text(_clean(value) or "")
        else:
            value = []
            for message in record.input:
                text, n = redactor.text(_clean(message["content"]) or "")
                value.append({"role": message["role"], "content": text})
                count += n
        fields = []
        for text in (output, error, record_id):
            text = _clean(text)
            if text is not None:
                text, n = redactor.text(text)
                count += n
            fields.append(text)
        output, error, record_id = fields
        if record.metadata:
            metadata, n = redactor.value(record.metadata)
            metadata_json = _dumps(metadata)
            count += n
    timestamp = record.timestamp.astimezone(UTC)
    input_json = _dumps_input(value)
    rest = _dumps([output, error, timestamp.isoformat(), record.model])
    content = f"{input_json}\x1e{rest}\x1e{metadata_json}"
    content_hash = hashlib.sha256(content.encode("utf-8")).hexdigest()
    key = record_id if record_id is not None else "h:" + content_hash[:32]
    usage = None
    if record.input_tokens is not None or record.output_tokens is not None:
        usage = _usage_json(record.input_tokens, record.output_tokens)
    return {
        "source": source,
        "record_id": key,
        "content_hash": content_hash,
        "timestamp": timestamp,
        "input": input_json,
        "input_chars": input_chars(value),
        "output": output,
        "error": error,
        "model": record.model,
        "metadata": metadata_json,
        "usage": usage,
        "latency_ms": record.latency_ms,
        "redactions": count,
        "draw": record_draw(source, key),
        "ingested_at": now or datetime.now(UTC),
    }


def ingest_records(
    store: Any, records: Iterable[TrafficRecord], *, source: str, redactor: Redactor | None = None
) -> int:
    """Store records built in Python (tests, custom readers); the number newly stored."""
    from proctor.store._online import ensure_tables, insert_traffic

    ensure_tables(store)
    redactor = redactor or Redactor()
    rows = [traffic_row(r, source, redactor) for r in records]
    with store.engine.begin() as conn:
        return insert_traffic(conn, rows)
