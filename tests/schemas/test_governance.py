"""Governance changes and the directory folded from them (schemas.governance)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.errors import (
    ChangeRefused,
    KeyNotFound,
    MalformedChange,
    SignedDocumentError,
)
from schemas.frameworks import builtin_framework, builtin_framework_ids, framework_resolver
from schemas.governance import (
    CHANGE_KINDS,
    CHANGE_TYP,
    CREDENTIAL_STATUS_REASONS,
    Directory,
    StatusPointer,
    change_body,
    parse_issuer_record,
    read_change,
)
from schemas.instants import format_instant_ms
from schemas.jwk import ed25519_public_jwk, make_kid
from schemas.key_lifecycle import KeyRecord
from schemas.recognition import builtin_mappings
from schemas.scope import make_scope
from schemas.signed_json import AuthorityKey, sign_detached
from schemas.status_list import REVOCATION, SUSPENSION

ISSUER = "urn:skillcert:issuer:gd-0001"
OTHER = "urn:skillcert:issuer:hk-0002"
KEYLESS = "urn:skillcert:issuer:mo-0003"
CREDENTIAL = "urn:uuid:5b8e2f5c-7d0e-4c59-9a43-1f0c7c2f0a01"
REVOKED_CREDENTIAL = "urn:uuid:5b8e2f5c-7d0e-4c59-9a43-1f0c7c2f0a02"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
FRAMEWORKS = framework_resolver(builtin_framework(f) for f in builtin_framework_ids())
SCOPE = make_scope(["6-31-*"], "CN-VQ-5", ["4", "5"], date(2025, 1, 1), date(2027, 12, 31))
MAPPINGS = {(m.id, m.version): m for m in builtin_mappings()}
HKQF_ID = "urn:skillcert:mapping:cn-vq-5-to-hkqf"
HKQF_V1, HKQF_V2 = MAPPINGS[(HKQF_ID, 1)], MAPPINGS[(HKQF_ID, 2)]
MO_VSR = MAPPINGS[("urn:skillcert:mapping:cn-vq-5-to-mo-vsr", 1)]


def t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def ms(instant: datetime) -> str:
    return format_instant_ms(instant)


def change(kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": ms(at), **fields}


def list_url(number: int, purpose: str) -> str:
    return f"https://registry.example/v1/status/{number}-{purpose}"


def pointers(index: int, number: int = 1) -> list[dict[str, Any]]:
    return [
        {"purpose": purpose, "list": list_url(number, purpose), "index": index}
        for purpose in (REVOCATION, SUSPENSION)
    ]


def credential_change(
    at: datetime,
    status: str,
    reason: str,
    credential: str = CREDENTIAL,
    index: int = 7,
    number: int = 1,
) -> dict[str, Any]:
    return change(
        "credential_status",
        at,
        credential_id=credential,
        status=status,
        reason=reason,
        pointers=pointers(index, number),
    )


@dataclass(frozen=True)
class IssuerKey:
    issuer: str
    private: Ed25519PrivateKey

    @property
    def jwk(self) -> dict[str, str]:
        return ed25519_public_jwk(
            self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    @property
    def kid(self) -> str:
        return make_kid(self.issuer, self.jwk)

    def record(self, valid_from: datetime) -> dict[str, Any]:
        return KeyRecord(self.kid, self.jwk, valid_from).to_json()


K1, K2, K3 = (IssuerKey(ISSUER, Ed25519PrivateKey.generate()) for _ in range(3))
OTHER_KEY = IssuerKey(OTHER, Ed25519PrivateKey.generate())


def history() -> list[dict[str, Any]]:
    """Every kind of change, in log order, as the registry would record them."""
    return [
        change("issuer_registered", t(0), issuer=ISSUER, name="广东省职业技能鉴定中心"),
        change("scope_granted", t(1), issuer=ISSUER, scope=SCOPE.to_json()),
        change("key_added", t(1), issuer=ISSUER, key=K1.record(t(1))),
        change("issuer_registered", t(2), issuer=OTHER, name="Hong Kong Test Body"),
        change("issuer_status", t(3), issuer=ISSUER, status="suspended", reason="audit"),
        change("issuer_status", t(4), issuer=ISSUER, status="active", reason="audit passed"),
        change("key_rotated", t(5), issuer=ISSUER, key=K2.record(t(5))),
        change("key_compromised", t(6), issuer=ISSUER, kid=K1.kid, compromised_at=ms(t(2))),
        credential_change(t(7), "suspended", "under_investigation"),
        credential_change(t(8), "active", "investigation_cleared"),
        credential_change(t(9), "revoked", "fraudulent", REVOKED_CREDENTIAL, 9, 2),
        change("mapping_published", t(10), mapping=HKQF_V1.to_json()),
        change("mapping_published", t(11), mapping=HKQF_V2.to_json()),
        change("issuer_status", t(12), issuer=OTHER, status="withdrawn", reason="closed"),
    ]


def fold(changes: list[dict[str, Any]]) -> Directory:
    directory = Directory()
    for item in changes:
        directory.apply(item)
    return directory


def snapshot(directory: Directory) -> Any:
    return (
        {issuer_id: record.to_json() for issuer_id, record in directory.issuers.items()},
        dict(directory.credential_status),
        [mapping.to_json() for mapping in directory.mappings],
    )


def bits(directory: Directory, number: int, purpose: str) -> set[int]:
    return set(directory.status_bits(list_url(number, purpose), purpose))


@pytest.fixture
def directory() -> Directory:
    folded = fold(history())
    folded.apply(change("issuer_registered", t(13), issuer=KEYLESS, name="Macao Test Body"))
    return folded


# --- the fold ------------------------------------------------------------------------------------


def test_history_uses_every_change_kind() -> None:
    assert {item["type"] for item in history()} == CHANGE_KINDS


def test_folding_every_kind_of_change_gives_the_expected_directory() -> None:
    directory = fold(history())
    assert set(directory.issuers) == {ISSUER, OTHER}
    assert directory.issuers[ISSUER].to_json() == {
        "id": ISSUER,
        "name": "广东省职业技能鉴定中心",
        "registered_at": "2025-01-01T00:00:00.000Z",
        "status": "active",
        "status_history": [
            {"status": "suspended", "at": "2025-01-01T03:00:00.000Z", "reason": "audit"},
            {"status": "active", "at": "2025-01-01T04:00:00.000Z", "reason": "audit passed"},
        ],
        "scopes": [
            {
                "occupations": ["6-31-*"],
                "framework": "CN-VQ-5",
                "levels": ["4", "5"],
                "valid_from": "2025-01-01",
                "valid_until": "2027-12-31",
            }
        ],
        "keys": [
            {
                "kid": K1.kid,
                "jwk": K1.jwk,
                "valid_from": "2025-01-01T01:00:00.000Z",
                "valid_until": "2025-01-01T05:00:00.000Z",
                "compromised_at": "2025-01-01T02:00:00.000Z",
            },
            {"kid": K2.kid, "jwk": K2.jwk, "valid_from": "2025-01-01T05:00:00.000Z"},
        ],
    }
    other = directory.issuers[OTHER]
    assert (other.name, other.status, other.scopes, other.keys) == (
        "Hong Kong Test Body",
        "withdrawn",
        (),
        (),
    )
    assert directory.credential_status[CREDENTIAL].status == "active"
    assert [
        (e.status, e.at, e.reason) for e in directory.credential_status[CREDENTIAL].history
    ] == [
        ("suspended", t(7), "under_investigation"),
        ("active", t(8), "investigation_cleared"),
    ]
    assert directory.credential_status[CREDENTIAL].pointers == (
        StatusPointer(REVOCATION, list_url(1, REVOCATION), 7),
        StatusPointer(SUSPENSION, list_url(1, SUSPENSION), 7),
    )
    assert directory.credential_status[REVOKED_CREDENTIAL].status == "revoked"
    assert directory.mappings == [HKQF_V1, HKQF_V2]


def test_signed_changes_read_back_and_fold_like_the_originals() -> None:
    """The log's path: sign each change detached, keep it beside the plain JSON, read it back."""
    key = Ed25519PrivateKey.generate()
    authority = AuthorityKey.from_public_key(key.public_key())
    replayed = Directory()
    for item in history():
        body = json.loads(json.dumps(change_body(item, sign_detached(item, key, CHANGE_TYP))))
        replayed.apply(read_change(item["type"], body, authority))
    assert snapshot(replayed) == snapshot(fold(history()))


def test_issuer_status_as_of_an_instant(directory: Directory) -> None:
    record = directory.issuers[ISSUER]
    assert record.status_at(t(3) - MS) == "active"
    assert record.status_at(t(3)) == "suspended"
    assert record.status_at(t(4) - MS) == "suspended"
    assert record.status_at(t(4)) == "active"
    assert directory.issuers[OTHER].status_at(t(12)) == "withdrawn"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (t(1) - MS, None),
        (t(1), "K1"),
        (t(2) - MS, "K1"),
        (t(2), None),
        (t(5) - MS, None),
        (t(5), "K2"),
        (t(100), "K2"),
    ],
)
def test_current_key_honours_windows_and_compromise(
    directory: Directory, when: datetime, expected: str | None
) -> None:
    """K1 signs from 01:00, is compromised from 02:00 (reported at 06:00) and rotated out at
    05:00; K2 signs from 05:00."""
    current = directory.issuers[ISSUER].current_key(when)
    assert (current.kid if current else None) == {"K1": K1.kid, "K2": K2.kid, None: None}[expected]


def test_issuer_status_as_of_t_matches_the_fold_stopped_at_t() -> None:
    changes = history()
    full = fold(changes)
    for cut in [*(t(h) for h in range(14)), *(t(h) + 30 * timedelta(minutes=1) for h in range(14))]:
        past = fold([item for item in changes if item["at"] <= ms(cut)])
        for issuer_id, record in past.issuers.items():
            assert record.status == full.issuers[issuer_id].status_at(cut), (issuer_id, cut)


def test_current_key_as_of_t_matches_the_fold_stopped_at_t_except_a_backdated_compromise() -> None:
    """A leak reported at 06:00 as from 02:00 changes what the directory says about 02:00..05:00:
    the fold up to then did not know; the full one does. Everywhere else they agree."""
    changes = history()
    full = fold(changes)
    for hours in [0.5, 1, 1.5, 2, 3, 4.5, 5, 6, 7, 13]:
        cut = t(hours)
        past = fold([item for item in changes if item["at"] <= ms(cut)])
        if ISSUER not in past.issuers:
            continue
        then, now = (
            getattr(directory.issuers[ISSUER].current_key(cut), "kid", None)
            for directory in (past, full)
        )
        if 2 <= hours < 5:
            assert (then, now) == (K1.kid, None)
        else:
            assert then == now, cut


# --- status bits --------------------------------------------------------------------------------


def test_status_bits_follow_suspend_reinstate_and_revoke() -> None:
    directory = fold(history()[:1])

    def lists() -> tuple[set[int], set[int]]:
        return bits(directory, 1, REVOCATION), bits(directory, 1, SUSPENSION)

    assert lists() == (set(), set())
    directory.apply(credential_change(t(1), "suspended", "disputed"))
    assert lists() == (set(), {7})
    directory.apply(credential_change(t(2), "active", "suspended_in_error"))
    assert lists() == (set(), set())
    directory.apply(credential_change(t(3), "suspended", "under_investigation"))
    directory.apply(credential_change(t(4), "revoked", "misconduct"))
    assert lists() == ({7}, set())


def test_status_bits_are_per_list_and_index() -> None:
    directory = Directory()
    directory.apply(credential_change(t(1), "revoked", "issued_in_error", "urn:c:a", 7, 1))
    directory.apply(credential_change(t(1), "revoked", "superseded", "urn:c:b", 131071, 1))
    directory.apply(credential_change(t(1), "revoked", "holder_request", "urn:c:c", 7, 2))
    directory.apply(credential_change(t(1), "suspended", "disputed", "urn:c:d", 3, 2))
    assert bits(directory, 1, REVOCATION) == {7, 131071}
    assert bits(directory, 2, REVOCATION) == {7}
    assert bits(directory, 1, SUSPENSION) == set()
    assert bits(directory, 2, SUSPENSION) == {3}
    assert bits(directory, 3, REVOCATION) == set()
    assert set(directory.status_bits(list_url(2, SUSPENSION), REVOCATION)) == set()


def test_a_credential_with_only_a_revocation_pointer_can_be_revoked() -> None:
    directory = Directory()
    only = [{"purpose": REVOCATION, "list": list_url(1, REVOCATION), "index": 5}]
    directory.apply(
        change(
            "credential_status",
            t(1),
            credential_id=CREDENTIAL,
            status="revoked",
            reason="fraudulent",
            pointers=only,
        )
    )
    assert bits(directory, 1, REVOCATION) == {5}
    assert bits(directory, 1, SUSPENSION) == set()


# --- refused changes leave the directory as it was ------------------------------------------------


Refusal = tuple[dict[str, Any], type[Exception] | tuple[type[Exception], ...]]


def _renamed_mapping_v2() -> dict[str, Any]:
    document = HKQF_V2.to_json()
    document["notes"] = {**document["notes"], "en": "Different wording under the same version."}
    return document


def _mapping_for_another_pair() -> dict[str, Any]:
    return {**MO_VSR.to_json(), "id": HKQF_ID, "version": 3}


REFUSALS: dict[str, Refusal] = {
    "scope for an unknown issuer": (
        change("scope_granted", t(20), issuer="urn:skillcert:issuer:nobody", scope=SCOPE.to_json()),
        ChangeRefused,
    ),
    "status of an unknown issuer": (
        change("issuer_status", t(20), issuer="urn:x:nobody", status="suspended", reason="r"),
        ChangeRefused,
    ),
    "duplicate registration": (
        change("issuer_registered", t(20), issuer=ISSUER, name="again"),
        ChangeRefused,
    ),
    "scope already held": (
        change("scope_granted", t(20), issuer=ISSUER, scope=SCOPE.to_json()),
        ChangeRefused,
    ),
    "scope with a level its framework lacks": (
        change("scope_granted", t(20), issuer=ISSUER, scope={**SCOPE.to_json(), "levels": ["9"]}),
        (ChangeRefused, MalformedChange),
    ),
    "status change after withdrawal": (
        change("issuer_status", t(20), issuer=OTHER, status="active", reason="reconsidered"),
        ChangeRefused,
    ),
    "withdrawal after withdrawal": (
        change("issuer_status", t(20), issuer=OTHER, status="withdrawn", reason="again"),
        ChangeRefused,
    ),
    "status change backdated before the last one": (
        change("issuer_status", t(2), issuer=ISSUER, status="withdrawn", reason="backdated"),
        ChangeRefused,
    ),
    "status change at the instant of the last one": (
        change("issuer_status", t(4), issuer=ISSUER, status="suspended", reason="same instant"),
        ChangeRefused,
    ),
    "status already in force": (
        change("issuer_status", t(20), issuer=ISSUER, status="active", reason="retried"),
        ChangeRefused,
    ),
    "issuer status outside the vocabulary": (
        change("issuer_status", t(20), issuer=ISSUER, status="closed", reason="r"),
        (ChangeRefused, MalformedChange),
    ),
    "key added while one is in use": (
        change("key_added", t(20), issuer=ISSUER, key=K3.record(t(20))),
        ChangeRefused,
    ),
    "rotation with no key in use": (
        change(
            "key_rotated", t(20), issuer=KEYLESS, key=IssuerKey(KEYLESS, K3.private).record(t(20))
        ),
        ChangeRefused,
    ),
    "rotation at the instant the current key opened": (
        change("key_rotated", t(5), issuer=ISSUER, key=K3.record(t(5))),
        ChangeRefused,
    ),
    "rotation before the current key opened": (
        change("key_rotated", t(4), issuer=ISSUER, key=K3.record(t(4))),
        ChangeRefused,
    ),
    "new key not valid from its change's time": (
        change("key_rotated", t(20), issuer=ISSUER, key=K3.record(t(19))),
        ChangeRefused,
    ),
    "another issuer's key": (
        change("key_rotated", t(20), issuer=ISSUER, key=OTHER_KEY.record(t(20))),
        ChangeRefused,
    ),
    "a retired key brought back": (
        change("key_rotated", t(20), issuer=ISSUER, key=K1.record(t(20))),
        ChangeRefused,
    ),
    "compromise moved later": (
        change("key_compromised", t(20), issuer=ISSUER, kid=K1.kid, compromised_at=ms(t(2) + MS)),
        ChangeRefused,
    ),
    "compromise reported ahead of time": (
        change("key_compromised", t(20), issuer=ISSUER, kid=K2.kid, compromised_at=ms(t(20) + MS)),
        ChangeRefused,
    ),
    "compromise of a key the issuer never had": (
        change("key_compromised", t(20), issuer=ISSUER, kid=K3.kid, compromised_at=ms(t(20))),
        ChangeRefused,
    ),
    "reinstating a revoked credential": (
        credential_change(t(20), "active", "investigation_cleared", REVOKED_CREDENTIAL, 9, 2),
        ChangeRefused,
    ),
    "suspending a revoked credential": (
        credential_change(t(20), "suspended", "disputed", REVOKED_CREDENTIAL, 9, 2),
        ChangeRefused,
    ),
    "revoking a revoked credential": (
        credential_change(t(20), "revoked", "other", REVOKED_CREDENTIAL, 9, 2),
        ChangeRefused,
    ),
    "reinstating a credential that is not suspended": (
        credential_change(t(20), "active", "other"),
        ChangeRefused,
    ),
    "a first credential change that reinstates": (
        credential_change(t(20), "active", "other", "urn:uuid:new", 11),
        ChangeRefused,
    ),
    "status pointers that differ from the earlier ones": (
        credential_change(t(20), "suspended", "disputed", index=8),
        ChangeRefused,
    ),
    "revocation with a suspension reason": (
        credential_change(t(20), "revoked", "under_investigation"),
        MalformedChange,
    ),
    "suspension with a revocation reason": (
        credential_change(t(20), "suspended", "fraudulent"),
        MalformedChange,
    ),
    "reinstatement with a revocation reason": (
        credential_change(t(20), "active", "holder_request"),
        MalformedChange,
    ),
    "credential status outside the vocabulary": (
        credential_change(t(20), "expired", "other"),
        MalformedChange,
    ),
    "status pointer of an unknown purpose": (
        change(
            "credential_status",
            t(20),
            credential_id="urn:uuid:new",
            status="revoked",
            reason="other",
            pointers=[{"purpose": "expiry", "list": "https://r/1", "index": 1}],
        ),
        MalformedChange,
    ),
    "negative status index": (
        change(
            "credential_status",
            t(20),
            credential_id="urn:uuid:new",
            status="revoked",
            reason="other",
            pointers=pointers(-1),
        ),
        MalformedChange,
    ),
    "two pointers for one purpose": (
        change(
            "credential_status",
            t(20),
            credential_id="urn:uuid:new",
            status="revoked",
            reason="other",
            pointers=[*pointers(1)[:1], *pointers(2)[:1]],
        ),
        MalformedChange,
    ),
    "no status pointers": (
        change(
            "credential_status",
            t(20),
            credential_id="urn:uuid:new",
            status="revoked",
            reason="other",
            pointers=[],
        ),
        MalformedChange,
    ),
    "mapping version reused with different content": (
        change("mapping_published", t(20), mapping=_renamed_mapping_v2()),
        ChangeRefused,
    ),
    "mapping version republished unchanged": (
        change("mapping_published", t(20), mapping=HKQF_V2.to_json()),
        ChangeRefused,
    ),
    "mapping version older than the last": (
        change("mapping_published", t(20), mapping={**HKQF_V1.to_json(), "notes": HKQF_V2.notes}),
        ChangeRefused,
    ),
    "mapping id reused for another framework pair": (
        change("mapping_published", t(20), mapping=_mapping_for_another_pair()),
        ChangeRefused,
    ),
    "credential status change dated before the last one": (
        credential_change(t(8) - MS, "suspended", "disputed"),
        ChangeRefused,
    ),
    "credential status change at the instant of the last one": (
        credential_change(t(8), "suspended", "disputed"),
        ChangeRefused,
    ),
    "suspension of a credential without a suspension list entry": (
        change(
            "credential_status",
            t(20),
            credential_id="urn:uuid:5b8e2f5c-7d0e-4c59-9a43-1f0c7c2f0a03",
            status="suspended",
            reason="disputed",
            pointers=[{"purpose": REVOCATION, "list": list_url(1, REVOCATION), "index": 11}],
        ),
        ChangeRefused,
    ),
    "time without milliseconds": (
        {
            **change("issuer_registered", t(20), issuer="urn:x:new", name="n"),
            "at": "2025-01-01T20:00:00Z",
        },
        MalformedChange,
    ),
    "blank issuer name": (
        change("issuer_registered", t(20), issuer="urn:x:new", name="  "),
        MalformedChange,
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_refused_change_leaves_the_directory_as_it_was(directory: Directory, name: str) -> None:
    proposed, error = REFUSALS[name]
    before = snapshot(directory)
    with pytest.raises(error):
        directory.apply(proposed)
    assert snapshot(directory) == before


def test_compromise_of_an_unknown_kid_says_which(directory: Directory) -> None:
    with pytest.raises(ChangeRefused) as refused:
        directory.apply(REFUSALS["compromise of a key the issuer never had"][0])
    assert isinstance(refused.value.__cause__, KeyNotFound)
    assert K3.kid in refused.value.message


def test_revocation_is_final_says_so(directory: Directory) -> None:
    with pytest.raises(ChangeRefused, match="revocation is final"):
        directory.apply(REFUSALS["reinstating a revoked credential"][0])


def test_compromise_may_be_reported_again_at_the_same_or_an_earlier_time(
    directory: Directory,
) -> None:
    directory.apply(
        change("key_compromised", t(20), issuer=ISSUER, kid=K1.kid, compromised_at=ms(t(2)))
    )
    directory.apply(
        change("key_compromised", t(21), issuer=ISSUER, kid=K1.kid, compromised_at=ms(t(1) + MS))
    )
    (k1, _) = directory.issuers[ISSUER].keys
    assert k1.compromised_at == t(1) + MS


def test_compromise_may_take_effect_at_the_instant_it_is_reported(directory: Directory) -> None:
    directory.apply(
        change("key_compromised", t(20), issuer=ISSUER, kid=K2.kid, compromised_at=ms(t(20)))
    )
    assert directory.issuers[ISSUER].current_key(t(20) - MS).kid == K2.kid  # type: ignore[union-attr]
    assert directory.issuers[ISSUER].current_key(t(20)) is None


def test_rotation_one_millisecond_after_the_current_key_opened_is_accepted(
    directory: Directory,
) -> None:
    directory.apply(change("key_rotated", t(5) + MS, issuer=ISSUER, key=K3.record(t(5) + MS)))
    assert [k.kid for k in directory.issuers[ISSUER].keys] == [K1.kid, K2.kid, K3.kid]
    assert directory.issuers[ISSUER].keys[1].valid_until == t(5) + MS


def test_a_later_mapping_version_of_the_same_pair_is_accepted(directory: Directory) -> None:
    v3 = {**HKQF_V2.to_json(), "version": 3, "effective_from": "2027-01-01"}
    directory.apply(change("mapping_published", t(20), mapping=v3))
    assert [(m.id, m.version) for m in directory.mappings][-1] == (HKQF_ID, 3)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (status, reason)
        for status in ("revoked", "suspended", "active")
        for reason in sorted(set().union(*CREDENTIAL_STATUS_REASONS.values()))
    ],
)
def test_each_status_takes_only_its_own_reason_codes(status: str, reason: str) -> None:
    directory = Directory()
    if status == "active":
        directory.apply(credential_change(t(1), "suspended", "disputed"))
    proposed = credential_change(t(2), status, reason)
    if reason in CREDENTIAL_STATUS_REASONS[status]:
        directory.apply(proposed)
        assert directory.credential_status[CREDENTIAL].status == status
    else:
        with pytest.raises(MalformedChange):
            directory.apply(proposed)


def test_scope_for_a_withdrawn_issuer_is_refused(directory: Directory) -> None:
    before = snapshot(directory)
    with pytest.raises(ChangeRefused):
        directory.apply(change("scope_granted", t(20), issuer=OTHER, scope=SCOPE.to_json()))
    assert snapshot(directory) == before


@pytest.mark.parametrize(
    "proposed",
    [
        credential_change(t(20), "suspended", "disputed") | {"status": ["suspended"]},
        credential_change(t(20), "suspended", "disputed") | {"reason": ["disputed"]},
        credential_change(t(20), "suspended", "disputed")
        | {"pointers": [{"purpose": [REVOCATION], "list": list_url(1, REVOCATION), "index": 7}]},
        change("scope_granted", t(20), issuer=[ISSUER], scope=SCOPE.to_json()),
        change("issuer_status", t(20), issuer=ISSUER, status=["suspended"], reason="r"),
    ],
    ids=["status", "reason", "pointer-purpose", "issuer", "issuer-status"],
)
def test_change_with_an_array_for_a_string_is_malformed(
    directory: Directory, proposed: dict[str, Any]
) -> None:
    before = snapshot(directory)
    with pytest.raises((ChangeRefused, MalformedChange)):
        directory.apply(read_change(proposed["type"], change_body(proposed, ""), None))
    assert snapshot(directory) == before


# --- the credential status model ------------------------------------------------------------------

_MOVES = {"active": {"revoked", "suspended"}, "suspended": {"revoked", "active"}, "revoked": set()}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["urn:c:a", "urn:c:b"]), st.sampled_from(sorted(_MOVES))),
        max_size=12,
    )
)
def test_credential_status_follows_the_model(moves: list[tuple[str, str]]) -> None:
    """Revoked is absorbing, reinstatement only from suspended; a refused change changes
    nothing, and the bits always show the status."""
    directory = Directory()
    model = {"urn:c:a": "active", "urn:c:b": "active"}
    index = {"urn:c:a": 1, "urn:c:b": 2}
    for step, (credential, status) in enumerate(moves):
        reason = sorted(CREDENTIAL_STATUS_REASONS[status])[
            step % len(CREDENTIAL_STATUS_REASONS[status])
        ]
        proposed = credential_change(t(step), status, reason, credential, index[credential])
        before = snapshot(directory)
        if status in _MOVES[model[credential]]:
            directory.apply(proposed)
            model[credential] = status
        else:
            with pytest.raises(ChangeRefused):
                directory.apply(proposed)
            assert snapshot(directory) == before
        for name, expected in model.items():
            record = directory.credential_status.get(name)
            assert (record.status if record else "active") == expected
        assert bits(directory, 1, REVOCATION) == {
            i for c, i in index.items() if model[c] == "revoked"
        }
        assert bits(directory, 1, SUSPENSION) == {
            i for c, i in index.items() if model[c] == "suspended"
        }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["active", "suspended", "withdrawn"]), max_size=8))
def test_issuer_status_follows_the_model(statuses: list[str]) -> None:
    """Withdrawn is absorbing and no change repeats the status in force."""
    directory = fold(history()[:1])
    current = "active"
    for step, status in enumerate(statuses, 1):
        proposed = change("issuer_status", t(step), issuer=ISSUER, status=status, reason="r")
        before = snapshot(directory)
        if current != "withdrawn" and status != current:
            directory.apply(proposed)
            current = status
        else:
            with pytest.raises(ChangeRefused):
                directory.apply(proposed)
            assert snapshot(directory) == before
        assert directory.issuers[ISSUER].status == current


# --- reading changes ------------------------------------------------------------------------------


@pytest.fixture
def authority_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signed(item: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return change_body(item, sign_detached(item, key, CHANGE_TYP))


def test_read_change_returns_the_signed_change(authority_key: Ed25519PrivateKey) -> None:
    authority = AuthorityKey.from_public_key(authority_key.public_key())
    item = history()[2]
    assert read_change("key_added", signed(item, authority_key), authority) == item


def test_read_change_refuses_a_signature_by_another_key(authority_key: Ed25519PrivateKey) -> None:
    authority = AuthorityKey.from_public_key(authority_key.public_key())
    body = signed(history()[0], Ed25519PrivateKey.generate())
    with pytest.raises(SignedDocumentError):
        read_change("issuer_registered", body, authority)


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: {**c, "name": "Someone else"},
        lambda c: {**c, "at": "2025-01-01T00:00:00.001Z"},
        lambda c: {**c, "issuer": OTHER},
    ],
    ids=["name", "at", "issuer"],
)
def test_read_change_refuses_an_altered_body(
    authority_key: Ed25519PrivateKey, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    authority = AuthorityKey.from_public_key(authority_key.public_key())
    body = signed(history()[0], authority_key)
    body["change"] = edit(body["change"])
    with pytest.raises(SignedDocumentError):
        read_change("issuer_registered", body, authority)


def test_read_change_refuses_a_signature_made_for_another_typ(
    authority_key: Ed25519PrivateKey,
) -> None:
    authority = AuthorityKey.from_public_key(authority_key.public_key())
    item = history()[0]
    body = change_body(item, sign_detached(item, authority_key, "skillcert-trust-bundle+json"))
    with pytest.raises(SignedDocumentError):
        read_change("issuer_registered", body, authority)


def test_read_change_refuses_a_change_filed_under_another_kind(
    authority_key: Ed25519PrivateKey,
) -> None:
    """key_added and key_rotated have the same members; only ``type`` tells them apart."""
    authority = AuthorityKey.from_public_key(authority_key.public_key())
    with pytest.raises(MalformedChange) as refused:
        read_change("key_rotated", signed(history()[2], authority_key), authority)
    assert refused.value.where == "change.type"


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("issuer_deleted", {"change": {"type": "issuer_deleted", "at": ms(T0)}, "signature": ""}),
        ("issuer_registered", {"change": history()[0]}),
        ("issuer_registered", {**change_body(history()[0], ""), "note": "x"}),
        ("issuer_registered", change_body({**history()[0], "extra": 1}, "")),
        (
            "issuer_registered",
            change_body({k: v for k, v in history()[0].items() if k != "at"}, ""),
        ),
        (
            "issuer_registered",
            change_body({k: v for k, v in history()[0].items() if k != "type"}, ""),
        ),
        ("issuer_registered", {"change": [history()[0]], "signature": ""}),
        ("issuer_registered", "not an object"),
    ],
    ids=[
        "unknown-kind",
        "no-signature",
        "extra-envelope-member",
        "extra-change-member",
        "no-at",
        "no-type",
        "change-not-object",
        "body-not-object",
    ],
)
def test_read_change_refuses_what_the_registry_never_writes(kind: str, body: Any) -> None:
    with pytest.raises(MalformedChange):
        read_change(kind, body, None)


def test_read_change_without_an_authority_skips_the_signature() -> None:
    item = history()[0]
    assert read_change("issuer_registered", change_body(item, "not a signature"), None) == item


# --- issuer records as a bundle carries them ----------------------------------------------------


def test_issuer_record_round_trips_through_json(directory: Directory) -> None:
    for record in directory.issuers.values():
        text = json.dumps(record.to_json())
        assert parse_issuer_record(json.loads(text), FRAMEWORKS) == record


def _issuer_document(directory: Directory, **changes: Any) -> dict[str, Any]:
    return {**directory.issuers[ISSUER].to_json(), **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "suspended"},
        {"status_history": [{"status": "suspended", "at": ms(t(3)), "reason": "a"}] * 2},
        {"status_history": [{"status": "active", "at": ms(t(3)), "reason": "a"}]},
        {"keys": [OTHER_KEY.record(t(1))]},
        {"keys": [K1.record(t(1)), K2.record(t(2))]},
        {"scopes": [{**SCOPE.to_json(), "framework": "XX-0"}]},
        {"registered_at": "2025-01-01"},
        {"name": ""},
        {"scopes": "none"},
        {"extra": True},
    ],
    ids=[
        "status-not-the-history's",
        "repeated-status",
        "first-change-to-active",
        "another-issuer's-key",
        "overlapping-keys",
        "unknown-framework",
        "date-for-time",
        "empty-name",
        "scopes-not-array",
        "unknown-member",
    ],
)
def test_issuer_record_that_directory_could_not_have_built_is_refused(
    directory: Directory, changes: dict[str, Any]
) -> None:
    with pytest.raises(MalformedChange):
        parse_issuer_record(_issuer_document(directory, **changes), FRAMEWORKS)


@pytest.mark.parametrize(
    "changes",
    [
        {"registered_at": "2025-01-01"},
        {"status_history": [{"status": "suspended", "at": "2025-01-01", "reason": "a"}]},
    ],
    ids=["registered_at", "status_history-at"],
)
def test_malformed_time_in_an_issuer_record_is_reported_where_it_is(
    directory: Directory, changes: dict[str, Any]
) -> None:
    with pytest.raises(MalformedChange) as refused:
        parse_issuer_record(_issuer_document(directory, **changes), FRAMEWORKS, "issuers[3]")
    assert (refused.value.where or "").startswith("issuers[3]")
