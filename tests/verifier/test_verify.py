"""verify_credential: outcomes, report shape, purity (explicit clock), trusted key loading."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from issuer.keys import generate_signing_key, public_jwk
from issuer.signing import Signer
from schemas.credential import CredentialClaims
from schemas.jwk import ed25519_public_jwk
from tests.conftest import NOW, MemoryLog, trusted_keys_for, trusted_with_log
from verifier import (
    CHECKS,
    Result,
    TrustedKeys,
    TrustMaterialError,
    VerifierError,
    parse_jwks,
    verify_credential,
)
from verifier.report import CheckResult, VerificationReport


def test_valid_report(
    signer: Signer, make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    issued = signer.issue(make_claims())
    keys = trusted_with_log(memory_log, signer)
    report = verify_credential(issued.jws, keys, NOW, memory_log.record(issued.jws, keys))
    assert report.result is Result.VALID
    document = report.to_json()
    assert document["result"] == "valid"
    assert document["credential_id"] == issued.id
    assert document["issuer"]["id"] == signer.issuer_id
    assert document["occupation"] == {"code": "6-31-01-03", "edition": "CN-OC-2022", "name": "电工"}
    assert document["level"] == {"framework": "CN-VQ-5", "code": "4", "name": "中级工"}
    assert [c["check"] for c in document["checks"]] == list(CHECKS)
    assert all(c["ok"] is True and c["code"] == f"{c['check']}.ok" for c in document["checks"])
    json.dumps(document)


def test_validity_boundaries_use_the_given_clock(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    token = signer.issue(
        make_claims(issued_on=date(2024, 6, 18), valid_until=date(2025, 6, 17))
    ).jws
    keys = trusted_keys_for(signer)
    starts = datetime(2024, 6, 17, 16, tzinfo=UTC)
    ends = datetime(2025, 6, 17, 15, 59, 59, tzinfo=UTC)
    second = timedelta(seconds=1)
    outcomes = [
        verify_credential(token, keys, t).checks
        for t in (starts - second, starts, ends, ends + second)
    ]
    assert [[c.code for c in checks if c.ok is False] for checks in outcomes] == [
        ["validity_period.not_yet_valid"],
        [],
        [],
        ["validity_period.expired"],
    ]


def test_later_checks_are_not_checked_after_a_failure(
    signer: Signer, make_signer: Callable[..., Signer], make_claims: Callable[..., CredentialClaims]
) -> None:
    token = signer.issue(make_claims()).jws
    report = verify_credential(token, trusted_keys_for(make_signer()), NOW)
    assert [(c.check, c.ok, c.code) for c in report.checks] == [
        ("format", True, "format.ok"),
        ("signature", None, "signature.not_checked"),
        ("issuer_known", False, "issuer_known.unknown_kid"),
        ("validity_period", None, "validity_period.not_checked"),
        ("logged", None, "logged.not_checked"),
    ]
    assert report.result is Result.INVALID
    assert report.credential is not None


def test_cannot_tell_is_never_valid() -> None:
    checks = (CheckResult("format", True, "format.ok", ""), CheckResult("status", None, "x", ""))
    report = VerificationReport(checks=checks, credential=None, kid=None)
    assert report.result is Result.CANNOT_TELL
    assert report.to_json()["result"] == "cannot_tell"


def test_naive_now_is_refused(signer: Signer, make_claims: Callable[..., CredentialClaims]) -> None:
    with pytest.raises(VerifierError):
        verify_credential(
            signer.issue(make_claims()).jws, trusted_keys_for(signer), datetime(2026, 1, 1)
        )


def test_garbage_is_a_report_not_an_exception() -> None:
    for token in (b"", b"\xff\xfe", "a.b.c", "..", b"x" * 200_000):
        report = verify_credential(token, TrustedKeys([]), NOW)
        assert report.result is Result.INVALID
        assert report.checks[0].check == "format" and report.checks[0].ok is False


def test_jwks_round_trip(
    signer: Signer, make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    jwk = {**public_jwk_of(signer), "kid": signer.kid}
    keys = parse_jwks(json.dumps({"keys": [jwk]}).encode()).with_log_keys([memory_log.verifier_key])
    jws = signer.issue(make_claims()).jws
    assert verify_credential(jws, keys, NOW, memory_log.record(jws, keys)).result is Result.VALID


def public_jwk_of(signer: Signer) -> dict[str, str]:
    raw = signer.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return ed25519_public_jwk(raw)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"keys": "x"}, '"keys" array'),
        ({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "A" * 43}]}, "missing kid"),
        ([], '"keys" array'),
    ],
)
def test_bad_jwks_is_refused(document: object, message: str) -> None:
    with pytest.raises(TrustMaterialError, match=message):
        parse_jwks(json.dumps(document).encode())


def test_jwks_kid_must_match_the_key(signer: Signer, make_signer: Callable[..., Signer]) -> None:
    other = make_signer()
    jwk = {**public_jwk_of(other), "kid": signer.kid}
    with pytest.raises(TrustMaterialError, match="thumbprint"):
        parse_jwks(json.dumps({"keys": [jwk]}).encode())
    jwk = {**public_jwk_of(signer), "kid": signer.kid}
    with pytest.raises(TrustMaterialError, match="twice"):
        parse_jwks(json.dumps({"keys": [jwk, jwk]}).encode())


def test_key_from_private_jwk_refused() -> None:
    key_jwk = public_jwk(generate_signing_key())
    with pytest.raises(TrustMaterialError):
        parse_jwks(json.dumps({"keys": [{**key_jwk, "d": "AA", "kid": "urn:x:y#z"}]}).encode())
