"""Status lists: handing out list indexes to new credentials, revoking, suspending and
reinstating through the log, and publishing each list as a signed status list credential.

Lists are numbered from 1 and hold ``LIST_SIZE`` entries (the W3C minimum, 131,072). A
credential gets one random free index of the newest list with room (``allocate_indexes``); the
same index in the list's ``revocation`` and ``suspension`` credentials, at
``<public_url>/v1/status/<n>-revocation`` and ``-suspension``. Indexes are taken in their own
committed transaction before the batch is signed, since they are inside what the issuer signs;
an index whose batch then fails stays taken and unused, which costs one bit and keeps two
batches from ever sharing an index.

The bits themselves are not stored: they are the directory's credential statuses
(``credential_status`` changes in the log), so a list published at any time is the log's word.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, insert, select, text

from registry.database import WRITE_LOCK, is_sqlite
from registry.errors import UnknownCredential
from registry.governance import Governance
from registry.log import Receipt
from registry.models import StatusAllocation
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

__all__ = ["AUTHORITY_ID", "LIST_SIZE", "StatusLists", "set_credential_status"]

LIST_SIZE = MIN_ENTRIES
AUTHORITY_ID = "urn:skillcert:authority"
_ALLOCATIONS = StatusAllocation.__table__  # type: ignore[attr-defined]


class StatusLists:
    def __init__(self, engine: Engine, public_url: str) -> None:
        self._engine = engine
        self._base = public_url.rstrip("/") + "/v1/status/"

    def url(self, list_no: int, purpose: str) -> str:
        return f"{self._base}{list_no}-{purpose}"

    def allocate(self, count: int) -> list[tuple[StatusEntry, ...]]:
        """``count`` credentials' status entries (revocation, suspension), in random order."""
        if count == 0:
            return []
        with (
            self._engine.connect().execution_options(**{WRITE_LOCK: True}) as connection,
            connection.begin(),
        ):
            if not is_sqlite(connection):
                connection.execute(text("LOCK TABLE status_allocations IN EXCLUSIVE MODE"))
            list_no = connection.execute(select(func.max(_ALLOCATIONS.c.list_no))).scalar() or 1
            chosen: list[tuple[int, int]] = []
            while len(chosen) < count:
                taken = set(
                    connection.execute(
                        select(_ALLOCATIONS.c.idx).where(_ALLOCATIONS.c.list_no == list_no)
                    ).scalars()
                )
                room = min(LIST_SIZE - len(taken), count - len(chosen))
                if room > 0:
                    picked = allocate_indexes(taken, room, size=LIST_SIZE)
                    connection.execute(
                        insert(_ALLOCATIONS), [{"list_no": list_no, "idx": i} for i in picked]
                    )
                    chosen.extend((list_no, index) for index in picked)
                if len(chosen) < count:
                    list_no += 1
        return [
            tuple(StatusEntry(purpose, index, self.url(number, purpose)) for purpose in _PURPOSES)
            for number, index in chosen
        ]

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


def set_credential_status(
    governance: Governance, credential_id: str, status: str, reason: str
) -> Receipt:
    """Log a revocation, suspension or reinstatement of ``credential_id``; the status list
    pointers come from its issuance entry, which holds them even after the JWS is erased."""
    store = governance.log.store
    stored = store.credential(credential_id)
    if stored is None:
        raise UnknownCredential(f"no credential {credential_id} in the registry")
    (entry,) = store.entries(stored.log_index, stored.log_index + 1)
    pointers = json.loads(entry)["body"].get("status")
    if not pointers:
        raise UnknownCredential(
            f"{credential_id} was issued without status list entries; it cannot be {status}"
        )
    fields = {
        "credential_id": credential_id,
        "status": status,
        "reason": reason,
        "pointers": [StatusPointer(**p).to_json() for p in pointers],
    }
    return governance.record(CREDENTIAL_STATUS, fields)
