"""The signed trust bundle: build, pin, verify and read back everything a verifier needs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.b64 import b64url_decode
from schemas.errors import (
    MalformedTrustBundle,
    SignedDocumentError,
    UnknownFramework,
)
from schemas.frameworks import builtin_framework, builtin_framework_ids
from schemas.governance import CHANGE_TYP, Directory, IssuerRecord
from schemas.instants import format_instant_ms
from schemas.jwk import ed25519_public_jwk, make_kid
from schemas.key_lifecycle import KeyRecord
from schemas.note import Checkpoint, VerifierKey, format_checkpoint, sign_note
from schemas.recognition import builtin_mappings
from schemas.scope import make_scope
from schemas.signed_json import AuthorityKey, sign_json
from schemas.status_list import REVOCATION, SUSPENSION, StatusBits, status_list_credential
from schemas.trust_bundle import (
    BUNDLE_TYP,
    STATUS_LIST_TYP,
    StatusList,
    build_trust_bundle,
    pinned_authority,
    read_status_list,
    read_trust_bundle,
)

ISSUER = "urn:skillcert:issuer:gd-0001"
WITHDRAWN = "urn:skillcert:issuer:hk-0002"
AUTHORITY_ID = "urn:skillcert:authority"
ORIGIN = "registry.example/log"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
ISSUED_AT = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
LIST_VALID_FROM = datetime(2026, 3, 4, 5, 0, 0, tzinfo=UTC)
REVOKED_BITS, SUSPENDED_BITS = {7, 42, 131_071}, {9}
FRAMEWORKS = [builtin_framework(framework_id) for framework_id in builtin_framework_ids()]


def t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def list_url(purpose: str) -> str:
    return f"https://registry.example/v1/status/1-{purpose}"


def key_record(issuer: str, key: Ed25519PrivateKey, at: datetime) -> dict[str, Any]:
    jwk = ed25519_public_jwk(key.public_key().public_bytes_raw())
    return KeyRecord(make_kid(issuer, jwk), jwk, at).to_json()


def directory_issuers() -> list[IssuerRecord]:
    """Issuers as the registry's directory holds them: scopes in two frameworks, a suspension
    lifted, a rotation, a back-dated compromise, and a withdrawn body."""
    k1, k2 = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    scopes = [
        make_scope(["6-31-*", "4-03-02-01"], "CN-VQ-5", ["4", "5"], date(2025, 1, 1)),
        make_scope(["6-31-01-03"], "HKQF", ["2"], date(2025, 1, 1), date(2027, 12, 31)),
    ]
    k1_record = key_record(ISSUER, k1, t(1))
    changes = [
        (0, {"type": "issuer_registered", "issuer": ISSUER, "name": "广东省职业技能鉴定中心"}),
        *((1, {"type": "scope_granted", "issuer": ISSUER, "scope": s.to_json()}) for s in scopes),
        (1, {"type": "key_added", "issuer": ISSUER, "key": k1_record}),
        (3, {"type": "issuer_status", "issuer": ISSUER, "status": "suspended", "reason": "audit"}),
        (4, {"type": "issuer_status", "issuer": ISSUER, "status": "active", "reason": "cleared"}),
        (6, {"type": "key_rotated", "issuer": ISSUER, "key": key_record(ISSUER, k2, t(6))}),
        (
            7,
            {
                "type": "key_compromised",
                "issuer": ISSUER,
                "kid": k1_record["kid"],
                "compromised_at": format_instant_ms(t(2)),
            },
        ),
        (8, {"type": "issuer_registered", "issuer": WITHDRAWN, "name": "Hong Kong Test Body"}),
        (9, {"type": "issuer_status", "issuer": WITHDRAWN, "status": "withdrawn", "reason": "x"}),
    ]
    directory = Directory()
    for hours, item in changes:
        directory.apply({**item, "at": format_instant_ms(t(hours))})
    return list(directory.issuers.values())


def signed_status_list(
    key: Ed25519PrivateKey, purpose: str, indexes: set[int], typ: str = STATUS_LIST_TYP
) -> str:
    bits = StatusBits()
    for index in indexes:
        bits.set(index, True)
    document = status_list_credential(
        list_id=list_url(purpose),
        issuer=AUTHORITY_ID,
        purpose=purpose,
        bits=bits,
        valid_from=LIST_VALID_FROM,
    )
    return sign_json(document, key, typ)


@dataclass(frozen=True)
class Registry:
    """An authority with its keys, log and directory, as ``registry.bundle`` exports them."""

    key: Ed25519PrivateKey
    log_private: Ed25519PrivateKey
    issuers: list[IssuerRecord]

    @property
    def authority(self) -> AuthorityKey:
        return AuthorityKey.from_public_key(self.key.public_key())

    @property
    def log_key(self) -> VerifierKey:
        return VerifierKey.from_public_key(ORIGIN, self.log_private.public_key())

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(ORIGIN, 12, hashlib.sha256(b"root").digest())

    @property
    def note(self) -> str:
        return sign_note(format_checkpoint(self.checkpoint), ORIGIN, self.log_private)

    def status_lists(self) -> list[str]:
        return [
            signed_status_list(self.key, REVOCATION, REVOKED_BITS),
            signed_status_list(self.key, SUSPENSION, SUSPENDED_BITS),
        ]

    def bundle(self, **changes: Any) -> str:
        arguments: dict[str, Any] = {
            "key": self.key,
            "issued_at": ISSUED_AT,
            "log_key": self.log_key,
            "checkpoint": self.note,
            "issuers": self.issuers,
            "frameworks": FRAMEWORKS,
            "mappings": list(builtin_mappings()),
            "status_lists": self.status_lists(),
        }
        return build_trust_bundle(**{**arguments, **changes})

    @cached_property
    def small_bundle(self) -> str:
        """A bundle without the shipped mappings, small enough to flip every byte of."""
        return self.bundle(
            frameworks=[builtin_framework("CN-VQ-5"), builtin_framework("HKQF")],
            mappings=[],
            status_lists=self.status_lists()[:1],
        )

    def resigned(self, edit: Callable[[dict[str, Any]], object], token: str | None = None) -> str:
        """The bundle's document after ``edit``, signed again by the authority."""
        document = payload(token or self.small_bundle)
        edit(document)
        return sign_json(document, self.key, BUNDLE_TYP)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate(), directory_issuers())


def payload(token: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return document


# --- round trip ---------------------------------------------------------------------------------


def test_bundle_reads_back_everything_it_was_built_from(registry: Registry) -> None:
    bundle = read_trust_bundle(registry.bundle(), registry.authority)
    assert bundle.issued_at == ISSUED_AT
    assert bundle.authority == registry.authority
    assert bundle.log_keys == (registry.log_key,)
    assert bundle.checkpoint is not None
    assert bundle.checkpoint.checkpoint == registry.checkpoint
    assert bundle.checkpoint_note == registry.note
    assert bundle.issuers == {record.id: record for record in registry.issuers}
    assert bundle.frameworks == {framework.id: framework for framework in FRAMEWORKS}
    assert bundle.mappings == builtin_mappings()
    assert set(bundle.status_lists) == {
        (list_url(REVOCATION), REVOCATION),
        (list_url(SUSPENSION), SUSPENSION),
    }


def test_bundle_keys_hold_every_key_any_issuer_ever_had(registry: Registry) -> None:
    bundle = read_trust_bundle(registry.bundle(), registry.authority)
    records = [key for record in registry.issuers for key in record.keys]
    assert len(records) == 2
    assert bundle.keys == {key.kid: key for key in records}
    retired, current = bundle.issuers[ISSUER].keys
    assert retired.compromised_at == t(2) and retired.valid_until == t(6)
    assert current.valid_until is None
    assert bundle.issuers[ISSUER].status_at(t(3.5)) == "suspended"
    assert bundle.issuers[WITHDRAWN].status == "withdrawn"


def test_bundle_status_lists_carry_their_bits_and_time(registry: Registry) -> None:
    bundle = read_trust_bundle(registry.bundle(), registry.authority)
    for purpose, expected in ((REVOCATION, REVOKED_BITS), (SUSPENSION, SUSPENDED_BITS)):
        status_list = bundle.status_lists[(list_url(purpose), purpose)]
        assert (status_list.url, status_list.purpose) == (list_url(purpose), purpose)
        assert status_list.valid_from == LIST_VALID_FROM
        assert {i for i in range(len(status_list.bits)) if status_list.bits.get(i)} == expected


def test_bundle_framework_lookup(registry: Registry) -> None:
    bundle = read_trust_bundle(registry.small_bundle, registry.authority)
    assert bundle.framework("HKQF") == builtin_framework("HKQF")
    with pytest.raises(UnknownFramework):
        bundle.framework("MO-VSR")


def test_bundle_as_written_to_a_file_reads_the_same(registry: Registry) -> None:
    token = registry.small_bundle
    from_file = (token + "\n").encode("ascii")
    assert read_trust_bundle(from_file, registry.authority) == read_trust_bundle(
        token, registry.authority
    )


def test_bundle_without_a_checkpoint_or_anything_else(registry: Registry) -> None:
    token = registry.bundle(
        checkpoint=None, issuers=[], frameworks=[], mappings=[], status_lists=[]
    )
    bundle = read_trust_bundle(token, registry.authority)
    assert (bundle.checkpoint, bundle.checkpoint_note) == (None, None)
    assert (bundle.issuers, bundle.keys, bundle.frameworks, bundle.mappings) == ({}, {}, {}, ())
    assert bundle.status_lists == {}
    assert bundle.log_keys == (registry.log_key,)


@pytest.mark.parametrize(
    ("issued_at", "read_as"),
    [
        (ISSUED_AT, ISSUED_AT),
        (
            datetime(2026, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC),
            datetime(2026, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC),
        ),
        (
            datetime(2026, 1, 1, 8, 0, 0, 999_000, tzinfo=timezone(timedelta(hours=8))),
            datetime(2026, 1, 1, 0, 0, 0, 999_000, tzinfo=UTC),
        ),
        (
            datetime(2026, 1, 1, 0, 0, 0, 123_999, tzinfo=UTC),
            datetime(2026, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC),
        ),
    ],
    ids=["ms", "one-ms", "beijing-time", "sub-ms-dropped"],
)
def test_issued_at_round_trips_to_the_millisecond(
    registry: Registry, issued_at: datetime, read_as: datetime
) -> None:
    token = registry.bundle(issued_at=issued_at, issuers=[], mappings=[], status_lists=[])
    read = read_trust_bundle(token, registry.authority).issued_at
    assert read == read_as
    assert read.utcoffset() == timedelta(0)


# --- tampering and keys -------------------------------------------------------------------------


def test_every_flipped_byte_is_refused(registry: Registry) -> None:
    token = registry.small_bundle
    read_trust_bundle(token, registry.authority)
    for position in range(len(token)):
        flipped = token[:position] + chr(ord(token[position]) ^ 0x01) + token[position + 1 :]
        with pytest.raises(SignedDocumentError):
            read_trust_bundle(flipped, registry.authority)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_changed_byte_of_the_file_is_refused(registry: Registry, data: st.DataObject) -> None:
    token = bytearray(registry.small_bundle.encode("ascii"))
    position = data.draw(st.integers(0, len(token) - 1))
    token[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(SignedDocumentError):
        read_trust_bundle(bytes(token), registry.authority)


def test_bundle_signed_as_something_else_is_refused(registry: Registry) -> None:
    document = payload(registry.small_bundle)
    for typ in (STATUS_LIST_TYP, CHANGE_TYP):
        with pytest.raises(SignedDocumentError) as refused:
            read_trust_bundle(sign_json(document, registry.key, typ), registry.authority)
        assert refused.value.where == "header.typ"


def test_pinned_authority_is_the_key_the_bundle_names(registry: Registry) -> None:
    token = registry.small_bundle
    pinned = pinned_authority((token + "\n").encode(), registry.authority.kid)
    assert pinned == registry.authority
    assert read_trust_bundle(token, pinned).authority == registry.authority


def test_bundle_of_another_authority_is_refused_naming_the_pinned_kid(registry: Registry) -> None:
    impostor = Registry(Ed25519PrivateKey.generate(), registry.log_private, registry.issuers)
    with pytest.raises(SignedDocumentError) as refused:
        pinned_authority(impostor.small_bundle, registry.authority.kid)
    assert registry.authority.kid in refused.value.message
    assert impostor.authority.kid in refused.value.message
    with pytest.raises(SignedDocumentError):
        read_trust_bundle(impostor.small_bundle, registry.authority)


def test_bundle_naming_the_pinned_key_but_signed_by_another_is_refused(
    registry: Registry,
) -> None:
    """Copying the authority's public key into a bundle gets past the pin check, not the
    signature check."""
    document = payload(registry.small_bundle)
    forged = sign_json(document, Ed25519PrivateKey.generate(), BUNDLE_TYP)
    pinned = pinned_authority(forged, registry.authority.kid)
    with pytest.raises(SignedDocumentError):
        read_trust_bundle(forged, pinned)


@pytest.mark.parametrize(
    "authority",
    [None, "key", {"kty": "OKP", "crv": "X25519", "x": "AAAA"}, {"kty": "OKP", "crv": "Ed25519"}],
)
def test_pinned_authority_refuses_a_bundle_without_a_readable_key(
    registry: Registry, authority: Any
) -> None:
    token = registry.resigned(lambda document: document.update(authority=authority))
    with pytest.raises(MalformedTrustBundle):
        pinned_authority(token, registry.authority.kid)


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.!!!.c", "a.e30.c"],
    ids=["empty", "two-parts", "bad-b64", "no-authority"],
)
def test_pinned_authority_refuses_what_is_not_a_bundle(registry: Registry, token: str) -> None:
    with pytest.raises(MalformedTrustBundle):
        pinned_authority(token, registry.authority.kid)


# --- status lists inside the bundle --------------------------------------------------------------


def test_read_status_list_round_trips(registry: Registry) -> None:
    status_list = read_status_list(registry.status_lists()[0], registry.authority, "list")
    assert isinstance(status_list, StatusList)
    assert (status_list.url, status_list.purpose) == (list_url(REVOCATION), REVOCATION)
    assert status_list.valid_from == LIST_VALID_FROM
    assert status_list.bits.get(42) and not status_list.bits.get(41)


def test_bundle_with_a_status_list_signed_by_another_key_is_refused(registry: Registry) -> None:
    stranger = Ed25519PrivateKey.generate()
    stranger_kid = AuthorityKey.from_public_key(stranger.public_key()).kid
    forged = signed_status_list(stranger, REVOCATION, set())
    token = registry.bundle(status_lists=[forged, registry.status_lists()[1]])
    with pytest.raises((MalformedTrustBundle, SignedDocumentError), match=stranger_kid):
        read_trust_bundle(token, registry.authority)
    with pytest.raises(SignedDocumentError):
        read_status_list(forged, registry.authority, "list")


def test_bundle_with_a_status_list_signed_as_something_else_is_refused(registry: Registry) -> None:
    retyped = signed_status_list(registry.key, REVOCATION, set(), typ=BUNDLE_TYP)
    with pytest.raises((MalformedTrustBundle, SignedDocumentError)):
        read_trust_bundle(registry.bundle(status_lists=[retyped]), registry.authority)


def test_bundle_with_an_edited_status_list_is_refused(registry: Registry) -> None:
    """Clearing a revocation bit means re-encoding the list, which breaks its signature even
    though the bundle around it is re-signed."""
    cleared = signed_status_list(registry.key, REVOCATION, set())
    original = registry.status_lists()[0]
    spliced = ".".join([*original.split(".")[:1], cleared.split(".")[1], original.split(".")[2]])
    with pytest.raises((MalformedTrustBundle, SignedDocumentError)):
        read_trust_bundle(registry.bundle(status_lists=[spliced]), registry.authority)


# --- contents the bundle cannot hold -----------------------------------------------------------


def _drop(name: str) -> Callable[[dict[str, Any]], object]:
    return lambda document: document.pop(name)


def _set(name: str, value: Any) -> Callable[[dict[str, Any]], object]:
    return lambda document: document.update({name: value})


def _other_log_note(document: dict[str, Any]) -> None:
    other = Ed25519PrivateKey.generate()
    document["checkpoint"] = sign_note(
        format_checkpoint(Checkpoint(ORIGIN, 1, bytes(32))), ORIGIN, other
    )


def _other_origin_note(registry: Registry) -> Callable[[dict[str, Any]], object]:
    def edit(document: dict[str, Any]) -> None:
        document["checkpoint"] = sign_note(
            format_checkpoint(Checkpoint("elsewhere.example/log", 1, bytes(32))),
            ORIGIN,
            registry.log_private,
        )

    return edit


def _issuer_edit(**changes: Any) -> Callable[[dict[str, Any]], object]:
    def edit(document: dict[str, Any]) -> None:
        document["issuers"][0].update(changes)

    return edit


EDITS: dict[str, Callable[[dict[str, Any]], object]] = {
    "unknown member": _set("expires_at", "2026-04-01T00:00:00.000Z"),
    "missing member": _drop("checkpoint"),
    "missing status lists": _drop("status_lists"),
    "another type": _set("type", "SkillcertTrustList"),
    "another version": _set("version", 2),
    "issued_at without milliseconds": _set("issued_at", "2026-03-04T05:06:07Z"),
    "issued_at not UTC": _set("issued_at", "2026-03-04T13:06:07.890+08:00"),
    "log not an object": _set("log", "vkey"),
    "log with an unknown member": lambda d: d["log"].update(url="https://x"),
    "malformed log key": lambda d: d["log"].update(vkey="registry.example/log+00000000+AQ"),
    "log origin not its key's name": lambda d: d["log"].update(origin="elsewhere.example/log"),
    "checkpoint by another log key": _other_log_note,
    "checkpoint not a note": _set("checkpoint", "registry.example/log\n12\n"),
    "issuers not an array": _set("issuers", {}),
    "issuer status not its history's": _issuer_edit(status="withdrawn"),
    "issuer with an unknown member": _issuer_edit(website="https://x"),
    "framework without levels": lambda d: d["frameworks"][0].update(levels=[]),
    "scope in a framework the bundle lacks": lambda d: d.update(
        frameworks=[f for f in d["frameworks"] if f["id"] != "HKQF"]
    ),
    "mapping to a framework the bundle lacks": lambda d: d.update(
        mappings=[m.to_json() for m in builtin_mappings() if m.target_framework == "MO-VSR"]
    ),
    "status list not a string": _set("status_lists", [{"encodedList": "u"}]),
}


@pytest.mark.parametrize("name", EDITS)
def test_bundle_with_contents_that_cannot_be_read_is_refused(registry: Registry, name: str) -> None:
    token = registry.resigned(EDITS[name])
    with pytest.raises(MalformedTrustBundle):
        read_trust_bundle(token, registry.authority)


def test_checkpoint_for_another_log_is_refused(registry: Registry) -> None:
    token = registry.resigned(_other_origin_note(registry))
    with pytest.raises(MalformedTrustBundle):
        read_trust_bundle(token, registry.authority)


def test_the_edits_above_are_the_only_problem(registry: Registry) -> None:
    """Re-signing the unedited document reads: each refusal above is the edit's doing."""
    bundle = read_trust_bundle(registry.resigned(lambda document: None), registry.authority)
    assert set(bundle.frameworks) == {"CN-VQ-5", "HKQF"}
    assert bundle.issuers == {record.id: record for record in registry.issuers}


# --- library bugs -------------------------------------------------------------------------------


def test_bundle_version_must_be_the_integer_one(registry: Registry) -> None:
    token = registry.resigned(_set("version", True))
    with pytest.raises(MalformedTrustBundle):
        read_trust_bundle(token, registry.authority)


def test_bundle_with_two_status_lists_for_one_url_and_purpose_is_refused(
    registry: Registry,
) -> None:
    revoked = signed_status_list(registry.key, REVOCATION, {7})
    cleared = signed_status_list(registry.key, REVOCATION, set())
    with pytest.raises(MalformedTrustBundle):
        read_trust_bundle(registry.bundle(status_lists=[revoked, cleared]), registry.authority)


def test_bundle_with_two_records_for_one_issuer_is_refused(registry: Registry) -> None:
    record = next(r for r in registry.issuers if r.id == WITHDRAWN)
    active = IssuerRecord(record.id, record.name, record.registered_at)
    with pytest.raises(MalformedTrustBundle):
        read_trust_bundle(
            registry.bundle(issuers=[record, active], mappings=[], status_lists=[]),
            registry.authority,
        )


@pytest.mark.parametrize("authority", ["not a key", "another key"])
def test_bundle_whose_authority_member_is_not_its_signer_is_refused(
    registry: Registry, authority: str
) -> None:
    named = (
        AuthorityKey.from_public_key(Ed25519PrivateKey.generate().public_key()).jwk
        if authority == "another key"
        else authority
    )
    token = registry.resigned(_set("authority", named))
    with pytest.raises((MalformedTrustBundle, SignedDocumentError)):
        read_trust_bundle(token, registry.authority)
