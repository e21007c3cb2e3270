"""Human review: review sets sent to Label Studio, the reviewers' items, and calibrations.

Revision ID: 0004_review
Revises: 0003_baselines
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_review"
down_revision = "0003_baselines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    op.create_table(
        "review_sets",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("scorer", sa.String, nullable=False),
        sa.Column("signature", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("strategy", sa.String, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("blind", sa.Boolean, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("sample_keys", sa.JSON, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("label_studio", sa.JSON),
        sa.Column("created_at", utc, nullable=False),
    )
    op.create_index("ix_review_sets_run", "review_sets", ["run_id", "scorer"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "review_set_id",
            sa.String,
            sa.ForeignKey("review_sets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sample_id", sa.String, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("annotator", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("lead_time", sa.Float),
        sa.Column("result", sa.JSON),
        sa.Column("origin", sa.String),
        sa.Column("task", sa.Integer),
        sa.Column("annotation", sa.Integer),
        sa.Column("created_at", utc, nullable=False),
    )
    op.create_index("ix_review_items_set", "review_items", ["review_set_id", "sample_id", "epoch"])
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("signature", sa.String, nullable=False),
        sa.Column("scorer", sa.String, nullable=False),
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("review_sets", sa.JSON, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("computed_at", utc, nullable=False),
    )
    op.create_index("ix_calibrations_signature", "calibrations", ["signature", "computed_at"])


def downgrade() -> None:
    op.drop_index("ix_calibrations_signature", "calibrations")
    op.drop_table("calibrations")
    op.drop_index("ix_review_items_set", "review_items")
    op.drop_table("review_items")
    op.drop_index("ix_review_sets_run", "review_sets")
    op.drop_table("review_sets")
