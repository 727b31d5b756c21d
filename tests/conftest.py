"""Shared factories: keys, signers, claims and trusted key sets, each built fresh per test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.signing import Signer
from schemas.credential import CredentialClaims
from schemas.identity import hash_national_id
from schemas.log_entry import (
    ISSUANCE,
    LogEvidence,
    encode_entry,
    issuance_body,
    log_evidence_json,
    parse_log_evidence,
)
from schemas.merkle import MemoryTree, inclusion_proof, leaf_hash
from schemas.note import Checkpoint, VerifierKey, format_checkpoint, sign_note
from verifier import TrustedKey, TrustedKeys, verify_credential

VECTORS = Path(__file__).parent / "vectors"
ISSUER_ID = "urn:skillcert:issuer:test-appraisal"
# A resident identity number with a valid check digit in the unused 99 region.
NATIONAL_ID = "990000199001010017"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def make_signer() -> Callable[..., Signer]:
    def make(issuer_id: str = ISSUER_ID, name: str = "测试鉴定中心") -> Signer:
        return Signer(issuer_id, name, Ed25519PrivateKey.generate())

    return make


@pytest.fixture
def signer(make_signer: Callable[..., Signer]) -> Signer:
    return make_signer()


def trusted_keys_for(*signers: Signer) -> TrustedKeys:
    return TrustedKeys(TrustedKey(s.kid, s.issuer_id, s.public_key) for s in signers)


@pytest.fixture
def make_claims() -> Callable[..., CredentialClaims]:
    base = CredentialClaims(
        holder_name="陈示范",
        national_id_hash=hash_national_id(NATIONAL_ID, "00" * 16),
        national_id_salt="00" * 16,
        occupation_code="6-31-01-03",
        occupation_edition="CN-OC-2022",
        occupation_name="电工",
        occupation_name_en="Electrician",
        framework="CN-VQ-5",
        level_code="4",
        level_name="中级工",
        level_name_en="intermediate worker",
        certificate_number="Y100044440101244000001",
        issued_on=date(2024, 6, 18),
    )

    def make(**changes: object) -> CredentialClaims:
        return replace(base, **changes)  # type: ignore[arg-type]

    return make


class MemoryLog:
    """A log kept in memory from ``schemas`` parts alone, to give verifier tests real evidence
    (the registry's own log is tested against the same formats in tests/registry)."""

    origin = "memory.skillcert.example/log"

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self.verifier_key = VerifierKey.from_public_key(self.origin, self._key.public_key())
        self._tree = MemoryTree()
        self._entries: list[bytes] = []

    def record(self, jws: str, keys: TrustedKeys, kind: str = ISSUANCE) -> LogEvidence:
        """Log the issuance of ``jws`` (read with ``keys``) and return evidence for it."""
        report = verify_credential(jws, keys, NOW)
        credential = report.credential
        assert credential is not None and report.kid is not None
        body = issuance_body(
            credential_id=credential.id,
            jws=jws,
            issuer_id=credential.issuer_id,
            kid=report.kid,
            claims=credential.claims,
        )
        prev = leaf_hash(self._entries[-1]) if self._entries else bytes(32)
        entry = encode_entry(kind, prev, 1_767_225_600_000, body)
        self._entries.append(entry)
        index = self._tree.append(leaf_hash(entry))
        size = self._tree.size
        note = sign_note(
            format_checkpoint(Checkpoint(self.origin, size, self._tree.root())),
            self.origin,
            self._key,
        )
        proof = inclusion_proof(index, size, self._tree.node_at)
        return parse_log_evidence(log_evidence_json(entry, index, size, proof, note))


def trusted_with_log(log: MemoryLog, *signers: Signer) -> TrustedKeys:
    return TrustedKeys(
        (TrustedKey(s.kid, s.issuer_id, s.public_key) for s in signers), [log.verifier_key]
    )


@pytest.fixture
def memory_log() -> MemoryLog:
    return MemoryLog()
