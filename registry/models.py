"""The registry's tables (SQLModel); Alembic migrations in ``registry/migrations`` create them.

The log is four tables. ``log_entries`` holds each entry's bytes and leaf hash; ``log_nodes`` every
complete interior node (level >= 1), so proofs and tiles never re-hash leaves; ``log_checkpoints``
every signed checkpoint; ``log_head`` one row, the tree's current size, root and right edge, which
the writer locks. ``credentials`` is the store beside the log: a credential's JWS can be erased
there while its log entry (which holds no personal data) stays.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

__all__ = [
    "HEAD_ROW",
    "GovernanceEntry",
    "LogCheckpoint",
    "LogCosignature",
    "LogEntry",
    "LogHead",
    "LogNode",
    "StatusAllocation",
    "StoredCredential",
]

HEAD_ROW = 1


class LogHead(SQLModel, table=True):
    __tablename__ = "log_head"
    __table_args__ = (CheckConstraint(f"id = {HEAD_ROW}", name="log_head_single_row"),)

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """Roots of the complete subtrees on the right edge, largest first, concatenated."""
    last_leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    last_ts: int = Field(sa_column=Column(BigInteger, nullable=False))


class LogEntry(SQLModel, table=True):
    __tablename__ = "log_entries"

    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogNode(SQLModel, table=True):
    __tablename__ = "log_nodes"
    __table_args__ = {"sqlite_with_rowid": False}

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogCheckpoint(SQLModel, table=True):
    __tablename__ = "log_checkpoints"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    signed_at: int = Field(sa_column=Column(BigInteger, nullable=False))


class LogCosignature(SQLModel, table=True):
    __tablename__ = "log_cosignatures"

    checkpoint_size: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("log_checkpoints.size"), primary_key=True, autoincrement=False
        )
    )
    key_name: str = Field(primary_key=True)
    key_id: str = Field(primary_key=True)
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))
    line: str = Field(sa_column=Column(Text, nullable=False))


class StoredCredential(SQLModel, table=True):
    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("issuer_id", "certificate_number", name="credentials_issuer_number"),
    )

    id: str = Field(primary_key=True)
    log_index: int = Field(
        sa_column=Column(BigInteger, ForeignKey("log_entries.idx"), nullable=False, unique=True)
    )
    issuer_id: str = Field(index=True)
    jws: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    certificate_number: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The issuer's number for the certificate, unique per issuer (docs/decisions.md); kept
    when the JWS is erased, so the number is never issued twice."""
    erased_at: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class GovernanceEntry(SQLModel, table=True):
    """Which log entries are governance changes, so the directory is folded from them without
    scanning every issuance."""

    __tablename__ = "governance_entries"

    idx: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("log_entries.idx"), primary_key=True, autoincrement=False
        )
    )
    kind: str = Field(sa_column=Column(Text, nullable=False))


class StatusAllocation(SQLModel, table=True):
    """A status list index handed to a credential (revocation and suspension share it). Taken
    before the credential is signed; an index whose batch failed stays taken, unused."""

    __tablename__ = "status_allocations"

    list_no: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
