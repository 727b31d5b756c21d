"""Admitting issuer-signed credentials into the log (``POST /v1/credentials``).

A credential is logged only if a verifier holding the registry's trust bundle would find it
genuine and within its issuer's accreditation when it is logged. ``verify_credential`` decides,
on the bundle the service verifies with (``registry.service.trust``), and ``format``,
``signature``, ``issuer_known``, ``key_valid_at_issuance`` and ``issuer_in_scope`` must pass.

The key window and the scope are judged at log time (docs/governance.md), and the log time of
a credential not yet logged is the registry's clock. So the verifier is handed *provisional* log
evidence: the issuance entries the batch would append, stamped with the registry's clock, in a
Merkle tree of their own, under a checkpoint signed by a key made for this at start, with origin
``<log origin>/admission``. It is never the log's key: the log signs only trees it holds. The
verifier then applies to the submission exactly the rules it applies to a logged credential.

Then the registry's own conditions: the id is a ``urn:uuid`` in canonical form (it is the
credential's URL), the credential names a status list slot of this registry (so it can be
revoked), no two credentials take one slot, and no other credential is logged under its id. A
credential already logged with these very bytes is not logged again: its evidence is returned.

Everything is decided before anything is written, and written in one transaction, so a batch
with a refused credential logs nothing, and the refusal names every refused one by position.
Inside the append, with the log's head locked, the directory at that head is compared with the
one the checks ran on; if a governance change was logged in between, the submission is decided
again on the new directory. A credential logged by a concurrent submission, or a slot it took,
fails the append on the database's unique keys, and the submission is decided again as well;
so is one whose slot is found taken by a credential logged, under its own id, after it was read
as unlogged.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from registry.errors import LogStateError, unique_violations
from registry.issuance import receipt_evidence, stored_evidence
from registry.log import Draft, now_ms
from registry.service.problems import PROBLEMS
from registry.service.state import ServiceState
from registry.service.trust import TrustMaterial
from registry.status import LIST_SIZE, START_NEXT_LIST_AT
from registry.store import Head, StoredCredentialView
from schemas.certificate_number import parse_certificate_number
from schemas.credential import SkillCredential, read_credential
from schemas.errors import SchemaError
from schemas.instants import date_time_ms
from schemas.log_entry import (
    ISSUANCE,
    LogEvidence,
    encode_entry,
    issuance_body,
    jws_digest,
    log_evidence_json,
    parse_log_evidence,
)
from schemas.merkle import MemoryTree, leaf_hash
from schemas.note import Checkpoint, VerifierKey, format_checkpoint, sign_note
from schemas.status_list import REVOCATION
from verifier import CheckFailed, VerificationReport, verify_credential
from verifier.jws import ParsedJws, parse_compact_jws

__all__ = [
    "REFUSAL_FOR_CHECK",
    "REQUIRED_CHECKS",
    "AdmissionRefused",
    "Admitted",
    "Refusal",
    "admission_origin",
    "admit",
]

REQUIRED_CHECKS: Final = (
    "format",
    "signature",
    "issuer_known",
    "key_valid_at_issuance",
    "issuer_in_scope",
)
REFUSAL_FOR_CHECK: Final = {
    "format": "credential-format-invalid",
    "signature": "credential-signature-invalid",
    "issuer_known": "credential-issuer-unknown",
    "key_valid_at_issuance": "credential-key-not-valid",
    "issuer_in_scope": "credential-out-of-scope",
}
_ATTEMPTS = 3
_CANONICAL_ID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the credential at ``position`` of the submission is not logged."""

    position: int
    slug: str
    detail: str
    check: str | None = None
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "field": f"body[{self.position}]",
            "position": self.position,
            "type": PROBLEMS[self.slug].uri,
            "detail": self.detail,
        }
        if self.check is not None:
            item["check"] = self.check
            item["code"] = self.code
        return item


class AdmissionRefused(Exception):
    """At least one credential is refused; nothing was logged."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__(f"{len(refusals)} credential(s) refused")
        self.refusals = tuple(refusals)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A credential in the log: appended now (``created``) or found there already."""

    position: int
    credential_id: str
    created: bool
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Candidate:
    position: int
    token: str
    parsed: ParsedJws | None
    credential: SkillCredential | None
    """Both ``None`` when the token cannot be read; the verifier then names why."""


@dataclass(frozen=True, slots=True)
class _Fresh:
    candidate: _Candidate
    parsed: ParsedJws
    credential: SkillCredential
    slot: tuple[int, int]

    def draft(self) -> Draft:
        credential, token = self.credential, self.candidate.token
        body = _issuance_body(token, self.parsed, credential)
        stored = (credential.id, credential.issuer_id, token, credential.claims.certificate_number)
        return Draft(ISSUANCE, body, stored, (self.slot,))


class _DirectoryMoved(Exception):
    pass


class _LoggedMeanwhile(Exception):
    """A candidate read as unlogged was logged by a concurrent submission before its number or
    slot was looked up: they are its own, and deciding again finds it logged."""


def admission_origin(log_origin: str) -> str:
    return f"{log_origin}/admission"


def _issuance_body(token: str, parsed: ParsedJws, credential: SkillCredential) -> dict[str, Any]:
    """Built one way for the provisional tree and for the append, so that the entry the
    checks ran on is the entry written."""
    return issuance_body(
        credential_id=credential.id,
        jws=token,
        issuer_id=credential.issuer_id,
        kid=parsed.kid,
        claims=credential.claims,
    )


def _read(position: int, token: str) -> _Candidate:
    try:
        parsed = parse_compact_jws(token.encode("ascii"))
        return _Candidate(position, token, parsed, read_credential(parsed.payload))
    except (CheckFailed, SchemaError):
        return _Candidate(position, token, None, None)


def _provisional_evidence(
    state: ServiceState, candidates: Sequence[_Candidate], ts: int, origin: str
) -> dict[int, LogEvidence]:
    """Evidence, by position, that each readable candidate is in a tree of the entries the
    batch would append at ``ts``, signed with the admission key."""
    tree = MemoryTree()
    entries: list[tuple[int, bytes]] = []
    prev = bytes(32)
    for candidate in candidates:
        if candidate.parsed is None or candidate.credential is None:
            continue
        body = _issuance_body(candidate.token, candidate.parsed, candidate.credential)
        entry = encode_entry(ISSUANCE, prev, ts, body)
        prev = leaf_hash(entry)
        tree.append(prev)
        entries.append((candidate.position, entry))
    if not entries:
        return {}
    note = sign_note(
        format_checkpoint(Checkpoint(origin, tree.size, tree.root())), origin, state.admission_key
    )
    return {
        position: parse_log_evidence(
            log_evidence_json(entry, index, tree.size, tree.inclusion_proof(index), note)
        )
        for index, (position, entry) in enumerate(entries)
    }


def _reports(
    state: ServiceState, candidates: Sequence[_Candidate], trust: TrustMaterial
) -> list[VerificationReport]:
    ts = now_ms()
    origin = admission_origin(state.settings.log_origin)
    evidence = _provisional_evidence(state, candidates, ts, origin)
    admission_key = VerifierKey.from_public_key(origin, state.admission_key.public_key())
    bundle = replace(trust.bundle, log_keys=(admission_key,))
    at = date_time_ms(ts)
    return [
        verify_credential(c.token, bundle, at, evidence.get(c.position), max_age=None)
        for c in candidates
    ]


def _check_refusal(position: int, report: VerificationReport) -> Refusal | None:
    """The first required check that failed (or, failing none, could not be made)."""
    checks = {check.check: check for check in report.checks}
    failing = [checks[name] for name in REQUIRED_CHECKS if checks[name].ok is not True]
    if not failing:
        if checks["log_inclusion"].ok is not True:
            raise RuntimeError(f"provisional evidence did not verify: {checks['log_inclusion']}")
        return None
    worst = next((check for check in failing if check.ok is False), failing[0])
    return Refusal(position, REFUSAL_FOR_CHECK[worst.check], worst.message, worst.check, worst.code)


def _slot(
    state: ServiceState,
    position: int,
    credential: SkillCredential,
    newest: int,
    newest_filled: Callable[[], int],
) -> tuple[int, int] | Refusal:
    """The one status list slot the credential's entries name, or why they cannot be taken.

    A list after the newest is started only once the newest holds ``START_NEXT_LIST_AT``
    credentials: every list is in every trust bundle, so a list started for each submission
    would grow the bundle without bound, and a sparse list gives its credentials little herd
    privacy."""
    status = state.registry.status
    entries = credential.claims.status

    def invalid(detail: str) -> Refusal:
        return Refusal(position, "status-entry-invalid", detail)

    if not entries:
        return Refusal(
            position,
            "status-entry-missing",
            "the credential has no credentialStatus, so no verifier could ever learn of its "
            f"revocation; name an index of {status.url(max(newest, 1), REVOCATION)}",
        )
    slots = set()
    for entry in entries:
        located = status.locate(entry.status_list_credential)
        if located is None:
            return invalid(
                f"{entry.status_list_credential} is not a status list of this registry "
                f"(such as {status.url(max(newest, 1), entry.status_purpose)})"
            )
        number, purpose = located
        if purpose != entry.status_purpose:
            return invalid(f"a {entry.status_purpose} entry names the {purpose} list")
        if entry.status_list_index >= LIST_SIZE:
            return invalid(f"index {entry.status_list_index} is past the list's {LIST_SIZE}")
        if number > newest + 1:
            return invalid(
                f"list {number} is not started; the newest is {newest}, and a list is started "
                f"by taking an index in list {newest + 1}"
            )
        if number == newest + 1 and newest and newest_filled() < START_NEXT_LIST_AT:
            return invalid(
                f"list {number} is not started, and list {newest} has room: a list is started "
                f"once the newest holds {START_NEXT_LIST_AT:,} credentials"
            )
        slots.add((number, entry.status_list_index))
    purposes = [entry.status_purpose for entry in entries]
    if len(set(purposes)) != len(purposes) or REVOCATION not in purposes:
        return invalid("expected one revocation entry, and at most one suspension entry")
    if len(slots) != 1:
        return invalid("the revocation and suspension entries must name one list number and index")
    (slot,) = slots
    return slot


def _decide(
    state: ServiceState, tokens: Sequence[str], trust: TrustMaterial
) -> tuple[list[tuple[int, str, int]], list[_Fresh]]:
    """The candidates logged already (position, id, log index) and those to append; raises
    ``AdmissionRefused`` naming every refused one."""
    store = state.registry.log.store
    candidates = [_read(position, token) for position, token in enumerate(tokens)]
    logged = store.credentials(c.credential.id for c in candidates if c.credential is not None)
    refusals: list[Refusal] = []
    existing: list[tuple[int, str, int]] = []
    unlogged: list[_Candidate] = []
    first_with_id: dict[str, int] = {}
    for candidate in candidates:
        credential = candidate.credential
        if credential is None:
            unlogged.append(candidate)
            continue
        earlier = first_with_id.setdefault(credential.id, candidate.position)
        if earlier != candidate.position:
            refusals.append(
                Refusal(
                    candidate.position,
                    "credential-duplicate",
                    f"{credential.id} is also body[{earlier}]",
                )
            )
        elif credential.id in logged:
            index = logged[credential.id].log_index
            (entry,) = store.entries(index, index + 1)
            if hmac.compare_digest(
                json.loads(entry)["body"]["jws_sha256"], jws_digest(candidate.token)
            ):
                existing.append((candidate.position, credential.id, index))
            else:
                refusals.append(
                    Refusal(
                        candidate.position,
                        "credential-conflict",
                        f"another credential is logged as {credential.id}, at index {index}",
                    )
                )
        else:
            unlogged.append(candidate)
    fresh = _passing(state, unlogged, trust, refusals)
    if refusals:
        raise AdmissionRefused(sorted(refusals, key=lambda refusal: refusal.position))
    return existing, fresh


def _passing(
    state: ServiceState,
    unlogged: Sequence[_Candidate],
    trust: TrustMaterial,
    refusals: list[Refusal],
) -> list[_Fresh]:
    """The candidates that pass every check, adding a refusal for each one that does not.

    Slots are checked first: they depend on the credential alone, and a slot no list has
    (an index past its end, up to 18 digits) could not even be written into the provisional
    entry the other checks are made on."""
    status = state.registry.status
    newest = status.newest() if unlogged else 0
    newest_filled = functools.cache(lambda: status.filled(newest))
    slots: dict[int, tuple[int, int]] = {}
    checkable: list[_Candidate] = []
    for candidate in unlogged:
        if candidate.credential is not None:
            slot = _slot(state, candidate.position, candidate.credential, newest, newest_filled)
            if isinstance(slot, Refusal):
                refusals.append(slot)
                continue
            slots[candidate.position] = slot
        checkable.append(candidate)
    fresh: list[_Fresh] = []
    holder: dict[tuple[int, int], int] = {}
    for candidate, report in zip(checkable, _reports(state, checkable, trust), strict=True):
        refusal = _check_refusal(candidate.position, report)
        if refusal is not None:
            refusals.append(refusal)
            continue
        parsed, credential = candidate.parsed, candidate.credential
        if parsed is None or credential is None:
            raise RuntimeError("a credential passed the format check without being read")
        if not _CANONICAL_ID.fullmatch(credential.id):
            refusals.append(
                Refusal(
                    candidate.position,
                    "credential-id-invalid",
                    f"{credential.id!r} is not urn:uuid: and a lowercase hyphenated UUID",
                )
            )
            continue
        number = credential.claims.certificate_number
        try:
            parse_certificate_number(number)
        except SchemaError as exc:
            refusals.append(
                Refusal(
                    candidate.position,
                    "credential-format-invalid",
                    f"licenseNumber {number!r}: {exc.message}",
                    "format",
                    "format.credential",
                )
            )
            continue
        slot = slots[candidate.position]
        earlier = holder.setdefault(slot, candidate.position)
        if earlier != candidate.position:
            refusals.append(_taken(candidate.position, slot, f"by body[{earlier}]"))
            continue
        fresh.append(_Fresh(candidate, parsed, credential, slot))
    fresh = _numbered_once(state, fresh, refusals)
    taken = status.taken(holder)
    held = [item for item in fresh if item.slot in taken]
    if held and state.registry.log.store.credentials(item.credential.id for item in held):
        raise _LoggedMeanwhile
    for item in held:
        refusals.append(_taken(item.candidate.position, item.slot, "by a logged credential"))
    return fresh


def _numbered_once(
    state: ServiceState, fresh: Sequence[_Fresh], refusals: list[Refusal]
) -> list[_Fresh]:
    """The candidates whose certificate number their issuer has not had logged, nor another
    candidate before them, adding a refusal for each of the others: one number, one
    certificate."""
    store = state.registry.log.store
    logged: dict[str, dict[str, StoredCredentialView]] = {}
    for issuer_id in {item.credential.issuer_id for item in fresh}:
        numbers = [
            item.credential.claims.certificate_number
            for item in fresh
            if item.credential.issuer_id == issuer_id
        ]
        logged[issuer_id] = dict(store.issued_numbers(issuer_id, numbers))
    first: dict[tuple[str, str], int] = {}
    kept: list[_Fresh] = []
    for item in fresh:
        issuer_id, number = item.credential.issuer_id, item.credential.claims.certificate_number
        position = item.candidate.position
        earlier = logged[issuer_id].get(number)
        before = first.setdefault((issuer_id, number), position)
        if earlier is not None and earlier.id == item.credential.id:
            raise _LoggedMeanwhile
        if earlier is not None:
            by = f"{earlier.id} (log entry {earlier.log_index})"
        elif before != position:
            by = f"body[{before}]"
        else:
            kept.append(item)
            continue
        refusals.append(
            Refusal(
                position,
                "certificate-number-taken",
                f"certificate number {number} of {issuer_id} is already {by}'s; a number names "
                "one certificate",
            )
        )
    return kept


def _taken(position: int, slot: tuple[int, int], by: str) -> Refusal:
    number, index = slot
    return Refusal(
        position,
        "status-index-taken",
        f"index {index} of status list {number} is taken {by}; sign with another index",
    )


def _write(
    state: ServiceState,
    existing: Sequence[tuple[int, str, int]],
    fresh: Sequence[_Fresh],
    trust: TrustMaterial,
) -> list[Admitted]:
    registry = state.registry

    def unchanged_directory(head: Head) -> None:
        _, version = registry.governance.directory_below(head.size)
        if version != trust.version:
            raise _DirectoryMoved

    with state.lock:
        receipts = (
            registry.log.append([item.draft() for item in fresh], check=unchanged_directory)
            if fresh
            else []
        )
        admitted = [
            Admitted(item.candidate.position, item.credential.id, True, receipt_evidence(receipt))
            for item, receipt in zip(fresh, receipts, strict=True)
        ]
        for position, credential_id, index in existing:
            evidence = stored_evidence(registry.log, index)
            admitted.append(Admitted(position, credential_id, False, evidence))
    state.trust.invalidate()
    return sorted(admitted, key=lambda item: item.position)


def admit(state: ServiceState, tokens: Sequence[str]) -> list[Admitted]:
    """Log every credential of ``tokens`` (compact JWS text) that is not logged yet, in one
    transaction; raises ``AdmissionRefused`` (nothing logged) when any is refused."""
    again: tuple[type[Exception], ...] = (_DirectoryMoved, _LoggedMeanwhile, *unique_violations())
    for _ in range(_ATTEMPTS):
        trust = state.trust.current(fresh=True)
        try:
            existing, fresh = _decide(state, tokens, trust)
            return _write(state, existing, fresh, trust)
        except again:
            continue
    raise LogStateError("the log kept changing while the submission was checked; submit again")
