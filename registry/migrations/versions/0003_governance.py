"""Governance: an index of the log's governance entries, and status list allocations.

Revision ID: 0003_governance
Revises: 0002_clustered_nodes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_governance"
down_revision = "0002_clustered_nodes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_entries",
        sa.Column("idx", sa.BigInteger(), sa.ForeignKey("log_entries.idx"), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
    )
    op.create_table(
        "status_allocations",
        sa.Column("list_no", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
    )


def downgrade() -> None:
    op.drop_table("status_allocations")
    op.drop_table("governance_entries")
