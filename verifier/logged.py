"""The ``logged`` check: evidence that the registry's log holds this exact credential.

The evidence is checked against the trusted log keys alone: the checkpoint must be signed by
one of them (its origin is the key's name), the entry must lead through the inclusion proof to
the checkpoint's root, and the entry must be the issuance of this credential: same id, issuer
and key, and the SHA-256 of these very JWS bytes.
"""

from __future__ import annotations

from schemas.credential import SkillCredential
from schemas.errors import MalformedDocument, ProofError, SchemaError
from schemas.log_entry import ISSUANCE, LogEvidence, jws_digest
from schemas.merkle import leaf_hash, verify_inclusion
from schemas.note import VerifiedCheckpoint, VerifierKey, verify_checkpoint
from verifier.errors import CheckFailed

__all__ = ["check_logged"]


def _fail(code: str, message: str) -> CheckFailed:
    return CheckFailed("logged", code, message)


def _unknown(code: str, message: str) -> CheckFailed:
    return CheckFailed("logged", code, message, cannot_tell=True)


def _verified_checkpoint(
    evidence: LogEvidence, log_keys: tuple[VerifierKey, ...]
) -> VerifiedCheckpoint:
    last_error: SchemaError | None = None
    for origin in dict.fromkeys(key.name for key in log_keys):
        try:
            return verify_checkpoint(evidence.checkpoint, log_keys, origin=origin)
        except SchemaError as exc:
            last_error = exc
    raise _fail(
        "logged.checkpoint_invalid", f"checkpoint not signed by a trusted log: {last_error}"
    )


def check_logged(
    token: bytes,
    credential: SkillCredential,
    kid: str,
    evidence: LogEvidence | None,
    log_keys: tuple[VerifierKey, ...],
) -> str:
    """Raise ``CheckFailed`` unless ``evidence`` proves ``token`` is in a trusted log; returns
    the message of the passed check."""
    if evidence is None:
        raise _unknown("logged.not_checked", "no log evidence given")
    if not log_keys:
        raise _unknown("logged.no_log_key", "no trusted log key to check the evidence with")
    checkpoint = _verified_checkpoint(evidence, log_keys).checkpoint
    if evidence.size != checkpoint.size:
        raise _fail(
            "logged.proof_invalid",
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
        raise _fail("logged.proof_invalid", f"inclusion proof does not verify: {exc}") from None
    entry, body = evidence.entry, evidence.entry["body"]
    expected = {
        "credential_id": credential.id,
        "jws_sha256": jws_digest(token),
        "issuer": credential.issuer_id,
        "kid": kid,
    }
    wrong = [name for name, value in expected.items() if body.get(name) != value]
    if entry.get("kind") != ISSUANCE or wrong:
        raise _fail(
            "logged.entry_mismatch",
            "the logged entry is not this credential's issuance"
            + (f" ({', '.join(wrong)} differ)" if wrong else ""),
        )
    return f"entry {evidence.index} of {checkpoint.origin} at tree size {checkpoint.size}"
