"""Accreditation scopes: occupation patterns, scope documents, scope decisions, issuer status."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import errors
from schemas.errors import (
    GovernanceError,
    InvalidOccupationCode,
    InvalidStatusHistory,
    MalformedScope,
)
from schemas.frameworks import builtin_framework, framework_resolver, parse_framework
from schemas.scope import (
    SCOPE_LEVEL_NOT_ACCREDITED,
    SCOPE_OCCUPATION_NOT_ACCREDITED,
    SCOPE_OK,
    SCOPE_OUTSIDE_PERIOD,
    IssuerStatusChange,
    OccupationPattern,
    Scope,
    check_scope,
    make_scope,
    parse_scope,
    status_at,
    status_history,
)

ELECTRICIAN = "6-31-01-03"
START, END = date(2024, 1, 1), date(2026, 12, 31)


def scope(
    *occupations: str,
    levels: tuple[str, ...] = ("5", "4"),
    framework: str = "CN-VQ-5",
    valid_from: date = START,
    valid_until: date | None = END,
) -> Scope:
    return make_scope(occupations or (ELECTRICIAN,), framework, levels, valid_from, valid_until)


def decide(
    scopes: list[Scope],
    code: str = ELECTRICIAN,
    level: str = "4",
    on: date = date(2025, 6, 1),
    framework: str = "CN-VQ-5",
) -> Any:
    return check_scope(scopes, occupation_code=code, framework=framework, level=level, on=on)


# --- occupation patterns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "groups", "specificity"),
    [
        ("6-*", ("6",), 1),
        ("6-31-*", ("6", "31"), 2),
        ("6-31-01-*", ("6", "31", "01"), 3),
        ("6-31-01-03", ("6", "31", "01", "03"), 4),
        ("8-00-00-00", ("8", "00", "00", "00"), 4),
    ],
)
def test_pattern_forms(text: str, groups: tuple[str, ...], specificity: int) -> None:
    pattern = OccupationPattern.parse(text)
    assert pattern.groups == groups
    assert pattern.specificity == specificity
    assert pattern.is_group is (specificity < 4)
    assert str(pattern) == text


@pytest.mark.parametrize(
    "text",
    [
        "*",  # every occupation: scopes must be explicit
        "",
        "6*",
        "6-3*",
        "6-31-0*",
        "6-31-01-03-*",  # an occupation is not a group
        "6-31-01-03*",
        "6-31",  # a group needs its star
        "6-31-01",
        "9-*",
        "0-31-*",
        "6-3-*",
        "6-310-*",
        " 6-*",
        "6-*-01-*",
        "6-31-01-０３",  # fullwidth digits
        "6-31-01-03-04",
    ],
)
def test_pattern_rejects(text: str) -> None:
    with pytest.raises(MalformedScope, match="occupation") as caught:
        OccupationPattern.parse(text, "occupations[0]")
    assert caught.value.code == "scope_malformed"
    assert caught.value.where == "occupations[0]"


def test_pattern_rejects_non_strings_and_bad_groups() -> None:
    with pytest.raises(MalformedScope, match="string"):
        OccupationPattern.parse(6)
    for groups in [(), ("6", "31", "01", "03", "04"), ("6", "3"), ("9",)]:
        with pytest.raises(MalformedScope):
            OccupationPattern(groups)


def test_matching_a_malformed_code_raises() -> None:
    with pytest.raises(InvalidOccupationCode):
        OccupationPattern.parse("6-*").matches("6-31-1-03")


MAJOR = st.sampled_from(["1", "4", "6", "8"])
GROUP = st.sampled_from(["00", "01", "31"])
CODES = st.builds(lambda *g: "-".join(g), MAJOR, GROUP, GROUP, GROUP)


@st.composite
def patterns(draw: st.DrawFn) -> OccupationPattern:
    code = draw(CODES)
    depth = draw(st.integers(1, 4))
    return OccupationPattern(tuple(code.split("-")[:depth]))


@given(patterns(), CODES)
def test_pattern_matches_iff_digits_start_with_its_groups(
    pattern: OccupationPattern, code: str
) -> None:
    digits = code.replace("-", "")
    assert pattern.matches(code) is digits.startswith("".join(pattern.groups))
    assert OccupationPattern.parse(str(pattern)) == pattern


@given(CODES, CODES)
def test_exact_code_matches_only_itself(code: str, other: str) -> None:
    assert OccupationPattern.parse(code).matches(other) is (code == other)


@given(patterns(), st.data())
def test_more_specific_patterns_match_a_subset(
    specific: OccupationPattern, data: st.DataObject
) -> None:
    depth = data.draw(st.integers(1, specific.specificity))
    general = OccupationPattern(specific.groups[:depth])
    for code in data.draw(st.lists(CODES, min_size=1, max_size=20)):
        if specific.matches(code):
            assert general.matches(code)
    assert general.matches("-".join((*specific.groups, "00", "00", "00")[:4]))


# --- scope documents ---------------------------------------------------------------------------


def test_scope_round_trips_through_json() -> None:
    made = scope("6-31-*", ELECTRICIAN, levels=("4", "5", "3"))
    document = made.to_json()
    assert document == {
        "occupations": ["6-31-*", ELECTRICIAN],
        "framework": "CN-VQ-5",
        "levels": ["3", "4", "5"],
        "valid_from": "2024-01-01",
        "valid_until": "2026-12-31",
    }
    assert parse_scope(document) == made
    open_ended = scope(valid_until=None)
    assert "valid_until" not in open_ended.to_json()
    assert parse_scope(open_ended.to_json()) == open_ended


def test_single_day_period_is_allowed() -> None:
    one_day = scope(valid_from=START, valid_until=START)
    assert decide([one_day], on=START).ok
    assert decide([one_day], on=START + timedelta(days=1)).code == SCOPE_OUTSIDE_PERIOD


def test_levels_are_checked_against_the_framework() -> None:
    with pytest.raises(MalformedScope, match=r"'6' is not a level of CN-VQ-5") as caught:
        scope(levels=("5", "6"))
    assert caught.value.where == "scope.levels[1]"
    eight = make_scope([ELECTRICIAN], "CN-VQ-8", ["apprentice", "chief"], START)
    assert eight.levels == {"apprentice", "chief"}
    with pytest.raises(MalformedScope, match="no level framework") as unknown:
        scope(framework="NOPE")
    assert unknown.value.where == "scope.framework"


def test_levels_can_come_from_supplied_frameworks() -> None:
    names = {"en": "a", "zh-Hans": "b", "zh-Hant": "c"}
    macao = parse_framework(
        {"id": "MO-X", "name": names, "levels": [{"code": "A", "rank": 1, "name": names}]}
    )
    frameworks = framework_resolver([macao, builtin_framework("CN-VQ-5")])
    document = {
        "occupations": ["4-*"],
        "framework": "MO-X",
        "levels": ["A"],
        "valid_from": "2025-01-01",
    }
    assert parse_scope(document, frameworks=frameworks).levels == {"A"}
    with pytest.raises(MalformedScope, match=r"known: CN-VQ-5, MO-X"):
        parse_scope({**document, "framework": "HKQF"}, frameworks=frameworks)


GOOD: dict[str, Any] = {
    "occupations": [ELECTRICIAN],
    "framework": "CN-VQ-5",
    "levels": ["5"],
    "valid_from": "2024-01-01",
}


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"valid_until": None}, "scope.valid_until", "date"),
        ({"valid_until": "2023-12-31"}, "scope.valid_until", "before it starts"),
        ({"valid_from": "2024-1-1"}, "scope.valid_from", "YYYY-MM-DD"),
        ({"valid_from": 20240101}, "scope.valid_from", "YYYY-MM-DD"),
        ({"occupations": []}, "scope.occupations", "at least one"),
        ({"occupations": "6-*"}, "scope.occupations", "list"),
        ({"occupations": ["6-*", "6-*"]}, "scope.occupations", "repeats 6-\\*"),
        ({"occupations": [ELECTRICIAN, "*"]}, "scope.occupations[1]", "bare"),
        ({"levels": []}, "scope.levels", "non-empty"),
        ({"levels": ["5", "5"]}, "scope.levels", "repeats"),
        ({"levels": [5]}, "scope.levels", "list of level codes"),
        ({"framework": None}, "scope.framework", "framework id"),
        ({"framework": ""}, "scope.framework", "framework id"),
        ({"extra": 1}, "scope", "unknown member"),
    ],
)
def test_parse_scope_is_strict(change: dict[str, Any], where: str, message: str) -> None:
    with pytest.raises(MalformedScope, match=message) as caught:
        parse_scope({**GOOD, **change})
    assert caught.value.where == where


def test_parse_scope_needs_an_object_with_its_members() -> None:
    with pytest.raises(MalformedScope, match="JSON object"):
        parse_scope([GOOD])
    with pytest.raises(MalformedScope, match=r"missing member.*levels"):
        parse_scope({k: v for k, v in GOOD.items() if k != "levels"})


def test_scope_construction_guards_its_shape() -> None:
    pattern = OccupationPattern.parse(ELECTRICIAN)
    with pytest.raises(MalformedScope) as caught:
        Scope((pattern,), "CN-VQ-5", frozenset({"5"}), datetime(2024, 1, 1, tzinfo=UTC))
    assert caught.value.where == "valid_from"
    with pytest.raises(MalformedScope, match="at least one"):
        Scope((ELECTRICIAN,), "CN-VQ-5", frozenset({"5"}), START)  # type: ignore[arg-type]
    with pytest.raises(MalformedScope):
        Scope((pattern,), "CN-VQ-5", {"5"}, START)  # type: ignore[arg-type]


# --- scope decisions ---------------------------------------------------------------------------


def test_inside_scope_is_ok_and_names_the_scope() -> None:
    accredited = scope("6-31-*")
    decision = decide([accredited])
    assert decision.ok
    assert decision.code == SCOPE_OK
    assert decision.scope == accredited
    assert str(decision.pattern) == "6-31-*"


def test_wrong_occupation_is_rejected() -> None:
    decision = decide([scope("6-31-*"), scope("4-03-02-01")], code="6-30-01-03")
    assert not decision.ok
    assert decision.code == SCOPE_OCCUPATION_NOT_ACCREDITED
    assert decision.scope is None
    assert "6-30-01-03" in decision.message
    assert decide([], code=ELECTRICIAN).code == SCOPE_OCCUPATION_NOT_ACCREDITED


def test_wrong_level_is_rejected() -> None:
    accredited = scope(levels=("5", "4"))
    decision = decide([accredited], level="3")
    assert (decision.ok, decision.code, decision.scope) == (
        False,
        SCOPE_LEVEL_NOT_ACCREDITED,
        accredited,
    )
    assert "CN-VQ-5 levels 4, 5" in decision.message
    other_framework = decide([accredited], level="4", framework="HKQF")
    assert other_framework.code == SCOPE_LEVEL_NOT_ACCREDITED


@pytest.mark.parametrize(
    ("on", "code"),
    [
        (START - timedelta(days=1), SCOPE_OUTSIDE_PERIOD),
        (START, SCOPE_OK),
        (END, SCOPE_OK),
        (END + timedelta(days=1), SCOPE_OUTSIDE_PERIOD),
        (date(2031, 1, 1), SCOPE_OUTSIDE_PERIOD),
    ],
)
def test_period_is_inclusive_at_both_ends(on: date, code: str) -> None:
    decision = decide([scope()], on=on)
    assert decision.code == code
    if code == SCOPE_OUTSIDE_PERIOD:
        assert "from 2024-01-01 to 2026-12-31 inclusive" in decision.message
        assert on.isoformat() in decision.message


def test_open_ended_period_never_ends() -> None:
    assert decide([scope(valid_until=None)], on=date(2099, 1, 1)).ok
    before = decide([scope(valid_until=None)], on=date(2023, 1, 1))
    assert before.code == SCOPE_OUTSIDE_PERIOD
    assert "from 2024-01-01 (open-ended)" in before.message


def test_near_miss_on_period_beats_a_current_scope_for_another_level() -> None:
    lapsed = scope(levels=("3",), valid_from=date(2020, 1, 1), valid_until=date(2022, 12, 31))
    current = scope(levels=("5",))
    decision = decide([current, lapsed], level="3")
    assert decision.code == SCOPE_OUTSIDE_PERIOD
    assert decision.scope == lapsed
    assert "2020-01-01 to 2022-12-31" in decision.message


def test_level_miss_prefers_the_scope_in_period() -> None:
    old = scope(levels=("5",), valid_from=date(2010, 1, 1), valid_until=date(2011, 1, 1))
    current = scope(levels=("4",))
    decision = decide([old, current], level="1")
    assert decision.code == SCOPE_LEVEL_NOT_ACCREDITED
    assert decision.scope == current


def test_outside_period_names_the_nearest_period() -> None:
    early = scope(valid_from=date(2010, 1, 1), valid_until=date(2012, 12, 31))
    late = scope(valid_from=date(2030, 1, 1), valid_until=None)
    assert decide([early, late], on=date(2013, 6, 1)).scope == early
    assert decide([early, late], on=date(2029, 6, 1)).scope == late


def test_most_specific_covering_scope_is_named() -> None:
    group = scope("6-*")
    exact = scope(ELECTRICIAN)
    for scopes in ([group, exact], [exact, group]):
        decision = decide(scopes)
        assert decision.scope == exact
        assert str(decision.pattern) == ELECTRICIAN
    both = scope("6-*", "6-31-01-*")
    assert str(decide([both]).pattern) == "6-31-01-*"


def test_check_scope_refuses_bad_arguments() -> None:
    with pytest.raises(GovernanceError) as caught:
        decide([scope()], on=datetime(2025, 1, 1, tzinfo=UTC))
    assert type(caught.value) is GovernanceError
    with pytest.raises(InvalidOccupationCode):
        decide([scope()], code="63101-03")


SCOPE_LIST = st.lists(
    st.builds(
        lambda pattern, levels, start, length: make_scope(
            [pattern],
            "CN-VQ-5",
            levels,
            date(2024, 1, 1) + timedelta(days=start),
            None if length is None else date(2024, 1, 1) + timedelta(days=start + length),
        ),
        patterns(),
        st.sets(st.sampled_from(["5", "4", "3"]), min_size=1),
        st.integers(0, 30),
        st.none() | st.integers(0, 30),
    ),
    max_size=5,
)


@given(SCOPE_LIST, CODES, st.sampled_from(["5", "4", "3"]), st.integers(-5, 70))
def test_decision_agrees_with_brute_force(
    scopes: list[Scope], code: str, level: str, offset: int
) -> None:
    on = date(2024, 1, 1) + timedelta(days=offset)
    decision = decide(scopes, code=code, level=level, on=on)

    def covers(s: Scope, *, level_: bool, period: bool) -> bool:
        in_period = s.valid_from <= on and (s.valid_until is None or on <= s.valid_until)
        return (
            any(p.matches(code) for p in s.occupations)
            and (not level_ or level in s.levels)
            and (not period or in_period)
        )

    if any(covers(s, level_=True, period=True) for s in scopes):
        assert decision.code == SCOPE_OK
    elif any(covers(s, level_=True, period=False) for s in scopes):
        assert decision.code == SCOPE_OUTSIDE_PERIOD
    elif any(covers(s, level_=False, period=False) for s in scopes):
        assert decision.code == SCOPE_LEVEL_NOT_ACCREDITED
    else:
        assert decision.code == SCOPE_OCCUPATION_NOT_ACCREDITED
    if decision.scope is not None:
        assert decision.scope in scopes
        assert decision.pattern is not None and decision.pattern.matches(code)
        assert covers(
            decision.scope, level_=decision.code != SCOPE_LEVEL_NOT_ACCREDITED, period=decision.ok
        )


# --- issuer status -----------------------------------------------------------------------------

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def change(status: str, hours: float, reason: str = "authority decision") -> IssuerStatusChange:
    return IssuerStatusChange(status, T0 + timedelta(hours=hours), reason)  # type: ignore[arg-type]


def test_suspend_reinstate_withdraw() -> None:
    changes = [change("suspended", 0), change("active", 24), change("withdrawn", 48)]
    tick = timedelta(milliseconds=1)
    assert status_at(changes, T0 - tick) == "active"
    assert status_at(changes, T0) == "suspended"
    assert status_at(changes, T0 + timedelta(hours=24) - tick) == "suspended"
    assert status_at(changes, T0 + timedelta(hours=24)) == "active"
    assert status_at(changes, T0 + timedelta(hours=48) - tick) == "active"
    assert status_at(changes, T0 + timedelta(hours=48)) == "withdrawn"
    assert status_at(changes, T0 + timedelta(days=3650)) == "withdrawn"
    assert status_at(list(reversed(changes)), T0 + timedelta(hours=30)) == "active"
    assert status_history(reversed(changes)) == tuple(changes)


def test_no_changes_is_active() -> None:
    assert status_at([], T0) == "active"


def test_withdrawal_from_suspension_is_final() -> None:
    changes = [change("suspended", 0), change("withdrawn", 1)]
    assert status_at(changes, T0 + timedelta(hours=2)) == "withdrawn"
    with pytest.raises(InvalidStatusHistory, match="final") as caught:
        status_at([*changes, change("active", 2)], T0)
    assert caught.value.code == "issuer_status_invalid"
    assert caught.value.where == "changes[2]"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([change("active", 0)], "does not change"),
        ([change("suspended", 0), change("suspended", 1)], "does not change"),
        ([change("suspended", 0), change("active", 0)], "two status changes"),
        ([change("withdrawn", 0), change("suspended", 1)], "final"),
    ],
)
def test_impossible_histories_are_refused(changes: list[IssuerStatusChange], message: str) -> None:
    with pytest.raises(InvalidStatusHistory, match=message):
        status_history(changes)


def test_status_change_fields_are_checked() -> None:
    with pytest.raises(InvalidStatusHistory, match="not one of") as caught:
        IssuerStatusChange("revoked", T0, "x")  # type: ignore[arg-type]
    assert caught.value.where == "status"
    with pytest.raises(InvalidStatusHistory, match="time zone"):
        IssuerStatusChange("suspended", datetime(2025, 1, 1), "x")
    with pytest.raises(InvalidStatusHistory, match="reason"):
        IssuerStatusChange("suspended", T0, " ")
    with pytest.raises(GovernanceError, match="time zone"):
        status_at([], datetime(2025, 1, 1))


# --- error codes -------------------------------------------------------------------------------


def test_governance_error_codes_are_documented() -> None:
    docs = Path(__file__).parents[2] / "docs"
    table = (docs / "errors.md").read_text()
    classes = [
        getattr(errors, name)
        for name in errors.__all__
        if issubclass(getattr(errors, name), GovernanceError)
    ]
    codes = [cls.code for cls in classes]
    assert len(classes) == 8
    assert len(set(codes)) == len(codes)
    for cls in classes:
        assert re.search(rf"\| `{cls.__name__}` \| `{cls.code}` \|", table), cls
    for code in (
        SCOPE_OK,
        SCOPE_OCCUPATION_NOT_ACCREDITED,
        SCOPE_LEVEL_NOT_ACCREDITED,
        SCOPE_OUTSIDE_PERIOD,
    ):
        assert f"`{code}`" in table
        assert f"`{code}`" in (docs / "governance.md").read_text()
