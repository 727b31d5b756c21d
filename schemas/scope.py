"""Accreditation scopes and issuer status: what an issuing body may certify, and when it may not.

An authority accredits an issuing body for occupations at levels of one framework over a period
(DESIGN §4; ``skillcert issuer scope``). ``check_scope`` says whether a credential falls inside
one of an issuer's scopes and, when it does not, which near miss to report. It returns a
decision instead of raising because "not accredited for that" is an answer a verification
report carries, not a defect in its input; malformed input still raises.

Decided here (docs/governance.md has the reasons at length):

- A pattern is an exact code (``6-31-01-03``) or a whole group (``6-*``, ``6-31-*``,
  ``6-31-01-*``): the star stands for whole groups of the classification, never for part of
  one, so every pattern names one node of the classification tree. A bare ``*`` is refused: no
  authority accredits a body for every occupation, and a stray ``*`` on a command line must not
  quietly become such an accreditation.
- A period is Beijing calendar days, inclusive at both ends: ``valid_until`` is the last day
  covered, as ``--until`` reads and as a certificate's ``validUntil`` day is. ``None`` leaves
  the period open.
- Issuer status (suspended, withdrawn) is kept apart from scopes: a scope says what the body was
  accredited for, the status says whether the authority has stopped it, and each has its own
  time. Before any change an issuer is ``active``, because whether it was accredited at all is
  the scopes' question; a change takes effect at its instant; withdrawal is final.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from schemas.credential import parse_calendar_date
from schemas.errors import (
    GovernanceError,
    InvalidDate,
    InvalidStatusHistory,
    MalformedScope,
    UnknownFramework,
    UnknownLevel,
)
from schemas.frameworks import Framework, FrameworkResolver, builtin_framework
from schemas.occupations import validate_occupation_code
from schemas.strict_json import require_members

__all__ = [
    "ACTIVE",
    "ISSUER_STATUSES",
    "SCOPE_LEVEL_NOT_ACCREDITED",
    "SCOPE_OCCUPATION_NOT_ACCREDITED",
    "SCOPE_OK",
    "SCOPE_OUTSIDE_PERIOD",
    "SUSPENDED",
    "WITHDRAWN",
    "IssuerStatus",
    "IssuerStatusChange",
    "OccupationPattern",
    "Scope",
    "ScopeCode",
    "ScopeDecision",
    "check_scope",
    "days_outside_period",
    "make_scope",
    "parse_scope",
    "status_at",
    "status_history",
]

ScopeCode = Literal[
    "scope.ok",
    "scope.occupation_not_accredited",
    "scope.level_not_accredited",
    "scope.outside_period",
]
SCOPE_OK: Final = "scope.ok"
SCOPE_OCCUPATION_NOT_ACCREDITED: Final = "scope.occupation_not_accredited"
SCOPE_LEVEL_NOT_ACCREDITED: Final = "scope.level_not_accredited"
SCOPE_OUTSIDE_PERIOD: Final = "scope.outside_period"

IssuerStatus = Literal["active", "suspended", "withdrawn"]
ACTIVE: Final = "active"
SUSPENDED: Final = "suspended"
WITHDRAWN: Final = "withdrawn"
ISSUER_STATUSES: Final = frozenset({ACTIVE, SUSPENDED, WITHDRAWN})

# The major group is one digit 1..8 (as in ``validate_occupation_code``); middle group, minor
# group and occupation are two ASCII digits each (``\d`` would admit other scripts' digits).
_MAJOR_GROUP = re.compile("[1-8]")
_GROUP = re.compile("[0-9]{2}")
_CODE_GROUPS = 4
_SCOPE_MEMBERS = frozenset({"occupations", "framework", "levels", "valid_from", "valid_until"})
_SCOPE_REQUIRED = _SCOPE_MEMBERS - {"valid_until"}


def _require_day(value: object, where: str) -> date:
    # ``datetime`` is a ``date``; letting one through would compare a day with an instant.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise GovernanceError("expected a calendar date, not a datetime", where)
    return value


@dataclass(frozen=True, slots=True)
class OccupationPattern:
    """An exact occupation code (four groups) or a whole group of them (one to three groups).

    ``groups`` are the code's dash-separated parts; ``specificity`` is how many there are, so a
    larger number names a smaller set of occupations and wins when several patterns match.
    """

    groups: tuple[str, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.groups) <= _CODE_GROUPS or not all(
            isinstance(group, str) and (_GROUP if depth else _MAJOR_GROUP).fullmatch(group)
            for depth, group in enumerate(self.groups)
        ):
            raise MalformedScope(
                f"{self.groups!r} are not the groups of an occupation code D-DD-DD-DD",
                "occupation",
            )

    @classmethod
    def parse(cls, text: object, where: str = "occupation") -> OccupationPattern:
        """``D-DD-DD-DD``, or ``D-*``, ``D-DD-*``, ``D-DD-DD-*``; raises ``MalformedScope``."""
        if not isinstance(text, str):
            raise MalformedScope("an occupation pattern is a string", where)
        parts = text.split("-")
        group = parts[-1] == "*"
        groups = tuple(parts[:-1] if group else parts)
        if group != (len(groups) < _CODE_GROUPS) or not groups:
            raise MalformedScope(
                f"{text!r} is neither an occupation code D-DD-DD-DD nor a group D-*, D-DD-* or "
                "D-DD-DD-* (a star stands for whole groups only, and a bare * is not allowed)",
                where,
            )
        try:
            return cls(groups)
        except MalformedScope:
            raise MalformedScope(
                f"{text!r} is not an occupation pattern: the major group is 1..8 and every other "
                "group two ASCII digits",
                where,
            ) from None

    @property
    def is_group(self) -> bool:
        return len(self.groups) < _CODE_GROUPS

    @property
    def specificity(self) -> int:
        return len(self.groups)

    def matches(self, code: str) -> bool:
        """Whether ``code`` is this occupation or in this group; raises
        ``InvalidOccupationCode`` for a code not of the form D-DD-DD-DD, since no pattern can
        say anything about it."""
        validate_occupation_code(code)
        return tuple(code.split("-")[: len(self.groups)]) == self.groups

    def __str__(self) -> str:
        text = "-".join(self.groups)
        return f"{text}-*" if self.is_group else text


def days_outside_period(on: date, first: date, last: date | None) -> int:
    """0 when ``on`` is in ``[first, last]``, else how many days it lies before or after.

    Both ends are inclusive Beijing days and ``None`` leaves the period open, for scopes and for
    recognition mappings alike, so one function says what such a period covers.
    """
    if on < first:
        return (first - on).days
    if last is not None and on > last:
        return (on - last).days
    return 0


def _period_text(valid_from: date, valid_until: date | None) -> str:
    if valid_until is None:
        return f"from {valid_from.isoformat()} (open-ended)"
    return f"from {valid_from.isoformat()} to {valid_until.isoformat()} inclusive"


@dataclass(frozen=True, slots=True)
class Scope:
    """Occupations × levels of one framework × a period of Beijing days, inclusive both ends.

    Construction checks the shape (patterns, no repeats, a period that is not backwards) and
    raises ``MalformedScope`` naming the field; ``make_scope`` and ``parse_scope`` also check
    the levels against the framework, which needs the framework data.
    """

    occupations: tuple[OccupationPattern, ...]
    framework: str
    levels: frozenset[str]
    valid_from: date
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not self.occupations or not all(
            isinstance(pattern, OccupationPattern) for pattern in self.occupations
        ):
            raise MalformedScope("needs at least one occupation pattern", "occupations")
        if len(set(self.occupations)) != len(self.occupations):
            repeated = sorted({str(p) for p in self.occupations if self.occupations.count(p) > 1})
            raise MalformedScope(f"repeats {', '.join(repeated)}", "occupations")
        if not isinstance(self.framework, str) or not self.framework:
            raise MalformedScope("needs a framework id", "framework")
        if (
            not isinstance(self.levels, frozenset)
            or not self.levels
            or not all(isinstance(code, str) and code for code in self.levels)
        ):
            raise MalformedScope("needs a non-empty set of level codes", "levels")
        if not isinstance(self.valid_from, date) or isinstance(self.valid_from, datetime):
            raise MalformedScope("expected a calendar date", "valid_from")
        if self.valid_until is not None:
            if not isinstance(self.valid_until, date) or isinstance(self.valid_until, datetime):
                raise MalformedScope("expected a calendar date", "valid_until")
            if self.valid_until < self.valid_from:
                raise MalformedScope(
                    f"ends on {self.valid_until.isoformat()}, before it starts on "
                    f"{self.valid_from.isoformat()}",
                    "valid_until",
                )

    @property
    def period(self) -> str:
        return _period_text(self.valid_from, self.valid_until)

    def pattern_for(self, code: str) -> OccupationPattern | None:
        """The most specific of this scope's patterns that matches ``code``, if any."""
        matching = [pattern for pattern in self.occupations if pattern.matches(code)]
        return max(matching, key=lambda pattern: pattern.specificity, default=None)

    def days_outside(self, on: date) -> int:
        """0 inside the period, else how many days ``on`` lies before or after it."""
        return days_outside_period(on, self.valid_from, self.valid_until)

    def to_json(self) -> dict[str, Any]:
        """The scope as plain JSON; ``valid_until`` is absent, not null, when open-ended, and
        levels are sorted, so equal scopes serialise to equal canonical bytes."""
        document: dict[str, Any] = {
            "occupations": [str(pattern) for pattern in self.occupations],
            "framework": self.framework,
            "levels": sorted(self.levels),
            "valid_from": self.valid_from.isoformat(),
        }
        if self.valid_until is not None:
            document["valid_until"] = self.valid_until.isoformat()
        return document


def _framework(framework_id: str, frameworks: FrameworkResolver, where: str) -> Framework:
    try:
        return frameworks(framework_id)
    except UnknownFramework as exc:
        raise MalformedScope(exc.message, where) from exc


def make_scope(
    occupations: Iterable[str | OccupationPattern],
    framework: str,
    levels: Iterable[str],
    valid_from: date,
    valid_until: date | None = None,
    *,
    frameworks: FrameworkResolver = builtin_framework,
    where: str = "scope",
) -> Scope:
    """A ``Scope`` whose level codes are checked against ``framework``.

    ``frameworks`` resolves framework ids to the frameworks in force: the ones shipped in
    ``schemas/data/frameworks`` by default, a trust bundle's when reading one. Raises
    ``MalformedScope`` with ``where`` naming the member (``scope.levels[1]``), for a level as for
    anything else, because a scope naming a level its framework lacks is a bad scope, whatever
    the level.
    """
    patterns = tuple(
        item
        if isinstance(item, OccupationPattern)
        else OccupationPattern.parse(item, f"{where}.occupations[{i}]")
        for i, item in enumerate(occupations)
    )
    level_codes = list(levels)
    if isinstance(framework, str) and framework:
        table = _framework(framework, frameworks, f"{where}.framework")
        for i, code in enumerate(level_codes):
            try:
                table.level(code)
            except UnknownLevel as exc:
                raise MalformedScope(exc.message, f"{where}.levels[{i}]") from exc
    if len(set(level_codes)) != len(level_codes):
        raise MalformedScope("repeats a level code", f"{where}.levels")
    try:
        return Scope(patterns, framework, frozenset(level_codes), valid_from, valid_until)
    except MalformedScope as exc:
        raise MalformedScope(exc.message, f"{where}.{exc.where}") from None


def _scope_day(document: Mapping[str, Any], name: str, where: str) -> date:
    text = document[name]
    if not isinstance(text, str):
        raise MalformedScope("expected a date YYYY-MM-DD", f"{where}.{name}")
    try:
        return parse_calendar_date(text)
    except InvalidDate as exc:
        raise MalformedScope(exc.message, f"{where}.{name}") from exc


def parse_scope(
    document: Any, *, frameworks: FrameworkResolver = builtin_framework, where: str = "scope"
) -> Scope:
    """Read ``Scope.to_json`` output back, strictly: no unknown members, no null
    ``valid_until``, no repeated levels; raises ``MalformedScope`` naming the member."""
    document = require_members(
        document,
        allowed=_SCOPE_MEMBERS,
        required=_SCOPE_REQUIRED,
        error=MalformedScope,
        where=where,
        what="a scope",
    )
    occupations, framework, levels = (
        document["occupations"],
        document["framework"],
        document["levels"],
    )
    if not isinstance(occupations, list):
        raise MalformedScope("expected a list of occupation patterns", f"{where}.occupations")
    if not isinstance(framework, str):
        raise MalformedScope("expected a framework id", f"{where}.framework")
    if not isinstance(levels, list) or not all(isinstance(code, str) for code in levels):
        raise MalformedScope("expected a list of level codes", f"{where}.levels")
    valid_until = _scope_day(document, "valid_until", where) if "valid_until" in document else None
    return make_scope(
        occupations,
        framework,
        levels,
        _scope_day(document, "valid_from", where),
        valid_until,
        frameworks=frameworks,
        where=where,
    )


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """Whether a credential is inside an issuer's scopes, with a stable ``code``.

    ``scope`` is the scope the decision is about: the one that covers the credential, or the
    nearest miss (for ``scope.outside_period``, the scope whose period was missed; for
    ``scope.level_not_accredited``, one covering the occupation); ``None`` when no scope covers
    the occupation. ``pattern`` is that scope's pattern matching the occupation.
    """

    code: ScopeCode
    message: str
    scope: Scope | None = None
    pattern: OccupationPattern | None = None

    @property
    def ok(self) -> bool:
        return self.code == SCOPE_OK


def check_scope(
    scopes: Iterable[Scope], *, occupation_code: str, framework: str, level: str, on: date
) -> ScopeDecision:
    """Decide whether an issuer with ``scopes`` may certify ``occupation_code`` at ``framework``
    level ``level`` on the Beijing day ``on``.

    When no scope covers all three, the reason reported is the one from the scope that comes
    closest, judged occupation first, then level, then period: a scope with the right occupation
    and level but the wrong dates gives ``scope.outside_period`` naming its period, since that
    tells the reader the accreditation exists and when it held. Among equally close scopes the
    nearest period wins, then the most specific pattern, then the latest start, then input
    order; so a covering scope with an exact code is named before a group that also covers it.

    ``on`` should be the day of the trustworthy time, the log's (``date_from_instant`` of the
    sequencer timestamp) when there is log evidence, the credential's issue date otherwise: see
    docs/governance.md. Raises ``InvalidOccupationCode`` for a malformed code and
    ``GovernanceError`` for a ``datetime`` given as ``on``.
    """
    validate_occupation_code(occupation_code)
    _require_day(on, "on")
    best: tuple[tuple[bool, bool, int, int, date], Scope, OccupationPattern] | None = None
    for scope in scopes:
        pattern = scope.pattern_for(occupation_code)
        if pattern is None:
            continue
        distance = scope.days_outside(on)
        rank = (
            scope.framework == framework and level in scope.levels,
            distance == 0,
            -distance,
            pattern.specificity,
            scope.valid_from,
        )
        if best is None or rank > best[0]:
            best = (rank, scope, pattern)
    asked = f"{occupation_code} at {framework} level {level}"
    if best is None:
        return ScopeDecision(
            SCOPE_OCCUPATION_NOT_ACCREDITED, f"no accreditation scope covers {occupation_code}"
        )
    (level_ok, in_period, *_), scope, pattern = best
    accredited = f"{scope.framework} levels {', '.join(sorted(scope.levels))}"
    if not level_ok:
        return ScopeDecision(
            SCOPE_LEVEL_NOT_ACCREDITED,
            f"{asked} is not accredited: {pattern} is accredited for {accredited} {scope.period}",
            scope,
            pattern,
        )
    if not in_period:
        return ScopeDecision(
            SCOPE_OUTSIDE_PERIOD,
            f"{asked} on {on.isoformat()} is outside the accreditation period: {pattern} at "
            f"{accredited} is accredited {scope.period}",
            scope,
            pattern,
        )
    return ScopeDecision(
        SCOPE_OK,
        f"{asked} on {on.isoformat()} is within {pattern} at {accredited} {scope.period}",
        scope,
        pattern,
    )


@dataclass(frozen=True, slots=True)
class IssuerStatusChange:
    """The authority suspending, reinstating (``active``) or withdrawing an issuer from ``at``."""

    status: IssuerStatus
    at: datetime
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.status, str) or self.status not in ISSUER_STATUSES:
            known = ", ".join(sorted(ISSUER_STATUSES))
            raise InvalidStatusHistory(f"{self.status!r} is not one of {known}", "status")
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise InvalidStatusHistory("expected a datetime with a time zone", "at")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InvalidStatusHistory("a status change needs a reason", "reason")


def status_history(changes: Iterable[IssuerStatusChange]) -> tuple[IssuerStatusChange, ...]:
    """``changes`` in time order, refused (``InvalidStatusHistory``) if they cannot have
    happened: two at the same instant (their order, and so the outcome, would be a guess), a
    change to the status already in force (a retried or misread command; the first change
    cannot be ``active``, which is where every issuer starts), or anything after a withdrawal.

    The registry calls this with a proposed change appended before logging it.
    """
    ordered = sorted(changes, key=lambda change: change.at)
    current: IssuerStatus = ACTIVE
    for i, change in enumerate(ordered):
        where = f"changes[{i}]"
        if i and change.at == ordered[i - 1].at:
            raise InvalidStatusHistory(f"two status changes at {change.at.isoformat()}", where)
        if current == WITHDRAWN:
            raise InvalidStatusHistory(
                f"{change.status} at {change.at.isoformat()} follows a withdrawal, which is final",
                where,
            )
        if change.status == current:
            raise InvalidStatusHistory(
                f"{change.status} at {change.at.isoformat()} does not change the status", where
            )
        current = change.status
    return tuple(ordered)


def status_at(changes: Iterable[IssuerStatusChange], when: datetime) -> IssuerStatus:
    """The issuer's status at ``when``: that of the last change at or before it, ``active``
    before any. A change at exactly ``when`` is in force, as a key compromise is at its instant.

    Raises ``InvalidStatusHistory`` as ``status_history`` does and ``GovernanceError`` for a
    naive ``when``.
    """
    if not isinstance(when, datetime) or when.utcoffset() is None:
        raise GovernanceError("expected a datetime with a time zone", "when")
    status: IssuerStatus = ACTIVE
    for change in status_history(changes):
        if change.at > when:
            break
        status = change.status
    return status
