"""The transparency log and the credential store beside it.

Revision ID: 0001_log
Revises:
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0001_log"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("last_leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("last_ts", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="log_head_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        sa.table(
            "log_head",
            sa.column("id", sa.Integer()),
            sa.column("size", sa.BigInteger()),
            sa.column("root_hash", sa.LargeBinary()),
            sa.column("frontier", sa.LargeBinary()),
            sa.column("last_leaf_hash", sa.LargeBinary()),
            sa.column("last_ts", sa.BigInteger()),
        ),
        # The empty tree: root SHA-256 of nothing (RFC 9162 §2.1.1); entry 0's prev is 64 zeros.
        [
            {
                "id": 1,
                "size": 0,
                "root_hash": hashlib.sha256(b"").digest(),
                "frontier": b"",
                "last_leaf_hash": bytes(32),
                "last_ts": 0,
            }
        ],
    )
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "log_cosignatures",
        sa.Column("checkpoint_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key_name", sa.String(), nullable=False),
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_size"], ["log_checkpoints.size"]),
        sa.PrimaryKeyConstraint("checkpoint_size", "key_name", "key_id"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("issuer_id", sa.String(), nullable=False),
        sa.Column("jws", sa.Text(), nullable=True),
        sa.Column("erased_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["log_index"], ["log_entries.idx"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("log_index"),
    )
    op.create_index("ix_credentials_issuer_id", "credentials", ["issuer_id"])


def downgrade() -> None:
    op.drop_index("ix_credentials_issuer_id", table_name="credentials")
    for table in (
        "credentials",
        "log_cosignatures",
        "log_checkpoints",
        "log_nodes",
        "log_entries",
        "log_head",
    ):
        op.drop_table(table)
