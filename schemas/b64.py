"""Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5).

Strict means: alphabet only, no padding, no whitespace, and canonical trailing bits, so every
byte string has exactly one accepted encoding and a flipped padding bit is not a second token.
"""

from __future__ import annotations

import base64
import binascii
import re

from schemas.errors import MalformedDocument

__all__ = ["b64url_decode", "b64url_encode"]

_ALPHABET = re.compile(rb"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes, what: str = "base64url") -> bytes:
    """Decode strict base64url; raises ``MalformedDocument`` naming ``what``."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if len(raw) % 4 == 1 or _ALPHABET.fullmatch(raw) is None:
        raise MalformedDocument("not unpadded base64url", what)
    try:
        decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except binascii.Error as exc:
        raise MalformedDocument("not unpadded base64url", what) from exc
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != raw:
        raise MalformedDocument("non-canonical base64url (stray bits in the last character)", what)
    return decoded
