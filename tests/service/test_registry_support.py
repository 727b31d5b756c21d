"""The registry methods the service relies on, on both backends: status list slots taken with
an append and nowhere else, the directory's fold position, bulk credential reads, evidence for
an entry logged earlier."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError

from registry.authority import Registry
from registry.issuance import stored_evidence
from registry.log import Draft
from registry.status import credential_pointers, parse_list_name
from schemas.log_entry import ISSUANCE, issuance_body, parse_log_evidence
from schemas.merkle import leaf_hash, verify_inclusion
from schemas.note import verify_checkpoint
from schemas.status_list import REVOCATION, StatusEntry
from tests.conftest import CLAIMS
from tests.service.conftest import ISSUER, PUBLIC_URL, log_size

UNIQUE_VIOLATIONS = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)


def _draft(number: int, slot: tuple[int, int] | None = None) -> Draft:
    credential_id = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
    jws = f"header.payload-{number}.signature"
    status = ()
    if slot is not None:
        status = (StatusEntry(REVOCATION, slot[1], f"{PUBLIC_URL}/v1/status/{slot[0]}-revocation"),)
    body = issuance_body(
        credential_id=credential_id,
        jws=jws,
        issuer_id=ISSUER,
        kid=f"{ISSUER}#k",
        claims=replace(CLAIMS, status=status),
    )
    return Draft(
        ISSUANCE, body, (credential_id, ISSUER, jws, credential_id), (slot,) if slot else ()
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1-revocation", (1, "revocation")),
        ("12-suspension", (12, "suspension")),
        ("0-revocation", None),
        ("01-revocation", None),
        ("1-expiry", None),
        ("1-revocation/", None),
        ("١-revocation", None),
        ("1234567890-revocation", None),
    ],
)
def test_list_names_have_one_spelling(name: str, expected: tuple[int, str] | None) -> None:
    assert parse_list_name(name) == expected


def test_slots_are_taken_with_their_entries_or_not_at_all(registry: Registry) -> None:
    status = registry.status
    assert status.newest() == 0
    registry.log.append([_draft(1, (1, 10)), _draft(2, (2, 20))])
    assert status.newest() == 2
    assert status.taken([(1, 10), (1, 11), (2, 20), (3, 10)]) == {(1, 10), (2, 20)}
    assert status.lists() == [1, 2]
    size = log_size(registry)
    with pytest.raises(UNIQUE_VIOLATIONS):
        registry.log.append([_draft(3, (1, 30)), _draft(4, (1, 10))])
    assert log_size(registry) == size
    assert status.taken([(1, 30)]) == set()
    assert registry.log.store.credential(_draft(3).credential[0]) is None  # type: ignore[index]


def test_only_this_registrys_list_urls_are_located(registry: Registry) -> None:
    status = registry.status
    assert status.locate(f"{PUBLIC_URL}/v1/status/3-suspension") == (3, "suspension")
    assert status.locate(f"{PUBLIC_URL}/v1/status/3-suspension#7") is None
    assert status.locate("https://elsewhere.test/v1/status/1-revocation") is None
    assert status.locate(f"{PUBLIC_URL}/v1/status/") is None


def test_credentials_are_read_in_bulk(registry: Registry) -> None:
    drafts = [_draft(n) for n in range(5)]
    registry.log.append(drafts)
    ids = [draft.credential[0] for draft in drafts]  # type: ignore[index]
    found = registry.log.store.credentials([*ids[1:4], ids[1], "urn:uuid:nobody"])
    assert sorted(found) == sorted(ids[1:4])
    assert all(found[i].issuer_id == ISSUER for i in found)


def test_pointers_come_from_the_issuance_entry(registry: Registry) -> None:
    draft = _draft(7, (1, 70))
    registry.log.append([draft])
    credential_id = draft.credential[0]  # type: ignore[index]
    assert credential_pointers(registry.log.store, credential_id) == [
        {"purpose": REVOCATION, "list": f"{PUBLIC_URL}/v1/status/1-revocation", "index": 70}
    ]
    registry.log.store.erase_credential(credential_id, 1)
    assert credential_pointers(registry.log.store, credential_id)[0]["index"] == 70


def test_the_fold_position_moves_only_with_governance(registry: Registry) -> None:
    governance = registry.governance
    directory, position = governance.directory_below()
    registry.log.append([_draft(1)])
    assert governance.directory_below() == (directory, position)
    size = log_size(registry)
    registry.issuers.set_status(ISSUER, "suspended", "audit", datetime.now(UTC))
    assert governance.directory_below(size) == (directory, position)
    assert directory.issuers[ISSUER].status == "active"
    _, moved = governance.directory_below()
    assert moved == size + 1
    assert directory.issuers[ISSUER].status == "suspended"


def test_evidence_for_an_earlier_entry_verifies_at_the_latest_checkpoint(
    registry: Registry,
) -> None:
    registry.log.append([_draft(1)])
    index = log_size(registry) - 1
    registry.log.append([_draft(n) for n in range(2, 9)])
    evidence = parse_log_evidence(stored_evidence(registry.log, index))
    assert (evidence.index, evidence.size) == (index, log_size(registry))
    checkpoint = verify_checkpoint(
        evidence.checkpoint, [registry.log.verifier_key], origin=registry.log.origin
    ).checkpoint
    verify_inclusion(
        leaf_hash(evidence.entry_bytes),
        evidence.index,
        evidence.size,
        evidence.proof,
        checkpoint.root_hash,
    )
