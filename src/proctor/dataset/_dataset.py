"""`Dataset`: an ordered, versioned, streamable selection of samples."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.dataset._canonical import canonical_fields, sample_digest, version_of
from proctor.dataset._fields import FieldMap
from proctor.dataset._sample import Sample
from proctor.dataset._sources import ListSource, Source, open_source
from proctor.errors import ConfigError, DatasetError


@dataclass(frozen=True)
class _Index:
    """What one pass over the source learned: ids, digests and where each record lives."""

    ids: list[str]
    digests: bytes
    locators: array
    lines: array
    version: str
    metadata_keys: frozenset[str]

    def digest(self, i: int) -> bytes:
        return self.digests[32 * i : 32 * i + 32]


class Dataset:
    """Samples read from a source through a field mapping.

    The dataset is read once up front to validate every record, find
    duplicate ids and compute `version` (a hash of all samples); iterating
    then streams the *selection* (after seeded `shuffle` and `limit`) from the
    file again, so memory does not grow with the file's size.

    >>> ds = Dataset.from_records([{"input": "2+2?", "target": "4"}])
    >>> [s.target for s in ds]
    ['4']
    """

    def __init__(
        self,
        source: Source,
        *,
        fields: FieldMap | None = None,
        limit: int | None = None,
        shuffle: bool = False,
        seed: int = 0,
    ):
        if limit is not None and limit < 0:
            raise ConfigError(f"limit must be zero or more, got {limit}")
        self.source = source
        self.fields = fields or FieldMap()
        self.limit = limit
        self.shuffle = shuffle
        self.seed = seed
        self._index: _Index | None = None
        self._order: Sequence[int] | None = None

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        format: str | None = None,
        fields: FieldMap | None = None,
        limit: int | None = None,
        shuffle: bool = False,
        seed: int = 0,
    ) -> Dataset:
        """A dataset read from a JSONL, CSV or TSV file."""
        source = open_source(Path(path), format=format)
        return cls(source, fields=fields, limit=limit, shuffle=shuffle, seed=seed)

    @classmethod
    def from_records(
        cls,
        records: Iterable[dict[str, Any] | Sample],
        *,
        name: str = "<samples>",
        fields: FieldMap | None = None,
        limit: int | None = None,
        shuffle: bool = False,
        seed: int = 0,
    ) -> Dataset:
        """A dataset from in-memory records (dicts mapped by `fields`) or `Sample`s."""
        items = [_as_record(r) for r in records]
        return cls(
            ListSource(items, name=name), fields=fields, limit=limit, shuffle=shuffle, seed=seed
        )

    def with_options(
        self, *, limit: int | None = None, shuffle: bool | None = None, seed: int | None = None
    ) -> Dataset:
        """A copy with another selection; `None` keeps the current setting.

        The copy shares what the first pass over the source learned, so the
        source is not read again.
        """
        copy = Dataset(
            self.source,
            fields=self.fields,
            limit=self.limit if limit is None else limit,
            shuffle=self.shuffle if shuffle is None else shuffle,
            seed=self.seed if seed is None else seed,
        )
        copy._index = self._index
        return copy

    @property
    def name(self) -> str:
        return self.source.name

    def _scan(self) -> _Index:
        if self._index is not None:
            return self._index
        ids: list[str] = []
        seen: dict[str, int] = {}
        digests = bytearray()
        locators = array("q")
        lines = array("q")
        keys: set[str] = set()
        for line, locator, record in self.source.records():
            sample = self.fields.to_sample(record, source=self.source.name, line=line)
            keys.update(sample.metadata)
            first = seen.setdefault(sample.id, line)
            if first != line:
                raise DatasetError(
                    f"duplicate sample id {sample.id!r} (first at line {first})",
                    source=self.source.name,
                    line=line,
                )
            ids.append(sample.id)
            digests += sample_digest(sample)
            locators.append(locator)
            lines.append(line)
        version = version_of(
            (ids[i], bytes(digests[32 * i : 32 * i + 32])) for i in range(len(ids))
        )
        self._index = _Index(ids, bytes(digests), locators, lines, version, frozenset(keys))
        return self._index

    def _selection(self) -> Sequence[int]:
        if self._order is None:
            n = len(self._scan().ids)
            order: Sequence[int] = range(n)
            if self.shuffle:
                shuffled = list(order)
                random.Random(self.seed).shuffle(shuffled)
                order = shuffled
            if self.limit is not None:
                order = order[: self.limit]
            self._order = order
        return self._order

    @property
    def version(self) -> str:
        """Hash of every sample of the source (not only the selection)."""
        return self._scan().version

    @property
    def selection_version(self) -> str:
        """Hash of the samples actually selected (after shuffle and limit)."""
        index = self._scan()
        return version_of((index.ids[i], index.digest(i)) for i in self._selection())

    @property
    def metadata_keys(self) -> frozenset[str]:
        """Every metadata key that at least one sample of the source has."""
        return self._scan().metadata_keys

    @property
    def total(self) -> int:
        """Number of samples in the source."""
        return len(self._scan().ids)

    def __len__(self) -> int:
        return len(self._selection())

    def ids(self) -> list[str]:
        """The selected sample ids, in run order."""
        index = self._scan()
        return [index.ids[i] for i in self._selection()]

    def all_ids(self) -> list[str]:
        """Every sample id of the source, in file order (not only the selection)."""
        return list(self._scan().ids)

    def __iter__(self) -> Iterator[Sample]:
        order = self._selection()
        if isinstance(order, range):
            yield from self._stream(len(order))
            return
        index = self._scan()
        try:
            for i in order:
                _, record = self.source.read_at(index.locators[i])
                yield self.fields.to_sample(record, source=self.source.name, line=index.lines[i])
        finally:
            self.source.close()

    def _stream(self, count: int) -> Iterator[Sample]:
        if count == 0:
            return
        for n, (line, _, record) in enumerate(self.source.records(), start=1):
            yield self.fields.to_sample(record, source=self.source.name, line=line)
            if n >= count:
                return

    def sample(self, sample_id: str) -> Sample:
        """One sample by id (reads it again from the source)."""
        index = self._scan()
        try:
            i = index.ids.index(sample_id)
        except ValueError:
            raise DatasetError(f"no sample with id {sample_id!r}", source=self.name) from None
        try:
            _, record = self.source.read_at(index.locators[i])
        finally:
            self.source.close()
        return self.fields.to_sample(record, source=self.source.name, line=index.lines[i])

    def close(self) -> None:
        self.source.close()


def _as_record(item: dict[str, Any] | Sample) -> dict[str, Any]:
    if not isinstance(item, Sample):
        return item
    clash = {"id", "input", "target", "choices"} & set(item.metadata)
    if clash:
        raise ConfigError(f"sample {item.id!r}: metadata key {sorted(clash)[0]!r} is reserved")
    fields = canonical_fields(item)
    record = {k: fields[k] for k in ("id", "input", "target", "choices") if fields[k] is not None}
    record.update(item.metadata)
    return record
