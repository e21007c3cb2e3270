"""Continuous evaluation: production traffic, sampling rules and draws, online scoring.

Revision ID: 0005_online
Revises: 0004_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_online"
down_revision = "0004_review"
branch_labels = None
depends_on = None

_TABLES = ("online_scored", "online_windows", "traffic_samples", "online_rules", "traffic")


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    # A store opened by a Proctor whose schema head predated this revision, but which
    # already knew these tables, created them on first use: take them as they are.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if existing.issuperset(_TABLES):
        return
    op.create_table(
        "traffic",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("record_id", sa.String, nullable=False),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("timestamp", utc, nullable=False),
        sa.Column("input", sa.JSON, nullable=False),
        sa.Column("input_chars", sa.Integer, nullable=False),
        sa.Column("output", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("model", sa.String),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("usage", sa.JSON),
        sa.Column("latency_ms", sa.Float),
        sa.Column("redactions", sa.Integer, nullable=False),
        sa.Column("draw", sa.Float, nullable=False),
        sa.Column("ingested_at", utc, nullable=False),
        sa.UniqueConstraint("source", "record_id", name="uq_traffic_record"),
    )
    op.create_index("ix_traffic_time", "traffic", ["source", "timestamp"])
    op.create_table(
        "online_rules",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("rule", sa.JSON, nullable=False),
        sa.Column("created_at", utc, nullable=False),
    )
    op.create_table(
        "traffic_samples",
        sa.Column(
            "rule_id",
            sa.String,
            sa.ForeignKey("online_rules.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "traffic_id", big, sa.ForeignKey("traffic.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("window_start", utc, nullable=False),
    )
    op.create_index("ix_traffic_samples_window", "traffic_samples", ["rule_id", "window_start"])
    op.create_table(
        "online_windows",
        sa.Column("benchmark", sa.String, primary_key=True),
        sa.Column("window_start", utc, primary_key=True),
        sa.Column("window_end", utc, primary_key=True),
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("rule_id", sa.String, nullable=False),
        sa.Column("created_at", utc, nullable=False),
    )
    op.create_table(
        "online_scored",
        sa.Column("benchmark", sa.String, primary_key=True),
        sa.Column(
            "traffic_id", big, sa.ForeignKey("traffic.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("claim", sa.String, nullable=False),
        sa.Column("claimed_at", utc, nullable=False),
    )
    op.create_index("ix_online_scored_claim", "online_scored", ["claim"])


def downgrade() -> None:
    op.drop_index("ix_online_scored_claim", "online_scored")
    op.drop_index("ix_traffic_samples_window", "traffic_samples")
    op.drop_index("ix_traffic_time", "traffic")
    for table in _TABLES:
        op.drop_table(table)
