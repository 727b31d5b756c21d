"""JSON Web Keys for Ed25519 (RFC 8037) and their RFC 7638 thumbprints.

A key's identity is its thumbprint; ``kid`` is ``<issuer id>#<thumbprint>`` so a ``kid`` names both
who signed and with which key, and cannot be re-pointed at another key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from schemas.b64 import b64url_decode, b64url_encode
from schemas.errors import MalformedDocument

__all__ = [
    "ED25519_PUBLIC_KEY_BYTES",
    "ed25519_public_jwk",
    "jwk_thumbprint",
    "make_kid",
    "parse_ed25519_public_jwk",
    "split_kid",
]

ED25519_PUBLIC_KEY_BYTES = 32
# RFC 7638 §3.2: the required members of each key type, the only ones hashed.
_REQUIRED_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
}


def ed25519_public_jwk(public_key: bytes) -> dict[str, str]:
    """The RFC 8037 §2 public JWK for a raw 32-byte Ed25519 key."""
    if len(public_key) != ED25519_PUBLIC_KEY_BYTES:
        raise MalformedDocument("an Ed25519 public key is 32 bytes", "jwk")
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_key)}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 §3 thumbprint: base64url SHA-256 of the required members, sorted, no spaces."""
    kty = jwk.get("kty")
    members = _REQUIRED_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise MalformedDocument(f"unsupported key type {kty!r}", "jwk")
    try:
        required = {name: jwk[name] for name in members}
    except KeyError as exc:
        raise MalformedDocument(f"missing member {exc.args[0]!r}", "jwk") from exc
    if not all(isinstance(v, str) for v in required.values()):
        raise MalformedDocument("thumbprint members must be strings", "jwk")
    text = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(text.encode("utf-8")).digest())


def parse_ed25519_public_jwk(jwk: Any) -> bytes:
    """Raw public key bytes from an Ed25519 public JWK; private members are refused."""
    if not isinstance(jwk, Mapping):
        raise MalformedDocument("a JWK is a JSON object", "jwk")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise MalformedDocument("not an Ed25519 key (kty OKP, crv Ed25519)", "jwk")
    if "d" in jwk:
        raise MalformedDocument("private key material in a public JWK", "jwk")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise MalformedDocument("missing x", "jwk")
    raw = b64url_decode(x, "jwk.x")
    if len(raw) != ED25519_PUBLIC_KEY_BYTES:
        raise MalformedDocument("an Ed25519 public key is 32 bytes", "jwk.x")
    return raw


def make_kid(issuer_id: str, jwk: Mapping[str, Any]) -> str:
    return f"{issuer_id}#{jwk_thumbprint(jwk)}"


def split_kid(kid: str) -> tuple[str, str]:
    """``(issuer id, thumbprint)``; raises ``MalformedDocument`` if ``kid`` is not of that form."""
    issuer_id, sep, thumbprint = kid.rpartition("#")
    if not sep or not issuer_id or not thumbprint:
        raise MalformedDocument("kid must be <issuer id>#<JWK thumbprint>", "kid")
    return issuer_id, thumbprint
