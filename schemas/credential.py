"""The skill-level certificate as a W3C VC 2.0 / Open Badges 3.0 ``AchievementCredential``.

``build_credential`` writes the document; ``read_credential`` reads one back into a typed
``SkillCredential``. The fixed places (docs/credential-format.md) are:

- occupation: ``credentialSubject.achievement.alignment[0]`` (``targetType`` ``ext:Occupation``,
  ``targetCode`` the code, ``targetFramework`` the classification edition);
- level: ``credentialSubject.result[0].achievedLevel`` naming a ``RubricCriterionLevel`` in
  ``achievement.resultDescription[0]``, whose ``id`` names the framework;
- certificate number: ``credentialSubject.licenseNumber``;
- holder: ``credentialSubject.identifier`` with a plain ``name`` and a salted, hashed
  ``nationalIdentityNumber``.

Calendar dates are Beijing dates (UTC+08:00, no daylight saving): a certificate issued on
2026-03-01 is valid from 2026-02-28T16:00:00Z, and one valid until 2029-02-28 stops at the end of
that Beijing day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, NamedTuple

from schemas.b64 import b64url_decode
from schemas.errors import InvalidDate, InvalidOccupationCode, MalformedDocument, StatusListError
from schemas.instants import format_instant, parse_instant
from schemas.occupations import validate_occupation_code
from schemas.status_list import StatusEntry, parse_status_entry
from schemas.strict_json import parse_strict_json

__all__ = [
    "BEIJING",
    "CONTEXTS",
    "CREDENTIAL_MEDIA_TYPE",
    "CREDENTIAL_SCHEMA_ID",
    "CredentialClaims",
    "SkillCredential",
    "build_credential",
    "date_from_instant",
    "day_instant_text",
    "format_instant",
    "parse_calendar_date",
    "parse_instant",
    "read_credential",
    "read_stored_credential",
    "valid_from_instant",
    "valid_until_instant",
]

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
CREDENTIAL_MEDIA_TYPE = "application/vc+jwt"
CREDENTIAL_SCHEMA_ID = "https://skillcert.example/schemas/skill-credential-v1.json"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_URN = "urn:skillcert"


@dataclass(frozen=True, slots=True)
class CredentialClaims:
    """What an issuing body asserts about one holder; everything but the signature and id."""

    holder_name: str
    national_id_hash: str
    national_id_salt: str
    occupation_code: str
    occupation_edition: str
    occupation_name: str
    occupation_name_en: str
    framework: str
    level_code: str
    level_name: str
    level_name_en: str
    certificate_number: str
    issued_on: date
    valid_until: date | None = None
    status: tuple[StatusEntry, ...] = ()
    """``credentialStatus``: where the registry publishes this credential's revocation and
    suspension bits (one entry per purpose)."""


@dataclass(frozen=True, slots=True)
class SkillCredential:
    """A credential document read back; says nothing about whether it is genuine."""

    id: str
    issuer_id: str
    issuer_name: str
    valid_from: datetime
    valid_until: datetime | None
    claims: CredentialClaims


_CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_calendar_date(text: str) -> date:
    """``YYYY-MM-DD`` exactly; raises ``InvalidDate``. ``date.fromisoformat`` alone would also
    take other ISO 8601 forms of the same length, such as the week date ``2024-W01-1``. A day
    must lie within ``_FIRST_DAY`` .. ``_LAST_DAY``, whose instants every reader can show."""
    try:
        if not _CALENDAR_DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date of the form YYYY-MM-DD") from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise InvalidDate(f"{text!r} is outside {_FIRST_DAY} .. {_LAST_DAY}")
    return day


_FIRST_DAY = date(1, 1, 3)
_LAST_DAY = date(9999, 12, 29)
"""The days whose Beijing instants (``valid_from_instant``, ``valid_until_instant``) are within
the range ``schemas.instants`` reads in any zone: 0001-01-01 in Beijing is the year 0 in UTC."""


def valid_from_instant(day: date) -> datetime:
    return datetime.combine(day, time.min, BEIJING).astimezone(UTC)


def valid_until_instant(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), BEIJING).astimezone(UTC)


@lru_cache(maxsize=4096)
def day_instant_text(day: date, *, end: bool) -> str:
    """``validFrom`` (or, with ``end``, ``validUntil``) text for a Beijing calendar day.

    Batches share a handful of dates; formatting each once keeps issuance cheap."""
    return format_instant(valid_until_instant(day) if end else valid_from_instant(day))


def date_from_instant(instant: datetime) -> date:
    return instant.astimezone(BEIJING).date()


def _level_ids(framework: str, level_code: str) -> tuple[str, str]:
    return f"{_URN}:framework:{framework}", f"{_URN}:level:{framework}:{level_code}"


def build_credential(
    claims: CredentialClaims, *, credential_id: str, issuer_id: str, issuer_name: str
) -> dict[str, Any]:
    """The credential document for ``claims``; plain JSON values, ready to serialise."""
    framework_id, level_id = _level_ids(claims.framework, claims.level_code)
    occupation_urn = f"{_URN}:occupation:{claims.occupation_edition}:{claims.occupation_code}"
    title_zh = f"{claims.occupation_name}（{claims.level_name}）"
    document: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": f"职业技能等级证书：{title_zh}",
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": day_instant_text(claims.issued_on, end=False),
        "credentialSchema": [{"id": CREDENTIAL_SCHEMA_ID, "type": "JsonSchema"}],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": claims.holder_name,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "nationalIdentityNumber",
                    "hashed": True,
                    "identityHash": claims.national_id_hash,
                    "salt": claims.national_id_salt,
                },
            ],
            "licenseNumber": claims.certificate_number,
            "achievement": {
                "id": f"{occupation_urn}:{claims.framework}:{claims.level_code}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": title_zh,
                "description": (
                    f"Vocational skill level certificate: {claims.occupation_name_en}, "
                    f"{claims.level_name_en} ({claims.framework} level {claims.level_code})"
                ),
                "criteria": {
                    "narrative": (
                        f"Passed the vocational skill level appraisal for occupation "
                        f"{claims.occupation_code} ({claims.occupation_edition}) at "
                        f"{claims.framework} level {claims.level_code}."
                    )
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetType": "ext:Occupation",
                        "targetCode": claims.occupation_code,
                        "targetName": claims.occupation_name,
                        "targetDescription": claims.occupation_name_en,
                        "targetFramework": claims.occupation_edition,
                        "targetUrl": occupation_urn,
                    }
                ],
                "resultDescription": [
                    {
                        "id": framework_id,
                        "type": ["ResultDescription"],
                        "name": claims.framework,
                        "resultType": "RubricCriterionLevel",
                        "rubricCriterionLevel": [
                            {
                                "id": level_id,
                                "type": ["RubricCriterionLevel"],
                                "name": claims.level_name,
                                "description": claims.level_name_en,
                                "level": claims.level_code,
                            }
                        ],
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": framework_id,
                    "achievedLevel": level_id,
                }
            ],
        },
    }
    if claims.valid_until is not None:
        document["validUntil"] = day_instant_text(claims.valid_until, end=True)
    if claims.status:
        document["credentialStatus"] = [entry.to_json() for entry in claims.status]
    return document


_KIND_NAMES: dict[type, str] = {
    dict: "a JSON object",
    list: "a JSON array",
    str: "a non-empty string",
}


@lru_cache(maxsize=64)
def _steps(path: str) -> tuple[tuple[str, int | None], ...]:
    """``a.b[0].c`` -> ``(("a", None), ("b", 0), ("c", None))``."""
    steps = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        steps.append((name, int(index.rstrip("]")) if index else None))
    return tuple(steps)


class _Reader:
    """Walks a document by path so every structural error names where it is."""

    def __init__(self, document: Any, prefix: str = "") -> None:
        self.document = document
        self.prefix = prefix

    def get(self, path: str, kind: type) -> Any:
        node = self.document
        for name, position in _steps(path):
            if not isinstance(node, dict) or name not in node:
                raise MalformedDocument("missing", self.prefix + path)
            node = node[name]
            if position is not None:
                if not isinstance(node, list) or len(node) <= position:
                    raise MalformedDocument("missing", self.prefix + path)
                node = node[position]
        if not isinstance(node, kind) or (kind is str and not node):
            raise MalformedDocument(f"expected {_KIND_NAMES[kind]}", self.prefix + path)
        return node

    def at(self, path: str) -> _Reader:
        """A reader rooted at the object at ``path``."""
        return _Reader(self.get(path, dict), f"{self.prefix}{path}.")


def _identifier(subject: dict[str, Any], identity_type: str) -> dict[str, Any]:
    identifiers = subject.get("identifier")
    matches = (
        [
            item
            for item in identifiers
            if isinstance(item, dict) and item.get("identityType") == identity_type
        ]
        if isinstance(identifiers, list)
        else []
    )
    if len(matches) != 1:
        raise MalformedDocument(
            f"needs exactly one {identity_type} IdentityObject", "credentialSubject.identifier"
        )
    return matches[0]


class _Places(NamedTuple):
    """The values at the fixed places of a credential, type-checked, before their meaning is."""

    contexts: list[Any]
    types: list[Any]
    id: str
    subject: dict[str, Any]
    framework_id: str
    achieved: str
    result_description: str
    level_code: str
    level_id: str
    level_name: str
    level_name_en: str
    target_type: str
    occupation_code: str
    occupation_edition: str
    occupation_name: str
    occupation_name_en: str
    certificate_number: str
    issuer_id: str
    issuer_name: str


def _places_at_a_glance(document: Any) -> _Places | None:
    """The places read by plain indexing, or ``None`` if anything is missing or of the wrong
    kind; then ``_places_by_path`` reads again to say where. Every verification reads a
    credential, and walking paths costs a fifth of it; a test holds both readers to the same
    answers."""
    try:
        subject = document["credentialSubject"]
        achievement = subject["achievement"]
        description = achievement["resultDescription"][0]
        level = description["rubricCriterionLevel"][0]
        alignment = achievement["alignment"][0]
        result = subject["result"][0]
        issuer = document["issuer"]
        places = _Places(
            document["@context"],
            document["type"],
            document["id"],
            subject,
            description["id"],
            result["achievedLevel"],
            result["resultDescription"],
            level["level"],
            level["id"],
            level["name"],
            str(level.get("description", "")),
            alignment["targetType"],
            alignment["targetCode"],
            alignment["targetFramework"],
            alignment["targetName"],
            str(alignment.get("targetDescription", "")),
            subject["licenseNumber"],
            issuer["id"],
            issuer["name"],
        )
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    if not (
        type(places.contexts) is list
        and type(places.types) is list
        and type(subject) is dict
        and type(issuer) is dict
    ):
        return None
    for value in places[4:]:
        if type(value) is not str or not value:
            return None
    return places if type(places.id) is str and places.id else None


def _places_by_path(document: Any) -> _Places:
    """The places, each checked where it is; raises ``MalformedDocument`` naming the path."""
    r = _Reader(document)
    subject = r.at("credentialSubject")
    description = subject.at("achievement.resultDescription[0]")
    result = subject.at("result[0]")
    level = description.at("rubricCriterionLevel[0]")
    alignment = subject.at("achievement.alignment[0]")
    issuer = r.at("issuer")
    return _Places(
        r.get("@context", list),
        r.get("type", list),
        r.get("id", str),
        subject.document,
        description.get("id", str),
        result.get("achievedLevel", str),
        result.get("resultDescription", str),
        level.get("level", str),
        level.get("id", str),
        level.get("name", str),
        str(level.document.get("description", "")),
        alignment.get("targetType", str),
        alignment.get("targetCode", str),
        alignment.get("targetFramework", str),
        alignment.get("targetName", str),
        str(alignment.document.get("targetDescription", "")),
        subject.get("licenseNumber", str),
        issuer.get("id", str),
        issuer.get("name", str),
    )


def read_credential(document: Any) -> SkillCredential:
    """Read the fixed places of a credential document; raises ``MalformedDocument`` with the path.

    Checks the shape the project writes (contexts, types, ids), not the signature.
    """
    places = _places_at_a_glance(document) or _places_by_path(document)
    if places.contexts[: len(CONTEXTS)] != list(CONTEXTS):
        raise MalformedDocument("must start with the VC 2.0 and OB 3.0 contexts", "@context")
    if any(t not in places.types for t in CREDENTIAL_TYPES):
        raise MalformedDocument("must include VerifiableCredential, OpenBadgeCredential", "type")
    if not places.id.startswith("urn:uuid:"):
        raise MalformedDocument("must be a urn:uuid: identifier", "id")
    name = _identifier(places.subject, "name")
    national = _identifier(places.subject, "nationalIdentityNumber")
    if name.get("hashed") is not False or national.get("hashed") is not True:
        raise MalformedDocument(
            "name is plain and nationalIdentityNumber hashed", "credentialSubject.identifier"
        )
    if places.result_description != places.framework_id:
        raise MalformedDocument("must name resultDescription[0]", "credentialSubject.result[0]")
    framework = places.framework_id.removeprefix(f"{_URN}:framework:")
    achieved = places.achieved
    if places.level_id != achieved or achieved != _level_ids(framework, places.level_code)[1]:
        raise MalformedDocument("achievedLevel does not name the level", "credentialSubject.result")
    if places.target_type != "ext:Occupation":
        raise MalformedDocument(
            "must be ext:Occupation", "credentialSubject.achievement.alignment[0].targetType"
        )
    try:
        validate_occupation_code(places.occupation_code)
    except InvalidOccupationCode as exc:
        raise MalformedDocument(
            exc.message, "credentialSubject.achievement.alignment[0].targetCode"
        ) from None
    valid_from = parse_instant(document.get("validFrom"), "validFrom")
    valid_until = (
        parse_instant(document["validUntil"], "validUntil") if "validUntil" in document else None
    )
    claims = CredentialClaims(
        holder_name=_text(name, "identityHash"),
        national_id_hash=_text(national, "identityHash"),
        national_id_salt=_text(national, "salt"),
        occupation_code=places.occupation_code,
        occupation_edition=places.occupation_edition,
        occupation_name=places.occupation_name,
        occupation_name_en=places.occupation_name_en,
        framework=framework,
        level_code=places.level_code,
        level_name=places.level_name,
        level_name_en=places.level_name_en,
        certificate_number=places.certificate_number,
        issued_on=date_from_instant(valid_from),
        valid_until=date_from_instant(valid_until) if valid_until else None,
        status=_status(document),
    )
    return SkillCredential(
        id=places.id,
        issuer_id=places.issuer_id,
        issuer_name=places.issuer_name,
        valid_from=valid_from,
        valid_until=valid_until,
        claims=claims,
    )


def _status(document: dict[str, Any]) -> tuple[StatusEntry, ...]:
    """``credentialStatus``: absent, or an array with at most one entry per purpose."""
    if "credentialStatus" not in document:
        return ()
    entries = document["credentialStatus"]
    if not isinstance(entries, list) or not entries:
        raise MalformedDocument("expected a non-empty array of status entries", "credentialStatus")
    try:
        parsed = tuple(parse_status_entry(entry) for entry in entries)
    except StatusListError as exc:
        raise MalformedDocument(exc.message, exc.where) from exc
    if len({entry.status_purpose for entry in parsed}) != len(parsed):
        raise MalformedDocument("at most one entry per statusPurpose", "credentialStatus")
    return parsed


def _text(node: dict[str, Any], key: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedDocument(f"expected a non-empty string {key}", "credentialSubject")
    return value


def read_stored_credential(token: str) -> SkillCredential:
    """The credential a compact JWS carries, read without checking its signature: for a JWS the
    registry logged itself, whose signature was checked when it was logged. Raises
    ``MalformedDocument``."""
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedDocument("a compact JWS has 3 dot-separated parts", "jws")
    payload = b64url_decode(parts[1], "payload")
    return read_credential(parse_strict_json(payload, limit=len(payload), what="payload"))
