"""Datasets: samples read from JSONL, CSV or inline YAML, hashed into a version."""

from proctor.dataset._canonical import canonical_json, content_id, hash_json
from proctor.dataset._dataset import Dataset
from proctor.dataset._fields import FieldMap
from proctor.dataset._sample import ChatMessage, Sample

__all__ = [
    "ChatMessage",
    "Dataset",
    "FieldMap",
    "Sample",
    "canonical_json",
    "content_id",
    "hash_json",
]
