"""An issuer's signing keys over time, and whether a credential's signature is acceptable.

Each key is valid for new signatures over a half-open window ``[valid_from, valid_until)``:
rotation closes the old key's window at the instant the new key's opens, so at any instant at
most one key of an issuer may sign. A key reported compromised at ``compromised_at`` taints
every signature that cannot be shown to be older.

The time a signature is judged at (docs/governance.md, "Key windows"):

- With log evidence, the log's time. ``logged_at`` is the sequencer's timestamp on the
  credential's issuance entry, proven by an inclusion proof in a signed checkpoint, so the
  signature demonstrably existed by then; and the registry assigns it, not the issuer. The
  credential's ``validFrom`` is neither: the issuer writes it, so whoever holds an old or stolen
  key can back-date it into the key's window, and even an honest issuer writes the
  certificate's date there (the start of a Beijing day, often days before or after signing),
  not the signing time. So when ``logged_at`` is known, the window is checked at ``logged_at``
  alone. A credential signed just before a rotation but logged after it is refused: issuers
  submit pending batches before rotating, and the registry, applying this same rule when a
  credential is submitted, refuses such a credential rather than logging one no verifier takes.
- Without log evidence, ``signed_at`` (the credential's ``validFrom``) is the only time there
  is, so the window is checked at it; the answer rests on the issuer's word, and the report is
  ``cannot_tell`` anyway for want of log evidence. A certificate dated before its key's window
  (back-dated, or dated the day of a mid-day rotation, since ``validFrom`` is the start of that
  day) reads ``key.not_yet_valid`` until its log evidence is supplied.
- A compromised key's signatures are acceptable only if logged strictly before
  ``compromised_at``; a signature logged at that very instant is refused, since the thief may
  have had the key by then. Without log evidence nothing can show a compromised key's signature
  is old (``validFrom`` is whatever the thief wrote), so the answer is
  ``key.compromised_no_log_evidence``, which a report shows as "cannot tell", not "invalid":
  the credential may be genuine and its evidence merely missing. Compromise is judged before
  the window, because it is the fact that matters to the reader.

Times are whole milliseconds, the log's resolution, so a record survives the trust bundle's
JSON unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Literal

from schemas.errors import (
    GovernanceError,
    InvalidKeyLifecycle,
    KeyNotFound,
    MalformedDocument,
    MalformedKeyRecord,
)
from schemas.instants import format_instant_ms, parse_instant_ms
from schemas.jwk import ed25519_public_jwk, jwk_thumbprint, parse_ed25519_public_jwk, split_kid
from schemas.strict_json import require_members

__all__ = [
    "KEY_COMPROMISED",
    "KEY_COMPROMISED_NO_LOG_EVIDENCE",
    "KEY_EXPIRED",
    "KEY_NOT_YET_VALID",
    "KEY_OK",
    "KEY_UNKNOWN",
    "KeyCode",
    "KeyDecision",
    "KeyRecord",
    "compromise",
    "key_decision",
    "key_history",
    "parse_key_record",
    "rotate",
]

KeyCode = Literal[
    "key.ok",
    "key.unknown",
    "key.not_yet_valid",
    "key.expired",
    "key.compromised",
    "key.compromised_no_log_evidence",
]
KEY_OK: Final = "key.ok"
KEY_UNKNOWN: Final = "key.unknown"
KEY_NOT_YET_VALID: Final = "key.not_yet_valid"
KEY_EXPIRED: Final = "key.expired"
KEY_COMPROMISED: Final = "key.compromised"
KEY_COMPROMISED_NO_LOG_EVIDENCE: Final = "key.compromised_no_log_evidence"

_RECORD_MEMBERS = frozenset({"kid", "jwk", "valid_from", "valid_until", "compromised_at"})
_RECORD_REQUIRED = frozenset({"kid", "jwk", "valid_from"})


def _require_aware(value: object, where: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise GovernanceError("expected a datetime with a time zone", where)
    return value


def _check_record_time(value: object, where: str) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise MalformedKeyRecord("expected a datetime with a time zone", where)
    if value.microsecond % 1000:
        raise MalformedKeyRecord(f"{value.isoformat()} is finer than the log's milliseconds", where)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One issuer key: its ``kid`` (``<issuer id>#<RFC 7638 thumbprint>``), public JWK, the
    window in which it may make new signatures, and when it was compromised, if it was.

    ``jwk`` is kept as its RFC 8037 members only (``kty``, ``crv``, ``x``); ``kid`` must be the
    thumbprint of that key, so a record cannot point one key's name at another key. Raises
    ``MalformedKeyRecord`` naming the field.
    """

    kid: str
    jwk: dict[str, str] = field(hash=False)
    valid_from: datetime
    valid_until: datetime | None = None
    compromised_at: datetime | None = None

    def __post_init__(self) -> None:
        try:
            _, thumbprint = split_kid(self.kid)
            public_jwk = ed25519_public_jwk(parse_ed25519_public_jwk(self.jwk))
        except MalformedDocument as exc:
            raise MalformedKeyRecord(exc.message, exc.where) from exc
        if thumbprint != jwk_thumbprint(public_jwk):
            raise MalformedKeyRecord(
                f"kid {self.kid!r} does not end in the thumbprint of its jwk", "kid"
            )
        object.__setattr__(self, "jwk", public_jwk)
        _check_record_time(self.valid_from, "valid_from")
        if self.valid_until is not None:
            _check_record_time(self.valid_until, "valid_until")
            if self.valid_until <= self.valid_from:
                raise MalformedKeyRecord(
                    f"window closes at {self.valid_until.isoformat()}, not after it opens at "
                    f"{self.valid_from.isoformat()}",
                    "valid_until",
                )
        if self.compromised_at is not None:
            _check_record_time(self.compromised_at, "compromised_at")

    @property
    def issuer_id(self) -> str:
        return split_kid(self.kid)[0]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON; times as ``YYYY-MM-DDTHH:MM:SS.sssZ``, absent (not null) when unset."""
        document: dict[str, Any] = {
            "kid": self.kid,
            "jwk": dict(self.jwk),
            "valid_from": format_instant_ms(self.valid_from),
        }
        if self.valid_until is not None:
            document["valid_until"] = format_instant_ms(self.valid_until)
        if self.compromised_at is not None:
            document["compromised_at"] = format_instant_ms(self.compromised_at)
        return document


def parse_key_record(document: Any, where: str = "key") -> KeyRecord:
    """Read ``KeyRecord.to_json`` output back, strictly (no unknown members, no nulls, one time
    format); raises ``MalformedKeyRecord`` naming the member."""
    document = require_members(
        document,
        allowed=_RECORD_MEMBERS,
        required=_RECORD_REQUIRED,
        error=MalformedKeyRecord,
        where=where,
        what="a key record",
    )
    kid, jwk = document["kid"], document["jwk"]
    if not isinstance(kid, str):
        raise MalformedKeyRecord("expected a string", f"{where}.kid")
    if not isinstance(jwk, Mapping) or not all(isinstance(v, str) for v in jwk.values()):
        raise MalformedKeyRecord("expected a JWK object of strings", f"{where}.jwk")
    optional = {
        name: parse_instant_ms(document[name], f"{where}.{name}", error=MalformedKeyRecord)
        if name in document
        else None
        for name in ("valid_until", "compromised_at")
    }
    valid_from = parse_instant_ms(
        document["valid_from"], f"{where}.valid_from", error=MalformedKeyRecord
    )
    try:
        return KeyRecord(
            kid, dict(jwk), valid_from, optional["valid_until"], optional["compromised_at"]
        )
    except MalformedKeyRecord as exc:
        raise MalformedKeyRecord(exc.message, f"{where}.{exc.where}") from None


@dataclass(frozen=True, slots=True)
class KeyDecision:
    """Whether a signature by a key is acceptable at the time it is judged at, with a ``code``.

    ``ok`` is ``True`` for ``key.ok``, ``None`` for ``key.compromised_no_log_evidence`` (log
    evidence could still settle it), ``False`` otherwise: the values of a report check's
    ``ok``. ``at`` is the time the window was checked at (``logged_at`` when given), ``None``
    when the decision came before any window check.
    """

    code: KeyCode
    message: str
    record: KeyRecord | None = None
    at: datetime | None = None

    @property
    def ok(self) -> bool | None:
        if self.code == KEY_COMPROMISED_NO_LOG_EVIDENCE:
            return None
        return self.code == KEY_OK


def key_decision(
    record: KeyRecord | None, *, signed_at: datetime, logged_at: datetime | None
) -> KeyDecision:
    """Decide whether a credential signed with ``record``'s key is acceptable.

    ``record`` is ``None`` when the credential's ``kid`` is not among the issuer's keys
    (``key.unknown``). ``signed_at`` is the credential's ``validFrom``; ``logged_at`` the
    sequencer timestamp of its issuance entry, proven by the caller, or ``None`` without log
    evidence. The module docstring says why ``logged_at``, when known, decides alone.
    Boundaries: the window is ``[valid_from, valid_until)``, and a signature logged exactly at
    ``compromised_at`` is refused. Raises ``GovernanceError`` for a naive datetime.
    """
    _require_aware(signed_at, "signed_at")
    if logged_at is not None:
        _require_aware(logged_at, "logged_at")
    if record is None:
        return KeyDecision(KEY_UNKNOWN, "the key is not among the issuer's keys")
    if record.compromised_at is not None:
        compromised = record.compromised_at.isoformat()
        if logged_at is None:
            return KeyDecision(
                KEY_COMPROMISED_NO_LOG_EVIDENCE,
                f"{record.kid} was compromised at {compromised}; without log evidence nothing "
                "shows this signature was made before then",
                record,
            )
        if logged_at >= record.compromised_at:
            return KeyDecision(
                KEY_COMPROMISED,
                f"{record.kid} was compromised at {compromised} and this credential was logged "
                f"at {logged_at.isoformat()}, not before",
                record,
            )
    at, basis = (logged_at, "logged") if logged_at is not None else (signed_at, "dated")
    if at < record.valid_from:
        return KeyDecision(
            KEY_NOT_YET_VALID,
            f"credential {basis} at {at.isoformat()}, before {record.kid} became valid at "
            f"{record.valid_from.isoformat()}",
            record,
            at,
        )
    if record.valid_until is not None and at >= record.valid_until:
        return KeyDecision(
            KEY_EXPIRED,
            f"credential {basis} at {at.isoformat()}, when {record.kid} had stopped signing "
            f"(at {record.valid_until.isoformat()})",
            record,
            at,
        )
    return KeyDecision(
        KEY_OK, f"credential {basis} at {at.isoformat()}, within {record.kid}'s window", record, at
    )


def key_history(records: Iterable[KeyRecord]) -> tuple[KeyRecord, ...]:
    """One issuer's keys in order of ``valid_from``, refused (``InvalidKeyLifecycle``) unless
    they can all hold at once: one issuer, no ``kid`` twice, and windows that do not overlap.

    No overlap, not even for a rollover: windows bound when a key may sign, not when its
    signatures may be checked (they are checked at their log time for ever after), so an old key
    has no need to stay valid once the new one is, and every extra instant it does is one in
    which a stolen but unreported old key still signs. Gaps are allowed: an issuer whose key was
    compromised may go without one until it has a new key.
    """
    ordered = sorted(records, key=lambda record: record.valid_from)
    issuers = sorted({record.issuer_id for record in ordered})
    if len(issuers) > 1:
        raise InvalidKeyLifecycle(f"keys of several issuers: {', '.join(issuers)}", "kid")
    seen: set[str] = set()
    for i, record in enumerate(ordered):
        if record.kid in seen:
            raise InvalidKeyLifecycle(f"{record.kid} appears twice", "kid")
        seen.add(record.kid)
        if i == 0:
            continue
        before = ordered[i - 1]
        if before.valid_until is None or before.valid_until > record.valid_from:
            raise InvalidKeyLifecycle(
                f"{before.kid} is still valid when {record.kid} becomes valid at "
                f"{record.valid_from.isoformat()}; an issuer's key windows may not overlap",
                "valid_from",
            )
    return tuple(ordered)


def rotate(
    records: Iterable[KeyRecord], new_record: KeyRecord, at: datetime
) -> tuple[KeyRecord, ...]:
    """The keys after rotating to ``new_record`` at ``at``: the open window closes at ``at``,
    the instant ``new_record``'s opens (so ``new_record.valid_from`` must be ``at``).

    The new key must be fresh: no ``valid_until``, not compromised, a ``kid`` not used before
    (a retired key never comes back). Raises ``InvalidKeyLifecycle``, and ``GovernanceError``
    for a naive ``at``.
    """
    _require_aware(at, "at")
    history = key_history(records)
    if new_record.valid_from != at:
        raise InvalidKeyLifecycle(
            f"the new key becomes valid at {new_record.valid_from.isoformat()}, not at the "
            f"rotation time {at.isoformat()}",
            "valid_from",
        )
    if new_record.valid_until is not None or new_record.compromised_at is not None:
        raise InvalidKeyLifecycle(
            "the new key must have an open window and not be compromised", "new_record"
        )
    current = next((record for record in history if record.valid_until is None), None)
    if current is not None and at <= current.valid_from:
        raise InvalidKeyLifecycle(
            f"rotation at {at.isoformat()} is not after {current.kid} became valid at "
            f"{current.valid_from.isoformat()}",
            "at",
        )
    closed = [
        replace(record, valid_until=at) if record is current else record for record in history
    ]
    return key_history([*closed, new_record])


def compromise(records: Iterable[KeyRecord], kid: str, at: datetime) -> tuple[KeyRecord, ...]:
    """The keys after reporting ``kid`` compromised from ``at``.

    ``at`` may be any time, before the window opened (a key leaked before it was registered)
    or after it closed (a retired key stolen later: its credentials logged before ``at`` stay
    good). A key already compromised may be reported again only with the same or an earlier
    time, since moving it later would make good again what was refused. Compromise does not
    close the window; the issuer rotates to a new key. Raises ``KeyNotFound``,
    ``InvalidKeyLifecycle``, ``MalformedKeyRecord`` for an ``at`` finer than milliseconds and
    ``GovernanceError`` for a naive one.
    """
    _require_aware(at, "at")
    history = key_history(records)
    target = next((record for record in history if record.kid == kid), None)
    if target is None:
        raise KeyNotFound(kid)
    if target.compromised_at is not None and at > target.compromised_at:
        raise InvalidKeyLifecycle(
            f"{kid} is already compromised since {target.compromised_at.isoformat()}; a "
            "compromise time can only move earlier",
            "at",
        )
    return tuple(
        replace(record, compromised_at=at) if record is target else record for record in history
    )
