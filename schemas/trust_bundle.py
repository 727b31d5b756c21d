"""The trust bundle: everything a verifier needs to check credentials offline (DESIGN §4).

One JSON document, signed by the authority key as a compact JWS with ``typ``
``skillcert-trust-bundle+json``: the authority and log keys, every issuer with its keys,
scopes and status history, the level frameworks, every version of every recognition mapping,
the signed status list credentials, and the latest signed checkpoint. Members:

``{"type": "SkillcertTrustBundle", "version": 1, "issued_at", "authority", "log": {"origin",
"vkey"}, "checkpoint", "issuers", "frameworks", "mappings", "status_lists"}``

The authority key that signs a bundle is *pinned* by the verifier (configured once, out of
band), never taken from the bundle itself: a bundle carrying its own key would let anyone who
can rewrite it re-sign it. ``authority`` is there so a reader can see which key it is.

Status lists travel inside the bundle, so a verifier with a bundle needs nothing else; their
freshness is the bundle's ``issued_at``, which the verifier reports as the bundle's age.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas.b64 import b64url_decode
from schemas.errors import (
    MalformedDocument,
    MalformedTrustBundle,
    SchemaError,
    SignedDocumentError,
    UnknownFramework,
)
from schemas.frameworks import Framework, framework_resolver, parse_framework
from schemas.governance import IssuerRecord, parse_issuer_record
from schemas.instants import format_instant_ms, parse_instant, parse_instant_ms
from schemas.jwk import parse_ed25519_public_jwk
from schemas.key_lifecycle import KeyRecord
from schemas.note import VerifiedCheckpoint, VerifierKey, format_vkey, parse_vkey, verify_checkpoint
from schemas.recognition import RecognitionMapping, parse_mapping
from schemas.signed_json import AuthorityKey, sign_json, verify_json
from schemas.status_list import StatusBits, parse_status_list_credential
from schemas.strict_json import parse_strict_json, require_members

__all__ = [
    "BUNDLE_TYP",
    "STATUS_LIST_TYP",
    "StatusList",
    "TrustBundle",
    "build_trust_bundle",
    "pinned_authority",
    "read_status_list",
    "read_trust_bundle",
]

BUNDLE_TYP: Final = "skillcert-trust-bundle+json"
STATUS_LIST_TYP: Final = "vc+jwt"
BUNDLE_TYPE: Final = "SkillcertTrustBundle"
BUNDLE_VERSION: Final = 1
_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)
MAX_BUNDLE_BYTES: Final = 64 << 20
_MAX_STATUS_LIST_JWS: Final = 4 << 20
_MEMBERS: Final = frozenset(
    {
        "type",
        "version",
        "issued_at",
        "authority",
        "log",
        "checkpoint",
        "issuers",
        "frameworks",
        "mappings",
        "status_lists",
    }
)


@dataclass(frozen=True, slots=True)
class StatusList:
    """One verified status list credential: its URL, purpose, bits and when it was made."""

    url: str
    purpose: str
    bits: StatusBits
    valid_from: datetime


@dataclass(frozen=True, slots=True)
class TrustBundle:
    """A verified bundle. ``keys`` maps every ``kid`` any issuer ever had to its record."""

    issued_at: datetime
    authority: AuthorityKey
    log_keys: tuple[VerifierKey, ...]
    checkpoint: VerifiedCheckpoint | None
    checkpoint_note: str | None
    issuers: Mapping[str, IssuerRecord]
    keys: Mapping[str, KeyRecord]
    frameworks: Mapping[str, Framework]
    mappings: tuple[RecognitionMapping, ...]
    status_lists: Mapping[tuple[str, str], StatusList]

    def framework(self, framework_id: str) -> Framework:
        framework = self.frameworks.get(framework_id)
        if framework is None:
            raise UnknownFramework(f"the trust bundle has no framework {framework_id!r}")
        return framework


def build_trust_bundle(
    *,
    key: Ed25519PrivateKey,
    issued_at: datetime,
    log_key: VerifierKey,
    checkpoint: str | None,
    issuers: list[IssuerRecord],
    frameworks: list[Framework],
    mappings: list[RecognitionMapping],
    status_lists: list[str],
) -> str:
    """The signed bundle (compact JWS). ``status_lists`` are signed status list credentials."""
    document = {
        "type": BUNDLE_TYPE,
        "version": BUNDLE_VERSION,
        "issued_at": format_instant_ms(issued_at),
        "authority": AuthorityKey.from_public_key(key.public_key()).jwk,
        "log": {"origin": log_key.name, "vkey": format_vkey(log_key)},
        "checkpoint": checkpoint,
        "issuers": [issuer.to_json() for issuer in issuers],
        "frameworks": [framework.to_json() for framework in frameworks],
        "mappings": [mapping.to_json() for mapping in mappings],
        "status_lists": status_lists,
    }
    return sign_json(document, key, BUNDLE_TYP)


def read_status_list(token: str, authority: AuthorityKey, where: str) -> StatusList:
    """A signed status list credential, verified against the authority key."""
    document = verify_json(token, authority, STATUS_LIST_TYP, limit=_MAX_STATUS_LIST_JWS)
    purpose, bits, url = parse_status_list_credential(document)
    valid_from = parse_instant(
        document.get("validFrom"), f"{where}.validFrom", error=MalformedTrustBundle
    )
    return StatusList(url, purpose, bits, valid_from)


def pinned_authority(token: str | bytes, pinned_kid: str) -> AuthorityKey:
    """The authority key a bundle names, if its RFC 7638 thumbprint is ``pinned_kid``.

    Lets a verifier be configured with a short thumbprint instead of a key; the bundle's
    signature is then checked with this key by ``read_trust_bundle``. Raises
    ``SignedDocumentError`` when the bundle names another key.
    """
    text = token.decode("ascii", "replace") if isinstance(token, bytes) else token
    parts = text.strip().split(".")
    try:
        if len(parts) != 3:
            raise MalformedDocument("a compact JWS has three parts", "bundle")
        payload = parse_strict_json(b64url_decode(parts[1], "payload"), limit=MAX_BUNDLE_BYTES)
        jwk = payload["authority"] if isinstance(payload, dict) else None
        raw = parse_ed25519_public_jwk(jwk)
    except (MalformedDocument, KeyError) as exc:
        raise MalformedTrustBundle(f"no readable authority key: {exc}", "authority") from None
    key = AuthorityKey.from_public_key(Ed25519PublicKey.from_public_bytes(raw))
    if key.kid != pinned_kid:
        raise SignedDocumentError(
            f"the bundle is signed by authority key {key.kid}, not the pinned {pinned_kid}",
            "authority",
        )
    return key


def _list(document: Mapping[str, Any], name: str) -> list[Any]:
    value = document[name]
    if not isinstance(value, list):
        raise MalformedTrustBundle("expected an array", name)
    return value


def _unique(items: Iterable[_T], key: Callable[[_T], _K], where: str) -> dict[_K, _T]:
    """``items`` by ``key``, refusing a repeat: two entries for one issuer or one list would
    leave the answer to whichever came last."""
    found: dict[_K, _T] = {}
    for position, item in enumerate(items):
        name = key(item)
        if name in found:
            raise MalformedTrustBundle(f"{name} appears twice", f"{where}[{position}]")
        found[name] = item
    return found


def read_trust_bundle(token: str | bytes, authority: AuthorityKey) -> TrustBundle:
    """Verify and read a bundle signed by the pinned ``authority`` key.

    Raises ``SignedDocumentError`` when it is not signed by that key as a bundle (any edit to
    it, or a bundle signed by another key), ``MalformedTrustBundle`` (or the error of the part
    that is wrong) when its contents cannot be read.
    """
    text = token.decode("ascii", "replace") if isinstance(token, bytes) else token
    document = require_members(
        verify_json(text.strip(), authority, BUNDLE_TYP, limit=MAX_BUNDLE_BYTES),
        allowed=_MEMBERS,
        error=MalformedTrustBundle,
        where="bundle",
        what="a trust bundle",
    )
    version = document["version"]
    if document["type"] != BUNDLE_TYPE or type(version) is not int or version != BUNDLE_VERSION:
        raise MalformedTrustBundle(f"expected {BUNDLE_TYPE} version {BUNDLE_VERSION}", "type")
    if document["authority"] != authority.jwk:
        raise MalformedTrustBundle("does not name the key it is signed with", "authority")
    try:
        issued_at = parse_instant_ms(document["issued_at"], "issued_at")
        log = require_members(
            document["log"],
            allowed=("origin", "vkey"),
            error=MalformedTrustBundle,
            where="log",
            what="the log's key",
        )
        log_key = parse_vkey(log["vkey"])
        if log["origin"] != log_key.name:
            raise MalformedTrustBundle("is not the name of the log's key", "log.origin")
        frameworks = _unique(
            (
                parse_framework(item, f"frameworks[{i}]")
                for i, item in enumerate(_list(document, "frameworks"))
            ),
            lambda framework: framework.id,
            "frameworks",
        )
        resolve = framework_resolver(frameworks.values())
        issuers = _unique(
            (
                parse_issuer_record(item, resolve, f"issuers[{i}]")
                for i, item in enumerate(_list(document, "issuers"))
            ),
            lambda record: record.id,
            "issuers",
        )
        mappings = tuple(
            parse_mapping(item, where=f"mappings[{i}]", frameworks=resolve)
            for i, item in enumerate(_list(document, "mappings"))
        )
        lists = _unique(
            (
                read_status_list(item, authority, f"status_lists[{i}]")
                for i, item in enumerate(_list(document, "status_lists"))
            ),
            lambda item: (item.url, item.purpose),
            "status_lists",
        )
        note = document["checkpoint"]
        checkpoint = (
            None if note is None else verify_checkpoint(note, [log_key], origin=log_key.name)
        )
    except MalformedTrustBundle:
        raise
    except SchemaError as exc:
        raise MalformedTrustBundle(str(exc), exc.where) from exc
    return TrustBundle(
        issued_at=issued_at,
        authority=authority,
        log_keys=(log_key,),
        checkpoint=checkpoint,
        checkpoint_note=note,
        issuers=issuers,
        keys={key.kid: key for issuer in issuers.values() for key in issuer.keys},
        frameworks=frameworks,
        mappings=mappings,
        status_lists=lists,
    )
