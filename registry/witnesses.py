"""Witness cosignatures on the log's checkpoints: accepted only when they verify, served with
the checkpoint.

A witness (``verifier.witness``) returns the checkpoint with its ``cosignature/v1`` line added.
The registry keeps each verified cosignature by checkpoint size and serves the checkpoint note
with every cosignature it holds, so a verifier can demand that witnesses it trusts have seen
the same tree.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from registry.database import driver_cursor, placeholder
from registry.errors import LogStateError
from registry.log import TransparencyLog
from registry.models import LogCosignature
from schemas.errors import SchemaError
from schemas.note import (
    COSIGNATURE_V1,
    VerifierKey,
    parse_unverified_note,
    verify_checkpoint,
)

__all__ = ["add_cosignatures", "served_checkpoint"]

_TABLE = LogCosignature.__table__  # type: ignore[attr-defined]
_COSIGNATURE_LINES = (
    f"SELECT line FROM {_TABLE.name} WHERE checkpoint_size = {{mark}} "  # noqa: S608 (constants)
    "ORDER BY key_name, key_id"
)


def add_cosignatures(
    engine: Engine, log: TransparencyLog, cosigned: str, witnesses: Iterable[VerifierKey]
) -> int:
    """Store the cosignatures by ``witnesses`` on ``cosigned`` (one of this log's stored
    checkpoints with cosignature lines added). Returns how many were new. Raises
    ``LogStateError`` when the note is not a stored checkpoint or no witness signature on it
    verifies."""
    witnesses = tuple(w for w in witnesses if w.sig_type == COSIGNATURE_V1)
    try:
        verified = verify_checkpoint(
            cosigned, [log.verifier_key], origin=log.origin, cosigners=witnesses
        )
    except SchemaError as exc:
        raise LogStateError(f"cosigned checkpoint refused: {exc}") from exc
    size = verified.checkpoint.size
    stored = log.store.checkpoint(size)
    if stored is None or stored.root_hash != verified.checkpoint.root_hash:
        raise LogStateError(f"no checkpoint of size {size} with that root was signed by this log")
    if not verified.cosignatures:
        raise LogStateError("no cosignature by a known witness on the checkpoint")
    lines = {(s.name, s.key_id): s for s in parse_unverified_note(cosigned).signatures}
    rows = [
        {
            "checkpoint_size": size,
            "key_name": signature.key.name,
            "key_id": signature.key.key_id.hex(),
            "timestamp": signature.timestamp,
            "line": lines[(signature.key.name, signature.key.key_id)].line,
        }
        for signature in verified.cosignatures
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.key_id)
    with engine.begin() as connection:
        return sum(len(connection.execute(statement, row).all()) for row in rows)


def served_checkpoint(engine: Engine, log: TransparencyLog) -> str:
    """The latest checkpoint note with every stored witness cosignature appended (a signed
    note ends with its signature lines, so more lines are simply added after them). Read
    through driver cursors: witnesses and monitors poll this, and it is two small reads."""
    latest = log.checkpoint()
    with driver_cursor(engine) as cursor:
        cursor.execute(_COSIGNATURE_LINES.format(mark=placeholder(engine)), (latest.size,))
        return latest.note + "".join(line for (line,) in cursor.fetchall())
