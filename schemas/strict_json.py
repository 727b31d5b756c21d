"""Strict JSON parsing: the one way every untrusted document enters the system.

Python's ``json`` module keeps the last of duplicate keys, accepts ``NaN``, guesses UTF-16 from
bytes and reads an escaped lone UTF-16 surrogate (``"\ud800"``) into a string that no UTF-8
writer can then write; two parsers disagreeing on such input is how signed documents get read
two ways, and a string that cannot be written crashes whoever reports on it. This parser refuses
all of it (RFC 8259 §4 "names SHOULD be unique", RFC 7493 I-JSON §2.1 and §2.3). Once parsed,
``require_members`` holds an object to the members its reader knows, for the same reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from schemas.errors import DocumentTooLarge, DuplicateKey, MalformedDocument, SchemaError

__all__ = ["parse_strict_json", "require_members"]


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"duplicate key {key!r}", where="json")
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise MalformedDocument(f"{name} is not a JSON number", where="json")


_SAFE_INTEGER = 2**53


def _parse_int(text: str) -> int | float:
    """Integers a double holds exactly stay ``int``; larger ones are read as the nearest double,
    as RFC 8785 §3.2.2.3 (and every JavaScript parser) reads them, so canonical output re-parses
    to the same value."""
    value = int(text)
    return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else float(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant, parse_int=_parse_int
)


def parse_strict_json(data: bytes, *, limit: int, what: str = "document") -> Any:
    """Parse UTF-8 JSON ``data`` of at most ``limit`` bytes.

    Raises ``MalformedDocument`` (with ``where=what``) for oversized input, invalid UTF-8, a byte
    order mark, duplicate keys, ``NaN``/``Infinity``, an unpaired surrogate or trailing data.
    """
    if len(data) > limit:
        raise DocumentTooLarge(f"{len(data)} bytes exceeds the limit of {limit} bytes", where=what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedDocument(f"not UTF-8 at byte {exc.start}", where=what) from exc
    if text.startswith("\ufeff"):
        raise MalformedDocument("byte order mark before JSON", where=what)
    try:
        document = _DECODER.decode(text)
    except MalformedDocument as exc:
        raise type(exc)(exc.message, where=what) from exc
    except json.JSONDecodeError as exc:
        raise MalformedDocument(f"{exc.msg} at offset {exc.pos}", where=what) from exc
    except RecursionError as exc:
        raise MalformedDocument("nesting too deep", where=what) from exc
    # UTF-8 cannot carry a surrogate, so only a \u escape can make one; the search for one is
    # all that documents without escapes pay.
    if "\\u" in text and _has_lone_surrogate(document):
        raise MalformedDocument("an escaped UTF-16 surrogate without its pair", where=what)
    return document


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in ``value`` holds a surrogate: the decoder joins every escaped
    pair into one character, so any left is alone."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def require_members(
    document: object,
    *,
    allowed: Collection[str],
    required: Collection[str] | None = None,
    error: type[SchemaError],
    where: str,
    what: str,
    unknown_because: str = "",
) -> Mapping[str, Any]:
    """``document`` if it is a JSON object with every ``required`` member (by default all of
    ``allowed``) and no member outside ``allowed``; otherwise raises ``error`` at ``where``.

    An unknown member is refused, not skipped: a member one reader ignores and another honours
    is a document read two ways. ``error`` is the caller's, so each module keeps its own error
    code; ``what`` ("a scope") names the object when it is not one, and ``unknown_because``
    says why unknown members are refused where "unknown" alone would mislead.
    """
    if not isinstance(document, Mapping):
        raise error(f"{what} is a JSON object", where)
    # Every credential read passes here (its status entries); a document with the expected
    # members costs two set operations, and sorting only happens for the error message.
    unknown = document.keys() - allowed
    if unknown:
        because = f": {unknown_because}" if unknown_because else ""
        raise error(f"unknown member(s) {', '.join(sorted(unknown))}{because}", where)
    needed = allowed if required is None else required
    missing = [name for name in needed if name not in document]
    if missing:
        raise error(f"missing member(s) {', '.join(sorted(missing))}", where)
    return document
