"""Status list indexes and credential status through the log, on both backends.

Indexes must never be handed out twice (two credentials sharing a bit would be revoked
together), must be random within a list (herd privacy: an index says nothing about when or
by whom a credential was issued), and a revocation or suspension must show in the signed list
a verifier fetches. Conflicting status changes from concurrent writers: exactly one is logged.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from registry.authority import Registry, initialise_home, open_registry
from registry.errors import GovernanceRefused, UnknownCredential
from registry.log import Draft
from registry.settings import Settings
from registry.status import LIST_SIZE, set_credential_status
from schemas.credential import CredentialClaims
from schemas.log_entry import ISSUANCE, issuance_body
from schemas.signed_json import AuthorityKey
from schemas.status_list import REVOCATION, SUSPENSION, StatusEntry
from schemas.trust_bundle import read_status_list

PUBLIC_URL = "https://registry.test"
ISSUER = "urn:skillcert:issuer:status-test"


def _settings(home: Path, database_url: str) -> Settings:
    return Settings(home=home, database_url=database_url, public_url=PUBLIC_URL)


@pytest.fixture
def registry(tmp_path: Path, database_url: str) -> Iterator[Registry]:
    settings = _settings(tmp_path / "var", database_url)
    initialise_home(settings)
    opened = open_registry(settings)
    yield opened
    opened.close()


def _log_issuances(
    registry: Registry, claims: CredentialClaims, statuses: list[tuple[StatusEntry, ...]]
) -> list[str]:
    """Log one issuance entry per status tuple, as ``LoggedSink`` does; their credential ids."""
    ids = [f"urn:uuid:00000000-0000-4000-8000-{n:012d}" for n in range(len(statuses))]
    drafts = []
    for credential_id, status in zip(ids, statuses, strict=True):
        jws = f"header.payload-{credential_id}.signature"
        body = issuance_body(
            credential_id=credential_id,
            jws=jws,
            issuer_id=ISSUER,
            kid=f"{ISSUER}#k",
            claims=replace(claims, status=status),
        )
        drafts.append(Draft(ISSUANCE, body, (credential_id, ISSUER, jws, credential_id)))
    registry.log.append(drafts)
    return ids


def _revoked_bits(registry: Registry, purpose: str) -> set[int]:
    """The indexes set in list 1 for ``purpose``, read back from its signed credential."""
    token = registry.status.credential(
        registry.governance.directory(), 1, purpose, registry.authority_key, datetime.now(UTC)
    )
    authority = AuthorityKey.from_public_key(registry.authority_key.public_key())
    status_list = read_status_list(token, authority, "test")
    assert (status_list.url, status_list.purpose) == (registry.status.url(1, purpose), purpose)
    return {i for i in range(LIST_SIZE) if status_list.bits.get(i)}


def test_allocations_are_unique_random_and_paired(registry: Registry) -> None:
    assert (len(registry.status.allocate(0)), list(registry.status.allocate(0))) == (0, [])
    first = registry.status.allocate(500)
    second = registry.status.allocate(500)
    assert len(first) == len(second) == 500
    indexes = []
    for revocation, suspension in [*first, *second]:
        assert (revocation.status_purpose, suspension.status_purpose) == (REVOCATION, SUSPENSION)
        assert revocation.status_list_index == suspension.status_list_index
        assert revocation.status_list_credential == f"{PUBLIC_URL}/v1/status/1-revocation"
        assert suspension.status_list_credential == f"{PUBLIC_URL}/v1/status/1-suspension"
        indexes.append(revocation.status_list_index)
    assert len(set(indexes)) == 1000
    assert all(0 <= index < LIST_SIZE for index in indexes)
    # Random, not issue order: sequential allocation would put all of them below 1000.
    assert max(indexes) > 10 * len(indexes)
    assert indexes != sorted(indexes)
    assert registry.status.lists() == [1]


def test_a_full_list_spills_into_the_next(registry: Registry) -> None:
    filled = registry.status.allocate(LIST_SIZE - 3)
    spilled = registry.status.allocate(5)
    urls = [entries[0].status_list_credential for entries in spilled]
    assert urls.count(f"{PUBLIC_URL}/v1/status/1-revocation") == 3
    assert urls.count(f"{PUBLIC_URL}/v1/status/2-revocation") == 2
    assert registry.status.lists() == [1, 2]
    # Inserted in several statements, every index of list 1 is taken exactly once.
    first_list = [
        entries[0].status_list_index
        for entries in [*filled, *spilled]
        if entries[0].status_list_credential.endswith("/1-revocation")
    ]
    assert sorted(first_list) == list(range(LIST_SIZE))
    with registry.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*), count(DISTINCT idx) FROM status_allocations WHERE list_no = 1")
        ).one()
    assert tuple(stored) == (LIST_SIZE, LIST_SIZE)


def test_an_allocation_holds_indexes_not_entries(registry: Registry) -> None:
    """A batch's entries are made as it signs: holding 50,000 credentials' worth takes about
    half a megabyte, where the entry objects themselves took some 19 MB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        allocation = registry.status.allocate(50_000)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 2 * 1024 * 1024, held
    entries = list(allocation)
    assert len(allocation) == len(entries) == 50_000
    assert list(allocation) == entries
    assert len({revocation.status_list_index for revocation, _ in entries}) == 50_000


def test_concurrent_allocations_never_share_an_index(tmp_path: Path, database_url: str) -> None:
    settings = _settings(tmp_path / "var", database_url)
    initialise_home(settings)
    registries = [open_registry(settings) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            batches = list(
                pool.map(
                    lambda r: [e for _ in range(5) for e in r.status.allocate(100)], registries
                )
            )
    finally:
        for opened in registries:
            opened.close()
    taken = [(e[0].status_list_credential, e[0].status_list_index) for b in batches for e in b]
    assert len(taken) == len(set(taken)) == 2000


def test_revocation_and_suspension_show_in_the_signed_lists(
    registry: Registry, make_claims: Callable[..., CredentialClaims]
) -> None:
    claims = make_claims()
    statuses = list(registry.status.allocate(3))
    revoked, suspended, untouched = _log_issuances(registry, claims, statuses)
    ids = (revoked, suspended, untouched)
    index = {cid: s[0].status_list_index for cid, s in zip(ids, statuses, strict=True)}
    assert _revoked_bits(registry, REVOCATION) == set()

    set_credential_status(registry.governance, revoked, "revoked", "fraudulent")
    set_credential_status(registry.governance, suspended, "suspended", "under_investigation")
    assert _revoked_bits(registry, REVOCATION) == {index[revoked]}
    assert _revoked_bits(registry, SUSPENSION) == {index[suspended]}

    set_credential_status(registry.governance, suspended, "active", "investigation_cleared")
    assert _revoked_bits(registry, SUSPENSION) == set()
    with pytest.raises(GovernanceRefused, match="final"):
        set_credential_status(registry.governance, revoked, "active", "other")
    assert _revoked_bits(registry, REVOCATION) == {index[revoked]}
    with pytest.raises(UnknownCredential):
        set_credential_status(registry.governance, "urn:uuid:nobody", "revoked", "other")


def test_concurrent_conflicting_changes_log_exactly_one(
    tmp_path: Path, database_url: str, make_claims: Callable[..., CredentialClaims]
) -> None:
    settings = _settings(tmp_path / "var", database_url)
    initialise_home(settings)
    first = open_registry(settings)
    (credential_id,) = _log_issuances(first, make_claims(), list(first.status.allocate(1)))
    registries = [first, *(open_registry(settings) for _ in range(3))]

    def revoke(opened: Registry) -> bool:
        try:
            set_credential_status(opened.governance, credential_id, "revoked", "fraudulent")
        except GovernanceRefused:
            return False
        return True

    try:
        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(revoke, registries))
        size = first.log.checkpoint().size
        kinds = [json.loads(e)["kind"] for e in first.log.store.entries(0, size)]
    finally:
        for opened in registries:
            opened.close()
    assert sorted(outcomes) == [False, False, False, True]
    assert kinds.count("credential_status") == 1


def test_the_directory_as_of_a_past_time_ignores_later_changes(
    registry: Registry, make_claims: Callable[..., CredentialClaims]
) -> None:
    (credential_id,) = _log_issuances(registry, make_claims(), list(registry.status.allocate(1)))
    times = []
    for status, reason in (("suspended", "disputed"), ("active", "suspended_in_error")):
        time.sleep(0.002)  # the log keeps milliseconds: keep the instants apart
        times.append(datetime.now(UTC))
        time.sleep(0.002)
        set_credential_status(registry.governance, credential_id, status, reason)
    directory = registry.governance.directory
    assert credential_id not in directory(times[0]).credential_status
    assert directory(times[1]).credential_status[credential_id].status == "suspended"
    assert directory().credential_status[credential_id].status == "active"
