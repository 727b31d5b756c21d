"""Fast credential serialisation for batches, derived from ``build_credential`` itself.

A batch signs thousands of credentials that differ only in a few values (id, dates, holder,
certificate number); the rest (contexts, issuer, achievement, alignment, level) is the same for
every holder of one occupation and level. ``PayloadWriter`` serialises that shared part once, as
text fragments cut from ``build_credential``'s own output around placeholder values, then joins
the fragments with the JSON-escaped values of each holder. The bytes are exactly
``serialise_payload(build_credential(...))`` (tests/issuer/test_payload.py), so there is still one
definition of the document.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from schemas.credential import CredentialClaims, build_credential, day_instant_text

__all__ = ["PayloadWriter", "serialise_payload"]

_HOLDER_FIELDS = ("holder_name", "national_id_hash", "national_id_salt", "certificate_number")
_PLACEHOLDER = re.compile(r'"\\u0000(\w+)\\u0000"')
_ANY_DAY = date(2000, 1, 1)
_EXPECTED = {
    True: ("id", "valid_from", *_HOLDER_FIELDS),
    False: ("id", "valid_from", "valid_until", *_HOLDER_FIELDS),
}
_MAX_TEMPLATES = 10_000


def serialise_payload(document: dict[str, object]) -> bytes:
    """Compact UTF-8 JSON; the signature covers these exact bytes, so no canonical form."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _placeholder(name: str) -> str:
    return f"\0{name}\0"


class PayloadWriter:
    """Serialises one issuer's credentials; templates are cached per occupation and level."""

    def __init__(self, issuer_id: str, issuer_name: str) -> None:
        self.issuer_id = issuer_id
        self.issuer_name = issuer_name
        self._templates: dict[tuple[object, ...], tuple[list[str], list[str]]] = {}

    def _template(self, claims: CredentialClaims) -> tuple[list[str], list[str]]:
        key = (
            claims.occupation_code,
            claims.occupation_edition,
            claims.occupation_name,
            claims.occupation_name_en,
            claims.framework,
            claims.level_code,
            claims.level_name,
            claims.level_name_en,
            claims.valid_until is None,
            bool(claims.status),
        )
        template = self._templates.get(key)
        if template is None:
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
            if claims.status:
                document["credentialStatus"] = _placeholder("status")
            text = serialise_payload(document).decode("utf-8")
            parts = _PLACEHOLDER.split(text)
            template = (parts[0::2], parts[1::2])
            expected = _EXPECTED[claims.valid_until is None] + (
                ("status",) if claims.status else ()
            )
            if sorted(template[1]) != sorted(expected):
                raise ValueError("credential text contains a placeholder; cannot template it")
            if len(self._templates) < _MAX_TEMPLATES:
                self._templates[key] = template
        return template

    def payload(self, claims: CredentialClaims, credential_id: str) -> bytes:
        """The same bytes as ``serialise_payload(build_credential(claims, ...))``."""
        fragments, names = self._template(claims)
        values = {
            "id": credential_id,
            "valid_from": day_instant_text(claims.issued_on, end=False),
            "valid_until": day_instant_text(claims.valid_until, end=True)
            if claims.valid_until
            else None,
            "holder_name": claims.holder_name,
            "national_id_hash": claims.national_id_hash,
            "national_id_salt": claims.national_id_salt,
            "certificate_number": claims.certificate_number,
            "status": [entry.to_json() for entry in claims.status],
        }
        out = [fragments[0]]
        for name, fragment in zip(names, fragments[1:], strict=True):
            out.append(_dumps(values[name]))
            out.append(fragment)
        return "".join(out).encode("utf-8")
