"""The tables of continuous evaluation: production traffic, its samples and their scoring.

They live on the shared `metadata` of `proctor.store._schema`, so that a new
store gets them with the rest and the migrations (`0005_online`) build the
same layout.

- `traffic`: one row per production record, redacted before it is stored.
  `(source, record_id)` is unique: the record's own id, or `h:` + its content
  hash when the log gives none, so ingesting a file twice stores it once.
  `draw` is a uniform number in [0, 1) derived from the record's key; seeded
  sampling rules select by it (see `proctor.online._sampling`).
- `online_rules`: the sampling rules used on each source, by id (a hash of
  the rule), so a window's sample can be drawn again.
- `traffic_samples`: the records a window-wide rule (a fixed number per
  window, stratified or not) drew from a closed window; a rate rule needs no
  rows here, its sample being a function of each record.
- `online_windows`: the run that holds each window of an online benchmark.
- `online_scored`: which records each benchmark has claimed and scored. Its
  primary key (benchmark, traffic_id) is what makes scoring a record twice
  impossible, whatever the number of processes at work.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from proctor.store._schema import metadata

__all__ = ["online_rules", "online_scored", "online_windows", "traffic", "traffic_samples"]

_json = JSON(none_as_null=True)
_utc = DateTime(timezone=True)
# 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY
_id = BigInteger().with_variant(Integer, "sqlite")

traffic = Table(
    "traffic",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("source", String, nullable=False),
    Column("record_id", String, nullable=False),  # the log's id, else "h:" + content hash
    Column("content_hash", String, nullable=False),  # of the redacted content
    Column("timestamp", _utc, nullable=False),
    Column("input", _json, nullable=False),  # text, or chat messages [{role, content}]
    Column("input_chars", Integer, nullable=False),
    Column("output", Text),
    Column("error", Text),  # the production call failed: no output to score
    Column("model", String),
    Column("metadata", _json, nullable=False),
    Column("usage", _json),  # {input_tokens, output_tokens}
    Column("latency_ms", Float),
    Column("redactions", Integer, nullable=False),  # how many spans were redacted, never what
    Column("draw", Float, nullable=False),
    Column("ingested_at", _utc, nullable=False),
    UniqueConstraint("source", "record_id", name="uq_traffic_record"),
    Index("ix_traffic_time", "source", "timestamp"),
)

online_rules = Table(
    "online_rules",
    metadata,
    Column("id", String, primary_key=True),
    Column("source", String, nullable=False),
    Column("rule", _json, nullable=False),  # {kind, rate, n, key, seed, window_seconds}
    Column("created_at", _utc, nullable=False),
)

traffic_samples = Table(
    "traffic_samples",
    metadata,
    Column("rule_id", String, ForeignKey("online_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("traffic_id", _id, ForeignKey("traffic.id", ondelete="CASCADE"), primary_key=True),
    Column("window_start", _utc, nullable=False),
    Index("ix_traffic_samples_window", "rule_id", "window_start"),
)

online_windows = Table(
    "online_windows",
    metadata,
    Column("benchmark", String, primary_key=True),
    Column("window_start", _utc, primary_key=True),
    Column("window_end", _utc, primary_key=True),
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("source", String, nullable=False),
    Column("rule_id", String, nullable=False),
    Column("created_at", _utc, nullable=False),
)

online_scored = Table(
    "online_scored",
    metadata,
    Column("benchmark", String, primary_key=True),
    Column("traffic_id", _id, ForeignKey("traffic.id", ondelete="CASCADE"), primary_key=True),
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("status", String, nullable=False),  # claimed, then done once its sample is stored
    Column("claim", String, nullable=False),  # the claim (one process, one batch) holding it
    Column("claimed_at", _utc, nullable=False),
    Index("ix_online_scored_claim", "claim"),
)
