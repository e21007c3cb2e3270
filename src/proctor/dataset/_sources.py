"""Readers of raw dataset records: JSONL, CSV and in-memory lists.

Each source yields `(line, locator, record)`: the line number for error
messages, a locator to read the same record again later (a byte offset for
files, an index for lists) and the record as a dict. Files are read lazily,
one record at a time, so memory does not grow with their size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from proctor.errors import ConfigError, DatasetError

Record = dict[str, Any]


class Source(Protocol):
    """Where a dataset's records come from."""

    name: str

    def records(self) -> Iterator[tuple[int, int, Record]]: ...

    def read_at(self, locator: int) -> tuple[int, Record]: ...

    def close(self) -> None: ...


def _open_binary(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise ConfigError("dataset file not found", source=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read dataset file: {exc.strerror}", source=str(path)) from None


class _RandomAccess:
    """A file handle kept open for reading records by offset (shuffled order)."""

    path: Path
    _handle: io.BufferedReader | None = None

    def _reader(self) -> io.BufferedReader:
        if self._handle is None:
            self._handle = _open_binary(self.path)
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class JsonlSource(_RandomAccess):
    """One JSON object per line; blank lines are skipped."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        _open_binary(path).close()

    def _parse(self, raw: bytes, line: int) -> Record:
        try:
            record = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DatasetError(f"malformed JSON line: {exc}", source=self.name, line=line) from None
        if not isinstance(record, dict):
            raise DatasetError(
                f"each line must be a JSON object, got {type(record).__name__}",
                source=self.name,
                line=line,
            )
        return record

    def records(self) -> Iterator[tuple[int, int, Record]]:
        with _open_binary(self.path) as f:
            offset = 0
            for line, raw in enumerate(f, start=1):
                start = offset
                offset += len(raw)
                if raw.strip():
                    yield line, start, self._parse(raw, line)

    def read_at(self, locator: int) -> tuple[int, Record]:
        f = self._reader()
        f.seek(locator)
        return 0, self._parse(f.readline(), 0)


class CsvSource(_RandomAccess):
    """A CSV file with a header row; cells are strings, empty cells are absent.

    The file must be UTF-8 (a byte-order mark is allowed), column names must be
    unique, and quoting is strict: a quote that is never closed, or text right
    after a closing quote, is a `DatasetError` naming the line.
    """

    def __init__(self, path: Path, *, delimiter: str = ","):
        self.path = path
        self.name = str(path)
        self.delimiter = delimiter
        with _open_binary(path) as f:
            self._header = self._read_header(f)

    def _csv(self, lines: Iterator[str]) -> Iterator[list[str]]:
        return csv.reader(lines, delimiter=self.delimiter, strict=True)

    def _read_header(self, f: io.BufferedReader) -> list[str]:
        raw = f.readline()
        try:
            first = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise self._not_utf8(exc, 1) from None
        try:
            header = next(self._csv(iter([first])), None)
        except csv.Error as exc:
            raise DatasetError(f"malformed CSV header: {exc}", source=self.name, line=1) from None
        if not header:
            raise DatasetError("CSV file has no header row", source=self.name, line=1)
        names = [h.strip() for h in header]
        seen: set[str] = set()
        for name in names:
            if name and name in seen:  # unnamed columns are left alone
                raise DatasetError(
                    f"duplicate column {name!r} in the header", source=self.name, line=1
                )
            seen.add(name)
        return names

    def _not_utf8(self, exc: UnicodeDecodeError, line: int) -> DatasetError:
        byte = exc.object[exc.start : exc.start + 1].hex()
        return DatasetError(
            f"not UTF-8 text: byte 0x{byte} ({exc.reason}, byte {exc.start + 1} of the line); "
            "save the file as UTF-8",
            source=self.name,
            line=line,
        )

    def _lines(self, f: io.BufferedReader, state: list[int]) -> Iterator[str]:
        for raw in f:
            state[0] += len(raw)
            state[1] += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._not_utf8(exc, state[1]) from None
            yield text
        state[2] = 1

    def _row(self, values: list[str], line: int) -> Record:
        if len(values) > len(self._header):
            raise DatasetError(
                f"row has {len(values)} cells but the header has {len(self._header)}",
                source=self.name,
                line=line,
            )
        return {k: v for k, v in zip(self._header, values, strict=False) if v != ""}

    def records(self) -> Iterator[tuple[int, int, Record]]:
        with _open_binary(self.path) as f:
            header_bytes = len(f.readline())
            state = [header_bytes, 1, 0]  # bytes consumed, lines consumed, end of file
            reader = self._csv(self._lines(f, state))
            while True:
                start, line = state[0], state[1] + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    hint = " (a quoted cell that starts here is never closed)" if state[2] else ""
                    raise DatasetError(
                        f"malformed CSV: {exc}{hint}", source=self.name, line=line
                    ) from None
                if values:
                    yield line, start, self._row(values, line)

    def read_at(self, locator: int) -> tuple[int, Record]:
        f = self._reader()
        f.seek(locator)
        reader = self._csv(self._lines(f, [0, 0, 0]))
        return 0, self._row(next(reader), 0)


class ListSource:
    """Records given in memory: the inline `samples:` of a YAML file, or Python objects."""

    def __init__(self, records: Sequence[Record], *, name: str = "<samples>"):
        self._records = records
        self.name = name

    def records(self) -> Iterator[tuple[int, int, Record]]:
        for index, record in enumerate(self._records):
            if not isinstance(record, dict):
                raise DatasetError(
                    f"sample {index + 1} must be a mapping, got {type(record).__name__}",
                    source=self.name,
                )
            yield index + 1, index, record

    def read_at(self, locator: int) -> tuple[int, Record]:
        return locator + 1, self._records[locator]

    def close(self) -> None:
        pass


def open_source(path: Path, *, format: str | None = None) -> Source:
    """A source for a dataset file; the format comes from the suffix unless given."""
    fmt = format or path.suffix.lower().lstrip(".")
    if fmt in ("jsonl", "ndjson"):
        return JsonlSource(path)
    if fmt == "csv":
        return CsvSource(path)
    if fmt == "tsv":
        return CsvSource(path, delimiter="\t")
    raise ConfigError(
        f"unknown dataset format {fmt!r} (known: jsonl, csv, tsv; set `format:` to choose)",
        source=str(path),
    )
