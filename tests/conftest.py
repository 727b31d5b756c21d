"""Shared factories: keys, signers, claims and trusted key sets, each built fresh per test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from issuer.signing import Signer
from schemas.credential import CredentialClaims, read_credential
from schemas.frameworks import builtin_framework, builtin_framework_ids
from schemas.governance import IssuerRecord
from schemas.identity import hash_national_id
from schemas.jwk import ed25519_public_jwk
from schemas.key_lifecycle import KeyRecord
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
from schemas.recognition import builtin_mappings
from schemas.scope import make_scope
from schemas.signed_json import AuthorityKey
from schemas.status_list import REVOCATION, SUSPENSION, StatusBits, StatusEntry
from schemas.trust_bundle import StatusList, TrustBundle
from verifier.jws import parse_compact_jws

VECTORS = Path(__file__).parent / "vectors"
ISSUER_ID = "urn:skillcert:issuer:test-appraisal"
CORPUS_ISSUER_NAME = "语料鉴定中心"
"""The issuer name every token of tests/vectors/attacks/corpus.json states."""
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


_SINCE = datetime(2000, 1, 1, tzinfo=UTC)
TEST_LISTS = {
    purpose: f"https://registry.test/v1/status/1-{purpose}" for purpose in (REVOCATION, SUSPENSION)
}
TEST_STATUS = tuple(StatusEntry(purpose, 7, url) for purpose, url in TEST_LISTS.items())
"""Status entries of the credentials ``make_claims`` builds: bit 7 of the test lists."""


def status_lists_for(
    revoked: frozenset[int] = frozenset(), valid_from: datetime = NOW
) -> dict[tuple[str, str], StatusList]:
    """Empty test status lists, with ``revoked`` indexes set in the revocation list."""
    lists = {}
    for purpose, url in TEST_LISTS.items():
        bits = StatusBits()
        for index in revoked if purpose == REVOCATION else ():
            bits.set(index, True)
        lists[(url, purpose)] = StatusList(url, purpose, bits, valid_from)
    return lists


def accredited_everywhere(issuer_id: str, key: KeyRecord, name: str) -> IssuerRecord:
    """An issuer named ``name`` in the directory (the name its credentials must state),
    accredited for every occupation and level of every framework since 2000."""
    scopes = tuple(
        make_scope(
            [f"{major}-*" for major in range(1, 9)],
            framework_id,
            [level.code for level in builtin_framework(framework_id).levels],
            _SINCE.date(),
        )
        for framework_id in builtin_framework_ids()
    )
    return IssuerRecord(issuer_id, name, _SINCE, scopes, (), (key,))


def _signer_record(signer: Signer) -> IssuerRecord:
    return accredited_everywhere(
        signer.issuer_id, KeyRecord(signer.kid, public_jwk(signer), _SINCE), signer.issuer_name
    )


def trust_for(
    *signers: Signer,
    log_keys: tuple[VerifierKey, ...] = (),
    issuers: tuple[IssuerRecord, ...] = (),
    issued_at: datetime = NOW,
) -> TrustBundle:
    """A verified bundle in which every signer is accredited for every occupation and level
    since 2000, or as ``issuers`` says."""
    records = {r.id: r for r in (*map(_signer_record, signers), *issuers)}
    return TrustBundle(
        issued_at=issued_at,
        authority=AuthorityKey.from_public_key(Ed25519PrivateKey.generate().public_key()),
        log_keys=log_keys,
        checkpoint=None,
        checkpoint_note=None,
        issuers=records,
        keys={key.kid: key for record in records.values() for key in record.keys},
        frameworks={f: builtin_framework(f) for f in builtin_framework_ids()},
        mappings=builtin_mappings(),
        status_lists=status_lists_for(valid_from=issued_at),
    )


def public_jwk(signer: Signer) -> dict[str, str]:
    raw = signer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return ed25519_public_jwk(raw)


CLAIMS = CredentialClaims(
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
    status=TEST_STATUS,
)
"""The claims every test credential starts from; ``make_claims`` changes some of them."""


@pytest.fixture
def make_claims() -> Callable[..., CredentialClaims]:
    def make(**changes: object) -> CredentialClaims:
        return replace(CLAIMS, **changes)  # type: ignore[arg-type]

    return make


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MemoryLog:
    """A log kept in memory from ``schemas`` parts alone, to give verifier tests real evidence
    (the registry's own log is tested against the same formats in tests/registry)."""

    def __init__(
        self,
        origin: str = "memory.skillcert.example/log",
        signed_as: tuple[str, Ed25519PrivateKey] | None = None,
    ) -> None:
        """``signed_as`` (a key name and key) signs the checkpoints under another log's name
        instead of this log's own new key, as a forger holding that log's key would."""
        self.origin = origin
        self._signer_name, self._key = signed_as or (origin, Ed25519PrivateKey.generate())
        self.verifier_key = VerifierKey.from_public_key(self._signer_name, self._key.public_key())
        self._tree = MemoryTree()
        self._entries: list[bytes] = []

    def record(self, jws: str, at: datetime = NOW, kind: str = ISSUANCE) -> LogEvidence:
        """Log the issuance of ``jws`` with sequencer timestamp ``at`` (whole milliseconds, so
        tests can drive checks to their boundaries) and return evidence for it against a
        checkpoint signed at the new size."""
        parsed = parse_compact_jws(jws.encode("ascii"))
        credential = read_credential(parsed.payload)
        body = issuance_body(
            credential_id=credential.id,
            jws=jws,
            issuer_id=credential.issuer_id,
            kid=parsed.kid,
            claims=credential.claims,
        )
        ts, rest = divmod(at - _EPOCH, timedelta(milliseconds=1))
        assert not rest, "log timestamps are whole milliseconds"
        prev = leaf_hash(self._entries[-1]) if self._entries else bytes(32)
        entry = encode_entry(kind, prev, ts, body)
        self._entries.append(entry)
        index = self._tree.append(leaf_hash(entry))
        size = self._tree.size
        note = sign_note(
            format_checkpoint(Checkpoint(self.origin, size, self._tree.root())),
            self._signer_name,
            self._key,
        )
        proof = inclusion_proof(index, size, self._tree.node_at)
        return parse_log_evidence(log_evidence_json(entry, index, size, proof, note))


def trusted_with_log(log: MemoryLog, *signers: Signer) -> TrustBundle:
    return trust_for(*signers, log_keys=(log.verifier_key,))


@pytest.fixture
def memory_log() -> MemoryLog:
    return MemoryLog()
