"""RFC 8785 (JCS) canonical JSON and the hashes defined over it.

Serialisation is delegated to the ``rfc8785`` package (its conformance is checked against the
RFC's own vectors in tests/vectors/jcs); this module fixes the one way the project calls it.
"""

from __future__ import annotations

import hashlib
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


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 serialisation of ``value``.

    Raises ``MalformedDocument`` for values JCS cannot represent (NaN, infinities, integers no
    IEEE 754 double holds exactly, non-string keys, lone surrogates).
    """
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
