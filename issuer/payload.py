"""Fast credential serialisation for batches, derived from ``build_credential`` itself.

A batch signs thousands of credentials that differ only in a few values (id, dates, holder,
certificate number, status list index); the rest (contexts, issuer, achievement, alignment,
level, status list URLs) is the same for every holder of one occupation and level whose entries
are in the same lists. ``PayloadWriter`` serialises that shared part once, as UTF-8 fragments cut
from ``build_credential``'s own output around placeholder values, then joins the fragments with
each credential's JSON-escaped values. The bytes are exactly
``serialise_payload(build_credential(...))`` (tests/issuer/test_payload.py), so there is still one
definition of the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring
from operator import attrgetter, itemgetter

from schemas.credential import CredentialClaims, build_credential, day_instant_text

__all__ = ["PayloadWriter", "serialise_payload"]

_HOLDER_FIELDS = ("holder_name", "national_id_hash", "national_id_salt", "certificate_number")
_VALUES = ("id", "valid_from", "valid_until", *_HOLDER_FIELDS)
"""Each credential's own values, in the order ``PayloadWriter.payload`` lists them; then each
status index (``status0``, ``status1``, ...) as a JSON string and as bare digits."""
_SLOT = re.compile(r'"\\u0000(\w+)\\u0000"|\\u0000(\w+)\\u0000')
"""A placeholder as JSON writes it: a whole string (group 1; its value goes in as a JSON
string) or inside one (group 2: a status index in an entry id, decimal digits)."""
_ANY_DAY = date(2000, 1, 1)
_MAX_TEMPLATES = 10_000
_shared = attrgetter(
    "occupation_code",
    "occupation_edition",
    "occupation_name",
    "occupation_name_en",
    "framework",
    "level_code",
    "level_name",
    "level_name_en",
)
"""The claims every holder of one template shares."""
_status_key = attrgetter("status_purpose", "status_list_credential")
_Template = tuple[list[bytes], Callable[[list[bytes]], tuple[bytes, ...]]]
"""The document's UTF-8 cut around its placeholders, with an empty slot where each value goes,
and what picks those values, in slot order, out of the list ``payload`` makes. Joining bytes
spares encoding the whole text again for every credential."""


def serialise_payload(document: dict[str, object]) -> bytes:
    """Compact UTF-8 JSON; the signature covers these exact bytes, so no canonical form."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _placeholder(name: str) -> str:
    return f"\0{name}\0"


@lru_cache(maxsize=4096)
def _instant_json(day: date, end: bool) -> bytes:
    """``validFrom`` (or, with ``end``, ``validUntil``) as it is written; a batch has few dates."""
    return encode_basestring(day_instant_text(day, end=end)).encode("utf-8")


class PayloadWriter:
    """Serialises one issuer's credentials; a template per occupation, level, expiry or not, and
    status lists."""

    def __init__(self, issuer_id: str, issuer_name: str) -> None:
        self.issuer_id = issuer_id
        self.issuer_name = issuer_name
        self._templates: dict[tuple[object, ...], _Template] = {}

    def _template(self, key: tuple[object, ...], claims: CredentialClaims) -> _Template:
        generic = replace(
            claims,
            issued_on=_ANY_DAY,
            valid_until=None if claims.valid_until is None else _ANY_DAY,
            status=(),
            **{name: _placeholder(name) for name in _HOLDER_FIELDS},
        )
        document = build_credential(
            generic,
            credential_id=_placeholder("id"),
            issuer_id=self.issuer_id,
            issuer_name=self.issuer_name,
        )
        document["validFrom"] = _placeholder("valid_from")
        if "validUntil" in document:
            document["validUntil"] = _placeholder("valid_until")
        statuses = [f"status{n}" for n in range(len(claims.status))]
        if claims.status:
            document["credentialStatus"] = [
                entry.json_with_index(_placeholder(name))
                for entry, name in zip(claims.status, statuses, strict=True)
            ]
        text = serialise_payload(document).decode("utf-8")
        layout: list[bytes] = []
        slots: list[tuple[str, bool]] = []
        end = 0
        for found in _SLOT.finditer(text):
            layout += (text[end : found.start()].encode("utf-8"), b"")
            slots.append((found[1], True) if found[1] else (found[2], False))
            end = found.end()
        layout.append(text[end:].encode("utf-8"))
        # A status index appears twice: as the whole of statusListIndex and in the entry's id.
        order = [(name, True) for name in _VALUES]
        order += [(name, quoted) for name in statuses for quoted in (True, False)]
        present = [s for s in order if claims.valid_until is not None or s[0] != "valid_until"]
        if sorted(slots) != sorted(present):
            raise ValueError("credential text contains a placeholder; cannot template it")
        pick: Callable[[list[bytes]], tuple[bytes, ...]] = itemgetter(*map(order.index, slots))
        if len(self._templates) < _MAX_TEMPLATES:
            self._templates[key] = (layout, pick)
        return layout, pick

    def payload(self, claims: CredentialClaims, credential_id: str) -> bytes:
        """The same bytes as ``serialise_payload(build_credential(claims, ...))``."""
        status = claims.status
        key = (_shared(claims), claims.valid_until is None, *map(_status_key, status))
        layout, pick = self._templates.get(key) or self._template(key, claims)
        until = claims.valid_until
        values = [
            encode_basestring(credential_id).encode("utf-8"),
            _instant_json(claims.issued_on, False),
            b"" if until is None else _instant_json(until, True),
            encode_basestring(claims.holder_name).encode("utf-8"),
            encode_basestring(claims.national_id_hash).encode("utf-8"),
            encode_basestring(claims.national_id_salt).encode("utf-8"),
            encode_basestring(claims.certificate_number).encode("utf-8"),
        ]
        for entry in status:
            index = b"%d" % entry.status_list_index
            values += (b'"' + index + b'"', index)
        parts = layout.copy()
        parts[1::2] = pick(values)
        return b"".join(parts)
