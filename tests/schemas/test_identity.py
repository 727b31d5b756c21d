from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.errors import InvalidNationalId
from schemas.identity import (
    hash_national_id,
    national_id_check_digit,
    national_id_matches,
    new_salt,
    normalise_national_id,
)
from tests.conftest import NATIONAL_ID

# The worked example of GB 11643-1999: 11010519491231002 has check character X.
GB_EXAMPLE = "11010519491231002X"
# GB 11643-1999 Table 1: the weight of each of the first 17 digits.
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_gb11643_worked_example() -> None:
    assert national_id_check_digit(GB_EXAMPLE[:17]) == "X"
    assert normalise_national_id("110105 19491231 002x") == GB_EXAMPLE


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_is_the_weighted_sum_of_the_standard(digits: str) -> None:
    weighted = sum(int(d) * w for d, w in zip(digits, GB11643_WEIGHTS, strict=True))
    assert national_id_check_digit(digits) == "10X98765432"[weighted % 11]


@pytest.mark.parametrize(
    "text",
    [
        "1101051949123100",
        "110105194912310020",
        "1101051949123100a",
        "+1101051949123100",
        "1101_05194912310",
    ],
)
def test_check_digit_needs_17_decimal_digits(text: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        national_id_check_digit(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100XX", "18 characters"),
        ("", "18 characters"),
    ],
)
def test_rejects_bad_numbers_without_echoing_them(text: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId, match=reason) as caught:
        normalise_national_id(text)
    assert not text or text not in str(caught.value)


def test_hash_is_salted_sha256_of_id_then_salt() -> None:
    salt = "ab" * 16
    expected = hashlib.sha256((NATIONAL_ID + salt).encode()).hexdigest()
    assert hash_national_id(NATIONAL_ID, salt) == f"sha256${expected}"


def test_match_accepts_the_number_in_any_spacing_and_case() -> None:
    salt = new_salt()
    stored = hash_national_id(GB_EXAMPLE, salt)
    assert national_id_matches("110105 19491231 002x", salt, stored)
    assert not national_id_matches(NATIONAL_ID, salt, stored)
    assert not national_id_matches("garbage", salt, stored)
    assert not national_id_matches(GB_EXAMPLE, new_salt(), stored)


def test_salts_differ() -> None:
    assert len({new_salt() for _ in range(100)}) == 100
