"""The credential document against the published OB 3.0 and VC 2.0 schemas and our own."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.credential import (
    CREDENTIAL_SCHEMA_ID,
    CredentialClaims,
    _places_at_a_glance,
    _places_by_path,
    build_credential,
    parse_calendar_date,
    read_credential,
    valid_from_instant,
    valid_until_instant,
)
from schemas.errors import InvalidDate, MalformedDocument
from schemas.json_schema import skill_credential_schema
from tests.conftest import CLAIMS, ISSUER_ID, VECTORS

OB3 = json.loads(
    (VECTORS / "credentials" / "ob_v3p0_achievementcredential_schema.json").read_text()
)
VC2 = json.loads((VECTORS / "credentials" / "verifiable-credential-schema.json").read_text())


def _document(claims: CredentialClaims) -> dict[str, Any]:
    return build_credential(
        claims, credential_id=f"urn:uuid:{uuid.uuid4()}", issuer_id=ISSUER_ID, issuer_name="测试"
    )


def _errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _ob3_errors(document: dict[str, Any]) -> list[str]:
    """OB 3.0 allows one `credentialStatus` object; ours is an array of one entry per purpose.

    The deviation is deliberate (docs/credential-format.md, "Status"): every entry must still be
    an OB 3.0 CredentialStatus, and everything else must meet the OB 3.0 schema as published.
    """
    rest = {k: v for k, v in document.items() if k != "credentialStatus"}
    entry_schema = {"$defs": OB3["$defs"], **OB3["$defs"]["CredentialStatus"]}
    entry_schema["$schema"] = OB3["$schema"]
    entries = document["credentialStatus"]
    return _errors(OB3, rest) + [e for entry in entries for e in _errors(entry_schema, entry)]


@pytest.mark.parametrize("schema", [VC2, skill_credential_schema()], ids=["vc2", "own"])
@pytest.mark.parametrize("valid_until", [None, date(2029, 2, 28)])
def test_credential_validates(
    schema: dict[str, Any], valid_until: date | None, make_claims: Callable[..., CredentialClaims]
) -> None:
    document = _document(make_claims(valid_until=valid_until))
    assert _errors(schema, document) == []


@pytest.mark.parametrize("valid_until", [None, date(2029, 2, 28)])
def test_credential_meets_ob3_but_for_the_status_array(
    valid_until: date | None, make_claims: Callable[..., CredentialClaims]
) -> None:
    document = _document(make_claims(valid_until=valid_until))
    assert len(document["credentialStatus"]) == 2
    assert _ob3_errors(document) == []
    del document["credentialStatus"][1]["type"]
    assert _ob3_errors(document) == ["[]: 'type' is a required property"]


@pytest.mark.parametrize("schema", [OB3, skill_credential_schema()], ids=["ob3", "own"])
def test_schemas_reject_a_broken_credential(
    schema: dict[str, Any], make_claims: Callable[..., CredentialClaims]
) -> None:
    document = _document(make_claims())
    del document["validFrom"]
    assert _errors(schema, document)


def test_own_schema_pins_the_fixed_places(make_claims: Callable[..., CredentialClaims]) -> None:
    schema = skill_credential_schema()
    assert schema["$id"] == CREDENTIAL_SCHEMA_ID
    document = _document(make_claims())
    document["credentialSubject"]["licenseNumber"] = "Y123"
    document["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = "6-31-1-03"
    document["credentialSubject"]["identifier"][1]["hashed"] = False
    paths = sorted(e.split(":")[0] for e in _errors(schema, document))
    assert paths == [
        "['credentialSubject', 'achievement', 'alignment', 0, 'targetCode']",
        "['credentialSubject', 'identifier']",
        "['credentialSubject', 'licenseNumber']",
    ]


def test_read_returns_what_was_built(make_claims: Callable[..., CredentialClaims]) -> None:
    claims = make_claims(valid_until=date(2029, 2, 28))
    credential = read_credential(_document(claims))
    assert credential.claims == claims
    assert credential.issuer_id == ISSUER_ID
    assert credential.valid_from == datetime(2024, 6, 17, 16, tzinfo=UTC)
    assert credential.valid_until == datetime(2029, 2, 28, 15, 59, 59, tzinfo=UTC)


def test_dates_are_beijing_days() -> None:
    assert valid_from_instant(date(2026, 3, 1)) == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert valid_until_instant(date(2026, 3, 1)) == datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2024-W01-1", "20240101", "2024-1-01", "2024-01-1x", "２０２４-01-01"]
)
def test_only_calendar_dates_of_the_form_yyyy_mm_dd_are_read(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_calendar_date(text)
    assert parse_calendar_date("2024-01-01") == date(2024, 1, 1)


_STATUS = {
    "id": "https://r.example/v1/status/1-revocation#7",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "7",
    "statusListCredential": "https://r.example/v1/status/1-revocation",
}


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[part]
        del node[last]

    return edit


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (_drop("credentialSubject.licenseNumber"), "credentialSubject.licenseNumber"),
        (_set("@context", ["https://www.w3.org/2018/credentials/v1"]), "@context"),
        (_set("type", ["VerifiableCredential"]), "type"),
        (_set("id", "https://example.org/1"), "id"),
        (_set("validFrom", "2024-06-18"), "validFrom"),
        (_set("validUntil", "soon"), "validUntil"),
        (_set("credentialSubject.result", []), "credentialSubject.result[0]"),
        (_set("credentialSubject.identifier", []), "credentialSubject.identifier"),
        (
            _set("credentialSubject.achievement.alignment.0.targetType", "ext:Other"),
            "alignment[0].targetType",
        ),
        (
            _set("credentialSubject.result.0.achievedLevel", "urn:skillcert:level:CN-VQ-5:1"),
            "credentialSubject.result",
        ),
        (_set("issuer", "urn:x:y"), "issuer: expected a JSON object"),
        (_set("credentialStatus", {}), "credentialStatus: expected a non-empty array"),
        (_set("credentialStatus", []), "credentialStatus: expected a non-empty array"),
        (_set("credentialStatus", [_STATUS, _STATUS]), "at most one entry per statusPurpose"),
        (
            _set("credentialStatus", [{**_STATUS, "statusListIndex": "07"}]),
            "credentialStatus.statusListIndex",
        ),
    ],
)
def test_read_names_where_the_document_is_wrong(
    edit: Callable[[dict[str, Any]], None], where: str, make_claims: Callable[..., CredentialClaims]
) -> None:
    document = _document(make_claims())
    edit(document)
    with pytest.raises(MalformedDocument) as caught:
        read_credential(document)
    assert where in str(caught.value)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as the keys and indexes leading to it."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


# Copied on each draw: a shared list set into the document and later edited through would be
# edited in every example that drew it, and could come to contain itself.
_ODD_VALUES = st.sampled_from([None, 0, 1.5, True, "", "x", [], {}, ["x"], {"x": "y"}]).map(
    copy.deepcopy
)


@given(data=st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_both_readers_agree_on_any_edit_of_a_credential(data: st.DataObject) -> None:
    """The fast reader may only give up, never disagree: on any document it reads, the
    path-walking reader, which names where a document is wrong, reads the same values."""
    document = _document(CLAIMS)
    for _ in range(data.draw(st.integers(1, 3))):
        *parents, last = data.draw(st.sampled_from(_paths(document)))
        node = document
        for step in parents:
            node = node[step]
        if isinstance(node, dict) and data.draw(st.booleans()):
            del node[last]
        else:
            node[last] = data.draw(_ODD_VALUES)
    fast = _places_at_a_glance(document)
    try:
        checked = _places_by_path(document)
    except MalformedDocument:
        assert fast is None
    else:
        assert fast is None or fast == checked


def test_the_fast_reader_reads_a_credential_as_built() -> None:
    document = _document(CLAIMS)
    assert _places_at_a_glance(document) == _places_by_path(document)
