"""RFC 8785 (JCS) canonical JSON and the hashes defined over it.

Serialisation is delegated to the ``rfc8785`` package (its conformance is checked against the
RFC's own vectors in tests/vectors/jcs); this module fixes the one way the project calls it.

``rfc8785`` is pure Python (~29 µs for a log entry), and the log serialises every entry. For the
values log entries and most documents hold (strings, integers a double holds exactly, booleans,
null, arrays, objects whose keys sort the same by UTF-16 unit as by code point) the standard
library's sorted, compact, non-ASCII-preserving output is byte-for-byte the JCS form, at a
quarter of the cost; anything else (floats, large integers, astral-plane keys) goes to
``rfc8785``. A property test holds the two paths equal.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from schemas.errors import MalformedDocument

__all__ = ["canonical_json", "canonical_sha256"]


def _ints_as_doubles(value: Any) -> Any:
    """JCS numbers are IEEE 754 doubles (RFC 8785 §3.2.2.3): an integer beyond 2**53 that a
    double holds exactly (as parsing ``9007199254740992`` yields) is that double; one it does not
    hold is refused rather than silently rounded."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        as_double = float(value)
        if int(as_double) != value:
            raise MalformedDocument(f"{value} is not exactly an IEEE 754 double", "canonical json")
        return as_double
    if isinstance(value, dict):
        return {key: _ints_as_doubles(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_ints_as_doubles(item) for item in value]
    return value


_SAFE_INTEGER = 2**53
_LAST_BMP = "\uffff"
_STANDARD = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


def _same_as_standard(value: Any) -> bool:
    """Whether ``json``'s sorted compact output of ``value`` is already its JCS form."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, dict):
        return all(
            isinstance(key, str)
            and (key.isascii() or max(key, default="") <= _LAST_BMP)
            and _same_as_standard(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_same_as_standard(item) for item in value)
    return False


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 serialisation of ``value``.

    Raises ``MalformedDocument`` for values JCS cannot represent (NaN, infinities, integers no
    IEEE 754 double holds exactly, non-string keys, lone surrogates).
    """
    if _same_as_standard(value):
        try:
            return _STANDARD.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 below names the error
    try:
        try:
            return rfc8785.dumps(value)
        except rfc8785.IntegerDomainError:
            return rfc8785.dumps(_ints_as_doubles(value))
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise MalformedDocument(f"cannot canonicalise: {exc}", "canonical json") from exc


def canonical_sha256(value: Any) -> bytes:
    """SHA-256 over the canonical form: the same document always hashes the same."""
    return hashlib.sha256(canonical_json(value)).digest()
