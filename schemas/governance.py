"""Governance changes and the directory they add up to (DESIGN §4).

Everything the authority decides is one *change*, signed by the authority key and appended to
the log: an issuing body registered, a scope granted, an issuer suspended, reinstated or
withdrawn, a key added, rotated or reported compromised, a credential revoked, suspended or
reinstated, a recognition mapping published. The directory (who may certify what, with which
keys, which credentials are revoked, which mappings hold) is never stored on its own: it is
``Directory.apply`` run over the changes in log order, so the directory as of any past moment
is the same fold stopped at that moment's log position, and nothing in it can differ from
what the log commits to.

A change's entry body is ``{"change": {...}, "signature": "<header>..<signature>"}``: the
change in plain JSON and a detached JWS over its RFC 8785 form (``schemas.signed_json``). Every
change carries ``type`` (also the entry's ``kind``) and ``at``, the instant it takes effect in
``YYYY-MM-DDTHH:MM:SS.sssZ`` form. ``at`` is the registry's clock when the change was made,
except a key compromise's ``compromised_at``, which may lie earlier: a leak is often found
after it happened.

``apply`` checks a change against the directory before changing anything, so a refused change
(``ChangeRefused``, ``MalformedChange`` or one of the scope / key errors) leaves it as it was.
The registry applies a proposed change to the current directory before logging it; the same
check on reading means a log with a change that could not have been accepted is reported, not
silently folded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from schemas.errors import (
    ChangeRefused,
    GovernanceError,
    MalformedChange,
    RecognitionError,
)
from schemas.frameworks import Framework, FrameworkResolver, builtin_framework
from schemas.instants import format_instant_ms, parse_instant_ms
from schemas.key_lifecycle import (
    KeyRecord,
    compromise,
    key_decision,
    key_history,
    parse_key_record,
    rotate,
)
from schemas.recognition import RecognitionMapping, parse_mapping
from schemas.scope import (
    WITHDRAWN,
    IssuerStatusChange,
    Scope,
    parse_scope,
    status_at,
    status_history,
)
from schemas.signed_json import AuthorityKey, verify_detached
from schemas.status_list import REVOCATION, STATUS_PURPOSES, SUSPENSION
from schemas.strict_json import require_members

__all__ = [
    "CHANGE_KINDS",
    "CHANGE_TYP",
    "CREDENTIAL_STATUS_REASONS",
    "CredentialStatus",
    "Directory",
    "IssuerRecord",
    "StatusPointer",
    "change_body",
    "parse_issuer_record",
    "read_change",
]

CHANGE_TYP: Final = "skillcert-governance+json"

ISSUER_REGISTERED: Final = "issuer_registered"
SCOPE_GRANTED: Final = "scope_granted"
ISSUER_STATUS: Final = "issuer_status"
KEY_ADDED: Final = "key_added"
KEY_ROTATED: Final = "key_rotated"
KEY_COMPROMISED: Final = "key_compromised"
CREDENTIAL_STATUS: Final = "credential_status"
MAPPING_PUBLISHED: Final = "mapping_published"

_MEMBERS: Final[dict[str, frozenset[str]]] = {
    ISSUER_REGISTERED: frozenset({"issuer", "name"}),
    SCOPE_GRANTED: frozenset({"issuer", "scope"}),
    ISSUER_STATUS: frozenset({"issuer", "status", "reason"}),
    KEY_ADDED: frozenset({"issuer", "key"}),
    KEY_ROTATED: frozenset({"issuer", "key"}),
    KEY_COMPROMISED: frozenset({"issuer", "kid", "compromised_at"}),
    CREDENTIAL_STATUS: frozenset({"credential_id", "status", "reason", "pointers"}),
    MAPPING_PUBLISHED: frozenset({"mapping"}),
}
CHANGE_KINDS: Final = frozenset(_MEMBERS)

REVOKED: Final = "revoked"
SUSPENDED: Final = "suspended"
ACTIVE: Final = "active"
CREDENTIAL_STATUS_REASONS: Final[dict[str, frozenset[str]]] = {
    REVOKED: frozenset(
        {"issued_in_error", "fraudulent", "misconduct", "superseded", "holder_request", "other"}
    ),
    SUSPENDED: frozenset({"under_investigation", "disputed", "other"}),
    ACTIVE: frozenset({"investigation_cleared", "suspended_in_error", "other"}),
}
"""The reason codes a credential status change may give, by the status it moves to."""

_MAX_TEXT = 512


def change_body(change: Mapping[str, Any], signature: str) -> dict[str, Any]:
    return {"change": dict(change), "signature": signature}


def _members(value: Any, allowed: Collection[str], where: str, what: str) -> Mapping[str, Any]:
    return require_members(value, allowed=allowed, error=MalformedChange, where=where, what=what)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise MalformedChange(f"expected non-empty text of at most {_MAX_TEXT} characters", where)
    if not value.isprintable():
        raise MalformedChange("expected printable text", where)
    return value


def read_change(kind: str, body: Any, authority: AuthorityKey | None) -> dict[str, Any]:
    """The change in a governance entry of ``kind``, its signature checked against
    ``authority`` (``None`` skips that, for a reader that has already checked the bundle the
    change came in). Raises ``MalformedChange`` or ``SignedDocumentError``."""
    if kind not in _MEMBERS:
        raise MalformedChange(f"{kind!r} is not a governance change", "kind")
    envelope = _members(body, ("change", "signature"), "body", "a governance entry body")
    change = _members(envelope["change"], _MEMBERS[kind] | {"type", "at"}, "change", "a change")
    if change["type"] != kind:
        raise MalformedChange(f"a {change['type']!r} change in a {kind!r} entry", "change.type")
    if authority is not None:
        verify_detached(change, envelope["signature"], authority, CHANGE_TYP)
    return dict(change)


@dataclass(frozen=True, slots=True)
class IssuerRecord:
    """One issuing body as the directory knows it at some log position."""

    id: str
    name: str
    registered_at: datetime
    scopes: tuple[Scope, ...] = ()
    status_changes: tuple[IssuerStatusChange, ...] = ()
    keys: tuple[KeyRecord, ...] = ()

    def status_at(self, when: datetime) -> str:
        return status_at(self.status_changes, when)

    @property
    def status(self) -> str:
        return self.status_changes[-1].status if self.status_changes else ACTIVE

    def current_key(self, when: datetime) -> KeyRecord | None:
        """The key a signature logged at ``when`` would be accepted under, if any."""
        return next(
            (r for r in self.keys if key_decision(r, signed_at=when, logged_at=when).ok), None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "registered_at": format_instant_ms(self.registered_at),
            "status": self.status,
            "status_history": [
                {"status": c.status, "at": format_instant_ms(c.at), "reason": c.reason}
                for c in self.status_changes
            ],
            "scopes": [scope.to_json() for scope in self.scopes],
            "keys": [record.to_json() for record in self.keys],
        }


_ISSUER_MEMBERS: Final = frozenset(
    {"id", "name", "registered_at", "status", "status_history", "scopes", "keys"}
)


def parse_issuer_record(
    document: Any, frameworks: FrameworkResolver, where: str = "issuer"
) -> IssuerRecord:
    """Read ``IssuerRecord.to_json`` back (as a trust bundle carries it), strictly; the history,
    keys and scopes must be ones ``Directory`` could have built."""
    member = _members(document, _ISSUER_MEMBERS, where, "an issuer")
    try:
        changes = []
        for i, item in enumerate(_array(member["status_history"], f"{where}.status_history")):
            here = f"{where}.status_history[{i}]"
            entry = _members(item, ("status", "at", "reason"), here, "a status change")
            changes.append(
                IssuerStatusChange(
                    entry["status"], _at(entry, where=here), _text(entry["reason"], here)
                )
            )
        record = IssuerRecord(
            id=_text(member["id"], f"{where}.id"),
            name=_text(member["name"], f"{where}.name"),
            registered_at=_at(member, "registered_at", where),
            scopes=tuple(
                parse_scope(item, frameworks=frameworks, where=f"{where}.scopes[{i}]")
                for i, item in enumerate(_array(member["scopes"], f"{where}.scopes"))
            ),
            status_changes=status_history(changes),
            keys=key_history(
                parse_key_record(item, f"{where}.keys[{i}]")
                for i, item in enumerate(_array(member["keys"], f"{where}.keys"))
            ),
        )
    except MalformedChange:
        raise
    except GovernanceError as exc:
        raise MalformedChange(exc.message, exc.where or where) from exc
    if record.status != member["status"]:
        raise MalformedChange("does not match the status history", f"{where}.status")
    if any(key.issuer_id != record.id for key in record.keys):
        raise MalformedChange("holds another issuer's key", f"{where}.keys")
    return record


def _array(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedChange("expected an array", where)
    return value


@dataclass(frozen=True, slots=True)
class StatusPointer:
    """Where one status bit of a credential lives: a purpose, a list URL and an index."""

    purpose: str
    list: str
    index: int

    def to_json(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "list": self.list, "index": self.index}


@dataclass(frozen=True, slots=True)
class StatusEvent:
    status: str
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class CredentialStatus:
    """A credential's revocation and suspension, with every change that led there."""

    credential_id: str
    pointers: tuple[StatusPointer, ...]
    history: tuple[StatusEvent, ...] = ()

    @property
    def status(self) -> str:
        return self.history[-1].status if self.history else ACTIVE

    @property
    def bits(self) -> dict[str, bool]:
        """purpose -> whether its bit is set: a revocation stays set, a suspension only while
        in force."""
        return {
            REVOCATION: self.status == REVOKED,
            SUSPENSION: self.status == SUSPENDED,
        }


def _pointers(value: Any, where: str) -> tuple[StatusPointer, ...]:
    if not isinstance(value, list) or not value:
        raise MalformedChange("expected a non-empty array of status pointers", where)
    pointers = []
    for position, item in enumerate(value):
        here = f"{where}[{position}]"
        member = _members(item, ("purpose", "list", "index"), here, "a status pointer")
        index = member["index"]
        if not isinstance(member["purpose"], str) or member["purpose"] not in STATUS_PURPOSES:
            raise MalformedChange("expected revocation or suspension", f"{here}.purpose")
        if type(index) is not int or index < 0:
            raise MalformedChange("expected a non-negative integer", f"{here}.index")
        pointers.append(StatusPointer(member["purpose"], _text(member["list"], here), index))
    if len({p.purpose for p in pointers}) != len(pointers):
        raise MalformedChange("at most one pointer per purpose", where)
    return tuple(pointers)


def _at(change: Mapping[str, Any], name: str = "at", where: str = "change") -> datetime:
    return parse_instant_ms(change[name], f"{where}.{name}", error=MalformedChange)


@dataclass(slots=True)
class Directory:
    """The fold of governance changes: issuers, credential statuses and recognition mappings.

    Mutable so a long log folds in linear time; ``apply`` is all-or-nothing per change.
    """

    frameworks: Callable[[str], Framework] = builtin_framework
    issuers: dict[str, IssuerRecord] = field(default_factory=dict)
    credential_status: dict[str, CredentialStatus] = field(default_factory=dict)
    mappings: list[RecognitionMapping] = field(default_factory=list)

    def issuer(self, issuer_id: Any, at: datetime | None = None) -> IssuerRecord:
        """The issuer a change names; with ``at``, one that may still take new scopes and keys
        then (not withdrawn)."""
        record = self.issuers.get(_text(issuer_id, "change.issuer"))
        if record is None:
            raise ChangeRefused(f"no issuer {issuer_id} in the directory", "change.issuer")
        if at is not None and record.status_at(at) == WITHDRAWN:
            raise ChangeRefused(f"{record.id} has been withdrawn", "change.issuer")
        return record

    def apply(self, change: Mapping[str, Any]) -> None:
        """Fold one change (already read with ``read_change``) in; raises if it cannot follow."""
        kind = change["type"]
        at = _at(change)
        handler = _HANDLERS[kind]
        try:
            handler(self, change, at)
        except (ChangeRefused, MalformedChange):
            raise
        except (GovernanceError, RecognitionError) as exc:
            raise ChangeRefused(str(exc), f"change ({kind})") from exc

    def status_bits(self, list_url: str, purpose: str) -> Iterator[int]:
        """Indexes whose ``purpose`` bit is set in the list at ``list_url``."""
        for record in self.credential_status.values():
            if record.bits[purpose]:
                for pointer in record.pointers:
                    if pointer.purpose == purpose and pointer.list == list_url:
                        yield pointer.index


def _register(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    issuer_id = _text(change["issuer"], "change.issuer")
    if issuer_id in directory.issuers:
        raise ChangeRefused(f"issuer {issuer_id} is already registered", "change.issuer")
    directory.issuers[issuer_id] = IssuerRecord(issuer_id, _text(change["name"], "change.name"), at)


def _scope(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    record = directory.issuer(change["issuer"], at)
    scope = parse_scope(change["scope"], frameworks=directory.frameworks, where="change.scope")
    if scope in record.scopes:
        raise ChangeRefused(f"{record.id} already holds this scope", "change.scope")
    directory.issuers[record.id] = replace(record, scopes=(*record.scopes, scope))


def _issuer_status(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    record = directory.issuer(change["issuer"])
    proposed = IssuerStatusChange(change["status"], at, _text(change["reason"], "change.reason"))
    history = status_history((*record.status_changes, proposed))
    if history[-1] is not proposed:
        raise ChangeRefused(
            f"a status change at {format_instant_ms(at)} is older than the last one", "change.at"
        )
    directory.issuers[record.id] = replace(record, status_changes=history)


def _key(change: Mapping[str, Any], record: IssuerRecord, at: datetime) -> KeyRecord:
    key = parse_key_record(change["key"], "change.key")
    if key.issuer_id != record.id:
        raise ChangeRefused(f"key {key.kid} is not {record.id}'s", "change.key.kid")
    if key.valid_from != at:
        raise ChangeRefused("a new key becomes valid when it is added", "change.key.valid_from")
    return key


def _key_added(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    record = directory.issuer(change["issuer"], at)
    key = _key(change, record, at)
    if any(k.valid_until is None for k in record.keys):
        raise ChangeRefused(
            f"{record.id} has a key in use; rotate to a new key instead", "change.type"
        )
    directory.issuers[record.id] = replace(record, keys=key_history((*record.keys, key)))


def _key_rotated(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    record = directory.issuer(change["issuer"], at)
    key = _key(change, record, at)
    if not any(k.valid_until is None for k in record.keys):
        raise ChangeRefused(f"{record.id} has no key in use to rotate from", "change.type")
    directory.issuers[record.id] = replace(record, keys=rotate(record.keys, key, at))


def _key_compromised(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    record = directory.issuer(change["issuer"])
    compromised_at = _at(change, "compromised_at")
    if compromised_at > at:
        raise ChangeRefused(
            "a compromise cannot be reported ahead of time", "change.compromised_at"
        )
    keys = compromise(record.keys, _text(change["kid"], "change.kid"), compromised_at)
    directory.issuers[record.id] = replace(record, keys=keys)


_STATUS_MOVES: Final = {
    ACTIVE: frozenset({REVOKED, SUSPENDED}),
    SUSPENDED: frozenset({REVOKED, ACTIVE}),
    REVOKED: frozenset(),
}


def _credential_status(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    credential_id = _text(change["credential_id"], "change.credential_id")
    status, reason = change["status"], change["reason"]
    if not isinstance(status, str) or status not in CREDENTIAL_STATUS_REASONS:
        raise MalformedChange("expected revoked, suspended or active", "change.status")
    if not isinstance(reason, str) or reason not in CREDENTIAL_STATUS_REASONS[status]:
        known = ", ".join(sorted(CREDENTIAL_STATUS_REASONS[status]))
        raise MalformedChange(
            f"{reason!r} is not a reason for {status}: one of {known}", "change.reason"
        )
    pointers = _pointers(change["pointers"], "change.pointers")
    if status == SUSPENDED and not any(p.purpose == SUSPENSION for p in pointers):
        raise ChangeRefused(
            f"{credential_id} has no suspension list entry, so no verifier could see a "
            "suspension; revoke it instead",
            "change.status",
        )
    record = directory.credential_status.get(credential_id) or CredentialStatus(
        credential_id, pointers
    )
    if record.pointers != pointers:
        raise ChangeRefused(
            "the status pointers differ from the credential's earlier ones", "change.pointers"
        )
    if record.history and at <= record.history[-1].at:
        raise ChangeRefused(
            f"a status change at {format_instant_ms(at)} is not after the last one", "change.at"
        )
    if status not in _STATUS_MOVES[record.status]:
        final = " (revocation is final)" if record.status == REVOKED else ""
        raise ChangeRefused(
            f"{credential_id} is {record.status}; it cannot become {status}{final}",
            "change.status",
        )
    directory.credential_status[credential_id] = replace(
        record, history=(*record.history, StatusEvent(status, at, reason))
    )


def _mapping(directory: Directory, change: Mapping[str, Any], at: datetime) -> None:
    mapping = parse_mapping(
        change["mapping"], where="change.mapping", frameworks=directory.frameworks
    )
    pair = (mapping.source_framework, mapping.target_framework)
    for known in directory.mappings:
        if known.id != mapping.id:
            continue
        if (known.source_framework, known.target_framework) != pair:
            raise ChangeRefused(
                f"{mapping.id} maps {known.source_framework} to {known.target_framework}; "
                "a mapping between other frameworks needs a new id",
                "change.mapping.source_framework",
            )
        if known.version >= mapping.version:
            raise ChangeRefused(
                f"{mapping.id} version {mapping.version} does not follow version {known.version}",
                "change.mapping.version",
            )
    directory.mappings.append(mapping)


_HANDLERS: Final[dict[str, Callable[[Directory, Mapping[str, Any], datetime], None]]] = {
    ISSUER_REGISTERED: _register,
    SCOPE_GRANTED: _scope,
    ISSUER_STATUS: _issuer_status,
    KEY_ADDED: _key_added,
    KEY_ROTATED: _key_rotated,
    KEY_COMPROMISED: _key_compromised,
    CREDENTIAL_STATUS: _credential_status,
    MAPPING_PUBLISHED: _mapping,
}
