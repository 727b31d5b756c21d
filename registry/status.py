"""Status lists: handing out list indexes to new credentials, revoking, suspending and
reinstating through the log, and publishing each list as a signed status list credential.

Lists are numbered from 1 and hold ``LIST_SIZE`` entries (the W3C minimum, 131,072). A
credential gets one random free index of the newest list with room (``allocate_indexes``); the
same index in the list's ``revocation`` and ``suspension`` credentials, at
``<public_url>/v1/status/<n>-revocation`` and ``-suspension``. Indexes are taken in their own
committed transaction before the batch is signed, since they are inside what the issuer signs;
an index whose batch then fails stays taken and unused, which costs one bit and keeps two
batches from ever sharing an index. The batch gets them back as an ``Allocation``, which holds
the bare indexes and makes each credential's entries only when the signing reaches it.

The bits themselves are not stored: they are the directory's credential statuses
(``credential_status`` changes in the log), so a list published at any time is the log's word.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, insert, select, text

from registry.database import WRITE_LOCK, is_sqlite
from registry.errors import LogStateError, UnknownCredential
from registry.governance import Governance
from registry.log import Receipt
from registry.models import StatusAllocation
from registry.store import LogStore, taken_slots
from schemas.governance import CREDENTIAL_STATUS, Directory, StatusPointer
from schemas.signed_json import sign_json
from schemas.status_list import (
    MIN_ENTRIES,
    REVOCATION,
    SUSPENSION,
    StatusBits,
    StatusEntry,
    allocate_indexes,
    status_list_credential,
)
from schemas.trust_bundle import STATUS_LIST_TYP

__all__ = [
    "AUTHORITY_ID",
    "LIST_SIZE",
    "START_NEXT_LIST_AT",
    "Allocation",
    "StatusLists",
    "credential_pointers",
    "parse_list_name",
    "set_credential_status",
]

LIST_SIZE = MIN_ENTRIES
START_NEXT_LIST_AT = LIST_SIZE * 7 // 8
"""Credentials the newest list must hold before a submitted credential may start the next one
(``skillcert issue`` fills each list before the next); issuers choose random indexes, which
still collide on only one try in eight at that fill."""
AUTHORITY_ID = "urn:skillcert:authority"
_ALLOCATIONS = StatusAllocation.__table__  # type: ignore[attr-defined]
_INSERT_ROWS = 10_000
"""Allocation rows per INSERT: a whole list at once would build 131,072 parameter rows."""


class Allocation:
    """A batch's status entries, (revocation, suspension) per credential, in allocation order.

    The entries are made as they are iterated. Held as entry objects, a million credentials'
    worth took about half a gigabyte; held here, each is an 8-byte index beside its list's URLs.
    """

    def __init__(self, runs: list[tuple[str, str, array[int]]]) -> None:
        self._runs = runs
        """(revocation list URL, suspension list URL, the indexes taken in that list)"""

    def __len__(self) -> int:
        return sum(len(indexes) for _, _, indexes in self._runs)

    def __iter__(self) -> Iterator[tuple[StatusEntry, StatusEntry]]:
        for revocation, suspension, indexes in self._runs:
            for index in indexes:
                yield (
                    StatusEntry(REVOCATION, index, revocation),
                    StatusEntry(SUSPENSION, index, suspension),
                )


class StatusLists:
    def __init__(self, engine: Engine, public_url: str) -> None:
        self._engine = engine
        self._base = public_url.rstrip("/") + "/v1/status/"

    def url(self, list_no: int, purpose: str) -> str:
        return f"{self._base}{list_no}-{purpose}"

    def locate(self, url: str) -> tuple[int, str] | None:
        """The list number and purpose of one of this registry's list URLs; ``None`` for any
        other URL."""
        return parse_list_name(url[len(self._base) :]) if url.startswith(self._base) else None

    def newest(self) -> int:
        """The highest list number with an index taken; 0 before any is."""
        with self._engine.connect() as connection:
            return connection.execute(select(func.max(_ALLOCATIONS.c.list_no))).scalar() or 0

    def filled(self, list_no: int) -> int:
        """How many credentials hold an index of list ``list_no``."""
        with self._engine.connect() as connection:
            return connection.execute(
                select(func.count())
                .select_from(_ALLOCATIONS)
                .where(_ALLOCATIONS.c.list_no == list_no)
            ).scalar_one()

    def taken(self, slots: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which ``(list number, index)`` of ``slots`` some credential holds already."""
        return taken_slots(self._engine, slots)

    def allocate(self, count: int) -> Allocation:
        """``count`` credentials' status entries (revocation, suspension), in random order; every
        index is taken, and committed, before this returns."""
        runs: list[tuple[str, str, array[int]]] = []
        if count == 0:
            return Allocation(runs)
        with (
            self._engine.connect().execution_options(**{WRITE_LOCK: True}) as connection,
            connection.begin(),
        ):
            if not is_sqlite(connection):
                connection.execute(text("LOCK TABLE status_allocations IN EXCLUSIVE MODE"))
            list_no = connection.execute(select(func.max(_ALLOCATIONS.c.list_no))).scalar() or 1
            allocated = 0
            while allocated < count:
                taken = set(
                    connection.execute(
                        select(_ALLOCATIONS.c.idx).where(_ALLOCATIONS.c.list_no == list_no)
                    ).scalars()
                )
                room = min(LIST_SIZE - len(taken), count - allocated)
                if room > 0:
                    picked = array("q", allocate_indexes(taken, room, size=LIST_SIZE))
                    for start in range(0, len(picked), _INSERT_ROWS):
                        rows = picked[start : start + _INSERT_ROWS]
                        connection.execute(
                            insert(_ALLOCATIONS), [{"list_no": list_no, "idx": i} for i in rows]
                        )
                    runs.append(
                        (self.url(list_no, REVOCATION), self.url(list_no, SUSPENSION), picked)
                    )
                    allocated += len(picked)
                if allocated < count:
                    list_no += 1
        return Allocation(runs)

    def lists(self) -> list[int]:
        with self._engine.connect() as connection:
            return list(
                connection.execute(
                    select(_ALLOCATIONS.c.list_no).distinct().order_by(_ALLOCATIONS.c.list_no)
                ).scalars()
            )

    def bits(self, directory: Directory, list_no: int, purpose: str) -> StatusBits:
        bits = StatusBits(LIST_SIZE)
        for index in directory.status_bits(self.url(list_no, purpose), purpose):
            bits.set(index, True)
        return bits

    def credential(
        self,
        directory: Directory,
        list_no: int,
        purpose: str,
        key: Ed25519PrivateKey,
        now: datetime,
    ) -> str:
        """The signed ``BitstringStatusListCredential`` of list ``list_no`` for ``purpose``."""
        document = status_list_credential(
            list_id=self.url(list_no, purpose),
            issuer=AUTHORITY_ID,
            purpose=purpose,
            bits=self.bits(directory, list_no, purpose),
            valid_from=now,
        )
        return sign_json(document, key, STATUS_LIST_TYP)

    def all_credentials(
        self, directory: Directory, key: Ed25519PrivateKey, now: datetime
    ) -> Iterator[str]:
        for list_no in self.lists():
            for purpose in _PURPOSES:
                yield self.credential(directory, list_no, purpose, key, now)


_PURPOSES = (REVOCATION, SUSPENSION)
_LIST_NAME = re.compile(r"([1-9][0-9]{0,8})-(revocation|suspension)")


def parse_list_name(name: str) -> tuple[int, str] | None:
    """``"3-revocation"`` -> ``(3, "revocation")``: the last segment of a list URL, in its one
    spelling (no leading zeros); ``None`` for anything else."""
    match = _LIST_NAME.fullmatch(name)
    return (int(match[1]), match[2]) if match else None


def credential_pointers(store: LogStore, credential_id: str) -> list[dict[str, Any]]:
    """Where ``credential_id``'s status bits live, from its issuance entry, which holds them
    even after the JWS is erased; empty for a credential issued without status entries.
    Raises ``UnknownCredential``."""
    stored = store.credential(credential_id)
    if stored is None:
        raise UnknownCredential(f"no credential {credential_id} in the registry")
    (entry,) = store.entries(stored.log_index, stored.log_index + 1)
    body = json.loads(entry)["body"]
    if body.get("credential_id") != credential_id:
        raise LogStateError(
            f"the credential store places {credential_id} at log entry {stored.log_index}, "
            "which is not its issuance: run `skillcert log audit`"
        )
    return [StatusPointer(**p).to_json() for p in body.get("status", ())]


def set_credential_status(
    governance: Governance, credential_id: str, status: str, reason: str
) -> Receipt:
    """Log a revocation, suspension or reinstatement of ``credential_id`` at the status list
    pointers of its issuance entry."""
    pointers = credential_pointers(governance.log.store, credential_id)
    if not pointers:
        raise UnknownCredential(
            f"{credential_id} was issued without status list entries; it cannot be {status}"
        )
    fields = {
        "credential_id": credential_id,
        "status": status,
        "reason": reason,
        "pointers": pointers,
    }
    return governance.record(CREDENTIAL_STATUS, fields)
