"""The store's tables, as SQLAlchemy Core metadata.

The layout here always equals what the migrations in `migrations/versions/`
produce at their head, `SCHEMA_HEAD`; a test checks both. Change the schema
by adding a migration (append-only) and updating these tables and the
constant together.

JSON columns use `sqlalchemy.JSON`, so the same tables work on SQLite and
PostgreSQL; Python `None` is stored as SQL NULL. Times are timezone-aware UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "SCHEMA_HEAD",
    "baselines",
    "cache",
    "calibrations",
    "metadata",
    "metrics",
    "pairwise",
    "pairwise_verdicts",
    "review_items",
    "review_sets",
    "runs",
    "samples",
    "scores",
]

SCHEMA_HEAD = "0005_online"
"""The Alembic revision these tables correspond to (the migrations' head)."""

_json = JSON(none_as_null=True)
_utc = DateTime(timezone=True)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", String, primary_key=True),
    Column("benchmark", String, nullable=False),
    Column("task_version", String, nullable=False),
    Column("dataset_version", String, nullable=False),
    Column("selection_version", String, nullable=False),
    Column("model_spec", String, nullable=False),
    Column("model_config", _json, nullable=False),
    Column("scorers", _json, nullable=False),
    Column("n_samples", Integer, nullable=False),
    Column("epochs", Integer, nullable=False),
    Column("slices", _json, nullable=False),
    Column("cluster", String),
    Column("benchmark_path", Text),
    Column("benchmark_spec", _json, nullable=False),
    Column("environment", _json, nullable=False),
    Column("label", String),
    Column("status", String, nullable=False),
    Column("started_at", _utc, nullable=False),
    Column("finished_at", _utc),
    Column("n_scored", Integer, nullable=False),
    Column("n_errors", Integer, nullable=False),
    Column("n_cached", Integer, nullable=False),
    Column("cost", Float),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    # what the run's judges used, counted apart from the model under test
    Column("judge_calls", Integer),
    Column("judge_input_tokens", Integer),
    Column("judge_output_tokens", Integer),
    Column("judge_cost", Float),
    Index("ix_runs_started", "started_at", "id"),
    Index("ix_runs_benchmark", "benchmark", "started_at"),
    Index("ix_runs_model", "model_spec", "started_at"),
    Index("ix_runs_label", "label", "started_at"),
)

samples = Table(
    "samples",
    metadata,
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("sample_id", String, primary_key=True),
    Column("epoch", Integer, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("input", _json),
    Column("target", _json),
    Column("choices", _json),
    Column("metadata", _json, nullable=False),
    Column("output", Text),
    Column("output_extra", _json, nullable=False),
    Column("latency_ms", Float),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cost", Float),
    Column("cached", Boolean, nullable=False),
    Column("error", Text),
    Column("created_at", _utc, nullable=False),
    Index("ix_samples_order", "run_id", "position", "epoch", "sample_id"),
)

scores = Table(
    "scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String, nullable=False),
    Column("sample_id", String, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("scorer", String, nullable=False),
    Column("source", String, nullable=False),
    Column("annotator", String),
    Column("value", _json),
    Column("value_num", Float),
    Column("explanation", Text),
    Column("answer", Text),
    Column("metadata", _json, nullable=False),
    Column("error", Text),
    # the judge calls behind this score: {calls, input_tokens, output_tokens, cost, cached}
    Column("usage", _json),
    ForeignKeyConstraint(
        ["run_id", "sample_id", "epoch"],
        ["samples.run_id", "samples.sample_id", "samples.epoch"],
        name="fk_scores_sample",
        ondelete="CASCADE",
    ),
    Index("ix_scores_sample", "run_id", "sample_id", "epoch"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String, primary_key=True),
    Column("ordinal", Integer, nullable=False),
    Column("scorer", String, nullable=False),
    Column("metric", String, nullable=False),
    Column("value", Float),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("stderr", Float),
    Column("n", Integer, nullable=False),
    Column("n_total", Integer, nullable=False),
    Column("higher_is_better", Boolean, nullable=False),
    Column("method", String, nullable=False),
    Column("slice_key", String),
    Column("slice_value", Text),
)

cache = Table(
    "cache",
    metadata,
    Column("key", String, primary_key=True),
    Column("model_spec", String, nullable=False),
    Column("output", _json, nullable=False),
    Column("latency_ms", Float),
    Column("created_at", _utc, nullable=False),
)

pairwise = Table(
    "pairwise",
    metadata,
    Column("id", String, primary_key=True),
    Column("runs", _json, nullable=False),  # the compared run ids, in the order given
    Column("judge", String, nullable=False),
    Column("signature", String, nullable=False),  # judge spec + prompt hash
    Column("status", String, nullable=False),
    Column("summary", _json),
    Column("created_at", _utc, nullable=False),
    Column("finished_at", _utc),
)

pairwise_verdicts = Table(
    "pairwise_verdicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pairwise_id", String, ForeignKey("pairwise.id", ondelete="CASCADE"), nullable=False),
    Column("run_a", String, nullable=False),
    Column("run_b", String, nullable=False),
    Column("sample_id", String, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("verdict", String),  # "a", "b" or "tie"; None with an error
    Column("first", _json),  # the judge's answer with A shown first
    Column("second", _json),  # ... and with B shown first
    Column("error", Text),
    Column("usage", _json),
    Index("ix_pairwise_verdicts_pair", "pairwise_id", "run_a", "run_b"),
)

baselines = Table(
    "baselines",
    metadata,
    Column("benchmark", String, primary_key=True),
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("set_at", _utc, nullable=False),
)

review_sets = Table(
    "review_sets",
    metadata,
    Column("id", String, primary_key=True),
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("scorer", String, nullable=False),  # the reviewed scorer, or pairwise:<comparison>
    Column("signature", String, nullable=False),  # what the judge's verdicts mean
    Column("kind", String, nullable=False),  # rating, rubric or pairwise
    Column("strategy", String, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("blind", Boolean, nullable=False),
    Column("options", _json, nullable=False),  # selection and kind options, as given
    Column("sample_keys", _json, nullable=False),  # the units chosen, in task order
    Column("config", Text, nullable=False),  # the Label Studio labeling config sent
    Column("label_studio", _json),  # {url, project} once pushed to a server
    Column("created_at", _utc, nullable=False),
    Index("ix_review_sets_run", "run_id", "scorer"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "review_set_id",
        String,
        ForeignKey("review_sets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("sample_id", String, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("annotator", String, nullable=False),
    Column("status", String, nullable=False),  # done or skipped
    Column("lead_time", Float),
    Column("result", _json),  # the reviewer's verdict as read from the export
    Column("origin", String),  # kept, changed or added (None when skipped)
    Column("task", Integer),  # Label Studio's task and annotation ids
    Column("annotation", Integer),
    Column("created_at", _utc, nullable=False),
    Index("ix_review_items_set", "review_set_id", "sample_id", "epoch"),
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("signature", String, nullable=False),  # the judge signature calibrated
    Column("scorer", String, nullable=False),
    Column("run_id", String, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("review_sets", _json, nullable=False),  # ids of the review sets behind it
    Column("figures", _json, nullable=False),
    Column("computed_at", _utc, nullable=False),
    Index("ix_calibrations_signature", "signature", "computed_at"),
)

# The continuous-evaluation tables live in their own module (one job per module); importing
# it puts them on `metadata`, so new stores are created with them.
import proctor.store._schema_online  # noqa: E402, F401
