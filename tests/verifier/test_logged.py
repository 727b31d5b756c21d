"""The ``checkpoint_signature`` and ``log_inclusion`` checks: log evidence must prove that this
very JWS was logged."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.signing import Signer
from schemas.credential import CredentialClaims
from schemas.errors import MalformedDocument
from schemas.log_entry import (
    LogEvidence,
    log_evidence_json,
    parse_log_evidence,
)
from schemas.note import VerifierKey
from tests.conftest import NOW, MemoryLog, trust_for, trusted_with_log
from verifier import CheckResult, Result, verify_credential


def _logged(checks: tuple[CheckResult, ...]) -> tuple[bool | None, str]:
    """The checkpoint check's outcome if it did not pass, else the inclusion check's."""
    by_name = {c.check: c for c in checks}
    checkpoint, inclusion = by_name["checkpoint_signature"], by_name["log_inclusion"]
    if checkpoint.ok is not True and checkpoint.code != "checkpoint_signature.not_checked":
        return checkpoint.ok, checkpoint.code
    return inclusion.ok, inclusion.code


@pytest.fixture
def issued(signer: Signer, make_claims: Callable[..., CredentialClaims]) -> str:
    return signer.issue(make_claims()).jws


def test_evidence_makes_a_genuine_credential_valid(
    signer: Signer, make_claims: Callable[..., CredentialClaims], issued: str, memory_log: MemoryLog
) -> None:
    keys = trusted_with_log(memory_log, signer)
    memory_log.record(signer.issue(make_claims()).jws)
    evidence = memory_log.record(issued)
    report = verify_credential(issued, keys, NOW, evidence)
    assert report.result is Result.VALID
    assert _logged(report.checks) == (True, "log_inclusion.ok")
    assert evidence.index == 1


def test_without_evidence_or_log_key_the_result_cannot_be_told(
    signer: Signer, issued: str, memory_log: MemoryLog
) -> None:
    keys = trusted_with_log(memory_log, signer)
    no_evidence = verify_credential(issued, keys, NOW)
    assert (no_evidence.result, _logged(no_evidence.checks)) == (
        Result.CANNOT_TELL,
        (None, "log_inclusion.no_evidence"),
    )
    evidence = memory_log.record(issued)
    no_key = verify_credential(issued, trust_for(signer), NOW, evidence)
    assert (no_key.result, _logged(no_key.checks)) == (
        Result.CANNOT_TELL,
        (None, "checkpoint_signature.no_log_key"),
    )


def test_evidence_for_another_credential_is_refused(
    signer: Signer, make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    keys = trusted_with_log(memory_log, signer)
    first, second = signer.issue(make_claims()).jws, signer.issue(make_claims()).jws
    evidence = memory_log.record(first)
    report = verify_credential(second, keys, NOW, evidence)
    assert report.result is Result.INVALID
    assert _logged(report.checks) == (False, "log_inclusion.entry_mismatch")


def test_a_checkpoint_from_an_untrusted_log_is_refused(
    signer: Signer, issued: str, memory_log: MemoryLog
) -> None:
    other = MemoryLog()
    evidence = other.record(issued)
    report = verify_credential(issued, trusted_with_log(memory_log, signer), NOW, evidence)
    assert _logged(report.checks) == (False, "checkpoint_signature.invalid")


def test_one_trusted_logs_key_does_not_vouch_for_another_logs_origin(
    signer: Signer, issued: str
) -> None:
    a_key = Ed25519PrivateKey.generate()
    log_a = VerifierKey.from_public_key("log-a.skillcert.example/log", a_key.public_key())
    log_b = MemoryLog("log-b.skillcert.example/log")
    # Log B's origin line, signed by log A's key under A's own name.
    forged = MemoryLog(log_b.origin, signed_as=(log_a.name, a_key)).record(issued)
    trust = trust_for(signer, log_keys=(log_a, log_b.verifier_key))
    report = verify_credential(issued, trust, NOW, forged)
    assert _logged(report.checks) == (False, "checkpoint_signature.invalid")
    assert report.result is Result.INVALID


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: dataclasses.replace(e, index=e.index + 1),
        lambda e: dataclasses.replace(e, size=e.size + 1),
        lambda e: dataclasses.replace(e, proof=(bytes(32), *e.proof[1:])),
        lambda e: dataclasses.replace(e, proof=e.proof[:-1]),
        lambda e: dataclasses.replace(e, entry_bytes=e.entry_bytes.replace(b'"ts":', b'"ts": ')),
    ],
    ids=["index", "size", "proof_hash", "proof_short", "entry_bytes"],
)
def test_a_damaged_proof_is_refused(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    memory_log: MemoryLog,
    damage: Callable[[LogEvidence], LogEvidence],
) -> None:
    keys = trusted_with_log(memory_log, signer)
    for _ in range(6):
        memory_log.record(signer.issue(make_claims()).jws)
    jws = signer.issue(make_claims()).jws
    target = memory_log.record(jws)
    assert verify_credential(jws, keys, NOW, target).result is Result.VALID
    report = verify_credential(jws, keys, NOW, damage(target))
    assert _logged(report.checks) == (False, "log_inclusion.proof_invalid")


def test_evidence_documents_are_read_strictly(
    signer: Signer, issued: str, memory_log: MemoryLog
) -> None:
    evidence = memory_log.record(issued)
    document = log_evidence_json(
        evidence.entry_bytes, evidence.index, evidence.size, evidence.proof, evidence.checkpoint
    )
    assert parse_log_evidence(document) == evidence
    for member, bad in [
        ("proof", ["zz" * 32]),
        ("proof", "not a list"),
        ("index", -1),
        ("size", True),
        ("entry", []),
        ("checkpoint", 7),
    ]:
        with pytest.raises(MalformedDocument) as caught:
            parse_log_evidence({**document, member: bad})
        assert member in str(caught.value)
