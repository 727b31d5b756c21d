"""verify_credential: outcomes, report shape, purity (explicit clock), trusted key loading."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from issuer.signing import Signer, encode_protected_header, sign_compact
from schemas.b64 import b64url_decode
from schemas.credential import CredentialClaims
from tests.conftest import NOW, MemoryLog, trust_for, trusted_with_log
from verifier import (
    CHECKS,
    Result,
    VerifierError,
    verify_credential,
)
from verifier.report import CheckResult, VerificationReport, compact_json


def test_valid_report(
    signer: Signer, make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    issued = signer.issue(make_claims())
    keys = trusted_with_log(memory_log, signer)
    report = verify_credential(issued.jws, keys, NOW, memory_log.record(issued.jws))
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


def test_report_bytes_are_the_report_in_compact_json(
    signer: Signer,
    make_signer: Callable[..., Signer],
    make_claims: Callable[..., CredentialClaims],
    memory_log: MemoryLog,
) -> None:
    issued = [signer.issue(make_claims()) for _ in range(3)]
    keys = trusted_with_log(memory_log, signer)
    reports = [verify_credential(i.jws, keys, NOW, memory_log.record(i.jws)) for i in issued]
    reports += [
        verify_credential(issued[0].jws, keys, NOW),
        verify_credential(issued[0].jws, trust_for(make_signer()), NOW),
        verify_credential(b"not a jws", keys, NOW),
    ]
    assert [r.result for r in reports] == [Result.VALID] * 3 + [
        Result.CANNOT_TELL,
        Result.INVALID,
        Result.INVALID,
    ]
    # The second pass writes every check from the fragments the first one kept.
    for report in reports * 2:
        assert report.to_json_bytes() == compact_json(report.to_json())
    assert len({report.to_json_bytes() for report in reports}) == len(reports)


def test_validity_boundaries_use_the_given_clock(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    token = signer.issue(
        make_claims(issued_on=date(2024, 6, 18), valid_until=date(2025, 6, 17))
    ).jws
    keys = trust_for(signer)
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
    report = verify_credential(token, trust_for(make_signer()), NOW)
    assert [(c.check, c.ok, c.code) for c in report.checks] == [
        ("format", True, "format.ok"),
        ("signature", None, "signature.not_checked"),
        ("issuer_known", False, "issuer_known.unknown_kid"),
        *(
            (name, None, f"{name}.not_checked")
            for name in (
                "key_valid_at_issuance",
                "issuer_in_scope",
                "status",
                "checkpoint_signature",
                "log_inclusion",
                "validity_period",
            )
        ),
    ]
    assert report.result is Result.INVALID
    assert report.credential is not None


def test_cannot_tell_is_never_valid() -> None:
    checks = (
        CheckResult("format", True, "format.ok", ""),
        CheckResult("status", None, "status.list_unavailable", ""),
    )
    report = VerificationReport(checks=checks, credential=None, kid=None)
    assert report.result is Result.CANNOT_TELL
    assert report.to_json()["result"] == "cannot_tell"


def test_naive_now_is_refused(signer: Signer, make_claims: Callable[..., CredentialClaims]) -> None:
    with pytest.raises(VerifierError):
        verify_credential(signer.issue(make_claims()).jws, trust_for(signer), datetime(2026, 1, 1))


def test_garbage_is_a_report_not_an_exception() -> None:
    for token in (b"", b"\xff\xfe", "a.b.c", "..", b"x" * 200_000):
        report = verify_credential(token, trust_for(), NOW)
        assert report.result is Result.INVALID
        assert report.checks[0].check == "format" and report.checks[0].ok is False


def _signed_with(signer: Signer, payload: dict[str, Any]) -> str:
    """``payload`` signed with the signer's registered key and header, however it reads."""
    header = encode_protected_header({"kid": signer.kid, "typ": "vc+jwt", "cty": "vc"})
    return sign_compact(
        json.dumps(payload, ensure_ascii=False).encode("utf-8"), signer._key, header
    )


def _payload(signer: Signer, claims: CredentialClaims) -> dict[str, Any]:
    encoded = signer.prepare(claims).signing_input.split(".")[1]
    document: dict[str, Any] = json.loads(b64url_decode(encoded, "payload"))
    return document


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("validFrom", "9999-12-31T23:00:00Z"),  # the year 10000 on a Beijing day
        ("validFrom", "0001-01-01T00:00:00+01:00"),  # the year 0 in UTC
        ("validUntil", "9999-12-31T23:59:59Z"),
    ],
)
def test_an_instant_past_the_calendars_end_is_malformed_not_a_crash(
    signer: Signer, make_claims: Callable[..., CredentialClaims], member: str, value: str
) -> None:
    document = _payload(signer, make_claims())
    document[member] = value
    report = verify_credential(_signed_with(signer, document), trust_for(signer), NOW)
    assert report.result is Result.INVALID
    assert (report.checks[0].code, report.checks[0].ok) == ("format.credential", False)
    assert member in report.checks[0].message


def test_an_occupation_code_of_the_wrong_form_is_malformed(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    jws = signer.issue(make_claims(occupation_code="6-31-01-3X")).jws
    report = verify_credential(jws, trust_for(signer), NOW)
    assert (report.checks[0].code, report.checks[0].ok) == ("format.credential", False)
    assert "targetCode" in report.checks[0].message


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"level_name": "高级技师"}, "level name '高级技师'"),  # level 4's code, level 1's name
        ({"level_name_en": "senior technician"}, "level name 'senior technician'"),
        ({"occupation_name": "外科医生"}, "occupation name '外科医生'"),
    ],
    ids=["level_zh", "level_en", "occupation"],
)
def test_a_name_other_than_its_codes_is_malformed(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    changes: dict[str, str],
    named: str,
) -> None:
    """The page shows these names: a level-4 certificate must not read 高级技师."""
    report = verify_credential(signer.issue(make_claims(**changes)).jws, trust_for(signer), NOW)
    assert (report.checks[0].code, report.checks[0].ok) == ("format.credential", False)
    assert named in report.checks[0].message


def test_an_occupation_the_shipped_classification_lacks_keeps_its_stated_name(
    signer: Signer, make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    """The verifier ships a sample of the classification; a code outside it is judged by the
    issuer's scope alone, and its name is the issuer's."""
    claims = make_claims(occupation_code="6-31-01-99", occupation_name="某职业")
    jws = signer.issue(claims).jws
    report = verify_credential(
        jws, trusted_with_log(memory_log, signer), NOW, memory_log.record(jws)
    )
    assert report.checks[0].code == "format.ok"
    assert report.credential is not None
    assert report.credential.claims.occupation_name == "某职业"
