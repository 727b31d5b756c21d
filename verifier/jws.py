"""Strict parsing of a VC-JOSE compact JWS, before any key is touched.

Everything an attacker controls is checked here against a fixed expectation: exactly three
base64url parts, a protected header of exactly ``alg``/``kid``/``typ``/``cty`` with ``alg`` =
``EdDSA`` (so ``none``, ``HS256`` keyed with the public key and ``RS256`` never reach a key),
no ``crit`` (RFC 7515 §4.1.11: we understand no extensions, so any is unknown), a payload of at
most 64 KiB that is one strict JSON object (no duplicate keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from schemas.b64 import b64url_decode
from schemas.errors import DocumentTooLarge, DuplicateKey, MalformedDocument
from schemas.strict_json import parse_strict_json
from verifier.errors import CheckFailed

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_PAYLOAD_BYTES",
    "ParsedJws",
    "parse_compact_jws",
]

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_HEADER_BYTES = 2 * 1024
_SIGNATURE_BYTES = 64
_ALLOWED_HEADER = frozenset({"alg", "kid", "typ", "cty"})
_EXPECTED = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc"}
_CODE_FOR = {"alg": "format.alg_not_allowed", "typ": "format.typ", "cty": "format.cty"}


class ParsedJws(NamedTuple):
    """A structurally sound JWS; its signature has NOT been checked. A named tuple: one is
    built per verification, and a frozen dataclass costs several times as much to build."""

    header: Mapping[str, Any]
    payload: dict[str, Any]
    kid: str
    signing_input: bytes
    signature: bytes


def _fail(code: str, message: str) -> CheckFailed:
    return CheckFailed("format", code, message)


def _b64_limit(limit: int) -> int:
    return (limit * 4 + 2) // 3


def _check_header(header: Any) -> str:
    if not isinstance(header, dict):
        raise _fail("format.header", "protected header is not a JSON object")
    if "crit" in header:
        raise _fail("format.crit", f"unsupported critical header parameter(s): {header['crit']!r}")
    for name, expected in _EXPECTED.items():
        if header.get(name) != expected:
            raise _fail(
                _CODE_FOR[name], f"header {name} is {header.get(name)!r}, must be {expected!r}"
            )
    unexpected = sorted(set(header) - _ALLOWED_HEADER)
    if unexpected:
        raise _fail("format.header", f"unexpected header parameter(s): {', '.join(unexpected)}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _fail("format.kid", "header has no kid")
    return kid


def _read_header(header_b64: bytes) -> tuple[dict[str, Any], str]:
    try:
        header_bytes = b64url_decode(header_b64, "header")
    except MalformedDocument as exc:
        raise _fail("format.encoding", str(exc)) from exc
    try:
        header = parse_strict_json(header_bytes, limit=MAX_HEADER_BYTES, what="header")
    except MalformedDocument as exc:
        raise _fail(_json_code(exc), str(exc)) from exc
    return header, _check_header(header)


_HEADERS: dict[bytes, tuple[dict[str, Any], str]] = {}
_HEADER_MEMO = 4096


def _header(header_b64: bytes) -> tuple[dict[str, Any], str]:
    """The header and its ``kid``. Every credential an issuer key signs carries the same header
    bytes, so accepted headers are kept (one per key) rather than decoded again each time;
    a refused one is never kept."""
    found = _HEADERS.get(header_b64)
    if found is None:
        found = _read_header(header_b64)
        if len(_HEADERS) < _HEADER_MEMO:
            _HEADERS[header_b64] = found
    return found


def parse_compact_jws(token: bytes) -> ParsedJws:
    """Split and strictly decode ``token``; raises ``CheckFailed`` on check ``format``."""
    token = token.strip()
    parts = token.split(b".")
    if len(parts) != 3:
        raise _fail("format.not_jws", f"a compact JWS has 3 dot-separated parts, not {len(parts)}")
    header_b64, payload_b64, signature_b64 = parts
    if len(payload_b64) > _b64_limit(MAX_PAYLOAD_BYTES):
        raise _fail("format.too_large", f"payload exceeds {MAX_PAYLOAD_BYTES} bytes")
    if len(header_b64) > _b64_limit(MAX_HEADER_BYTES):
        raise _fail("format.too_large", f"header exceeds {MAX_HEADER_BYTES} bytes")
    header, kid = _header(header_b64)
    try:
        payload_bytes = b64url_decode(payload_b64, "payload")
        signature = b64url_decode(signature_b64, "signature")
    except MalformedDocument as exc:
        raise _fail("format.encoding", str(exc)) from exc
    try:
        payload = parse_strict_json(payload_bytes, limit=MAX_PAYLOAD_BYTES, what="payload")
    except MalformedDocument as exc:
        raise _fail(_json_code(exc), str(exc)) from exc
    if not isinstance(payload, dict):
        raise _fail("format.payload", "payload is not a JSON object")
    if len(signature) != _SIGNATURE_BYTES:
        raise _fail("format.encoding", f"an Ed25519 signature is {_SIGNATURE_BYTES} bytes")
    return ParsedJws(header, payload, kid, header_b64 + b"." + payload_b64, signature)


def _json_code(exc: MalformedDocument) -> str:
    if isinstance(exc, DuplicateKey):
        return "format.duplicate_key"
    if isinstance(exc, DocumentTooLarge):
        return "format.too_large"
    return "format.json"
