"""RFC 8785 canonical JSON: the RFC's and cyberphone's vectors, and round-trip properties."""

from __future__ import annotations

import json
import struct

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from schemas.canonical import _ints_as_doubles, canonical_json, canonical_sha256
from schemas.errors import MalformedDocument
from schemas.strict_json import parse_strict_json
from tests.conftest import VECTORS

JCS = VECTORS / "jcs"
PAIRS = sorted(p.stem for p in (JCS / "input").glob("*.json"))
NUMBERS = json.loads((JCS / "rfc8785_numbers.json").read_text())["cases"]


def test_all_vector_pairs_present() -> None:
    assert PAIRS == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", PAIRS)
def test_cyberphone_pairs(name: str) -> None:
    source = (JCS / "input" / f"{name}.json").read_bytes()
    expected = (JCS / "output" / f"{name}.json").read_bytes()
    assert canonical_json(parse_strict_json(source, limit=1 << 20)) == expected
    hexdump = "".join((JCS / "outhex" / f"{name}.txt").read_text().split())
    assert bytes.fromhex(hexdump) == expected


@pytest.mark.parametrize("case", NUMBERS, ids=[c["ieee_hex"] for c in NUMBERS])
def test_rfc8785_appendix_b_numbers(case: dict[str, object]) -> None:
    value = struct.unpack(">d", bytes.fromhex(str(case["ieee_hex"])))[0]
    if case.get("error"):
        with pytest.raises(MalformedDocument):
            canonical_json(value)
    else:
        assert canonical_json(value).decode() == case["expected"]


def test_integers_are_doubles() -> None:
    assert canonical_json([2**53, -(2**60), 2**53 - 1]) == (
        b"[9007199254740992,-1152921504606847000,9007199254740991]"
    )


def test_unrepresentable_values_are_rejected() -> None:
    for bad in ({"a": float("inf")}, {"a": 2**53 + 1}, {1: "non-string key"}, {"a": "\ud800"}):
        with pytest.raises(MalformedDocument):
            canonical_json(bad)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)))
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_canonical_form_round_trips(value: object) -> None:
    encoded = canonical_json(value)
    reparsed = parse_strict_json(encoded, limit=1 << 24)
    assert canonical_json(reparsed) == encoded
    assert reparsed == value


@given(st.dictionaries(st.text(max_size=8), st.integers(0, 9), min_size=2, max_size=8))
def test_key_order_does_not_change_the_hash(value: dict[str, int]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical_sha256(reordered) == canonical_sha256(value)
    assert json.loads(canonical_json(value)) == value


any_text = st.text(st.characters(codec="utf-8") | st.sampled_from("\ud800\udfff\ue000\U0001f600"))
wide_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)


def _reference(value: object) -> bytes | str:
    """What the ``rfc8785`` package alone makes of ``value``, or the name of its error."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        try:
            return rfc8785.dumps(_ints_as_doubles(value))
        except MalformedDocument as exc:
            return type(exc).__name__
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        return type(exc).__name__


@given(wide_json_values)
def test_standard_library_path_equals_rfc8785(value: object) -> None:
    """Keys from both sides of the surrogate block, lone surrogates and astral characters are
    where sorting by code point and by UTF-16 unit, or the encoders, could disagree."""
    try:
        ours: bytes | str = canonical_json(value)
    except MalformedDocument:
        ours = "refused"
    reference = _reference(value)
    if isinstance(reference, str):
        assert ours == "refused"
    else:
        assert ours == reference


def test_astral_keys_sort_by_utf16_units() -> None:
    """U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000 in JCS, after it by code point."""
    assert canonical_json({"\ue000": 1, "\U0001f600": 2}) == rfc8785.dumps(
        {"\ue000": 1, "\U0001f600": 2}
    )
    assert canonical_json({"\ue000": 1, "\U0001f600": 2}).startswith('{"\U0001f600"'.encode())
