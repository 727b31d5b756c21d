"""Credentials as the registry holds them: the JWS, its status now, and its log evidence.

Shared by ``GET /v1/credentials/{id}``, verification by id and the verify page, so each shows
the same record. A credential whose JWS has been erased is answered as unknown: the log keeps
its (impersonal) entry, but the registry no longer holds the credential itself.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator

from registry.issuance import stored_evidence
from registry.service.models import EXAMPLE_UUID
from registry.service.problems import Problem
from registry.service.state import ServiceState
from registry.store import StoredCredentialView
from schemas.governance import ACTIVE
from schemas.instants import format_instant_ms

__all__ = ["CredentialId", "StoredRecord", "credential_urn", "stored_jws", "stored_record"]

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(value: object) -> object:
    """A URL names a credential one way only, as its id writes it: ``uuid.UUID`` alone would
    also read upper case, ``{…}``, ``urn:uuid:…`` and unhyphenated forms."""
    if isinstance(value, str) and not _CANONICAL_UUID.fullmatch(value):
        raise ValueError("expected a UUID in lowercase hyphenated form")
    return value


CredentialId = Annotated[
    uuid.UUID,
    BeforeValidator(_canonical_uuid),
    Path(description="The UUID of the credential's `urn:uuid` id", examples=[EXAMPLE_UUID]),
]


def credential_urn(credential_id: uuid.UUID) -> str:
    """The credential id a URL's UUID stands for, in the one form the registry stores."""
    return f"urn:uuid:{credential_id}"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    credential_id: str
    issuer_id: str
    jws: str
    status: dict[str, Any]
    """``{"status": active|revoked|suspended, "reason", "since"}``; reason and since are
    ``null`` for a credential whose status never changed."""
    evidence: dict[str, Any]
    """The log evidence document against the latest checkpoint (docs/log-format.md)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.credential_id,
            "issuer": self.issuer_id,
            "jws": self.jws,
            "status": self.status,
            "log": self.evidence,
        }


def stored_jws(state: ServiceState, urn: str) -> tuple[StoredCredentialView, str]:
    """The stored credential and its JWS; raises the ``credential-not-found`` problem for an id
    never logged or erased since."""
    with state.lock:
        stored = state.registry.log.store.credential(urn)
    if stored is None or stored.jws is None:
        raise Problem("credential-not-found", f"no credential {urn}")
    return stored, stored.jws


def stored_record(state: ServiceState, credential_id: uuid.UUID) -> StoredRecord:
    """Raises the ``credential-not-found`` problem for an id never logged or erased since."""
    urn = credential_urn(credential_id)
    registry = state.registry
    stored, jws = stored_jws(state, urn)
    with state.lock:
        evidence = stored_evidence(registry.log, stored.log_index)
        directory, _ = registry.governance.directory_below()
        record = directory.credential_status.get(urn)
    last = record.history[-1] if record is not None and record.history else None
    status = {
        "status": last.status if last else ACTIVE,
        "reason": last.reason if last else None,
        "since": format_instant_ms(last.at) if last else None,
    }
    return StoredRecord(urn, stored.issuer_id, jws, status, evidence)
