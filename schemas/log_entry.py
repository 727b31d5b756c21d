"""Log entries and the evidence that a credential is in the log (DESIGN §3).

An entry is the RFC 8785 form of ``{"v": 1, "kind", "prev", "ts", "body"}``. An issuance entry's
body names the credential without personal data: its id, the SHA-256 of its exact JWS bytes,
issuer, key, occupation, level and issue date. Erasing the JWS from the registry therefore
leaves nothing personal in the log, while anyone holding the JWS can still match it.

Log evidence travels beside a credential (``<id>.proof.json``, or the ``log`` member of a
``.jsonl`` line): the entry, its index, an inclusion proof and the signed checkpoint it leads
to. With the log's verifier key it proves, offline, that the registry logged this exact JWS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.canonical import canonical_json
from schemas.credential import CredentialClaims
from schemas.errors import MalformedDocument

__all__ = [
    "ENTRY_VERSION",
    "ISSUANCE",
    "LogEvidence",
    "encode_entry",
    "issuance_body",
    "jws_digest",
    "log_evidence_json",
    "parse_log_evidence",
]

ENTRY_VERSION = 1
ISSUANCE = "issuance"
_HASH_HEX = 64
_MAX_PROOF = 64


def encode_entry(kind: str, prev: bytes, ts: int, body: Mapping[str, Any]) -> bytes:
    """The entry's bytes: what its leaf hash is taken over."""
    return canonical_json(
        {"v": ENTRY_VERSION, "kind": kind, "prev": prev.hex(), "ts": ts, "body": body}
    )


def jws_digest(jws: bytes | str) -> str:
    """Hex SHA-256 of the compact JWS exactly as issued (ASCII, no surrounding whitespace)."""
    raw = jws.encode("ascii") if isinstance(jws, str) else jws
    return hashlib.sha256(raw.strip()).hexdigest()


def issuance_body(
    *, credential_id: str, jws: str, issuer_id: str, kid: str, claims: CredentialClaims
) -> dict[str, Any]:
    """``status`` (list URL and index per purpose) is there when the credential has status
    entries, so the registry can find a credential's bits from its log entry alone, even after
    its JWS has been erased."""
    body: dict[str, Any] = {
        "credential_id": credential_id,
        "jws_sha256": jws_digest(jws),
        "issuer": issuer_id,
        "kid": kid,
        "occupation": claims.occupation_code,
        "occupation_edition": claims.occupation_edition,
        "framework": claims.framework,
        "level": claims.level_code,
        "issued_on": claims.issued_on.isoformat(),
    }
    if claims.status:
        body["status"] = [
            {
                "purpose": entry.status_purpose,
                "list": entry.status_list_credential,
                "index": entry.status_list_index,
            }
            for entry in claims.status
        ]
    return body


@dataclass(frozen=True, slots=True)
class LogEvidence:
    entry: dict[str, Any]
    entry_bytes: bytes
    index: int
    size: int
    proof: tuple[bytes, ...]
    checkpoint: str


def log_evidence_json(
    entry: bytes, index: int, size: int, proof: list[bytes] | tuple[bytes, ...], checkpoint: str
) -> dict[str, Any]:
    return {
        "entry": json.loads(entry),
        "index": index,
        "size": size,
        "proof": [node.hex() for node in proof],
        "checkpoint": checkpoint,
    }


def _hash_list(value: Any) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > _MAX_PROOF:
        raise MalformedDocument(f"expected a list of at most {_MAX_PROOF} hashes", "proof")
    hashes = []
    for position, item in enumerate(value):
        if not isinstance(item, str) or len(item) != _HASH_HEX:
            raise MalformedDocument("expected 64 hex digits", f"proof[{position}]")
        try:
            hashes.append(bytes.fromhex(item))
        except ValueError:
            raise MalformedDocument("expected 64 hex digits", f"proof[{position}]") from None
    return tuple(hashes)


def _natural(document: Mapping[str, Any], name: str) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDocument("expected a non-negative integer", name)
    return value


def parse_log_evidence(document: Any) -> LogEvidence:
    """Read log evidence; raises ``MalformedDocument`` naming the member that is wrong."""
    if not isinstance(document, dict):
        raise MalformedDocument("log evidence must be a JSON object", "log")
    entry = document.get("entry")
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), dict):
        raise MalformedDocument("expected a log entry object with a body", "entry")
    checkpoint = document.get("checkpoint")
    if not isinstance(checkpoint, str):
        raise MalformedDocument("expected the signed checkpoint note", "checkpoint")
    return LogEvidence(
        entry=entry,
        entry_bytes=canonical_json(entry),
        index=_natural(document, "index"),
        size=_natural(document, "size"),
        proof=_hash_list(document.get("proof")),
        checkpoint=checkpoint,
    )
