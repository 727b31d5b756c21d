"""Verification by the API: ``verify_credential`` on the registry's trust bundle, with the
registry's own log evidence for the credential.

The evidence is looked up by the credential id the token names, whatever the token's bytes:
if they are not the bytes the registry logged under that id, the verifier says so
(``log_inclusion.entry_mismatch``) instead of the registry quietly offering no evidence. A
token naming an id the registry never logged is verified without evidence, and so cannot come
out ``valid``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from registry.issuance import stored_evidence
from registry.service.records import StoredRecord, credential_urn, stored_jws
from registry.service.state import ServiceState
from registry.service.trust import TrustMaterial
from schemas.log_entry import LogEvidence, parse_log_evidence
from verifier import CheckFailed, VerificationReport, verify_credential
from verifier.jws import parse_compact_jws

__all__ = ["report_for_record", "report_for_stored", "report_for_token"]


_EVIDENCE_MEMO = 65_536


def _evidence_for_id(state: ServiceState, credential_id: object) -> LogEvidence | None:
    """The credential's log evidence, made once per credential and process: an inclusion proof
    holds for ever against the checkpoint it was made for, and making one reads the log's
    nodes, which would otherwise be most of the cost of answering a verification."""
    if not isinstance(credential_id, str):
        return None
    memo = state.evidence
    found = memo.get(credential_id)
    if found is not None:
        return found
    registry = state.registry
    with state.lock:
        stored = registry.log.store.credential(credential_id)
        if stored is None:
            return None
        evidence = parse_log_evidence(stored_evidence(registry.log, stored.log_index))
    _remember(memo, credential_id, evidence)
    return evidence


def _remember(
    memo: dict[str | bytes, LogEvidence], key: str | bytes, evidence: LogEvidence
) -> None:
    """Kept by credential id, and by the digest of the token it was looked up for, so that a
    token verified again is not parsed once more just to find its id; starts over when full."""
    if len(memo) >= _EVIDENCE_MEMO:
        memo.clear()
    memo[key] = evidence


def _verify(
    state: ServiceState,
    token: bytes,
    evidence: LogEvidence | None,
    at: datetime | None,
    target: str | None,
    trust: TrustMaterial | None,
) -> VerificationReport:
    material = trust or state.trust.current()
    report = verify_credential(
        token, material.bundle, at or datetime.now(UTC), evidence, target=target
    )
    state.metrics.verifications.labels(report.result.value).inc()
    return report


def report_for_token(
    state: ServiceState,
    token: bytes,
    at: datetime | None = None,
    target: str | None = None,
    *,
    trust: TrustMaterial | None = None,
) -> VerificationReport:
    """The report on ``token`` as of ``at`` (default now), with ``target`` recognition, on
    ``trust`` (default the current material: a caller that reads the bundle again for more
    answers passes the one it read, so that every answer comes from the same bundle)."""
    digest = hashlib.sha256(token).digest()
    evidence = state.evidence.get(digest)
    if evidence is None:
        try:
            named = parse_compact_jws(token).payload.get("id")
        except CheckFailed:
            named = None
        evidence = _evidence_for_id(state, named)
        if evidence is not None:
            _remember(state.evidence, digest, evidence)
    return _verify(state, token, evidence, at, target, trust)


def report_for_stored(
    state: ServiceState,
    credential_id: uuid.UUID,
    at: datetime | None = None,
    target: str | None = None,
) -> VerificationReport:
    """The report on the credential the registry holds as ``credential_id``; raises the
    ``credential-not-found`` problem when it holds none. Its status is the report's (from the
    trust bundle), so the directory is not read, and its evidence is the kept one."""
    urn = credential_urn(credential_id)
    _, jws = stored_jws(state, urn)
    return _verify(state, jws.encode("ascii"), _evidence_for_id(state, urn), at, target, None)


def report_for_record(
    state: ServiceState,
    record: StoredRecord,
    *,
    trust: TrustMaterial | None = None,
) -> VerificationReport:
    """The report now on a credential already read from the store, with the evidence read with
    it, on ``trust`` as for ``report_for_token``."""
    evidence = parse_log_evidence(record.evidence)
    return _verify(state, record.jws.encode("ascii"), evidence, None, None, trust)
