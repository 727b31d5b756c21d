"""Issuer keys over time: records, the acceptance decision, rotation and compromise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import (
    GovernanceError,
    InvalidKeyLifecycle,
    KeyNotFound,
    MalformedKeyRecord,
)
from schemas.jwk import ed25519_public_jwk, make_kid
from schemas.key_lifecycle import (
    KEY_COMPROMISED,
    KEY_COMPROMISED_NO_LOG_EVIDENCE,
    KEY_EXPIRED,
    KEY_NOT_YET_VALID,
    KEY_OK,
    KEY_UNKNOWN,
    KeyRecord,
    compromise,
    key_decision,
    key_history,
    parse_key_record,
    rotate,
)

ISSUER = "urn:skillcert:issuer:test-appraisal"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)

MakeRecord = Callable[..., KeyRecord]


def fresh_jwk() -> dict[str, str]:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return ed25519_public_jwk(raw)


@pytest.fixture
def make_record() -> MakeRecord:
    def make(
        valid_from: datetime = T0,
        valid_until: datetime | None = None,
        compromised_at: datetime | None = None,
        issuer: str = ISSUER,
    ) -> KeyRecord:
        jwk = fresh_jwk()
        return KeyRecord(make_kid(issuer, jwk), jwk, valid_from, valid_until, compromised_at)

    return make


# --- records -----------------------------------------------------------------------------------


def test_record_round_trips_through_json(make_record: MakeRecord) -> None:
    record = make_record(T0, T0 + 30 * DAY + 123 * MS, T0 + 40 * DAY)
    document = record.to_json()
    assert document["valid_from"] == "2025-01-01T00:00:00.000Z"
    assert document["valid_until"] == "2025-01-31T00:00:00.123Z"
    assert document["compromised_at"] == "2025-02-10T00:00:00.000Z"
    assert parse_key_record(document) == record
    assert record.issuer_id == ISSUER
    open_record = make_record()
    assert set(open_record.to_json()) == {"kid", "jwk", "valid_from"}
    assert parse_key_record(open_record.to_json()) == open_record


def test_record_keeps_only_the_key_members(make_record: MakeRecord) -> None:
    jwk = fresh_jwk()
    record = KeyRecord(make_kid(ISSUER, jwk), {**jwk, "use": "sig", "alg": "EdDSA"}, T0)
    assert record.jwk == jwk


def test_record_times_in_other_zones_are_the_same_instants() -> None:
    jwk = fresh_jwk()
    beijing = timezone(timedelta(hours=8))
    record = KeyRecord(make_kid(ISSUER, jwk), jwk, datetime(2025, 1, 1, 8, tzinfo=beijing))
    assert record.to_json()["valid_from"] == "2025-01-01T00:00:00.000Z"
    assert parse_key_record(record.to_json()).valid_from == T0


def test_record_kid_must_name_its_key() -> None:
    jwk, other = fresh_jwk(), fresh_jwk()
    with pytest.raises(MalformedKeyRecord, match="thumbprint") as caught:
        KeyRecord(make_kid(ISSUER, other), jwk, T0)
    assert caught.value.where == "kid"
    assert caught.value.code == "key_record_malformed"
    with pytest.raises(MalformedKeyRecord, match="kid must be"):
        KeyRecord("no-fragment", jwk, T0)
    with pytest.raises(MalformedKeyRecord, match="private key"):
        KeyRecord(make_kid(ISSUER, jwk), {**jwk, "d": jwk["x"]}, T0)
    with pytest.raises(MalformedKeyRecord, match="Ed25519"):
        KeyRecord(make_kid(ISSUER, jwk), {**jwk, "crv": "X25519"}, T0)


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"valid_from": datetime(2025, 1, 1)}, "valid_from", "time zone"),
        ({"valid_from": T0 + timedelta(microseconds=1)}, "valid_from", "milliseconds"),
        ({"valid_until": T0}, "valid_until", "not after"),
        ({"valid_until": T0 - MS}, "valid_until", "not after"),
        ({"compromised_at": T0 + timedelta(microseconds=500)}, "compromised_at", "millisec"),
    ],
)
def test_record_times_are_checked(changes: dict[str, Any], where: str, message: str) -> None:
    jwk = fresh_jwk()
    fields: dict[str, Any] = {"valid_from": T0, **changes}
    with pytest.raises(MalformedKeyRecord, match=message) as caught:
        KeyRecord(make_kid(ISSUER, jwk), jwk, **fields)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"valid_from": "2025-01-01T00:00:00Z"}, "key.valid_from", "YYYY-MM-DDTHH:MM:SS.sssZ"),
        ({"valid_from": "2025-01-01T08:00:00.000+08:00"}, "key.valid_from", "UTC time"),
        ({"valid_from": "2025-02-30T00:00:00.000Z"}, "key.valid_from", "not a real time"),
        ({"valid_until": None}, "key.valid_until", "UTC time"),
        ({"compromised_at": 1735689600000}, "key.compromised_at", "UTC time"),
        ({"valid_until": "2024-12-31T00:00:00.000Z"}, "key.valid_until", "not after"),
        ({"kid": 7}, "key.kid", "string"),
        ({"jwk": "x"}, "key.jwk", "JWK object"),
        ({"extra": True}, "key", "unknown member"),
    ],
)
def test_parse_key_record_is_strict(
    make_record: MakeRecord, change: dict[str, Any], where: str, message: str
) -> None:
    document = {**make_record().to_json(), **change}
    with pytest.raises(MalformedKeyRecord, match=message) as caught:
        parse_key_record(document)
    assert caught.value.where == where


def test_parse_key_record_needs_an_object_with_its_members(make_record: MakeRecord) -> None:
    with pytest.raises(MalformedKeyRecord, match="JSON object"):
        parse_key_record([])
    document = make_record().to_json()
    del document["jwk"]
    with pytest.raises(MalformedKeyRecord, match="missing member"):
        parse_key_record(document)


# --- the decision ------------------------------------------------------------------------------


def test_unknown_key(make_record: MakeRecord) -> None:
    decision = key_decision(None, signed_at=T0, logged_at=T0)
    assert (decision.code, decision.ok, decision.record) == (KEY_UNKNOWN, False, None)


@pytest.mark.parametrize(
    ("logged", "code"),
    [
        (T0 - MS, KEY_NOT_YET_VALID),
        (T0, KEY_OK),
        (T0 + 10 * DAY - MS, KEY_OK),
        (T0 + 10 * DAY, KEY_EXPIRED),
        (T0 + 20 * DAY, KEY_EXPIRED),
    ],
)
def test_window_is_half_open_at_log_time(
    make_record: MakeRecord, logged: datetime, code: str
) -> None:
    record = make_record(T0, T0 + 10 * DAY)
    decision = key_decision(record, signed_at=T0 + DAY, logged_at=logged)
    assert decision.code == code
    assert decision.ok is (code == KEY_OK)
    assert decision.at == logged
    assert decision.record == record


def test_log_time_decides_the_window_over_the_issuers_date(make_record: MakeRecord) -> None:
    old = make_record(T0, T0 + 10 * DAY)
    # An old key's holder back-dates validFrom into the window, but the log says when.
    backdated = key_decision(old, signed_at=T0 + DAY, logged_at=T0 + 11 * DAY)
    assert backdated.code == KEY_EXPIRED
    assert "logged" in backdated.message
    new = make_record(T0 + 10 * DAY)
    # An honest certificate dated before the new key's window, signed and logged within it.
    assert key_decision(new, signed_at=T0 + 5 * DAY, logged_at=T0 + 12 * DAY).ok
    # A post-dated certificate logged while its key was valid stays good after rotation.
    assert key_decision(old, signed_at=T0 + 40 * DAY, logged_at=T0 + 9 * DAY).ok


@pytest.mark.parametrize(
    ("signed", "code"),
    [
        (T0 - MS, KEY_NOT_YET_VALID),
        (T0, KEY_OK),
        (T0 + 10 * DAY - MS, KEY_OK),
        (T0 + 10 * DAY, KEY_EXPIRED),
    ],
)
def test_without_log_evidence_the_window_is_checked_at_signed_at(
    make_record: MakeRecord, signed: datetime, code: str
) -> None:
    decision = key_decision(make_record(T0, T0 + 10 * DAY), signed_at=signed, logged_at=None)
    assert (decision.code, decision.at) == (code, signed)
    assert "dated" in decision.message


COMPROMISED_AT = T0 + 5 * DAY


@pytest.mark.parametrize(
    ("logged", "code"),
    [
        (COMPROMISED_AT - MS, KEY_OK),
        (COMPROMISED_AT, KEY_COMPROMISED),
        (COMPROMISED_AT + MS, KEY_COMPROMISED),
        (COMPROMISED_AT + 100 * DAY, KEY_COMPROMISED),
    ],
)
def test_compromise_time_is_honoured_on_both_sides(
    make_record: MakeRecord, logged: datetime, code: str
) -> None:
    record = make_record(T0, compromised_at=COMPROMISED_AT)
    # validFrom says nothing here: the thief writes it.
    decision = key_decision(record, signed_at=T0 + DAY, logged_at=logged)
    assert decision.code == code
    assert decision.ok is (code == KEY_OK)


def test_compromised_key_without_log_evidence_cannot_tell(make_record: MakeRecord) -> None:
    record = make_record(T0, compromised_at=COMPROMISED_AT)
    decision = key_decision(record, signed_at=T0 + DAY, logged_at=None)
    assert decision.code == KEY_COMPROMISED_NO_LOG_EVIDENCE
    assert decision.ok is None
    assert decision.at is None
    assert COMPROMISED_AT.isoformat() in decision.message


def test_compromise_is_reported_before_the_window(make_record: MakeRecord) -> None:
    record = make_record(T0, T0 + 10 * DAY, compromised_at=COMPROMISED_AT)
    assert key_decision(record, signed_at=T0, logged_at=T0 + 11 * DAY).code == KEY_COMPROMISED
    retired = make_record(T0, T0 + 10 * DAY, compromised_at=T0 + 100 * DAY)
    assert key_decision(retired, signed_at=T0, logged_at=T0 + 9 * DAY).ok
    assert key_decision(retired, signed_at=T0, logged_at=T0 + 11 * DAY).code == KEY_EXPIRED


def test_decision_refuses_naive_times(make_record: MakeRecord) -> None:
    record = make_record()
    for signed, logged in [(datetime(2025, 1, 2), None), (T0, datetime(2025, 1, 2))]:
        with pytest.raises(GovernanceError, match="time zone") as caught:
            key_decision(record, signed_at=signed, logged_at=logged)
        assert type(caught.value) is GovernanceError


OFFSETS = st.integers(-3_000, 3_000).map(lambda n: T0 + n * MS)


@given(OFFSETS, st.none() | OFFSETS, st.none() | OFFSETS, OFFSETS, st.none() | OFFSETS)
def test_decision_agrees_with_the_rule(
    start: datetime,
    end: datetime | None,
    compromised: datetime | None,
    signed: datetime,
    logged: datetime | None,
) -> None:
    if end is not None and end <= start:
        end = start + MS
    jwk = fresh_jwk()
    record = KeyRecord(make_kid(ISSUER, jwk), jwk, start, end, compromised)
    decision = key_decision(record, signed_at=signed, logged_at=logged)
    at = logged if logged is not None else signed
    in_window = start <= at and (end is None or at < end)
    if compromised is not None and logged is None:
        assert decision.ok is None
    else:
        before_compromise = compromised is None or (logged is not None and logged < compromised)
        assert decision.ok is (in_window and before_compromise)


# --- rotation and compromise -------------------------------------------------------------------


def test_rotation_closes_the_current_window(make_record: MakeRecord) -> None:
    first = make_record(T0)
    at = T0 + 30 * DAY
    second = make_record(at)
    history = rotate([first], second, at)
    assert [r.kid for r in history] == [first.kid, second.kid]
    assert history[0].valid_until == at
    assert history[1].valid_until is None
    closed = history[0]
    assert key_decision(closed, signed_at=T0, logged_at=at - MS).ok
    assert key_decision(closed, signed_at=T0, logged_at=at).code == KEY_EXPIRED
    assert key_decision(history[1], signed_at=at, logged_at=at).ok
    third = make_record(at + 30 * DAY)
    again = rotate(history, third, at + 30 * DAY)
    assert [(r.valid_from, r.valid_until) for r in again] == [
        (T0, at),
        (at, at + 30 * DAY),
        (at + 30 * DAY, None),
    ]


def test_rotation_after_a_gap_closes_nothing(make_record: MakeRecord) -> None:
    retired = make_record(T0, T0 + DAY, compromised_at=T0 + DAY)
    new = make_record(T0 + 3 * DAY)
    assert rotate([retired], new, T0 + 3 * DAY) == (retired, new)
    assert rotate([], new, T0 + 3 * DAY) == (new,)


def test_rotation_is_checked(make_record: MakeRecord) -> None:
    first = make_record(T0)
    at = T0 + DAY
    with pytest.raises(InvalidKeyLifecycle, match="not at the rotation time") as caught:
        rotate([first], make_record(at + MS), at)
    assert caught.value.code == "key_lifecycle_invalid"
    with pytest.raises(InvalidKeyLifecycle, match="not after"):
        rotate([first], make_record(T0), T0)
    with pytest.raises(InvalidKeyLifecycle, match="not after"):
        rotate([first], make_record(T0 - DAY), T0 - DAY)
    with pytest.raises(InvalidKeyLifecycle, match="open window"):
        rotate([first], make_record(at, at + DAY), at)
    with pytest.raises(InvalidKeyLifecycle, match="open window"):
        rotate([first], make_record(at, compromised_at=at), at)
    with pytest.raises(InvalidKeyLifecycle, match="several issuers"):
        rotate([first], make_record(at, issuer="urn:skillcert:issuer:other"), at)
    reused = KeyRecord(first.kid, first.jwk, at)
    with pytest.raises(InvalidKeyLifecycle, match="twice"):
        rotate([first], reused, at)
    with pytest.raises(GovernanceError, match="time zone"):
        rotate([first], make_record(at), datetime(2025, 1, 2))


def test_history_refuses_overlapping_windows(make_record: MakeRecord) -> None:
    a = make_record(T0, T0 + 10 * DAY)
    b = make_record(T0 + 10 * DAY)
    assert key_history([b, a]) == (a, b)
    with pytest.raises(InvalidKeyLifecycle, match="may not overlap"):
        key_history([a, make_record(T0 + 10 * DAY - MS)])
    with pytest.raises(InvalidKeyLifecycle, match="may not overlap"):
        key_history([make_record(T0), make_record(T0 + 10 * DAY)])


def test_compromise_marks_the_key(make_record: MakeRecord) -> None:
    history = rotate([make_record(T0)], make_record(T0 + 10 * DAY), T0 + 10 * DAY)
    marked = compromise(history, history[0].kid, T0 + 50 * DAY)
    assert marked[0].compromised_at == T0 + 50 * DAY
    assert marked[0].valid_until == T0 + 10 * DAY
    assert marked[1] == history[1]
    # A retired key stolen later: what was logged while it signed stays good.
    assert key_decision(marked[0], signed_at=T0, logged_at=T0 + 9 * DAY).ok
    earlier = compromise(marked, history[0].kid, T0 + 5 * DAY)
    assert earlier[0].compromised_at == T0 + 5 * DAY
    assert compromise(earlier, history[0].kid, T0 + 5 * DAY) == earlier
    assert key_decision(earlier[0], signed_at=T0, logged_at=T0 + 9 * DAY).code == KEY_COMPROMISED


def test_compromise_is_checked(make_record: MakeRecord) -> None:
    record = make_record(T0, compromised_at=T0 + DAY)
    with pytest.raises(InvalidKeyLifecycle, match="only move earlier"):
        compromise([record], record.kid, T0 + 2 * DAY)
    with pytest.raises(KeyNotFound) as caught:
        compromise([record], f"{ISSUER}#nope", T0)
    assert (caught.value.code, caught.value.kid) == ("key_not_found", f"{ISSUER}#nope")
    with pytest.raises(MalformedKeyRecord, match="milliseconds"):
        compromise([record], record.kid, T0 + timedelta(microseconds=1))
    with pytest.raises(GovernanceError, match="time zone"):
        compromise([record], record.kid, datetime(2025, 1, 1))
