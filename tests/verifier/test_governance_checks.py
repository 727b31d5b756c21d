"""The governance checks of ``verify_credential``: ``issuer_known``, ``key_valid_at_issuance``,
``issuer_in_scope``, ``status`` and ``recognition`` (docs/governance.md, "Key windows",
"Compromise", "Issuer status", "Verification outcome").

Every test goes through ``verify_credential`` with real material: Ed25519-signed credentials,
log evidence with a signed checkpoint and a real Merkle inclusion proof (``MemoryLog``, the
approach of ``tests.conftest.MemoryLog`` with a chosen sequencer timestamp), and real
``StatusBits`` lists. Each test asserts the report's result and the check's exact code and
``ok``, and every report a test looks at must render its messages in all three languages.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.signing import Signer, encode_protected_header, sign_compact
from schemas.b64 import b64url_decode, b64url_encode
from schemas.credential import CredentialClaims, format_instant
from schemas.governance import IssuerRecord
from schemas.key_lifecycle import KeyRecord
from schemas.log_entry import (
    LogEvidence,
)
from schemas.scope import IssuerStatusChange, Scope, make_scope, status_history
from schemas.signed_json import AuthorityKey, sign_json
from schemas.status_list import (
    MIN_ENTRIES,
    REVOCATION,
    SUSPENSION,
    StatusBits,
    StatusEntry,
    status_list_credential,
)
from schemas.trust_bundle import STATUS_LIST_TYP, StatusList, TrustBundle, read_status_list
from tests.conftest import (
    CLAIMS,
    NOW,
    TEST_LISTS,
    MemoryLog,
    accredited_everywhere,
    public_jwk,
    status_lists_for,
    trust_for,
)
from verifier import CHECKS, CheckResult, Result, VerificationReport, verify_credential
from verifier.messages import LANGUAGES
from verifier.report import TrustAge, compact_json
from verifier.verify import DEFAULT_MAX_AGE, RECOGNITION

MS = timedelta(milliseconds=1)
SINCE = datetime(2000, 1, 1, tzinfo=UTC)
LOGGED = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
"""The usual log time: 10:00 on 2025-03-01 in Beijing."""
ISSUED_ON = date(2025, 3, 1)
"""The usual certificate date, so ``validFrom`` is 2025-02-28T16:00:00Z."""
VALID_FROM = datetime(2025, 2, 28, 16, tzinfo=UTC)


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


# --- bundles ---------------------------------------------------------------------------------


def key_for(
    signer: Signer,
    valid_from: datetime = SINCE,
    valid_until: datetime | None = None,
    compromised_at: datetime | None = None,
) -> KeyRecord:
    return KeyRecord(signer.kid, public_jwk(signer), valid_from, valid_until, compromised_at)


def issuer_for(
    signer: Signer,
    *,
    key: KeyRecord | None = None,
    scopes: Iterable[Scope] | None = None,
    changes: Iterable[IssuerStatusChange] = (),
) -> IssuerRecord:
    """The signer as an issuer: accredited everywhere since 2000 with one key open since 2000,
    unless ``key`` / ``scopes`` say otherwise, with the status ``changes``."""
    record = accredited_everywhere(signer.issuer_id, key or key_for(signer), signer.issuer_name)
    return replace(
        record,
        scopes=record.scopes if scopes is None else tuple(scopes),
        status_changes=status_history(changes),
    )


def bundle(log: MemoryLog | None, *issuers: IssuerRecord, issued_at: datetime = NOW) -> TrustBundle:
    return trust_for(
        issuers=issuers,
        log_keys=(log.verifier_key,) if log else (),
        issued_at=issued_at,
    )


# --- reading reports -------------------------------------------------------------------------


def readable(report: VerificationReport) -> VerificationReport:
    """``report``, once every check's message renders, non-empty, in every language."""
    for check in report.checks:
        messages = check.messages
        assert set(messages) == set(LANGUAGES), check.code
        assert all(text.strip() for text in messages.values()), check.code
    return report


def check(report: VerificationReport, name: str) -> CheckResult:
    return {c.check: c for c in readable(report).checks}[name]


def outcome(report: VerificationReport, name: str) -> tuple[Result, str, bool | None]:
    """The report's result with the named check's code and ``ok``."""
    found = check(report, name)
    return report.result, found.code, found.ok


def others(report: VerificationReport, name: str) -> list[tuple[str, bool | None]]:
    """The checks other than ``name`` that did not pass."""
    return [(c.code, c.ok) for c in report.checks if c.check != name and c.ok is not True]


def not_false(report: VerificationReport) -> list[str]:
    return [c.code for c in report.checks if c.ok is False]


# --- issuer_in_scope -------------------------------------------------------------------------

SCOPE = make_scope(["6-31-*"], "CN-VQ-5", ["3", "4"], date(2025, 1, 1), date(2025, 12, 31))

SCOPE_MISSES = {
    "occupation": (
        [make_scope(["6-31-02-*", "4-*"], "CN-VQ-5", ["4"], date(2025, 1, 1))],
        "issuer_in_scope.occupation_not_accredited",
    ),
    "level": (
        [make_scope(["6-31-01-03"], "CN-VQ-5", ["3", "5"], date(2025, 1, 1))],
        "issuer_in_scope.level_not_accredited",
    ),
    "framework": (
        [make_scope(["6-31-01-03"], "CN-VQ-8", ["4"], date(2025, 1, 1))],
        "issuer_in_scope.level_not_accredited",
    ),
    "period_ended": (
        [make_scope(["6-31-*"], "CN-VQ-5", ["4"], date(2024, 1, 1), date(2025, 2, 28))],
        "issuer_in_scope.outside_period",
    ),
    "period_not_begun": (
        [make_scope(["6-31-*"], "CN-VQ-5", ["4"], date(2025, 3, 2))],
        "issuer_in_scope.outside_period",
    ),
    "no_scope_at_all": ([], "issuer_in_scope.occupation_not_accredited"),
}


def test_in_scope_at_log_time_is_ok(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=[SCOPE]))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED))
    assert outcome(report, "issuer_in_scope") == (Result.VALID, "issuer_in_scope.ok", True)
    params = check(report, "issuer_in_scope").params
    assert params["period"] == "from 2025-01-01 to 2025-12-31 inclusive"
    assert params["date"] == "2025-03-01"
    assert "电工 6-31-01-03" in check(report, "issuer_in_scope").messages["zh-Hans"]


@pytest.mark.parametrize(("scopes", "code"), SCOPE_MISSES.values(), ids=SCOPE_MISSES.keys())
def test_a_scope_miss_at_log_time_is_invalid(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    scopes: list[Scope],
    code: str,
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=scopes))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED))
    assert outcome(report, "issuer_in_scope") == (Result.INVALID, code, False)
    assert others(report, "issuer_in_scope") == []


def test_each_bundle_answers_scope_for_its_own_directory(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    """Scope decisions are kept per issuer record: a later bundle in which the same issuer has
    lost the scope must not get the earlier bundle's answer, and the earlier one keeps its own."""
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    evidence = log.record(jws, LOGGED)
    before = bundle(log, issuer_for(signer, scopes=[SCOPE]))
    after = bundle(log, issuer_for(signer, scopes=SCOPE_MISSES["occupation"][0]))
    for _ in range(2):
        assert verify_credential(jws, before, NOW, evidence).result == Result.VALID
        assert outcome(verify_credential(jws, after, NOW, evidence), "issuer_in_scope") == (
            Result.INVALID,
            "issuer_in_scope.occupation_not_accredited",
            False,
        )


def test_level_miss_names_the_accredited_levels(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    scopes, _ = SCOPE_MISSES["level"]
    trust = bundle(log, issuer_for(signer, scopes=scopes))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    found = check(verify_credential(jws, trust, NOW, log.record(jws, LOGGED)), "issuer_in_scope")
    assert found.params["levels"] == "3, 5"
    assert found.messages["en"] == (
        "The issuing body is accredited for 电工 6-31-01-03 only at 3, 5, not at 中级工 "
        "(CN-VQ-5 4)."
    )


@pytest.mark.parametrize(
    ("scope", "logged_at", "code"),
    [
        # A period is whole Beijing days: 2025-03-01 begins at 2025-02-28T16:00:00.000Z.
        (make_scope(["6-*"], "CN-VQ-5", ["4"], date(2025, 3, 1)), VALID_FROM - MS, "outside"),
        (make_scope(["6-*"], "CN-VQ-5", ["4"], date(2025, 3, 1)), VALID_FROM, "ok"),
        (
            make_scope(["6-*"], "CN-VQ-5", ["4"], date(2024, 3, 1), date(2025, 3, 1)),
            VALID_FROM + timedelta(days=1) - MS,
            "ok",
        ),
        (
            make_scope(["6-*"], "CN-VQ-5", ["4"], date(2024, 3, 1), date(2025, 3, 1)),
            VALID_FROM + timedelta(days=1),
            "outside",
        ),
    ],
    ids=["ms_before_first_day", "first_day", "last_ms_of_last_day", "day_after"],
)
def test_the_scope_period_is_judged_on_the_beijing_day_of_the_log_time(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    scope: Scope,
    logged_at: datetime,
    code: str,
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=[scope]))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW, log.record(jws, logged_at))
    expected = (
        (Result.VALID, "issuer_in_scope.ok", True)
        if code == "ok"
        else (Result.INVALID, "issuer_in_scope.outside_period", False)
    )
    assert outcome(report, "issuer_in_scope") == expected


def test_with_evidence_the_log_time_decides_the_scope_not_valid_from(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=[SCOPE]))
    # Dated before the accreditation began, but logged inside it.
    early = signer.issue(make_claims(issued_on=date(2024, 12, 31))).jws
    assert outcome(
        verify_credential(early, trust, NOW, log.record(early, LOGGED)), "issuer_in_scope"
    ) == (Result.VALID, "issuer_in_scope.ok", True)
    assert outcome(verify_credential(early, trust, NOW), "issuer_in_scope") == (
        Result.CANNOT_TELL,
        "issuer_in_scope.outside_period",
        None,
    )
    # Dated inside the accreditation, but logged after it ended.
    late = signer.issue(make_claims(issued_on=date(2025, 12, 31))).jws
    logged_late = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 in Beijing
    report = verify_credential(late, trust, NOW, log.record(late, logged_late))
    assert outcome(report, "issuer_in_scope") == (
        Result.INVALID,
        "issuer_in_scope.outside_period",
        False,
    )
    assert check(report, "issuer_in_scope").params["date"] == "2026-01-01"


def _change(status: str, at: datetime) -> IssuerStatusChange:
    return IssuerStatusChange(status, at, f"{status} by the authority")  # type: ignore[arg-type]


ISSUER_STATUS_CASES = {
    "suspended_at_log_time": ([_change("suspended", LOGGED)], "issuer_in_scope.suspended"),
    "suspended_before": (
        [_change("suspended", LOGGED - timedelta(days=30))],
        "issuer_in_scope.suspended",
    ),
    "withdrawn_before": (
        [_change("withdrawn", LOGGED - timedelta(days=30))],
        "issuer_in_scope.withdrawn",
    ),
    "withdrawn_at_log_time": ([_change("withdrawn", LOGGED)], "issuer_in_scope.withdrawn"),
    "suspended_after_log_time": ([_change("suspended", LOGGED + MS)], "issuer_in_scope.ok"),
    "withdrawn_after_log_time": ([_change("withdrawn", LOGGED + MS)], "issuer_in_scope.ok"),
    "reinstated_at_log_time": (
        [_change("suspended", LOGGED - timedelta(days=3)), _change("active", LOGGED)],
        "issuer_in_scope.ok",
    ),
    "reinstated_just_after_log_time": (
        [_change("suspended", LOGGED - timedelta(days=3)), _change("active", LOGGED + MS)],
        "issuer_in_scope.suspended",
    ),
    "suspended_and_withdrawn_later": (
        [_change("suspended", LOGGED + MS), _change("withdrawn", LOGGED + timedelta(days=9))],
        "issuer_in_scope.ok",
    ),
}


@pytest.mark.parametrize(
    ("changes", "code"), ISSUER_STATUS_CASES.values(), ids=ISSUER_STATUS_CASES.keys()
)
def test_issuer_status_is_judged_at_log_time_and_is_not_retroactive(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    changes: list[IssuerStatusChange],
    code: str,
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=[SCOPE], changes=changes))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED))
    expected = (Result.VALID, code, True) if code.endswith(".ok") else (Result.INVALID, code, False)
    assert outcome(report, "issuer_in_scope") == expected
    assert others(report, "issuer_in_scope") == []


def test_withdrawn_message_names_the_withdrawal_date(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    withdrawn = datetime(2025, 1, 10, 4, tzinfo=UTC)
    trust = bundle(log, issuer_for(signer, changes=[_change("withdrawn", withdrawn)]))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    found = check(verify_credential(jws, trust, NOW, log.record(jws, LOGGED)), "issuer_in_scope")
    assert found.code == "issuer_in_scope.withdrawn"
    assert found.params["since"] == "2025-01-10"
    assert "2025-01-10" in found.messages["zh-Hans"]


NO_EVIDENCE_MISSES = {
    **{name: (scopes, [], code) for name, (scopes, code) in SCOPE_MISSES.items()},
    "suspended_at_valid_from": (
        [SCOPE],
        [_change("suspended", VALID_FROM)],
        "issuer_in_scope.suspended",
    ),
    "withdrawn_before_valid_from": (
        [SCOPE],
        [_change("withdrawn", VALID_FROM - MS)],
        "issuer_in_scope.withdrawn",
    ),
}


@pytest.mark.parametrize(
    ("scopes", "changes", "code"), NO_EVIDENCE_MISSES.values(), ids=NO_EVIDENCE_MISSES.keys()
)
def test_without_evidence_a_scope_or_status_miss_cannot_be_told(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    scopes: list[Scope],
    changes: list[IssuerStatusChange],
    code: str,
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=scopes, changes=changes))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW)
    assert outcome(report, "issuer_in_scope") == (Result.CANNOT_TELL, code, None)
    assert not_false(report) == []


@pytest.mark.parametrize(
    "changes",
    [[], [_change("suspended", VALID_FROM + MS)], [_change("withdrawn", VALID_FROM + MS)]],
    ids=["active", "suspended_after_valid_from", "withdrawn_after_valid_from"],
)
def test_without_evidence_in_scope_is_never_valid(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    changes: list[IssuerStatusChange],
) -> None:
    trust = bundle(log, issuer_for(signer, scopes=[SCOPE], changes=changes))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW)
    assert outcome(report, "issuer_in_scope") == (Result.CANNOT_TELL, "issuer_in_scope.ok", True)
    assert others(report, "issuer_in_scope") == [
        ("checkpoint_signature.not_checked", None),
        ("log_inclusion.no_evidence", None),
    ]


# --- key_valid_at_issuance -------------------------------------------------------------------

KEY_FROM = datetime(2025, 3, 1, 1, 2, 3, 456_000, tzinfo=UTC)
ROTATED = datetime(2025, 6, 1, 7, 8, 9, 123_000, tzinfo=UTC)
COMPROMISED = datetime(2025, 4, 1, 0, 0, 0, 1_000, tzinfo=UTC)
DAY = timedelta(days=1)

KEY_CASES = {
    "ms_before_window": ({}, KEY_FROM - MS, "not_yet_valid"),
    "window_opens": ({}, KEY_FROM, "ok"),
    "last_ms_before_rotation": ({"valid_until": ROTATED}, ROTATED - MS, "ok"),
    "at_rotation": ({"valid_until": ROTATED}, ROTATED, "expired"),
    "after_rotation": ({"valid_until": ROTATED}, ROTATED + DAY, "expired"),
    "ms_before_compromise": ({"compromised_at": COMPROMISED}, COMPROMISED - MS, "ok"),
    "at_compromise": ({"compromised_at": COMPROMISED}, COMPROMISED, "compromised"),
    "ms_after_compromise": ({"compromised_at": COMPROMISED}, COMPROMISED + MS, "compromised"),
    "compromise_judged_before_window_end": (
        {"valid_until": ROTATED, "compromised_at": COMPROMISED},
        ROTATED + DAY,
        "compromised",
    ),
    "leaked_before_registration": (
        {"compromised_at": KEY_FROM - DAY},
        KEY_FROM + DAY,
        "compromised",
    ),
    "retired_key_stolen_later": (
        {"valid_until": ROTATED, "compromised_at": ROTATED + 365 * DAY},
        ROTATED - MS,
        "ok",
    ),
    "window_miss_before_compromise": (
        {"compromised_at": KEY_FROM + DAY},
        KEY_FROM - MS,
        "not_yet_valid",
    ),
}


@pytest.mark.parametrize(
    ("window", "logged_at", "expected"), KEY_CASES.values(), ids=KEY_CASES.keys()
)
def test_key_window_and_compromise_are_judged_at_log_time(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    window: dict[str, datetime],
    logged_at: datetime,
    expected: str,
) -> None:
    # validFrom (2025-02-28T16:00Z) lies before the key's window: with evidence it is ignored.
    trust = bundle(log, issuer_for(signer, key=key_for(signer, KEY_FROM, **window)))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    report = verify_credential(jws, trust, NOW, log.record(jws, logged_at))
    code = f"key_valid_at_issuance.{expected}"
    ok = expected == "ok"
    result = Result.VALID if ok else Result.INVALID
    assert outcome(report, "key_valid_at_issuance") == (result, code, ok)
    assert others(report, "key_valid_at_issuance") == []
    params = check(report, "key_valid_at_issuance").params
    assert params["kid"] == signer.kid


def test_key_failure_messages_name_the_millisecond_times(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    key = key_for(signer, KEY_FROM, ROTATED, COMPROMISED)
    trust = bundle(log, issuer_for(signer, key=key))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    found = check(
        verify_credential(jws, trust, NOW, log.record(jws, COMPROMISED)), "key_valid_at_issuance"
    )
    assert found.code == "key_valid_at_issuance.compromised"
    assert found.params == {
        "kid": signer.kid,
        "valid_from": "2025-03-01T01:02:03.456Z",
        "valid_until": "2025-06-01T07:08:09.123Z",
        "compromised_at": "2025-04-01T00:00:00.001Z",
    }
    assert "2025-04-01T00:00:00.001Z" in found.messages["en"]
    assert signer.kid in found.messages["zh-Hant"]


def test_compromised_key_without_evidence_cannot_be_told(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    # The credential is dated well before the compromise: its own date proves nothing.
    key = key_for(signer, SINCE, compromised_at=COMPROMISED)
    trust = bundle(log, issuer_for(signer, key=key))
    jws = signer.issue(make_claims(issued_on=date(2024, 6, 18))).jws
    report = verify_credential(jws, trust, NOW)
    assert outcome(report, "key_valid_at_issuance") == (
        Result.CANNOT_TELL,
        "key_valid_at_issuance.compromised_no_log_evidence",
        None,
    )
    assert not_false(report) == []
    assert "2025-04-01T00:00:00.001Z" in check(report, "key_valid_at_issuance").messages["en"]
    # Evidence that it was logged a millisecond before the compromise settles it.
    evidence = log.record(jws, COMPROMISED - MS)
    assert outcome(verify_credential(jws, trust, NOW, evidence), "key_valid_at_issuance") == (
        Result.VALID,
        "key_valid_at_issuance.ok",
        True,
    )


def test_evidence_that_cannot_be_checked_does_not_settle_a_compromise(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    key = key_for(signer, SINCE, compromised_at=COMPROMISED)
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    evidence = log.record(jws, COMPROMISED + DAY)
    no_log_key = bundle(None, issuer_for(signer, key=key))
    report = verify_credential(jws, no_log_key, NOW, evidence)
    assert outcome(report, "key_valid_at_issuance") == (
        Result.CANNOT_TELL,
        "key_valid_at_issuance.compromised_no_log_evidence",
        None,
    )
    assert outcome(report, "checkpoint_signature") == (
        Result.CANNOT_TELL,
        "checkpoint_signature.no_log_key",
        None,
    )


@pytest.mark.parametrize(
    ("window", "issued_on", "code", "ok"),
    [
        ({}, ISSUED_ON, "key_valid_at_issuance.not_yet_valid", None),
        ({}, date(2025, 3, 2), "key_valid_at_issuance.ok", True),
        ({"valid_until": ROTATED}, date(2025, 6, 2), "key_valid_at_issuance.expired", None),
        ({"valid_until": ROTATED}, date(2025, 6, 1), "key_valid_at_issuance.ok", True),
    ],
    ids=["dated_before_window", "dated_inside", "dated_after_rotation", "dated_rotation_day"],
)
def test_without_evidence_the_window_is_judged_at_valid_from_and_never_invalid(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    window: dict[str, datetime],
    issued_on: date,
    code: str,
    ok: bool | None,
) -> None:
    trust = bundle(log, issuer_for(signer, key=key_for(signer, KEY_FROM, **window)))
    jws = signer.issue(make_claims(issued_on=issued_on)).jws
    report = verify_credential(jws, trust, NOW)
    assert outcome(report, "key_valid_at_issuance") == (Result.CANNOT_TELL, code, ok)
    assert not_false(report) == []


def test_dated_before_the_window_but_logged_inside_is_ok(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    """docs/governance.md: with log evidence, ``validFrom`` is ignored for the window."""
    trust = bundle(log, issuer_for(signer, key=key_for(signer, KEY_FROM)))
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    assert outcome(verify_credential(jws, trust, NOW), "key_valid_at_issuance") == (
        Result.CANNOT_TELL,
        "key_valid_at_issuance.not_yet_valid",
        None,
    )
    report = verify_credential(jws, trust, NOW, log.record(jws, KEY_FROM + MS))
    assert outcome(report, "key_valid_at_issuance") == (
        Result.VALID,
        "key_valid_at_issuance.ok",
        True,
    )


# --- issuer_known ----------------------------------------------------------------------------


def test_an_unknown_kid_is_invalid(
    signer: Signer, make_signer: Callable[..., Signer], make_claims: Callable[..., CredentialClaims]
) -> None:
    stranger = make_signer()  # same issuer id, a key the registry never saw
    jws = stranger.issue(make_claims()).jws
    report = verify_credential(jws, trust_for(signer), NOW)
    assert outcome(report, "issuer_known") == (Result.INVALID, "issuer_known.unknown_kid", False)
    assert check(report, "issuer_known").params == {"kid": stranger.kid}
    assert stranger.kid in check(report, "issuer_known").messages["en"]
    assert outcome(report, "signature") == (Result.INVALID, "signature.not_checked", None)


def test_another_issuers_kid_is_an_issuer_mismatch(
    make_claims: Callable[..., CredentialClaims],
) -> None:
    named = Signer(
        "urn:skillcert:issuer:named-on-certificate", "甲鉴定中心", Ed25519PrivateKey.generate()
    )
    other_key = Ed25519PrivateKey.generate()
    other = Signer("urn:skillcert:issuer:owner-of-key", "乙鉴定中心", other_key)
    # The certificate names the first issuer; its header names, and the signature is made
    # with, the second issuer's registered key.
    payload = b64url_decode(named.prepare(make_claims()).signing_input.split(".")[1], "payload")
    header = encode_protected_header({"kid": other.kid, "typ": "vc+jwt", "cty": "vc"})
    jws = sign_compact(payload, other_key, header)
    report = verify_credential(jws, trust_for(named, other), NOW)
    assert outcome(report, "issuer_known") == (
        Result.INVALID,
        "issuer_known.issuer_mismatch",
        False,
    )
    assert check(report, "issuer_known").params == {"kid": other.kid, "issuer": named.issuer_id}
    assert outcome(report, "signature") == (Result.INVALID, "signature.not_checked", None)


def test_an_issuer_name_other_than_the_directorys_is_invalid(
    signer: Signer, make_signer: Callable[..., Signer], make_claims: Callable[..., CredentialClaims]
) -> None:
    """A registered key cannot lend its credentials another body's name: the page shows it."""
    impostor = Signer(signer.issuer_id, "人力资源和社会保障部", signer._key)
    report = verify_credential(impostor.issue(make_claims()).jws, trust_for(signer), NOW)
    assert outcome(report, "issuer_known") == (
        Result.INVALID,
        "issuer_known.name_mismatch",
        False,
    )
    assert check(report, "issuer_known").params == {
        "issuer": signer.issuer_name,
        "stated": "人力资源和社会保障部",
    }
    assert "人力资源和社会保障部" in check(report, "issuer_known").messages["zh-Hans"]
    assert outcome(report, "signature") == (Result.INVALID, "signature.not_checked", None)


def test_an_issuer_missing_from_the_directory_is_invalid(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    trust = trust_for(signer)
    assert signer.kid in trust.keys
    without_issuer = replace(trust, issuers={})
    report = verify_credential(signer.issue(make_claims()).jws, without_issuer, NOW)
    assert outcome(report, "issuer_known") == (
        Result.INVALID,
        "issuer_known.unknown_issuer",
        False,
    )
    assert check(report, "issuer_known").params == {"issuer": signer.issuer_id}


# --- status ----------------------------------------------------------------------------------


@pytest.fixture
def logged_trust(signer: Signer, log: MemoryLog) -> Callable[..., tuple[TrustBundle, LogEvidence]]:
    """A bundle with the signer and log key, and evidence for ``jws`` logged at ``LOGGED``."""

    def make(jws: str, **changes: object) -> tuple[TrustBundle, LogEvidence]:
        trust = replace(bundle(log, issuer_for(signer)), **changes)  # type: ignore[arg-type]
        return trust, log.record(jws, LOGGED)

    return make


def test_status_not_set_is_ok(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    logged_trust: Callable[..., tuple[TrustBundle, LogEvidence]],
) -> None:
    jws = signer.issue(make_claims()).jws
    trust, evidence = logged_trust(jws)
    report = verify_credential(jws, trust, NOW, evidence)
    assert outcome(report, "status") == (Result.VALID, "status.ok", True)
    assert check(report, "status").params == {"checked_at": "2026-01-01T00:00:00Z"}


def _lists(
    revoked: int | None = None, suspended: int | None = None
) -> dict[tuple[str, str], StatusList]:
    lists = status_lists_for()
    for purpose, index in ((REVOCATION, revoked), (SUSPENSION, suspended)):
        if index is not None:
            lists[(TEST_LISTS[purpose], purpose)].bits.set(index, True)
    return lists


@pytest.mark.parametrize(
    ("lists", "code", "ok", "result"),
    [
        (_lists(revoked=7), "status.revoked", False, Result.INVALID),
        (_lists(suspended=7), "status.suspended", False, Result.INVALID),
        (_lists(revoked=7, suspended=7), "status.revoked", False, Result.INVALID),
        (_lists(revoked=6, suspended=8), "status.ok", True, Result.VALID),
        ({}, "status.list_unavailable", None, Result.CANNOT_TELL),
        (
            {k: v for k, v in _lists().items() if k[1] == REVOCATION},
            "status.list_unavailable",
            None,
            Result.CANNOT_TELL,
        ),
    ],
    ids=["revoked", "suspended", "both", "neighbours", "no_lists", "no_suspension_list"],
)
def test_status_bits_of_the_bundle(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    logged_trust: Callable[..., tuple[TrustBundle, LogEvidence]],
    lists: dict[tuple[str, str], StatusList],
    code: str,
    ok: bool | None,
    result: Result,
) -> None:
    jws = signer.issue(make_claims()).jws  # bit 7 of both test lists
    trust, evidence = logged_trust(jws, status_lists=lists)
    report = verify_credential(jws, trust, NOW, evidence)
    assert outcome(report, "status") == (result, code, ok)
    assert others(report, "status") == []


def test_a_credential_pointing_at_an_unknown_list_cannot_be_told(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    logged_trust: Callable[..., tuple[TrustBundle, LogEvidence]],
) -> None:
    elsewhere = StatusEntry(REVOCATION, 7, "https://registry.test/v1/status/99-revocation")
    jws = signer.issue(make_claims(status=(elsewhere,))).jws
    trust, evidence = logged_trust(jws)
    report = verify_credential(jws, trust, NOW, evidence)
    assert outcome(report, "status") == (Result.CANNOT_TELL, "status.list_unavailable", None)


def _encoded(raw: bytes) -> StatusBits:
    """Bits read from an ``encodedList`` built from raw bytes, as W3C §3.3 writes it (GZIP,
    base64url, multibase ``u``), without going through ``StatusBits.set``."""
    return StatusBits.decode("u" + b64url_encode(gzip.compress(raw)))


def _raw_with(index: int, *, only: bool) -> bytes:
    """A 131,072-entry list with only bit ``index`` set, or with every bit but ``index``
    (bit 0 is the most significant bit of byte 0)."""
    raw = bytearray((b"\x00" if only else b"\xff") * (MIN_ENTRIES // 8))
    raw[index // 8] ^= 0x80 >> (index % 8)
    return bytes(raw)


AUTHORITY_KEY = Ed25519PrivateKey.generate()
AUTHORITY = AuthorityKey.from_public_key(AUTHORITY_KEY.public_key())


def signed_list(purpose: str, bits: StatusBits, valid_from: datetime) -> StatusList:
    """A status list credential signed by the authority and read back as a verifier does."""
    document = status_list_credential(
        list_id=TEST_LISTS[purpose],
        issuer="urn:skillcert:authority",
        purpose=purpose,
        bits=bits,
        valid_from=valid_from,
    )
    return read_status_list(sign_json(document, AUTHORITY_KEY, STATUS_LIST_TYP), AUTHORITY, "list")


@pytest.mark.parametrize("index", [0, 1, 8, MIN_ENTRIES - 1], ids=["first", "1", "8", "last"])
@pytest.mark.parametrize("purpose", [REVOCATION, SUSPENSION])
def test_the_bit_checked_is_the_credentials_index(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    purpose: str,
    index: int,
) -> None:
    entries = tuple(StatusEntry(p, index, TEST_LISTS[p]) for p in (REVOCATION, SUSPENSION))
    jws = signer.issue(make_claims(status=entries)).jws
    trust = bundle(log, issuer_for(signer))
    evidence = log.record(jws, LOGGED)
    fresh = NOW  # as new as the bundle's lists: a fetched list is used unless it is older
    other = SUSPENSION if purpose == REVOCATION else REVOCATION
    empty = signed_list(other, StatusBits(), fresh)

    def verify(raw: bytes) -> VerificationReport:
        lists = {
            (TEST_LISTS[purpose], purpose): signed_list(purpose, _encoded(raw), fresh),
            (TEST_LISTS[other], other): empty,
        }
        return verify_credential(jws, trust, NOW, evidence, status_lists=lists)

    flagged = f"status.{'revoked' if purpose == REVOCATION else 'suspended'}"
    assert outcome(verify(_raw_with(index, only=True)), "status") == (
        Result.INVALID,
        flagged,
        False,
    )
    report = verify(_raw_with(index, only=False))
    assert outcome(report, "status") == (Result.VALID, "status.ok", True)
    assert check(report, "status").params == {"checked_at": format_instant(fresh)}


def test_fresher_lists_given_by_the_caller_are_used(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    jws = signer.issue(make_claims()).jws  # bit 7
    stale_bundle = bundle(log, issuer_for(signer), issued_at=NOW - 3 * DAY)
    evidence = log.record(jws, LOGGED)
    assert outcome(verify_credential(jws, stale_bundle, NOW, evidence), "status") == (
        Result.CANNOT_TELL,
        "status.stale",
        None,
    )
    bits = StatusBits()
    bits.set(7, True)
    fresh = {
        (TEST_LISTS[REVOCATION], REVOCATION): signed_list(REVOCATION, bits, NOW - MS * 1000),
        (TEST_LISTS[SUSPENSION], SUSPENSION): signed_list(SUSPENSION, StatusBits(), NOW),
    }
    report = verify_credential(jws, stale_bundle, NOW, evidence, status_lists=fresh)
    assert outcome(report, "status") == (Result.INVALID, "status.revoked", False)
    assert check(report, "status").params == {"checked_at": "2025-12-31T23:59:59Z"}


def test_a_list_handed_in_under_another_lists_url_is_not_used(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    jws = signer.issue(make_claims()).jws  # bit 7 of list 1
    evidence = log.record(jws, LOGGED)
    trust = replace(bundle(log, issuer_for(signer)), status_lists=status_lists_for({7}))
    other = "https://registry.test/v1/status/2-revocation"
    genuine_list_2 = replace(signed_list(REVOCATION, StatusBits(), NOW), url=other)
    substitute = {(TEST_LISTS[REVOCATION], REVOCATION): genuine_list_2}
    report = verify_credential(jws, trust, NOW, evidence, status_lists=substitute)
    assert outcome(report, "status") == (Result.INVALID, "status.revoked", False)


def test_an_older_fetched_list_does_not_hide_the_bundles_revocation(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    jws = signer.issue(make_claims()).jws  # bit 7
    evidence = log.record(jws, LOGGED)
    trust = replace(bundle(log, issuer_for(signer)), status_lists=status_lists_for({7}))
    older = status_lists_for(valid_from=NOW - DAY / 2)
    report = verify_credential(jws, trust, NOW, evidence, status_lists=older)
    assert outcome(report, "status") == (Result.INVALID, "status.revoked", False)


@pytest.mark.parametrize(
    ("age", "max_age", "code"),
    [
        (DEFAULT_MAX_AGE, DEFAULT_MAX_AGE, "status.ok"),
        (DEFAULT_MAX_AGE + timedelta(seconds=1), DEFAULT_MAX_AGE, "status.stale"),
        (timedelta(days=400), DEFAULT_MAX_AGE, "status.stale"),
        (timedelta(days=400), None, "status.ok"),
        (timedelta(hours=3), timedelta(hours=1), "status.stale"),
        (-timedelta(days=5), DEFAULT_MAX_AGE, "status.ok"),
    ],
    ids=["exactly_max_age", "second_past", "old", "no_bound", "custom_bound", "from_the_future"],
)
def test_status_staleness(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    age: timedelta,
    max_age: timedelta | None,
    code: str,
) -> None:
    jws = signer.issue(make_claims()).jws
    trust = bundle(log, issuer_for(signer), issued_at=NOW - age)
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED), max_age=max_age)
    stale = code == "status.stale"
    expected = (Result.CANNOT_TELL, code, None) if stale else (Result.VALID, code, True)
    assert outcome(report, "status") == expected
    assert others(report, "status") == []
    assert report.trust is not None
    assert report.trust.stale is stale


@pytest.mark.parametrize(
    ("lists", "code", "result"),
    [
        (_lists(revoked=7), "status.revoked", Result.INVALID),
        (_lists(suspended=7), "status.stale", Result.CANNOT_TELL),
        (_lists(), "status.stale", Result.CANNOT_TELL),
    ],
    ids=["revoked", "suspended", "neither"],
)
def test_a_revocation_in_a_stale_list_is_still_a_revocation(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    lists: dict[tuple[str, str], StatusList],
    code: str,
    result: Result,
) -> None:
    """Revocation is final, so an old list that has the bit set settles it; a suspension in an
    old list may have been lifted since, so that one cannot be told."""
    jws = signer.issue(make_claims()).jws
    old = NOW - timedelta(days=3)
    trust = replace(
        bundle(log, issuer_for(signer), issued_at=old),
        status_lists={key: replace(found, valid_from=old) for key, found in lists.items()},
    )
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED))
    assert outcome(report, "status")[:2] == (result, code)
    assert report.result is result


def test_stale_names_the_age_and_the_limit(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    jws = signer.issue(make_claims()).jws
    trust = bundle(log, issuer_for(signer), issued_at=NOW - timedelta(days=2, hours=5))
    found = check(verify_credential(jws, trust, NOW, log.record(jws, LOGGED)), "status")
    assert found.code == "status.stale"
    assert found.params == {"age": "2 d 5 h", "limit": "1 d 0 h"}
    assert "2 d 5 h" in found.messages["zh-Hans"]


@pytest.mark.parametrize(
    ("issued_at", "max_age", "expected"),
    [
        (
            NOW - timedelta(hours=3),
            DEFAULT_MAX_AGE,
            TrustAge(NOW - timedelta(hours=3), 10_800, 86_400),
        ),
        (
            NOW - timedelta(hours=3),
            timedelta(hours=1),
            TrustAge(NOW - timedelta(hours=3), 10_800, 3_600),
        ),
        (NOW - timedelta(days=30), None, TrustAge(NOW - timedelta(days=30), 2_592_000, None)),
        (NOW + timedelta(hours=2), DEFAULT_MAX_AGE, TrustAge(NOW + timedelta(hours=2), 0, 86_400)),
    ],
    ids=["fresh", "past_custom_bound", "unbounded", "bundle_after_now"],
)
def test_the_report_states_the_trust_age(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    issued_at: datetime,
    max_age: timedelta | None,
    expected: TrustAge,
) -> None:
    trust = trust_for(signer, issued_at=issued_at)
    report = verify_credential(signer.issue(make_claims()).jws, trust, NOW, max_age=max_age)
    assert report.trust == expected
    assert report.to_json()["trust_bundle"] == {
        "issued_at": format_instant(issued_at),
        "age_seconds": expected.age_seconds,
        "max_age_seconds": expected.max_age_seconds,
        "stale": expected.stale,
    }
    assert check(report, "status").code == ("status.stale" if expected.stale else "status.ok")


def test_the_trust_age_and_the_status_check_agree_on_staleness(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    trust = trust_for(signer, issued_at=NOW - DEFAULT_MAX_AGE - 500 * MS)
    report = verify_credential(signer.issue(make_claims()).jws, trust, NOW)
    assert check(report, "status").code == "status.stale"
    assert report.trust is not None
    assert report.trust.stale is True


# --- recognition -----------------------------------------------------------------------------

HKQF_MAPPING = "urn:skillcert:mapping:cn-vq-5-to-hkqf"


@pytest.mark.parametrize(
    ("now", "version"),
    [(NOW, 2), (datetime(2025, 6, 1, tzinfo=UTC), 1)],
    ids=["v2_in_effect", "v1_in_effect"],
)
def test_recognized(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    now: datetime,
    version: int,
) -> None:
    jws = signer.issue(make_claims()).jws  # CN-VQ-5 level 4, 6-31-01-03
    trust = bundle(log, issuer_for(signer), issued_at=now)
    report = verify_credential(jws, trust, now, log.record(jws, LOGGED), target="HKQF")
    assert outcome(report, RECOGNITION) == (Result.VALID, "recognition.recognized", True)
    found = check(report, RECOGNITION)
    assert found.params["mapping"] == HKQF_MAPPING
    assert found.params["version"] == str(version)
    assert found.params["target_framework"] == "HKQF"
    assert HKQF_MAPPING in found.messages["en"] and f"version {version}" in found.messages["en"]
    assert f"第 {version} 版" in found.messages["zh-Hans"]
    answer = report.recognition
    assert answer is not None and answer.mapping is not None and answer.target_level is not None
    assert (answer.mapping.id, answer.mapping.version) == (HKQF_MAPPING, version)
    assert answer.target_level.code == "2"
    assert found.params["target_level"] == answer.target_level.name["en"]
    assert report.to_json()["recognition"]["outcome"] == "recognized"
    assert report.to_json_bytes() == compact_json(report.to_json())


def test_no_comparable_level_is_an_answer(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    claims = make_claims(
        framework="CN-VQ-8",
        level_code="apprentice",
        level_name="学徒工",
        level_name_en="apprentice",
    )
    jws = signer.issue(claims).jws
    trust = bundle(log, issuer_for(signer))
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED), target="HKQF")
    assert outcome(report, RECOGNITION) == (Result.VALID, "recognition.no_comparable_level", True)
    found = check(report, RECOGNITION)
    assert found.params["mapping"] == "urn:skillcert:mapping:cn-vq-8-to-hkqf"
    assert found.params["version"] == "1"
    assert "urn:skillcert:mapping:cn-vq-8-to-hkqf" in found.messages["zh-Hant"]
    assert report.recognition is not None and report.recognition.target_level is None


@pytest.mark.parametrize("target", ["CN-VQ-8", "MO-VSR-UNKNOWN"], ids=["no_mapping", "unknown"])
def test_not_applicable_makes_an_otherwise_valid_report_cannot_tell(
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    log: MemoryLog,
    target: str,
) -> None:
    jws = signer.issue(make_claims()).jws
    trust = bundle(log, issuer_for(signer))
    evidence = log.record(jws, LOGGED)
    assert verify_credential(jws, trust, NOW, evidence).result is Result.VALID
    report = verify_credential(jws, trust, NOW, evidence, target=target)
    assert outcome(report, RECOGNITION) == (
        Result.CANNOT_TELL,
        "recognition.not_applicable",
        None,
    )
    assert others(report, RECOGNITION) == []
    assert target in check(report, RECOGNITION).messages["en"]


def test_recognition_is_not_asked_of_a_credential_that_is_not_genuine(
    signer: Signer, make_signer: Callable[..., Signer], make_claims: Callable[..., CredentialClaims]
) -> None:
    jws = signer.issue(make_claims()).jws
    report = verify_credential(jws, trust_for(make_signer()), NOW, target="HKQF")
    assert outcome(report, RECOGNITION) == (Result.INVALID, "recognition.not_checked", None)
    assert report.recognition is None


# --- messages --------------------------------------------------------------------------------


def test_every_check_of_a_full_report_is_told_in_every_language(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    jws = signer.issue(make_claims()).jws
    trust = bundle(log, issuer_for(signer))
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED), target="HKQF")
    assert report.result is Result.VALID
    document = report.to_json()
    assert [c["check"] for c in document["checks"]] == [*CHECKS, RECOGNITION]
    for item in document["checks"]:
        assert item["ok"] is True
        assert set(item["messages"]) == {"en", "zh-Hans", "zh-Hant"}
        for lang, text in item["messages"].items():
            assert text.strip(), (item["code"], lang)
            assert "{" not in text, (item["code"], lang)
        # Each language says something different (no copy of the English left behind).
        assert len(set(item["messages"].values())) == 3, item["code"]


def test_every_failed_governance_check_is_told_in_every_language(
    signer: Signer, make_claims: Callable[..., CredentialClaims], log: MemoryLog
) -> None:
    """One report with every governance check failing at once renders in full."""
    key = key_for(signer, SINCE, compromised_at=LOGGED - DAY)
    issuer = issuer_for(
        signer, key=key, scopes=[SCOPE], changes=[_change("withdrawn", LOGGED - DAY)]
    )
    jws = signer.issue(make_claims(issued_on=ISSUED_ON)).jws
    trust = bundle(log, issuer, issued_at=NOW - 9 * DAY)
    report = verify_credential(jws, trust, NOW, log.record(jws, LOGGED), target="CN-VQ-8")
    assert [(c.check, c.code) for c in readable(report).checks if c.ok is not True] == [
        ("key_valid_at_issuance", "key_valid_at_issuance.compromised"),
        ("issuer_in_scope", "issuer_in_scope.withdrawn"),
        ("status", "status.stale"),
        (RECOGNITION, "recognition.not_applicable"),
    ]
    assert report.result is Result.INVALID


# --- property: the key rule of docs/governance.md --------------------------------------------

_PROPERTY_SIGNER = Signer(
    "urn:skillcert:issuer:property-test", "性质测试中心", Ed25519PrivateKey.generate()
)
_PROPERTY_BASE = datetime(2025, 3, 1, tzinfo=UTC)
_offsets = st.integers(min_value=0, max_value=2_000)


def _model(logged: int, valid_from: int, valid_until: int | None, compromised: int | None) -> str:
    """docs/governance.md, "Key windows" and "Compromise", in four lines."""
    if compromised is not None and logged >= compromised:
        return "compromised"
    if logged < valid_from:
        return "not_yet_valid"
    if valid_until is not None and logged >= valid_until:
        return "expired"
    return "ok"


def _property_claims() -> CredentialClaims:
    return replace(CLAIMS, issued_on=date(2025, 3, 1))


_PROPERTY_JWS = _PROPERTY_SIGNER.issue(_property_claims()).jws


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid_from=_offsets,
    length=st.none() | st.integers(min_value=1, max_value=2_000),
    compromised=st.none() | _offsets,
    data=st.data(),
)
def test_key_check_follows_the_documented_rule(
    valid_from: int, length: int | None, compromised: int | None, data: st.DataObject
) -> None:
    valid_until = None if length is None else valid_from + length
    # A random log time, or one on a boundary of the window or the compromise, or 1 ms off it.
    edges = [b for b in (valid_from, valid_until, compromised) if b is not None]
    boundaries = [b + d for b in edges for d in (-1, 0, 1) if b + d >= 0]
    logged = data.draw(_offsets | st.sampled_from(boundaries), label="logged")

    def at(offset: int | None) -> datetime | None:
        return None if offset is None else _PROPERTY_BASE + offset * MS

    start = at(valid_from)
    assert start is not None
    key = key_for(_PROPERTY_SIGNER, start, at(valid_until), at(compromised))
    log = MemoryLog()
    trust = bundle(log, issuer_for(_PROPERTY_SIGNER, key=key))
    logged_at = at(logged)
    assert logged_at is not None
    report = verify_credential(_PROPERTY_JWS, trust, NOW, log.record(_PROPERTY_JWS, logged_at))
    expected = _model(logged, valid_from, valid_until, compromised)
    ok = expected == "ok"
    assert outcome(report, "key_valid_at_issuance") == (
        Result.VALID if ok else Result.INVALID,
        f"key_valid_at_issuance.{expected}",
        ok,
    )
    assert others(report, "key_valid_at_issuance") == []


@settings(max_examples=100, deadline=None)
@given(
    valid_from=st.integers(min_value=-1_000, max_value=1_000),
    length=st.none() | st.integers(min_value=1, max_value=2_000),
    compromised=st.none() | st.integers(min_value=-1_000, max_value=1_000),
)
def test_without_evidence_the_key_check_is_never_invalid(
    valid_from: int, length: int | None, compromised: int | None
) -> None:
    """Judged at ``validFrom`` (2025-02-28T16:00:00Z): compromised keys read
    ``compromised_no_log_evidence``, window misses read as at log time, all ``ok: None``."""
    signed = VALID_FROM
    start = signed + valid_from * MS
    until = None if length is None else start + length * MS
    stolen = None if compromised is None else signed + compromised * MS
    key = key_for(_PROPERTY_SIGNER, start, until, stolen)
    trust = bundle(None, issuer_for(_PROPERTY_SIGNER, key=key))
    report = verify_credential(_PROPERTY_JWS, trust, NOW)
    if compromised is not None:
        expected = "compromised_no_log_evidence"
    else:
        expected = _model(0, valid_from, None if length is None else valid_from + length, None)
    ok = True if expected == "ok" else None
    assert outcome(report, "key_valid_at_issuance") == (
        Result.CANNOT_TELL,
        f"key_valid_at_issuance.{expected}",
        ok,
    )
    assert not_false(report) == []
