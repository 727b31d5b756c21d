"""The ``checkpoint_signature`` and ``log_inclusion`` checks: evidence that the registry's log
holds this exact credential, and when it was logged.

The checkpoint must be signed by a trusted log key (its origin is the key's name); the entry
must lead through the inclusion proof to the checkpoint's root and be the issuance of this
credential: same id, issuer and key, and the SHA-256 of these very JWS bytes. The entry's
``ts`` is then the trustworthy time the credential existed by, which the key and scope checks
judge it at.

Checkpoints are verified once each: every credential of a batch carries the same checkpoint,
so a cache keyed by the note text and the trusted keys makes verifying a batch cost one note
signature, not one per credential.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from schemas.credential import SkillCredential
from schemas.errors import MalformedDocument, ProofError, SchemaError
from schemas.instants import LATEST_MS, date_time_ms
from schemas.log_entry import ISSUANCE, LogEvidence, jws_digest
from schemas.merkle import leaf_hash, verify_inclusion
from schemas.note import Checkpoint, VerifierKey, verify_checkpoint
from verifier.errors import CheckFailed

__all__ = ["LoggedAt", "check_checkpoint", "check_inclusion"]

_CHECKPOINT_CACHE = 1024


@lru_cache(maxsize=_CHECKPOINT_CACHE)
def _verified(note: str, log_keys: tuple[VerifierKey, ...]) -> Checkpoint:
    """The checkpoint ``note`` as verified by the trusted log whose origin it names: each origin is
    tried with its own keys only, so one trusted log's key never vouches for another's origin."""
    last_error: SchemaError | None = None
    for origin in dict.fromkeys(key.name for key in log_keys):
        keys = tuple(key for key in log_keys if key.name == origin)
        try:
            return verify_checkpoint(note, keys, origin=origin).checkpoint
        except SchemaError as exc:
            last_error = exc
    raise CheckFailed(
        "checkpoint_signature",
        "checkpoint_signature.invalid",
        f"checkpoint not signed by a trusted log: {last_error}",
    )


def check_checkpoint(evidence: LogEvidence, log_keys: tuple[VerifierKey, ...]) -> Checkpoint:
    """The evidence's checkpoint, verified; raises ``CheckFailed`` on ``checkpoint_signature``."""
    if not log_keys:
        raise CheckFailed(
            "checkpoint_signature",
            "checkpoint_signature.no_log_key",
            "no trusted log key to check the checkpoint with",
            cannot_tell=True,
        )
    return _verified(evidence.checkpoint, log_keys)


class LoggedAt:
    """What a passed ``log_inclusion`` check proves: where, and when the entry was logged."""

    __slots__ = ("at", "index", "size")

    def __init__(self, index: int, size: int, at: datetime) -> None:
        self.index = index
        self.size = size
        self.at = at


def _fail(code: str, message: str) -> CheckFailed:
    return CheckFailed("log_inclusion", code, message)


def check_inclusion(
    token: bytes,
    credential: SkillCredential,
    kid: str,
    evidence: LogEvidence,
    checkpoint: Checkpoint,
) -> LoggedAt:
    """Raise ``CheckFailed`` unless ``evidence`` leads to ``checkpoint`` and its entry is this
    credential's issuance."""
    if evidence.size != checkpoint.size:
        raise _fail(
            "log_inclusion.proof_invalid",
            f"proof is for tree size {evidence.size}, the checkpoint is {checkpoint.size}",
        )
    try:
        verify_inclusion(
            leaf_hash(evidence.entry_bytes),
            evidence.index,
            evidence.size,
            evidence.proof,
            checkpoint.root_hash,
        )
    except (ProofError, MalformedDocument) as exc:
        raise _fail(
            "log_inclusion.proof_invalid", f"inclusion proof does not verify: {exc}"
        ) from None
    entry, body = evidence.entry, evidence.entry["body"]
    expected = {
        "credential_id": credential.id,
        "jws_sha256": jws_digest(token),
        "issuer": credential.issuer_id,
        "kid": kid,
    }
    wrong = [name for name, value in expected.items() if body.get(name) != value]
    ts = entry.get("ts")
    if entry.get("kind") != ISSUANCE or wrong or type(ts) is not int or not 0 <= ts <= LATEST_MS:
        raise _fail(
            "log_inclusion.entry_mismatch",
            "the logged entry is not this credential's issuance"
            + (f" ({', '.join(wrong)} differ)" if wrong else ""),
        )
    return LoggedAt(evidence.index, checkpoint.size, date_time_ms(ts))
