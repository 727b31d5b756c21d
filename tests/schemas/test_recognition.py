"""Recognition mappings: the document format, strict parsing, the query and the demo data."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import errors
from schemas.canonical import canonical_json
from schemas.errors import (
    InconsistentMappings,
    InvalidOccupationCode,
    RecognitionError,
    UnknownFramework,
    UnknownLevel,
)
from schemas.frameworks import LANGUAGES, Framework, builtin_framework, parse_framework
from schemas.recognition import (
    NO_COMPARABLE_LEVEL,
    NO_MAPPING_FOR_FRAMEWORKS,
    NO_RULE_FOR_LEVEL,
    NOT_APPLICABLE,
    NOT_IN_EFFECT,
    RECOGNIZED,
    RecognitionAnswer,
    RecognitionMapping,
    builtin_mappings,
    parse_mapping,
    recognize,
)
from schemas.strict_json import parse_strict_json

DEMO_PANEL = "urn:skillcert:body:demo-recognition-panel"
FIVE_TO_HKQF = "urn:skillcert:mapping:cn-vq-5-to-hkqf"
ELECTRICIAN = "6-31-01-03"
DELETE = object()


def _rule(source: str, target: str | None, occupation: str | None = None) -> dict[str, Any]:
    return {"source_level": source, "occupation": occupation, "target_level": target}


def _doc(**members: Any) -> dict[str, Any]:
    """A valid mapping document, CN-VQ-5 → HKQF from 2024-01-01; ``members`` replace its own."""
    doc: dict[str, Any] = {
        "id": "urn:skillcert:mapping:test",
        "version": 1,
        "source_framework": "CN-VQ-5",
        "target_framework": "HKQF",
        "decided_by": {
            "id": "urn:skillcert:body:test-panel",
            "name": {"en": "Test panel", "zh-Hans": "测试小组", "zh-Hant": "測試小組"},
        },
        "effective_from": "2024-01-01",
        "effective_until": None,
        "illustrative": False,
        "notes": {"en": "For tests.", "zh-Hans": "测试用。", "zh-Hant": "測試用。"},
        "rules": [_rule("5", "1"), _rule("4", "2"), _rule("3", "3")],
    }
    doc.update(copy.deepcopy(members))
    return doc


def _mapping(**members: Any) -> RecognitionMapping:
    return parse_mapping(_doc(**members))


def _ask(
    mappings: Iterable[RecognitionMapping],
    level: str = "3",
    occupation: str | None = ELECTRICIAN,
    on: date = date(2025, 1, 1),
    source: str = "CN-VQ-5",
    target: str = "HKQF",
) -> RecognitionAnswer:
    return recognize(
        mappings,
        source_framework=source,
        source_level=level,
        occupation_code=occupation,
        target_framework=target,
        on=on,
    )


def _target(answer: RecognitionAnswer) -> str | None:
    return None if answer.target_level is None else answer.target_level.code


# --- the document ------------------------------------------------------------------------------


def test_round_trip_keeps_every_member() -> None:
    doc = _doc(
        effective_until="2027-01-01",
        illustrative=True,
        rules=[_rule("3", "4", "6-31-*"), _rule("3", None, ELECTRICIAN), _rule("1", "5")],
    )
    mapping = parse_mapping(doc)
    assert mapping.to_json() == doc
    assert parse_mapping(parse_strict_json(canonical_json(mapping.to_json()), limit=1 << 20)) == (
        mapping
    )
    assert mapping.effective_until == date(2027, 1, 1)
    assert [rule.specificity for rule in mapping.rules] == [2, 4, 0]


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_MEMBERS = list(_doc())
_BAD_URIS = [42, "", "no scheme", "urn:x:y#fragment", "urn:x:" + "a" * 300, "urn:x:y z", "urn:x:é"]
MALFORMED: list[tuple[tuple[str | int, ...], Any, str, str]] = [
    *[((m,), DELETE, "mapping_malformed", "mapping") for m in _MEMBERS],
    (("extra",), 1, "mapping_malformed", "mapping"),
    *[(("id",), bad, "mapping_malformed", "mapping.id") for bad in _BAD_URIS],
    *[(("version",), v, "mapping_malformed", "mapping.version") for v in [0, -1, True, 1.5, "1"]],
    (("source_framework",), "XX", "mapping_framework_unknown", "mapping.source_framework"),
    (("source_framework",), 5, "mapping_malformed", "mapping.source_framework"),
    (("target_framework",), "XX", "mapping_framework_unknown", "mapping.target_framework"),
    (("target_framework",), "CN-VQ-5", "mapping_malformed", "mapping.target_framework"),
    (("decided_by",), "a panel", "mapping_malformed", "mapping.decided_by"),
    (("decided_by", "role"), "x", "mapping_malformed", "mapping.decided_by"),
    (("decided_by", "name"), DELETE, "mapping_malformed", "mapping.decided_by"),
    (("decided_by", "id"), "#x", "mapping_malformed", "mapping.decided_by.id"),
    (("decided_by", "name", "zh-Hant"), DELETE, "mapping_malformed", "mapping.decided_by.name"),
    (("decided_by", "name", "fr"), "x", "mapping_malformed", "mapping.decided_by.name"),
    (("decided_by", "name", "en"), " ", "mapping_malformed", "mapping.decided_by.name.en"),
    *[
        (("effective_from",), bad, "mapping_malformed", "mapping.effective_from")
        for bad in ["2024-1-01", "2024-W01-1", "2024-02-30", 20240101, None, "2024-01-01T00:00"]
    ],
    *[
        (("effective_until",), bad, "mapping_malformed", "mapping.effective_until")
        for bad in ["2023-12-31", "2024-1-1", "open", 0]
    ],
    *[(("illustrative",), v, "mapping_malformed", "mapping.illustrative") for v in ["true", 1]],
    (("notes", "zh-Hant"), DELETE, "mapping_malformed", "mapping.notes"),
    (("notes", "fr"), "x", "mapping_malformed", "mapping.notes"),
    (("notes", "en"), 1, "mapping_malformed", "mapping.notes.en"),
    *[(("rules",), bad, "mapping_malformed", "mapping.rules") for bad in [[], {}, "5→1"]],
    (("rules", 0), "5→1", "mapping_malformed", "mapping.rules[0]"),
    (("rules", 0, "weight"), 1, "mapping_malformed", "mapping.rules[0]"),
    (("rules", 0, "target_level"), DELETE, "mapping_malformed", "mapping.rules[0]"),
    (("rules", 0, "source_level"), "6", "mapping_level_unknown", "mapping.rules[0].source_level"),
    (("rules", 0, "source_level"), 5, "mapping_malformed", "mapping.rules[0].source_level"),
    (("rules", 0, "target_level"), "8", "mapping_level_unknown", "mapping.rules[0].target_level"),
    (("rules", 0, "target_level"), 1, "mapping_malformed", "mapping.rules[0].target_level"),
    *[
        (("rules", 0, "occupation"), bad, "mapping_malformed", "mapping.rules[0].occupation")
        for bad in [
            *["6-31", "6-3*", "9-31-*", "6-31-01-03-*", "6-31-01-3", "*", ""],
            *["6-31-01-０３", "6-31-01-٠٣", 63101, ["6-*"]],
        ]
    ],
    (
        ("rules",),
        [_rule("5", "1"), _rule("4", "2"), _rule("4", "3")],
        "mapping_rule_duplicate",
        "mapping.rules[2]",
    ),
]


@pytest.mark.parametrize(("path", "value", "code", "where"), MALFORMED)
def test_malformed_mapping_is_refused_with_its_code(
    path: tuple[str | int, ...], value: Any, code: str, where: str
) -> None:
    doc = _set(_doc(), path, value)
    with pytest.raises(RecognitionError) as caught:
        parse_mapping(doc)
    assert (caught.value.code, caught.value.where) == (code, where)


@pytest.mark.parametrize("document", [None, [], "mapping", 1])
def test_a_mapping_is_an_object(document: Any) -> None:
    with pytest.raises(RecognitionError) as caught:
        parse_mapping(document)
    assert caught.value.code == "mapping_malformed"


def test_duplicate_rule_key_counts_a_null_occupation() -> None:
    doc = _doc(rules=[_rule("3", "3", "6-31-*"), _rule("3", None), _rule("3", "4", "6-31-*")])
    with pytest.raises(RecognitionError, match=r"rules\[0\] has the same") as caught:
        parse_mapping(doc)
    assert caught.value.code == "mapping_rule_duplicate"


@pytest.mark.parametrize("occupation", ["6-*", "6-31-*", "6-31-01-*", ELECTRICIAN, None])
def test_occupation_may_be_a_code_a_whole_group_or_null(occupation: str | None) -> None:
    assert (
        _mapping(rules=[_rule("3", "3", occupation)]).rules[0].to_json()["occupation"] == occupation
    )


def test_frameworks_can_come_from_elsewhere() -> None:
    """A trust bundle carries its own frameworks; levels are checked against those."""
    local = parse_framework(
        {
            "id": "XX-TEST",
            "name": dict.fromkeys(LANGUAGES, "test ladder"),
            "levels": [{"code": "top", "rank": 1, "name": dict.fromkeys(LANGUAGES, "top")}],
        }
    )

    def frameworks(framework_id: str) -> Framework:
        return local if framework_id == "XX-TEST" else builtin_framework(framework_id)

    doc = _doc(target_framework="XX-TEST", rules=[_rule("3", "top")])
    with pytest.raises(RecognitionError) as caught:
        parse_mapping(doc)
    assert caught.value.code == "mapping_framework_unknown"
    mapping = parse_mapping(doc, frameworks=frameworks)
    answer = recognize(
        [mapping],
        source_framework="CN-VQ-5",
        source_level="3",
        occupation_code=None,
        target_framework="XX-TEST",
        on=date(2025, 1, 1),
        frameworks=frameworks,
    )
    assert (answer.outcome, _target(answer)) == (RECOGNIZED, "top")


# --- the query ---------------------------------------------------------------------------------

SPECIFIC = _doc(
    rules=[
        _rule("3", "3"),
        _rule("3", "4", "6-*"),
        _rule("3", "5", "6-31-*"),
        _rule("3", "6", "6-31-01-*"),
        _rule("3", "7", ELECTRICIAN),
    ]
)


@pytest.mark.parametrize(
    ("occupation", "target", "specificity"),
    [
        (ELECTRICIAN, "7", 4),
        ("6-31-01-10", "6", 3),
        ("6-31-02-01", "5", 2),
        ("6-18-01-01", "4", 1),
        ("4-03-02-01", "3", 0),
        (None, "3", 0),
    ],
)
def test_most_specific_rule_wins_in_any_order(
    occupation: str | None, target: str, specificity: int
) -> None:
    for rules in (SPECIFIC["rules"], SPECIFIC["rules"][::-1]):
        answer = _ask([_mapping(rules=rules)], occupation=occupation)
        assert (answer.outcome, answer.reason, _target(answer)) == (RECOGNIZED, None, target)
        assert answer.rule is not None
        assert answer.rule.specificity == specificity


def test_explicit_no_comparable_level_is_not_a_missing_rule() -> None:
    mapping = _mapping(rules=[_rule("3", None), _rule("2", "5", "6-31-*")])
    none = _ask([mapping], level="3")
    assert (none.outcome, none.reason, none.target_level) == (NO_COMPARABLE_LEVEL, None, None)
    assert none.rule == mapping.rules[0]
    assert none.mapping == mapping
    missing = _ask([mapping], level="2", occupation="4-03-02-01")
    assert (missing.outcome, missing.reason) == (NOT_APPLICABLE, NO_RULE_FOR_LEVEL)
    assert (missing.mapping, missing.rule, missing.target_level) == (mapping, None, None)


def test_no_mapping_for_the_frameworks() -> None:
    for mappings in ([], [_mapping()], [*builtin_mappings()]):
        answer = _ask(mappings, target="CN-VQ-8")
        assert (answer.outcome, answer.reason) == (NOT_APPLICABLE, NO_MAPPING_FOR_FRAMEWORKS)
        assert (answer.mapping, answer.nearest, answer.rule) == (None, None, None)


def test_effective_until_is_the_last_day_and_the_nearest_period_is_named() -> None:
    early = _mapping(id="urn:x:early", effective_from="2024-01-01", effective_until="2024-12-31")
    late = _mapping(id="urn:x:late", effective_from="2026-01-01", effective_until="2026-12-31")
    assert _ask([early, late], on=date(2024, 12, 31)).mapping == early
    assert _ask([early, late], on=date(2026, 12, 31)).mapping == late
    for on, nearest in [
        (date(2023, 6, 1), early),
        (date(2025, 1, 1), early),
        (date(2025, 6, 1), early),  # 152 days after the last day of early, 214 before late
        (date(2025, 8, 1), late),
        (date(2027, 1, 1), late),
    ]:
        answer = _ask([early, late], on=on)
        assert (answer.outcome, answer.reason) == (NOT_APPLICABLE, NOT_IN_EFFECT)
        assert (answer.mapping, answer.nearest) == (None, nearest)
        assert (
            answer.to_json()["nearest"]["effective_until"] == nearest.to_json()["effective_until"]
        )


def test_a_one_day_mapping_is_in_effect_on_that_day_only() -> None:
    day = _mapping(effective_from="2025-03-01", effective_until="2025-03-01")
    assert _ask([day], on=date(2025, 3, 1)).outcome == RECOGNIZED
    for on in (date(2025, 2, 28), date(2025, 3, 2)):
        answer = _ask([day], on=on)
        assert (answer.reason, answer.nearest) == (NOT_IN_EFFECT, day)


def test_a_later_version_changes_answers_from_its_effective_date_only() -> None:
    v1 = _mapping(version=1, effective_from="2024-01-01", rules=[_rule("3", "3")])
    v2 = _mapping(version=2, effective_from="2026-01-01", rules=[_rule("3", "4")])
    for mappings in ([v1, v2], [v2, v1]):
        before = _ask(mappings, on=date(2025, 12, 31))
        after = _ask(mappings, on=date(2026, 1, 1))
        assert (before.mapping, _target(before)) == (v1, "3")
        assert (after.mapping, _target(after)) == (v2, "4")
        assert before.to_json() == _ask([v1], on=date(2025, 12, 31)).to_json()


def test_the_highest_version_in_effect_wins_even_if_it_started_earlier() -> None:
    """A correction published as a new version with an earlier start replaces the old answer
    for the days it covers; that is how an error is corrected, and the log keeps both."""
    v1 = _mapping(version=1, effective_from="2024-01-01", rules=[_rule("3", "3")])
    v2 = _mapping(version=2, effective_from="2023-01-01", rules=[_rule("3", "2")])
    assert _ask([v1, v2], on=date(2025, 1, 1)).mapping == v2


def test_a_version_without_a_rule_is_still_the_version_in_effect() -> None:
    v1 = _mapping(version=1, rules=[_rule("3", "3")])
    v2 = _mapping(version=2, effective_from="2025-01-01", rules=[_rule("4", "2")])
    answer = _ask([v1, v2], on=date(2025, 6, 1))
    assert (answer.reason, answer.mapping) == (NO_RULE_FOR_LEVEL, v2)


def test_conflicts_are_resolved_by_precedence_and_listed() -> None:
    official = _mapping(id="urn:x:official", effective_from="2024-01-01", rules=[_rule("3", "2")])
    newer = _mapping(
        id="urn:x:newer", effective_from="2024-06-01", illustrative=True, rules=[_rule("3", "4")]
    )
    older = _mapping(
        id="urn:x:older", effective_from="2024-03-01", illustrative=True, rules=[_rule("3", "4")]
    )
    twin = _mapping(
        id="urn:x:twin", effective_from="2024-06-01", illustrative=True, rules=[_rule("3", "3")]
    )
    silent = _mapping(id="urn:x:silent", effective_from="2024-09-01", rules=[_rule("4", "1")])
    everything = [twin, older, silent, newer, official]
    answer = _ask(everything)
    assert (answer.mapping, _target(answer)) == (official, "2")
    assert [(o.mapping.id, o.agrees) for o in answer.others] == [
        ("urn:x:newer", False),
        ("urn:x:twin", False),
        ("urn:x:older", False),
    ]
    assert answer.conflict
    assert answer.to_json()["conflict"] is True
    for lang in LANGUAGES:
        assert all(o.mapping.id in answer.message[lang] for o in answer.others)

    illustrative_only = _ask([older, twin, newer])
    assert (illustrative_only.mapping, _target(illustrative_only)) == (newer, "4")
    assert [(o.mapping.id, o.agrees) for o in illustrative_only.others] == [
        ("urn:x:twin", False),
        ("urn:x:older", True),
    ]
    agreeing = _ask([older, newer])
    assert agreeing.others and not agreeing.conflict
    assert _ask([*everything][::-1]).to_json() == answer.to_json()


def test_mappings_of_other_frameworks_are_ignored() -> None:
    reverse = _mapping(
        id="urn:x:reverse",
        source_framework="HKQF",
        target_framework="CN-VQ-5",
        rules=[_rule("3", "3")],
    )
    forward = _mapping()
    assert _ask([reverse, forward]).mapping == forward
    answer = _ask([reverse, forward], level="3", occupation=None, source="HKQF", target="CN-VQ-5")
    assert (answer.mapping, _target(answer)) == (reverse, "3")


def test_identical_copies_are_one_mapping_but_contradictions_are_refused() -> None:
    mapping = _mapping()
    assert _ask([mapping, _mapping()]).others == ()
    for contradiction in (
        _mapping(rules=[_rule("3", "4")]),
        _mapping(target_framework="MO-VSR", rules=[_rule("3", "basic")], version=2),
    ):
        with pytest.raises(InconsistentMappings) as caught:
            _ask([mapping, contradiction])
        assert (caught.value.code, caught.value.where) == (
            "mapping_set_inconsistent",
            mapping.id,
        )


def test_the_query_itself_is_checked() -> None:
    mappings = [_mapping()]
    with pytest.raises(RecognitionError) as caught:
        _ask(mappings, on=datetime(2025, 1, 1, tzinfo=UTC))
    assert type(caught.value) is RecognitionError
    assert caught.value.code == "recognition_error"
    with pytest.raises(UnknownLevel):
        _ask(mappings, level="6")
    with pytest.raises(UnknownFramework):
        _ask(mappings, target="XX")
    with pytest.raises(InvalidOccupationCode):
        _ask(mappings, occupation="6-31-*")


# --- properties --------------------------------------------------------------------------------

FIVE = [lv.code for lv in builtin_framework("CN-VQ-5").levels]
HKQF = [lv.code for lv in builtin_framework("HKQF").levels]
PATTERNS = [None, "6-*", "6-31-*", "6-31-01-*", ELECTRICIAN, "4-03-02-*", "4-03-02-01"]
QUERIES = [ELECTRICIAN, "6-31-01-10", "6-18-01-01", "4-03-02-01", "4-10-01-03", None]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def mapping_docs(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(days)
    length = draw(st.none() | st.integers(min_value=0, max_value=2000))
    rules = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(FIVE), st.sampled_from(PATTERNS)),
            st.sampled_from([None, *HKQF]),
            min_size=1,
            max_size=10,
        )
    )
    return _doc(
        id=draw(st.sampled_from(["urn:x:a", "urn:x:b", "urn:x:c"])),
        version=draw(st.integers(min_value=1, max_value=4)),
        effective_from=start.isoformat(),
        effective_until=None if length is None else (start + timedelta(days=length)).isoformat(),
        illustrative=draw(st.booleans()),
        rules=[_rule(level, target, occupation) for (level, occupation), target in rules.items()],
    )


mapping_sets = st.lists(mapping_docs(), max_size=8, unique_by=lambda d: (d["id"], d["version"]))
queries = st.tuples(st.sampled_from(FIVE), st.sampled_from(QUERIES), days)


@given(mapping_docs())
def test_round_trip_of_any_mapping(doc: dict[str, Any]) -> None:
    mapping = parse_mapping(doc)
    assert mapping.to_json() == doc
    assert parse_mapping(json.loads(canonical_json(mapping.to_json()))) == mapping


@given(mapping_sets, queries)
def test_answers_rest_only_on_the_latest_versions_in_effect(
    docs: list[dict[str, Any]], query: tuple[str, str | None, date]
) -> None:
    level, occupation, on = query
    mappings = [parse_mapping(doc) for doc in docs]
    answer = _ask(mappings, level, occupation, on)
    in_effect = [m for m in mappings if m.in_effect(on)]
    used = [m for m in (answer.mapping, *(o.mapping for o in answer.others)) if m is not None]
    for mapping in used:
        assert mapping.in_effect(on)
        assert mapping.version == max(m.version for m in in_effect if m.id == mapping.id)
    assert len({m.id for m in used}) == len(used)
    if not mappings:
        assert answer.reason == NO_MAPPING_FOR_FRAMEWORKS
    elif not in_effect:
        assert answer.reason == NOT_IN_EFFECT
        assert answer.nearest is not None
        assert not answer.nearest.in_effect(on)
    elif answer.reason == NO_RULE_FOR_LEVEL:
        assert answer.mapping is not None
        assert answer.mapping.rule_for(level, occupation) is None
    else:
        assert answer.rule is not None
        assert answer.mapping is not None
        assert answer.rule in answer.mapping.rules
        assert answer.rule.applies_to(level, occupation)
        assert answer.outcome == (RECOGNIZED if answer.rule.target_level else NO_COMPARABLE_LEVEL)


def _decision(answer: RecognitionAnswer) -> tuple[Any, ...]:
    """Everything an answer decides; ``nearest`` only points at other periods."""

    def ref(mapping: RecognitionMapping | None) -> tuple[str, int] | None:
        return None if mapping is None else (mapping.id, mapping.version)

    others = [(ref(o.mapping), o.rule, o.agrees) for o in answer.others]
    return (
        answer.outcome,
        answer.reason,
        _target(answer),
        ref(answer.mapping),
        answer.rule,
        others,
    )


@given(mapping_sets.filter(bool), queries, st.data())
def test_a_later_version_never_changes_an_earlier_answer(
    docs: list[dict[str, Any]], query: tuple[str, str | None, date], data: st.DataObject
) -> None:
    level, occupation, on = query
    mappings = [parse_mapping(doc) for doc in docs]
    changed = data.draw(st.sampled_from(docs))
    starts = on + timedelta(days=data.draw(st.integers(min_value=1, max_value=1500)))
    newer = parse_mapping(
        {
            **data.draw(mapping_docs()),
            "id": changed["id"],
            "version": max(d["version"] for d in docs if d["id"] == changed["id"]) + 1,
            "effective_from": starts.isoformat(),
            "effective_until": None,
        }
    )
    before = _ask(mappings, level, occupation, on)
    after = _ask([*mappings, newer], level, occupation, on)
    assert _decision(after) == _decision(before)
    if before.reason != NOT_IN_EFFECT:
        assert after.to_json() == before.to_json()
    from_then = _ask([*mappings, newer], level, occupation, starts)
    for mapping in (from_then.mapping, *(o.mapping for o in from_then.others)):
        if mapping is not None and mapping.id == newer.id:
            assert mapping == newer


# --- demo data ---------------------------------------------------------------------------------

DEMO_FOLDER = resources.files("schemas").joinpath("data", "recognition")


def test_demo_mappings_load_and_are_all_illustrative() -> None:
    mappings = builtin_mappings()
    assert {(m.source_framework, m.target_framework) for m in mappings} == {
        ("CN-VQ-5", "HKQF"),
        ("CN-VQ-8", "HKQF"),
        ("HKQF", "CN-VQ-5"),
        ("CN-VQ-5", "MO-VSR"),
        ("MO-VSR", "CN-VQ-5"),
    }
    for mapping in mappings:
        assert mapping.illustrative
        assert mapping.decided_by.id == DEMO_PANEL
        assert "No published one-to-one table" in mapping.notes["en"]
        assert "没有已公布的一对一对照表" in mapping.notes["zh-Hans"]
        assert "沒有已公佈的一對一對照表" in mapping.notes["zh-Hant"]
        name = f"{mapping.id.removeprefix('urn:skillcert:mapping:')}.v{mapping.version}.json"
        text = DEMO_FOLDER.joinpath(name).read_text(encoding="utf-8")
        assert json.loads(text) == mapping.to_json(), name
    assert len(mappings) == len([f for f in DEMO_FOLDER.iterdir() if f.name.endswith(".json")])


def test_macao_levels_say_they_are_illustrative() -> None:
    macao = builtin_framework("MO-VSR")
    assert "illustrative" in macao.name["en"]
    assert macao.source.startswith("ILLUSTRATIVE")
    for level in macao.levels:
        assert "illustrative" in level.name["en"]
        assert "示例" in level.name["zh-Hans"]
        assert "示例" in level.name["zh-Hant"]


@pytest.mark.parametrize(
    ("on", "version", "target"),
    [(date(2024, 1, 1), 1, "5"), (date(2025, 12, 31), 1, "5"), (date(2026, 1, 1), 2, "6")],
)
def test_demo_v2_leaves_past_answers_alone(on: date, version: int, target: str) -> None:
    answer = _ask(builtin_mappings(), level="1", on=on)
    assert answer.mapping is not None
    assert (answer.mapping.id, answer.mapping.version, _target(answer)) == (
        FIVE_TO_HKQF,
        version,
        target,
    )
    unchanged = _ask(builtin_mappings(), level="4", on=on)
    assert _target(unchanged) == "2"


def test_demo_covers_every_kind_of_answer() -> None:
    ask = partial(_ask, builtin_mappings())
    assert _target(ask("2", "6-31-01-03", date(2026, 6, 1))) == "5"
    assert _target(ask("2", "6-31-01-10", date(2026, 6, 1))) == "4"
    assert _target(ask("2", "4-03-02-01", date(2026, 6, 1))) == "4"
    assert ask("apprentice", None, source="CN-VQ-8").outcome == NO_COMPARABLE_LEVEL
    assert ask("7", None, source="HKQF", target="CN-VQ-5").outcome == NO_COMPARABLE_LEVEL
    assert _target(ask("4", "4-03-02-01", target="MO-VSR")) == "intermediate"
    back = partial(ask, "basic", None, source="MO-VSR", target="CN-VQ-5")
    assert _target(back(date(2026, 12, 31))) == "5"
    assert back(date(2027, 1, 1)).reason == NOT_IN_EFFECT


# --- messages and errors -----------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _every_kind() -> list[RecognitionAnswer]:
    official = _mapping(rules=[_rule("3", "4", "6-31-*"), _rule("2", None)])
    other = _mapping(id="urn:x:other", illustrative=True, rules=[_rule("3", "2")])
    return [
        _ask([official, other]),
        _ask([official], level="2"),
        _ask([official], level="5"),
        _ask([official], on=date(2023, 1, 1)),
        _ask([official], target="MO-VSR"),
        _ask(builtin_mappings(), level="1", on=date(2024, 1, 1)),
    ]


def test_every_answer_is_told_in_three_languages() -> None:
    answers = _every_kind()
    assert {(a.outcome, a.reason) for a in answers} == {
        (RECOGNIZED, None),
        (NO_COMPARABLE_LEVEL, None),
        (NOT_APPLICABLE, NO_RULE_FOR_LEVEL),
        (NOT_APPLICABLE, NOT_IN_EFFECT),
        (NOT_APPLICABLE, NO_MAPPING_FOR_FRAMEWORKS),
    }
    for answer in answers:
        message = answer.message
        assert list(message) == list(LANGUAGES)
        assert not _CJK.search(message["en"])
        assert _CJK.search(message["zh-Hans"])
        assert _CJK.search(message["zh-Hant"])
        assert len({message[lang] for lang in LANGUAGES}) == 3
        about = answer.mapping or answer.nearest
        for lang in LANGUAGES:
            if about is not None:
                assert about.id in message[lang]
                assert about.decided_by.name[lang] in message[lang]
            if answer.target_level is not None:
                assert answer.target_level.name[lang] in message[lang]
            assert answer.source_framework.name[lang] in message[lang]
        illustrative = about is not None and about.illustrative
        assert ("illustrative only" in message["en"]) == illustrative
        assert ("仅为示例" in message["zh-Hans"]) == illustrative
        assert ("僅為示例" in message["zh-Hant"]) == illustrative
        assert json.loads(canonical_json(answer.to_json()))["message"] == message


def test_answer_json_names_what_it_rests_on() -> None:
    answer = _every_kind()[0].to_json()
    assert answer["outcome"] == "recognized"
    assert answer["source"] == {
        "framework": "CN-VQ-5",
        "code": "3",
        "name": builtin_framework("CN-VQ-5").level("3").name,
    }
    assert (answer["occupation"], answer["target_framework"], answer["on"]) == (
        ELECTRICIAN,
        "HKQF",
        "2025-01-01",
    )
    assert answer["target_level"]["code"] == "4"
    assert answer["mapping"] == {
        "id": "urn:skillcert:mapping:test",
        "version": 1,
        "decided_by": _doc()["decided_by"],
        "effective_from": "2024-01-01",
        "effective_until": None,
        "illustrative": False,
    }
    assert answer["rule"] == _rule("3", "4", "6-31-*")
    assert answer["nearest"] is None
    assert [o["mapping"]["id"] for o in answer["others"]] == ["urn:x:other"]


def test_recognition_error_codes_are_documented() -> None:
    table = (Path(__file__).parents[2] / "docs" / "errors.md").read_text()
    classes = [
        getattr(errors, name)
        for name in errors.__all__
        if issubclass(getattr(errors, name), RecognitionError)
    ]
    codes = [cls.code for cls in classes]
    assert len(classes) == 6
    assert len(set(codes)) == len(codes)
    for cls in classes:
        assert re.search(rf"\| `{cls.__name__}` \| `{cls.code}` \|", table), cls
