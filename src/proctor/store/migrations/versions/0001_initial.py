"""Initial schema: runs, samples, scores, metrics and the response cache.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    op.create_table(
        "runs",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("benchmark", sa.String, nullable=False),
        sa.Column("task_version", sa.String, nullable=False),
        sa.Column("dataset_version", sa.String, nullable=False),
        sa.Column("selection_version", sa.String, nullable=False),
        sa.Column("model_spec", sa.String, nullable=False),
        sa.Column("model_config", sa.JSON, nullable=False),
        sa.Column("scorers", sa.JSON, nullable=False),
        sa.Column("n_samples", sa.Integer, nullable=False),
        sa.Column("epochs", sa.Integer, nullable=False),
        sa.Column("slices", sa.JSON, nullable=False),
        sa.Column("cluster", sa.String),
        sa.Column("benchmark_path", sa.Text),
        sa.Column("benchmark_spec", sa.JSON, nullable=False),
        sa.Column("environment", sa.JSON, nullable=False),
        sa.Column("label", sa.String),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("started_at", utc, nullable=False),
        sa.Column("finished_at", utc),
        sa.Column("n_scored", sa.Integer, nullable=False),
        sa.Column("n_errors", sa.Integer, nullable=False),
        sa.Column("n_cached", sa.Integer, nullable=False),
        sa.Column("cost", sa.Float),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
    )
    op.create_index("ix_runs_started", "runs", ["started_at", "id"])
    op.create_index("ix_runs_benchmark", "runs", ["benchmark", "started_at"])
    op.create_index("ix_runs_model", "runs", ["model_spec", "started_at"])
    op.create_index("ix_runs_label", "runs", ["label", "started_at"])

    op.create_table(
        "samples",
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("sample_id", sa.String, primary_key=True),
        sa.Column("epoch", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("input", sa.JSON),
        sa.Column("target", sa.JSON),
        sa.Column("choices", sa.JSON),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("output", sa.Text),
        sa.Column("output_extra", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
        sa.Column("cost", sa.Float),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", utc, nullable=False),
    )
    op.create_index("ix_samples_order", "samples", ["run_id", "position", "epoch", "sample_id"])

    op.create_table(
        "scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("sample_id", sa.String, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("scorer", sa.String, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("annotator", sa.String),
        sa.Column("value", sa.JSON),
        sa.Column("value_num", sa.Float),
        sa.Column("explanation", sa.Text),
        sa.Column("answer", sa.Text),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.ForeignKeyConstraint(
            ["run_id", "sample_id", "epoch"],
            ["samples.run_id", "samples.sample_id", "samples.epoch"],
            name="fk_scores_sample",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_scores_sample", "scores", ["run_id", "sample_id", "epoch"])

    op.create_table(
        "metrics",
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("scorer", sa.String, nullable=False),
        sa.Column("metric", sa.String, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("ci_low", sa.Float),
        sa.Column("ci_high", sa.Float),
        sa.Column("stderr", sa.Float),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("n_total", sa.Integer, nullable=False),
        sa.Column("higher_is_better", sa.Boolean, nullable=False),
        sa.Column("method", sa.String, nullable=False),
        sa.Column("slice_key", sa.String),
        sa.Column("slice_value", sa.Text),
    )

    op.create_table(
        "cache",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("model_spec", sa.String, nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("created_at", utc, nullable=False),
    )


def downgrade() -> None:
    for table in ("cache", "metrics", "scores", "samples", "runs"):
        op.drop_table(table)
