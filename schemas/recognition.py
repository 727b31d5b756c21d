"""Recognition mappings between level frameworks, and the query that reads them.

No official table maps Mainland skill levels to HKQF levels or to Macao's standards, so a
mapping is never code: it is a signed, versioned decision by a named body (DESIGN §4), and an
answer must say which decision, which version and which period it rests on, so that anyone can
check it and so that an answer given today can be given again for the same date later.

Semantics (docs/recognition.md):

- a mapping is in effect on the days ``effective_from <= on <= effective_until``: both ends
  are Beijing calendar days and ``effective_until`` is the last day covered, as a certificate's
  ``validUntil`` day and an accreditation scope's ``valid_until`` are (``None``: no end);
- for each mapping id, the highest version in effect on ``on`` is the one read; a version that
  takes effect later is not in effect earlier, so it cannot change an earlier day's answer;
- within a mapping, the most specific applicable rule wins: an exact occupation, then the
  longest occupation group, then a rule for every occupation;
- when several mapping ids answer for one day, official mappings come before illustrative
  ones, then the latest ``effective_from``, then the smallest id; the others are listed.

Mapping documents are built with ``parse_mapping``, the one constructor that checks them; the
dataclasses are plain values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from importlib import resources
from typing import Any, Literal

from schemas.credential import parse_calendar_date
from schemas.errors import (
    DuplicateMappingRule,
    InconsistentMappings,
    InvalidDate,
    MalformedMapping,
    MalformedScope,
    RecognitionError,
    UnknownFramework,
    UnknownLevel,
    UnknownMappingFramework,
    UnknownMappingLevel,
)
from schemas.frameworks import LANGUAGES, Framework, Level, builtin_framework
from schemas.occupations import validate_occupation_code
from schemas.scope import OccupationPattern, days_outside_period
from schemas.strict_json import parse_strict_json, require_members

__all__ = [
    "NOT_APPLICABLE",
    "NOT_IN_EFFECT",
    "NO_COMPARABLE_LEVEL",
    "NO_MAPPING_FOR_FRAMEWORKS",
    "NO_RULE_FOR_LEVEL",
    "RECOGNIZED",
    "DecidingBody",
    "MappingRule",
    "OtherAnswer",
    "Outcome",
    "Reason",
    "RecognitionAnswer",
    "RecognitionMapping",
    "builtin_mappings",
    "parse_mapping",
    "recognize",
]

Outcome = Literal["recognized", "no_comparable_level", "not_applicable"]
Reason = Literal["no_mapping_for_frameworks", "not_in_effect", "no_rule_for_level"]
RECOGNIZED: Outcome = "recognized"
NO_COMPARABLE_LEVEL: Outcome = "no_comparable_level"
NOT_APPLICABLE: Outcome = "not_applicable"
NO_MAPPING_FOR_FRAMEWORKS: Reason = "no_mapping_for_frameworks"
NOT_IN_EFFECT: Reason = "not_in_effect"
NO_RULE_FOR_LEVEL: Reason = "no_rule_for_level"

_MEMBERS = (
    "id",
    "version",
    "source_framework",
    "target_framework",
    "decided_by",
    "effective_from",
    "effective_until",
    "illustrative",
    "notes",
    "rules",
)
_BODY_MEMBERS = ("id", "name")
_RULE_MEMBERS = ("source_level", "occupation", "target_level")
# An absolute URI without a fragment, as issuer ids are (docs/decisions.md): printable ASCII.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[!-\x22\x24-\x7e]+")
_MAX_ID = 256
# parse_calendar_date alone lets ISO week dates (2024-W01-1) through date.fromisoformat.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_MAPPING_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class DecidingBody:
    id: str
    name: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": dict(self.name)}


@dataclass(frozen=True, slots=True)
class MappingRule:
    """``source_level`` (for ``occupation``: ``None`` for every occupation, else a code such as
    ``6-31-01-03`` or a group such as ``6-31-*``) corresponds to ``target_level``; ``None`` there
    is the decision that no level is comparable, which is not the same as having no rule.

    Occupations are accreditation scopes' ``OccupationPattern``, so a mapping rule and a scope
    read ``6-31-*`` the same way."""

    source_level: str
    occupation: OccupationPattern | None
    target_level: str | None

    @property
    def specificity(self) -> int:
        """The pattern's, 1..4; 0 for every occupation, so any pattern is preferred to none."""
        return 0 if self.occupation is None else self.occupation.specificity

    def applies_to(self, source_level: str, occupation_code: str | None) -> bool:
        if source_level != self.source_level:
            return False
        if self.occupation is None:
            return True
        return occupation_code is not None and self.occupation.matches(occupation_code)

    def to_json(self) -> dict[str, str | None]:
        return {
            "source_level": self.source_level,
            "occupation": None if self.occupation is None else str(self.occupation),
            "target_level": self.target_level,
        }


@dataclass(frozen=True, slots=True)
class RecognitionMapping:
    id: str
    version: int
    source_framework: str
    target_framework: str
    decided_by: DecidingBody
    effective_from: date
    effective_until: date | None
    illustrative: bool
    notes: dict[str, str]
    rules: tuple[MappingRule, ...]

    def in_effect(self, on: date) -> bool:
        """Whether ``on`` falls in ``[effective_from, effective_until]``."""
        return self.days_outside(on) == 0

    def days_outside(self, on: date) -> int:
        """0 in effect, else how many days ``on`` lies before or after the period."""
        return days_outside_period(on, self.effective_from, self.effective_until)

    def rule_for(self, source_level: str, occupation_code: str | None) -> MappingRule | None:
        """The most specific rule that applies; unique because ``parse_mapping`` refuses two
        rules with one key, and at most one pattern of each specificity matches a code."""
        return max(
            (rule for rule in self.rules if rule.applies_to(source_level, occupation_code)),
            key=lambda rule: rule.specificity,
            default=None,
        )

    def to_json(self) -> dict[str, Any]:
        """The document ``parse_mapping`` reads back to an equal mapping; members in one fixed
        form (``effective_until`` and a rule's ``occupation`` and ``target_level`` written as
        ``null`` rather than left out) so a mapping has one canonical JSON (RFC 8785)."""
        return {
            "id": self.id,
            "version": self.version,
            "source_framework": self.source_framework,
            "target_framework": self.target_framework,
            "decided_by": self.decided_by.to_json(),
            "effective_from": self.effective_from.isoformat(),
            "effective_until": _iso(self.effective_until),
            "illustrative": self.illustrative,
            "notes": dict(self.notes),
            "rules": [rule.to_json() for rule in self.rules],
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _texts(value: Any, where: str) -> dict[str, str]:
    """Exactly one non-empty text per language, so no reader is left without one."""
    texts = require_members(
        value, allowed=LANGUAGES, error=MalformedMapping, where=where, what="a multilingual text"
    )
    for lang in LANGUAGES:
        if not isinstance(texts[lang], str) or not texts[lang].strip():
            raise MalformedMapping("expected non-empty text", f"{where}.{lang}")
    return {lang: texts[lang] for lang in LANGUAGES}


def _uri(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > _MAX_ID or not _URI.fullmatch(value):
        raise MalformedMapping(
            f"expected an absolute URI without a fragment, at most {_MAX_ID} characters", where
        )
    return value


def _day(value: Any, where: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise MalformedMapping("expected a date YYYY-MM-DD", where)
    try:
        return parse_calendar_date(value)
    except InvalidDate as exc:
        raise MalformedMapping(exc.message, where) from exc


def _framework(value: Any, where: str, frameworks: Callable[[str], Framework]) -> Framework:
    if not isinstance(value, str) or not value:
        raise MalformedMapping("expected a framework id", where)
    try:
        return frameworks(value)
    except UnknownFramework as exc:
        raise UnknownMappingFramework(exc.message, where) from exc


def _level(framework: Framework, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedMapping("expected a level code", where)
    try:
        return framework.level(value).code
    except UnknownLevel as exc:
        raise UnknownMappingLevel(exc.message, where) from exc


def _occupation(value: Any, where: str) -> OccupationPattern | None:
    if value is None:
        return None
    try:
        return OccupationPattern.parse(value, where)
    except MalformedScope as exc:
        raise MalformedMapping(
            "expected null, an occupation code D-DD-DD-DD or a group D-*, D-DD-* or D-DD-DD-*",
            where,
        ) from exc


def _rules(value: Any, where: str, source: Framework, target: Framework) -> tuple[MappingRule, ...]:
    if not isinstance(value, list) or not value:
        raise MalformedMapping("expected a non-empty array of rules", where)
    rules: list[MappingRule] = []
    seen: dict[tuple[str, OccupationPattern | None], int] = {}
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        member = require_members(
            item, allowed=_RULE_MEMBERS, error=MalformedMapping, where=at, what="a rule"
        )
        target_level = member["target_level"]
        rule = MappingRule(
            source_level=_level(source, member["source_level"], f"{at}.source_level"),
            occupation=_occupation(member["occupation"], f"{at}.occupation"),
            target_level=None
            if target_level is None
            else _level(target, target_level, f"{at}.target_level"),
        )
        key = (rule.source_level, rule.occupation)
        if key in seen:
            raise DuplicateMappingRule(
                f"rules[{seen[key]}] has the same source level and occupation", at
            )
        seen[key] = i
        rules.append(rule)
    return tuple(rules)


def parse_mapping(
    document: Any,
    *,
    where: str = "mapping",
    frameworks: Callable[[str], Framework] = builtin_framework,
) -> RecognitionMapping:
    """Check a mapping document (already strict-JSON parsed) and build the mapping.

    Every member must be present and no other may be; levels must exist in the frameworks
    ``frameworks`` resolves (the shipped ones by default; a trust bundle may bring its own).
    Raises ``MalformedMapping`` or one of its subclasses (``UnknownMappingFramework``,
    ``UnknownMappingLevel``, ``DuplicateMappingRule``), with ``where`` naming the member.
    """
    member = require_members(
        document, allowed=_MEMBERS, error=MalformedMapping, where=where, what="a mapping"
    )
    version = member["version"]
    if type(version) is not int or version < 1:
        raise MalformedMapping("expected a positive integer", f"{where}.version")
    source = _framework(member["source_framework"], f"{where}.source_framework", frameworks)
    target = _framework(member["target_framework"], f"{where}.target_framework", frameworks)
    if source.id == target.id:
        raise MalformedMapping("maps a framework to itself", f"{where}.target_framework")
    body = require_members(
        member["decided_by"],
        allowed=_BODY_MEMBERS,
        error=MalformedMapping,
        where=f"{where}.decided_by",
        what="a deciding body",
    )
    effective_from = _day(member["effective_from"], f"{where}.effective_from")
    until = member["effective_until"]
    effective_until = None if until is None else _day(until, f"{where}.effective_until")
    if effective_until is not None and effective_until < effective_from:
        raise MalformedMapping(
            "must not be before effective_from (it is the last day in effect)",
            f"{where}.effective_until",
        )
    if not isinstance(member["illustrative"], bool):
        raise MalformedMapping("expected true or false", f"{where}.illustrative")
    return RecognitionMapping(
        id=_uri(member["id"], f"{where}.id"),
        version=version,
        source_framework=source.id,
        target_framework=target.id,
        decided_by=DecidingBody(
            id=_uri(body["id"], f"{where}.decided_by.id"),
            name=_texts(body["name"], f"{where}.decided_by.name"),
        ),
        effective_from=effective_from,
        effective_until=effective_until,
        illustrative=member["illustrative"],
        notes=_texts(member["notes"], f"{where}.notes"),
        rules=_rules(member["rules"], f"{where}.rules", source, target),
    )


def _consistent(mappings: Iterable[RecognitionMapping]) -> list[RecognitionMapping]:
    """The mappings without repeats; raises ``InconsistentMappings`` if two documents claim one
    id and version, or one id's versions map different frameworks (a new pair is a new id)."""
    by_version: dict[tuple[str, int], RecognitionMapping] = {}
    pairs: dict[str, tuple[str, str]] = {}
    for mapping in mappings:
        key = (mapping.id, mapping.version)
        known = by_version.setdefault(key, mapping)
        if known != mapping:
            raise InconsistentMappings(
                f"two different documents are version {mapping.version}", mapping.id
            )
        pair = (mapping.source_framework, mapping.target_framework)
        if pairs.setdefault(mapping.id, pair) != pair:
            raise InconsistentMappings(
                f"versions map {'→'.join(pairs[mapping.id])} and {'→'.join(pair)}", mapping.id
            )
    return list(by_version.values())


@cache
def builtin_mappings() -> tuple[RecognitionMapping, ...]:
    """The demo mappings in ``schemas/data/recognition``, all illustrative, in file name order."""
    folder = resources.files("schemas").joinpath("data", "recognition")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    mappings = tuple(
        parse_mapping(
            parse_strict_json(f.read_bytes(), limit=_MAX_MAPPING_BYTES, what=f.name), where=f.name
        )
        for f in files
    )
    _consistent(mappings)
    return mappings


@dataclass(frozen=True, slots=True)
class OtherAnswer:
    """A mapping in effect that also had a rule, but lost on precedence."""

    mapping: RecognitionMapping
    rule: MappingRule
    agrees: bool


@dataclass(frozen=True, slots=True)
class RecognitionAnswer:
    """What the mappings say about one level on one day.

    ``mapping`` and ``rule`` are what the answer rests on (for ``no_rule_for_level``, the
    preferred mapping in effect, which has no rule); ``nearest`` is set only for
    ``not_in_effect``; ``others`` lists the other mappings in effect that also answered.
    """

    outcome: Outcome
    reason: Reason | None
    source_framework: Framework
    source_level: Level
    occupation_code: str | None
    target_framework: Framework
    on: date
    mapping: RecognitionMapping | None = None
    rule: MappingRule | None = None
    nearest: RecognitionMapping | None = None
    others: tuple[OtherAnswer, ...] = ()

    @property
    def target_level(self) -> Level | None:
        if self.rule is None or self.rule.target_level is None:
            return None
        return self.target_framework.level(self.rule.target_level)

    @property
    def conflict(self) -> bool:
        """Whether another mapping in effect gives a different answer."""
        return any(not other.agrees for other in self.others)

    @property
    def message(self) -> dict[str, str]:
        """The answer and what it rests on, for people, in each of en, zh-Hans and zh-Hant."""
        return {lang: _say(self, lang) for lang in LANGUAGES}

    def to_json(self) -> dict[str, Any]:
        target_level = self.target_level
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "source": _level_json(self.source_level),
            "occupation": self.occupation_code,
            "target_framework": self.target_framework.id,
            "on": self.on.isoformat(),
            "target_level": None if target_level is None else _level_json(target_level),
            "mapping": None if self.mapping is None else _reference(self.mapping),
            "rule": None if self.rule is None else self.rule.to_json(),
            "nearest": None if self.nearest is None else _reference(self.nearest),
            "others": [
                {
                    "mapping": _reference(other.mapping),
                    "rule": other.rule.to_json(),
                    "agrees": other.agrees,
                }
                for other in self.others
            ],
            "conflict": self.conflict,
            "message": self.message,
        }


def _level_json(level: Level) -> dict[str, Any]:
    return {"framework": level.framework, "code": level.code, "name": dict(level.name)}


def _reference(mapping: RecognitionMapping) -> dict[str, Any]:
    return {
        "id": mapping.id,
        "version": mapping.version,
        "decided_by": mapping.decided_by.to_json(),
        "effective_from": mapping.effective_from.isoformat(),
        "effective_until": _iso(mapping.effective_until),
        "illustrative": mapping.illustrative,
    }


def _precedence(mapping: RecognitionMapping) -> tuple[bool, int, str]:
    return (mapping.illustrative, -mapping.effective_from.toordinal(), mapping.id)


def recognize(
    mappings: Iterable[RecognitionMapping],
    *,
    source_framework: str,
    source_level: str,
    occupation_code: str | None,
    target_framework: str,
    on: date,
    frameworks: Callable[[str], Framework] = builtin_framework,
) -> RecognitionAnswer:
    """Which level of ``target_framework`` ``source_level`` corresponds to on the day ``on``.

    ``mappings`` may hold every version of every mapping, for any frameworks; ``on`` is a
    calendar day (Mainland China, Hong Kong and Macao all keep UTC+08:00, so the day is the same
    in each). ``occupation_code`` ``None`` (a credential from a framework without Mainland
    occupation codes) matches only rules for every occupation.

    Raises ``UnknownFramework``/``UnknownLevel``/``InvalidOccupationCode`` for a query naming
    things that do not exist, ``InconsistentMappings`` for a mapping set that contradicts
    itself, and ``RecognitionError`` if ``on`` is a ``datetime``.
    """
    if isinstance(on, datetime) or not isinstance(on, date):
        raise RecognitionError("expected a calendar date, not a date and time", "on")
    source = frameworks(source_framework)
    target = frameworks(target_framework)
    asked = partial(
        RecognitionAnswer,
        source_framework=source,
        source_level=source.level(source_level),
        occupation_code=None
        if occupation_code is None
        else validate_occupation_code(occupation_code),
        target_framework=target,
        on=on,
    )
    pair = [
        m
        for m in _consistent(mappings)
        if (m.source_framework, m.target_framework) == (source.id, target.id)
    ]
    if not pair:
        return asked(outcome=NOT_APPLICABLE, reason=NO_MAPPING_FOR_FRAMEWORKS)
    latest: dict[str, RecognitionMapping] = {}
    for mapping in pair:
        held = latest.get(mapping.id)
        if mapping.in_effect(on) and (held is None or mapping.version > held.version):
            latest[mapping.id] = mapping
    if not latest:
        nearest = min(pair, key=lambda m: (m.days_outside(on), m.effective_from, m.id, -m.version))
        return asked(outcome=NOT_APPLICABLE, reason=NOT_IN_EFFECT, nearest=nearest)
    current = sorted(latest.values(), key=_precedence)
    answering = [
        (m, rule)
        for m in current
        if (rule := m.rule_for(source_level, occupation_code)) is not None
    ]
    if not answering:
        return asked(outcome=NOT_APPLICABLE, reason=NO_RULE_FOR_LEVEL, mapping=current[0])
    (winner, rule), rest = answering[0], answering[1:]
    return asked(
        outcome=NO_COMPARABLE_LEVEL if rule.target_level is None else RECOGNIZED,
        reason=None,
        mapping=winner,
        rule=rule,
        others=tuple(
            OtherAnswer(m, other, agrees=other.target_level == rule.target_level)
            for m, other in rest
        ),
    )


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        RECOGNIZED: "{source} is recognised as {target} under {mapping}{scope}.",
        NO_COMPARABLE_LEVEL: "Under {mapping}{scope}, {source} has no comparable level in"
        " {target_framework}.",
        NO_MAPPING_FOR_FRAMEWORKS: "No recognition mapping from {source_framework} to"
        " {target_framework} is known.",
        NOT_IN_EFFECT: "No recognition mapping from {source_framework} to {target_framework} is"
        " in effect on {on}; the nearest is {mapping}.",
        NO_RULE_FOR_LEVEL: "There is no rule for {source}{occupation} in {mapping}.",
        "mapping": "mapping {id} version {version}, decided by {body}, in effect {period}",
        "open": "from {start} with no end date",
        "closed": "from {start} to {last}",
        "exact": " (rule for occupation {occupation})",
        "group": " (rule for occupation group {occupation})",
        "every": " (rule for every occupation)",
        "occupation": " in occupation {occupation}",
        "level": "{level} ({framework})",
        "none": "no comparable level",
        "illustrative": " This mapping is illustrative only: no official table of comparable"
        " levels has been published.",
        "others": " Other mappings in effect also answer: {items}. Official mappings come before"
        " illustrative ones, then the latest effective date, then the smallest mapping id.",
        "other": "{id} version {version}: {result}",
        "separator": "; ",
    },
    "zh-Hans": {
        RECOGNIZED: "依据{mapping}，{source}可认可为{target}{scope}。",
        NO_COMPARABLE_LEVEL: "依据{mapping}，{source}在{target_framework}中没有可比级别{scope}。",
        NO_MAPPING_FOR_FRAMEWORKS: "没有从{source_framework}到{target_framework}的认可对照表。",
        NOT_IN_EFFECT: "在 {on} 没有生效的从{source_framework}到{target_framework}的认可对照表；"
        "最接近的是{mapping}。",
        NO_RULE_FOR_LEVEL: "{mapping}没有适用于{source}{occupation}的规则。",
        "mapping": "对照表 {id} 第 {version} 版（由{body}决定，{period}）",
        "open": "自 {start} 起生效，未设终止日期",
        "closed": "{start} 至 {last} 有效",
        "exact": "（按职业 {occupation} 的规则）",
        "group": "（按职业类别 {occupation} 的规则）",
        "every": "（按适用于所有职业的规则）",
        "occupation": "（职业 {occupation}）",
        "level": "{framework}{level}",
        "none": "没有可比级别",
        "illustrative": "此对照表仅为示例：目前没有官方公布的级别对照表。",
        "others": "其他生效的对照表也有答案：{items}。优先次序：官方对照表先于示例对照表，"
        "其次是生效日期较晚者，再次是标识符较小者。",
        "other": "{id} 第 {version} 版：{result}",
        "separator": "；",
    },
    "zh-Hant": {
        RECOGNIZED: "依據{mapping}，{source}可認可為{target}{scope}。",
        NO_COMPARABLE_LEVEL: "依據{mapping}，{source}在{target_framework}中沒有可比級別{scope}。",
        NO_MAPPING_FOR_FRAMEWORKS: "沒有從{source_framework}到{target_framework}的認可對照表。",
        NOT_IN_EFFECT: "在 {on} 沒有生效的從{source_framework}到{target_framework}的認可對照表；"
        "最接近的是{mapping}。",
        NO_RULE_FOR_LEVEL: "{mapping}沒有適用於{source}{occupation}的規則。",
        "mapping": "對照表 {id} 第 {version} 版（由{body}決定，{period}）",
        "open": "自 {start} 起生效，未設終止日期",
        "closed": "{start} 至 {last} 有效",
        "exact": "（按職業 {occupation} 的規則）",
        "group": "（按職業類別 {occupation} 的規則）",
        "every": "（按適用於所有職業的規則）",
        "occupation": "（職業 {occupation}）",
        "level": "{framework}{level}",
        "none": "沒有可比級別",
        "illustrative": "此對照表僅為示例：目前沒有官方公佈的級別對照表。",
        "others": "其他生效的對照表也有答案：{items}。優先次序：官方對照表先於示例對照表，"
        "其次是生效日期較晚者，再次是識別碼較小者。",
        "other": "{id} 第 {version} 版：{result}",
        "separator": "；",
    },
}


def _occupation_scope(rule: MappingRule) -> str:
    if rule.occupation is None:
        return "every"
    return "group" if rule.occupation.is_group else "exact"


def _say(answer: RecognitionAnswer, lang: str) -> str:
    text = _TEXT[lang]

    def level(lv: Level, framework: Framework) -> str:
        return text["level"].format(level=lv.name[lang], framework=framework.name[lang])

    def described(mapping: RecognitionMapping) -> str:
        until = mapping.effective_until
        period = text["open" if until is None else "closed"].format(
            start=mapping.effective_from.isoformat(),
            last=_iso(until),
        )
        return text["mapping"].format(
            id=mapping.id,
            version=mapping.version,
            body=mapping.decided_by.name[lang],
            period=period,
        )

    def result(rule: MappingRule) -> str:
        if rule.target_level is None:
            return text["none"]
        return level(answer.target_framework.level(rule.target_level), answer.target_framework)

    rule, about = answer.rule, answer.mapping or answer.nearest
    said = text[answer.reason or answer.outcome].format(
        source=level(answer.source_level, answer.source_framework),
        source_framework=answer.source_framework.name[lang],
        target_framework=answer.target_framework.name[lang],
        target="" if rule is None else result(rule),
        on=answer.on.isoformat(),
        occupation=""
        if answer.occupation_code is None
        else text["occupation"].format(occupation=answer.occupation_code),
        mapping="" if about is None else described(about),
        scope=""
        if rule is None
        else text[_occupation_scope(rule)].format(occupation=rule.occupation),
    )
    if about is not None and about.illustrative:
        said += text["illustrative"]
    if answer.others:
        items = text["separator"].join(
            text["other"].format(id=o.mapping.id, version=o.mapping.version, result=result(o.rule))
            for o in answer.others
        )
        said += text["others"].format(items=items)
    return said
