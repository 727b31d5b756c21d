"""SQLite keeps ``log_nodes`` clustered on its primary key.

A rowid table with a composite primary key keeps a separate index, so each node lookup was two
B-tree searches (index, then rowid); a ``WITHOUT ROWID`` table is the primary-key B-tree itself,
one search, which took a million-entry log's proof node query from ~70 to ~50 µs. SQLite cannot
alter a table into this form, so the table is rebuilt: a copy of every node, in one transaction.
PostgreSQL is unchanged.

Revision ID: 0002_clustered_nodes
Revises: 0001_log
"""

from __future__ import annotations

from alembic import op

revision = "0002_clustered_nodes"
down_revision = "0001_log"
branch_labels = None
depends_on = None


def _rebuild(rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE log_nodes_rebuilt (level SMALLINT NOT NULL, idx BIGINT NOT NULL, "
        "hash BLOB NOT NULL, PRIMARY KEY (level, idx))" + ("" if rowid else " WITHOUT ROWID")
    )
    op.execute(
        "INSERT INTO log_nodes_rebuilt (level, idx, hash) "
        "SELECT level, idx, hash FROM log_nodes ORDER BY level, idx"
    )
    op.execute("DROP TABLE log_nodes")
    op.execute("ALTER TABLE log_nodes_rebuilt RENAME TO log_nodes")


def upgrade() -> None:
    _rebuild(rowid=False)


def downgrade() -> None:
    _rebuild(rowid=True)
