"""The witness: cosigns a log's checkpoint only if it extends the last one it cosigned.

A log could show one history to some verifiers and another to others (a split view). A witness
remembers the last checkpoint it cosigned for each log and adds its ``cosignature/v1`` to a new
one only when the log proves the new tree extends the old (RFC 9162 consistency proof). A
verifier that requires cosignatures from witnesses it trusts is then shown one history.

Pure: the witness's state (its last checkpoint) is passed in and the new state returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.errors import SchemaError
from schemas.merkle import verify_consistency
from schemas.note import (
    Checkpoint,
    NoteSignature,
    VerifierKey,
    cosignature,
    format_checkpoint,
    verify_checkpoint,
)
from verifier.errors import WitnessRefusal

__all__ = ["Cosigned", "cosign_checkpoint"]


@dataclass(frozen=True, slots=True)
class Cosigned:
    signature: NoteSignature
    checkpoint: Checkpoint
    """The witness's new state: remember it, pass it as ``last`` next time."""


def cosign_checkpoint(
    note: str,
    *,
    log_key: VerifierKey,
    last: Checkpoint | None,
    proof: Sequence[bytes],
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    timestamp: int,
) -> Cosigned:
    """Cosign ``note`` (a checkpoint of the log ``log_key`` names) at ``timestamp`` (POSIX
    seconds), if ``proof`` shows it extends ``last``. Raises ``WitnessRefusal`` otherwise."""
    try:
        checkpoint = verify_checkpoint(note, [log_key], origin=log_key.name).checkpoint
    except SchemaError as exc:
        raise WitnessRefusal(f"not a checkpoint of {log_key.name}: {exc}") from exc
    if last is not None:
        if checkpoint.size < last.size:
            raise WitnessRefusal(
                f"tree size {checkpoint.size} is smaller than the {last.size} already cosigned"
            )
        try:
            verify_consistency(
                last.size, checkpoint.size, last.root_hash, checkpoint.root_hash, proof
            )
        except SchemaError as exc:
            raise WitnessRefusal(
                f"tree {checkpoint.size} is not an extension of tree {last.size}: {exc}"
            ) from exc
    text = format_checkpoint(checkpoint)
    return Cosigned(cosignature(text, witness_name, witness_key, timestamp), checkpoint)
