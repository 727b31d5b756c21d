"""Documents the registry's authority signs: governance changes, status list credentials, the
trust bundle. Each is a compact JWS (RFC 7515 §7.1) with ``alg`` EdDSA (RFC 8037), the
authority key's RFC 7638 thumbprint as ``kid``, and a ``typ`` naming what the document is.

``typ`` is checked on reading, so a document signed as one thing cannot be passed off as
another (a governance change replayed as a trust bundle, say): the authority signs several
kinds of JSON with one key, and only the header tells them apart.

A governance change is kept in its log entry with a *detached* payload (RFC 7515 Appendix F):
the entry holds the change as plain JSON beside ``header..signature``, and the signed payload
is the change's RFC 8785 form, so the entry stays readable and the bytes signed are the bytes
hashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schemas.b64 import b64url_decode, b64url_encode
from schemas.canonical import canonical_json
from schemas.errors import MalformedDocument, SignedDocumentError
from schemas.jwk import ed25519_public_jwk, jwk_thumbprint
from schemas.strict_json import parse_strict_json

__all__ = [
    "AuthorityKey",
    "sign_detached",
    "sign_json",
    "verify_detached",
    "verify_json",
]

_MAX_HEADER_BYTES = 1024


@dataclass(frozen=True, slots=True)
class AuthorityKey:
    """The public half of the authority key, as verifiers pin it: the key and its thumbprint."""

    public_key: Ed25519PublicKey
    kid: str

    @classmethod
    def from_public_key(cls, public_key: Ed25519PublicKey) -> AuthorityKey:
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(public_key, jwk_thumbprint(ed25519_public_jwk(raw)))

    @property
    def jwk(self) -> dict[str, str]:
        return {
            **ed25519_public_jwk(self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "kid": self.kid,
        }


def _header(key: Ed25519PrivateKey, typ: str) -> str:
    kid = AuthorityKey.from_public_key(key.public_key()).kid
    header = {"alg": "EdDSA", "kid": kid, "typ": typ}
    return b64url_encode(canonical_json(header))


def _sign(header: str, payload: bytes, key: Ed25519PrivateKey) -> str:
    signing_input = f"{header}.{b64url_encode(payload)}"
    return b64url_encode(key.sign(signing_input.encode("ascii")))


def sign_json(document: Any, key: Ed25519PrivateKey, typ: str) -> str:
    """Compact JWS over the RFC 8785 form of ``document``."""
    header = _header(key, typ)
    payload = canonical_json(document)
    return f"{header}.{b64url_encode(payload)}.{_sign(header, payload, key)}"


def sign_detached(document: Any, key: Ed25519PrivateKey, typ: str) -> str:
    """``header..signature`` over the RFC 8785 form of ``document``, which travels beside it."""
    header = _header(key, typ)
    return f"{header}..{_sign(header, canonical_json(document), key)}"


def _check_header(header_b64: str, authority: AuthorityKey, typ: str) -> None:
    if len(header_b64) > _MAX_HEADER_BYTES:
        raise SignedDocumentError("protected header too large", "header")
    try:
        header = parse_strict_json(
            b64url_decode(header_b64, "header"), limit=_MAX_HEADER_BYTES, what="header"
        )
    except MalformedDocument as exc:
        raise SignedDocumentError(exc.message, "header") from exc
    if not isinstance(header, dict) or set(header) != {"alg", "kid", "typ"}:
        raise SignedDocumentError("expected exactly alg, kid and typ", "header")
    if header["alg"] != "EdDSA":
        raise SignedDocumentError(f"alg {header['alg']!r} is not EdDSA", "header.alg")
    if header["typ"] != typ:
        raise SignedDocumentError(f"typ {header['typ']!r} is not {typ!r}", "header.typ")
    if header["kid"] != authority.kid:
        raise SignedDocumentError(
            f"signed by key {header['kid']!r}, not the authority key {authority.kid}",
            "header.kid",
        )


def _check_signature(header: str, payload_b64: str, signature: str, key: AuthorityKey) -> None:
    try:
        key.public_key.verify(
            b64url_decode(signature, "signature"), f"{header}.{payload_b64}".encode("ascii")
        )
    except (InvalidSignature, MalformedDocument, UnicodeEncodeError):
        raise SignedDocumentError("signature does not verify", "signature") from None


def verify_json(token: str, authority: AuthorityKey, typ: str, *, limit: int) -> Any:
    """The document signed as ``token``; raises ``SignedDocumentError`` (wrong key, ``typ``,
    signature) or ``MalformedDocument`` (payload not strict JSON within ``limit`` bytes)."""
    if not isinstance(token, str) or len(token) > 2 * limit:
        raise SignedDocumentError("expected a compact JWS of reasonable size", typ)
    parts = token.split(".")
    if len(parts) != 3:
        raise SignedDocumentError("a compact JWS has three dot-separated parts", typ)
    header, payload_b64, signature = parts
    _check_header(header, authority, typ)
    _check_signature(header, payload_b64, signature, authority)
    payload = b64url_decode(payload_b64, "payload")
    return parse_strict_json(payload, limit=limit, what=typ)


def verify_detached(document: Any, signature: str, authority: AuthorityKey, typ: str) -> None:
    """Raise ``SignedDocumentError`` unless ``signature`` (``header..signature``) signs the
    RFC 8785 form of ``document`` with the authority key as ``typ``."""
    parts = signature.split(".") if isinstance(signature, str) else []
    if len(parts) != 3 or parts[1]:
        raise SignedDocumentError("expected a detached JWS header..signature", "signature")
    header, _, sig = parts
    _check_header(header, authority, typ)
    _check_signature(header, b64url_encode(canonical_json(document)), sig, authority)
