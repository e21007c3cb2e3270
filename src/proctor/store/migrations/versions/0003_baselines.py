"""Baselines: the run each benchmark's candidates are compared against.

Revision ID: 0003_baselines
Revises: 0002_judges_pairwise
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_baselines"
down_revision = "0002_judges_pairwise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baselines",
        sa.Column("benchmark", sa.String, primary_key=True),
        sa.Column(
            "run_id", sa.String, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("baselines")
