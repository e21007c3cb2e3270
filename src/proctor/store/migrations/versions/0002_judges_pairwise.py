"""Judge usage on runs and scores; pairwise comparisons and their verdicts.

Revision ID: 0002_judges_pairwise
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_judges_pairwise"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("judge_calls", sa.Integer))
        batch.add_column(sa.Column("judge_input_tokens", sa.Integer))
        batch.add_column(sa.Column("judge_output_tokens", sa.Integer))
        batch.add_column(sa.Column("judge_cost", sa.Float))
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column("usage", sa.JSON))
    op.create_table(
        "pairwise",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("runs", sa.JSON, nullable=False),
        sa.Column("judge", sa.String, nullable=False),
        sa.Column("signature", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("summary", sa.JSON),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("finished_at", utc),
    )
    op.create_table(
        "pairwise_verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "pairwise_id",
            sa.String,
            sa.ForeignKey("pairwise.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("run_a", sa.String, nullable=False),
        sa.Column("run_b", sa.String, nullable=False),
        sa.Column("sample_id", sa.String, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String),
        sa.Column("first", sa.JSON),
        sa.Column("second", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("usage", sa.JSON),
    )
    op.create_index(
        "ix_pairwise_verdicts_pair", "pairwise_verdicts", ["pairwise_id", "run_a", "run_b"]
    )


def downgrade() -> None:
    op.drop_index("ix_pairwise_verdicts_pair", "pairwise_verdicts")
    op.drop_table("pairwise_verdicts")
    op.drop_table("pairwise")
    with op.batch_alter_table("scores") as batch:
        batch.drop_column("usage")
    with op.batch_alter_table("runs") as batch:
        for name in ("judge_cost", "judge_output_tokens", "judge_input_tokens", "judge_calls"):
            batch.drop_column(name)
