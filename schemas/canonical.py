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


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 serialisation of ``value``.

    Raises ``MalformedDocument`` for values JCS cannot represent (NaN, infinities, integers
    beyond IEEE 754 double precision, non-string keys, lone surrogates).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise MalformedDocument(f"cannot canonicalise: {exc}", where="canonical json") from exc


def canonical_sha256(value: Any) -> bytes:
    """SHA-256 over the canonical form: the same document always hashes the same."""
    return hashlib.sha256(canonical_json(value)).digest()
