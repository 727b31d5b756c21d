"""RFC 8785 canonical JSON: the RFC's and cyberphone's vectors, and round-trip properties."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.canonical import canonical_json, canonical_sha256
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
