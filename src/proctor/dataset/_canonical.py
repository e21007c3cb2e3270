"""Canonical form and hashes of samples.

The canonical form of a sample is its mapped `Sample` fields as JSON with
sorted keys, UTF-8, no insignificant whitespace, text fields as strings.
Metadata scalars are written as strings too (`3` and `"3"` are the same), so
the same samples read from JSONL and from CSV hash the same.

A sample without an id gets the first 16 hex digits of the SHA-256 of its
canonical form (without the id). A dataset's version is the SHA-256 of its
samples' canonical digests concatenated in id order; the first 16 hex digits
are shown and stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from proctor.dataset._sample import Sample

VERSION_CHARS = 16


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return [_scalar(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _scalar(v) for k, v in value.items()}
    return str(value)


def canonical_fields(sample: Sample, *, with_id: bool = True) -> dict[str, Any]:
    """The sample as the plain dict that is hashed."""
    fields: dict[str, Any] = {
        "input": sample.input
        if isinstance(sample.input, str)
        else [m.to_dict() for m in sample.input],
        "target": sample.target
        if sample.target is None or isinstance(sample.target, str)
        else list(sample.target),
        "choices": None if sample.choices is None else list(sample.choices),
        "metadata": {str(k): _scalar(v) for k, v in sample.metadata.items()},
    }
    if with_id:
        fields["id"] = sample.id
    return fields


def canonical_json(sample: Sample, *, with_id: bool = True) -> bytes:
    """The canonical UTF-8 JSON bytes of a sample."""
    return json.dumps(
        canonical_fields(sample, with_id=with_id),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def content_id(sample: Sample) -> str:
    """The id given to a sample that has none: a hash of its content."""
    return hashlib.sha256(canonical_json(sample, with_id=False)).hexdigest()[:VERSION_CHARS]


def sample_digest(sample: Sample) -> bytes:
    """The SHA-256 digest of the sample's canonical form, id included."""
    return hashlib.sha256(canonical_json(sample)).digest()


def version_of(pairs: Iterable[tuple[str, bytes]]) -> str:
    """The version of a set of samples given as (id, digest) pairs, in any order."""
    h = hashlib.sha256()
    for _, digest in sorted(pairs, key=lambda pair: pair[0]):
        h.update(digest)
    return h.hexdigest()[:VERSION_CHARS]


def hash_json(value: Any) -> str:
    """A short stable hash of any JSON-able value (templates, few-shot sets)."""
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:VERSION_CHARS]
