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
from verifier import TrustedKey, TrustedKeys

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
