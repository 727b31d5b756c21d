"""W3C Bitstring Status List: the spec's examples, bit order, strict decoding, entries, the list
credential and random index allocation."""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
import random
import re
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import errors
from schemas.errors import (
    MalformedStatusEntry,
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListError,
    StatusListFull,
    StatusListTooLarge,
    StatusListTooShort,
)
from schemas.status_list import (
    ENTRY_TYPE,
    MAX_LIST_BYTES,
    MIN_ENTRIES,
    REVOCATION,
    STATUS_PURPOSES,
    SUSPENSION,
    StatusBits,
    StatusEntry,
    allocate_indexes,
    parse_status_entry,
    parse_status_list_credential,
    status_list_credential,
)
from tests.conftest import VECTORS

W3C = json.loads((VECTORS / "status" / "w3c_bitstring_status_list.json").read_text())
EXAMPLE = W3C["status_list_credential"]["credential"]
EXAMPLE_LIST = EXAMPLE["credentialSubject"]["encodedList"]
LIST_URL = "https://status.skillcert.example/lists/revocation/0001"
ISSUER = "urn:skillcert:issuer:test-appraisal"
MIN_BYTES = MIN_ENTRIES // 8


def _expand(encoded: str) -> bytes:
    """``encodedList`` -> bitstring with the standard library alone, to check the module's
    output against something it did not write."""
    assert encoded.startswith("u")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def _encode(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


def _seeded(seed: int) -> random.Random:
    """A reproducible source for allocation tests; the module's own default is the CSPRNG."""
    return random.Random(seed)  # noqa: S311


def _bits_with(indexes: list[int], size: int = MIN_ENTRIES) -> StatusBits:
    bits = StatusBits(size)
    for index in indexes:
        bits.set(index, True)
    return bits


# --- the spec's examples ---------------------------------------------------------------------


def test_spec_example_list_is_16_kib_of_zeros() -> None:
    expected = W3C["status_list_credential"]["expected"]
    raw = _expand(EXAMPLE_LIST)
    assert raw == bytes(expected["expanded_bytes"])
    bits = StatusBits.decode(EXAMPLE_LIST)
    assert len(bits) == expected["entries"] == MIN_ENTRIES
    assert bits == StatusBits()
    assert [i for i in range(len(bits)) if bits.get(i)] == expected["set_indexes"]


def test_spec_example_credential_parses() -> None:
    expected = W3C["status_list_credential"]["expected"]
    purpose, bits, list_id = parse_status_list_credential(EXAMPLE)
    assert (purpose, list_id) == (expected["purpose"], expected["list_id"])
    assert bits == StatusBits()


@pytest.mark.skipif(
    "zlib-ng" in zlib.ZLIB_RUNTIME_VERSION, reason="zlib-ng deflates to other bytes"
)
def test_encoding_an_empty_list_reproduces_the_spec_example() -> None:
    assert StatusBits().encode() == EXAMPLE_LIST


def test_encoding_is_deterministic() -> None:
    bits = _bits_with([3, 94567])
    assert bits.encode() == bits.encode() == _bits_with([94567, 3]).encode()


@pytest.mark.parametrize(
    ("entry", "expected"),
    list(zip(W3C["status_entries"]["entries"], W3C["status_entries"]["expected"], strict=True)),
)
def test_spec_example_entries(entry: dict[str, Any], expected: dict[str, Any]) -> None:
    parsed = parse_status_entry(entry)
    assert parsed == StatusEntry(expected["purpose"], expected["index"], expected["list"])
    assert parsed.to_json() == entry


@pytest.mark.parametrize("entry", W3C["refused_entries"]["entries"])
def test_spec_example_message_entry_is_refused(entry: dict[str, Any]) -> None:
    with pytest.raises(MalformedStatusEntry, match="statusMessage"):
        parse_status_entry(entry)


# --- bit order (§2.2, §7.1) ------------------------------------------------------------------


@pytest.mark.parametrize("case", W3C["bit_layout"]["cases"], ids=lambda case: str(case["index"]))
def test_bit_layout_vectors(case: dict[str, int]) -> None:
    expected = bytearray(MIN_BYTES)
    expected[case["byte"]] = case["value"]
    assert _expand(_bits_with([case["index"]]).encode()) == expected
    bits = StatusBits.decode(_encode(bytes(expected)))
    assert [i for i in range(len(bits)) if bits.get(i)] == [case["index"]]


@pytest.mark.parametrize("index", [*range(24), *range(MIN_ENTRIES - 16, MIN_ENTRIES)])
def test_every_bit_of_the_first_and_last_bytes(index: int) -> None:
    raw = _expand(_bits_with([index]).encode())
    assert raw[index // 8] == 0x80 >> (index % 8)
    assert sum(map(bool, raw)) == 1


def test_every_index_against_a_text_bitstring() -> None:
    """The bitstring written as text, left-most character index 0, read as one big-endian
    integer: an implementation of §2.2's order that shares nothing with the module's."""
    chosen = [i for i in range(MIN_ENTRIES) if i % 3 == 0 or i % 7 == 5]
    bits = _bits_with(chosen)
    text = "".join("1" if i % 3 == 0 or i % 7 == 5 else "0" for i in range(MIN_ENTRIES))
    assert _expand(bits.encode()) == int(text, 2).to_bytes(MIN_BYTES, "big")
    assert all(bits.get(i) == (text[i] == "1") for i in range(MIN_ENTRIES))


# --- round trips -----------------------------------------------------------------------------


@given(st.sets(st.integers(0, MIN_ENTRIES - 1), max_size=300))
def test_round_trip(indexes: set[int]) -> None:
    bits = _bits_with(sorted(indexes))
    decoded = StatusBits.decode(bits.encode())
    assert decoded == bits
    assert all(decoded.get(i) for i in indexes)
    assert int.from_bytes(_expand(bits.encode()), "big").bit_count() == len(indexes)


@given(st.integers(0, 64), st.data())
def test_round_trip_longer_lists(extra_bytes: int, data: st.DataObject) -> None:
    size = MIN_ENTRIES + 8 * extra_bytes
    indexes = data.draw(st.sets(st.integers(0, size - 1), max_size=50))
    bits = _bits_with(sorted(indexes), size)
    decoded = StatusBits.decode(bits.encode())
    assert len(decoded) == size
    assert decoded == bits


@given(st.integers(0, MIN_ENTRIES - 1))
def test_unset_restores_the_list(index: int) -> None:
    bits = _bits_with([index, (index + 1) % MIN_ENTRIES])
    bits.set(index, False)
    assert not bits.get(index)
    assert bits == _bits_with([(index + 1) % MIN_ENTRIES])
    bits.set(index, False)
    assert bits == _bits_with([(index + 1) % MIN_ENTRIES])


def test_equality_is_by_bits() -> None:
    assert StatusBits() != _bits_with([5])
    assert StatusBits() != StatusBits(MIN_ENTRIES + 8)
    assert StatusBits() != bytes(MIN_BYTES)


# --- refused encodings -----------------------------------------------------------------------


def _gzip_variant(name: str) -> str:
    zeros = bytes(MIN_BYTES)
    member = gzip.compress(zeros)
    variants = {
        "zlib wrapper": zlib.compress(zeros),
        "raw deflate": zlib.compress(zeros, wbits=-15),
        "uncompressed": zeros,
        "truncated": member[:-4],
        "header only": member[:10],
        "trailing byte": member + b"\x00",
        "two members": member + member,
        "bad crc": member[:-8] + bytes([member[-8] ^ 1]) + member[-7:],
        "bad length": member[:-4] + (MIN_BYTES + 1).to_bytes(4, "little"),
        "empty": b"",
    }
    return "u" + base64.urlsafe_b64encode(variants[name]).rstrip(b"=").decode()


def _stray_bits(encoded: str) -> str:
    """The same bytes with a non-zero unused bit in the last character (RFC 4648 §3.5)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(encoded[1:]) % 4 in (2, 3)
    return encoded[:-1] + alphabet[alphabet.index(encoded[-1]) | 1]


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (EXAMPLE_LIST[1:], "multibase"),
        ("z" + EXAMPLE_LIST[1:], "multibase"),
        ("U" + EXAMPLE_LIST[1:], "multibase"),
        ("", "multibase"),
        (None, "multibase"),
        (b"u" + EXAMPLE_LIST[1:].encode(), "multibase"),
        ("u!!!!", "base64url"),
        (EXAMPLE_LIST + "=", "base64url"),
        (EXAMPLE_LIST[:-3], "base64url"),
        (EXAMPLE_LIST.replace("-", "+"), "base64url"),
        (EXAMPLE_LIST[:20] + " " + EXAMPLE_LIST[20:], "base64url"),
        (EXAMPLE_LIST[:20] + "é" + EXAMPLE_LIST[20:], "base64url"),
        (_stray_bits(_gzip_variant("trailing byte")), "non-canonical"),
    ],
)
def test_refuses_bad_multibase_or_base64url(encoded: Any, message: str) -> None:
    with pytest.raises(MalformedStatusList, match=message) as caught:
        StatusBits.decode(encoded)
    assert type(caught.value) is MalformedStatusList
    assert caught.value.code == "status_list_malformed"
    assert caught.value.where == "encodedList"


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("zlib wrapper", "not GZIP"),
        ("raw deflate", "not GZIP"),
        ("uncompressed", "not GZIP"),
        ("truncated", "cut short"),
        ("header only", "cut short"),
        ("empty", "empty"),
        ("trailing byte", "after the GZIP member"),
        ("two members", "after the GZIP member"),
        ("bad crc", "not GZIP"),
        ("bad length", "not GZIP"),
    ],
)
def test_refuses_what_is_not_one_gzip_member(variant: str, message: str) -> None:
    with pytest.raises(MalformedStatusList, match=message) as caught:
        StatusBits.decode(_gzip_variant(variant))
    assert type(caught.value) is MalformedStatusList


@pytest.mark.parametrize("length", [0, 1, MIN_BYTES - 1])
def test_refuses_lists_under_the_minimum(length: int) -> None:
    with pytest.raises(StatusListTooShort, match=f"minimum of {MIN_ENTRIES}") as caught:
        StatusBits.decode(_encode(bytes(length)))
    assert caught.value.code == "status_list_too_short"
    assert isinstance(caught.value, MalformedStatusList)


def _gzip_bomb(expanded: int) -> str:
    """GZIP of ``expanded`` zero bytes, made a MiB at a time so the test never holds them."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [deflater.compress(chunk) for _ in range(expanded >> 20)]
    parts.append(deflater.flush())
    return "u" + base64.urlsafe_b64encode(b"".join(parts)).rstrip(b"=").decode()


def test_refuses_a_gzip_bomb_without_expanding_it() -> None:
    bomb = _gzip_bomb(4 * MAX_LIST_BYTES)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(StatusListTooLarge, match=f"limit of {MAX_LIST_BYTES} bytes") as caught:
            StatusBits.decode(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "status_list_too_large"
    assert peak < 3 * MAX_LIST_BYTES


def test_max_bytes_bounds_the_expansion() -> None:
    encoded = _encode(bytes(MIN_BYTES + 1))
    assert len(StatusBits.decode(encoded, max_bytes=MIN_BYTES + 1)) == MIN_ENTRIES + 8
    with pytest.raises(StatusListTooLarge, match=f"limit of {MIN_BYTES} bytes"):
        StatusBits.decode(encoded, max_bytes=MIN_BYTES)


def test_refuses_encoded_text_longer_than_any_list_within_the_limit() -> None:
    with pytest.raises(StatusListTooLarge, match="characters"):
        StatusBits.decode("u" + "A" * 4 * MIN_BYTES, max_bytes=MIN_BYTES)


def test_an_incompressible_list_at_the_limit_is_read() -> None:
    """The length bound leaves room for GZIP's stored blocks: the worst case still decodes."""
    raw = _seeded(7).randbytes(MIN_BYTES)
    assert _expand(StatusBits.decode(_encode(raw), max_bytes=MIN_BYTES).encode()) == raw


# --- sizes and indexes -----------------------------------------------------------------------


def test_default_size_is_the_spec_minimum() -> None:
    assert MIN_ENTRIES == 131_072 == 16 * 1024 * 8
    assert len(StatusBits()) == MIN_ENTRIES


@pytest.mark.parametrize(
    ("size", "error"),
    [
        (MIN_ENTRIES - 8, StatusListTooShort),
        (0, StatusListTooShort),
        (-MIN_ENTRIES, StatusListTooShort),
        (MIN_ENTRIES + 1, MalformedStatusList),
        (MIN_ENTRIES + 4, MalformedStatusList),
        (MAX_LIST_BYTES * 8 + 8, StatusListTooLarge),
    ],
)
def test_refuses_bad_sizes(size: int, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        StatusBits(size)
    assert caught.value.__class__ is error


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, MIN_ENTRIES + 7, 10**30])
def test_out_of_range_index(index: int) -> None:
    bits = StatusBits()
    for action in (lambda: bits.get(index), lambda: bits.set(index, True)):
        with pytest.raises(StatusIndexOutOfRange) as caught:
            action()
        assert (caught.value.index, caught.value.size) == (index, MIN_ENTRIES)
        assert caught.value.code == "status_index_out_of_range"
        assert f"outside 0..{MIN_ENTRIES - 1}" in str(caught.value)
    assert bits == StatusBits()


# --- status entries --------------------------------------------------------------------------


@given(
    st.sampled_from(sorted(STATUS_PURPOSES)),
    st.integers(0, 10**18 - 1),
    st.sampled_from([LIST_URL, "http://localhost:8000/status/1", "https://example.com/s?x=1"]),
)
def test_entry_round_trip(purpose: str, index: int, url: str) -> None:
    entry = StatusEntry(purpose, index, url)
    document = entry.to_json()
    assert document == {
        "id": f"{url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    assert parse_status_entry(json.loads(json.dumps(document))) == entry


def test_entry_with_status_size_one_is_read() -> None:
    document = {**StatusEntry(REVOCATION, 7, LIST_URL).to_json(), "statusSize": 1}
    assert parse_status_entry(document) == StatusEntry(REVOCATION, 7, LIST_URL)


_DROP = object()


def _entry_with(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = StatusEntry(SUSPENSION, 94567, LIST_URL).to_json()
    for name, value in changes.items():
        if value is _DROP:
            del document[name]
        else:
            document[name] = value
    return document


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "credentialStatus"),
        ("https://example.com/status/1#3", "credentialStatus"),
        (_entry_with(type="StatusList2021Entry"), "credentialStatus.type"),
        (_entry_with(type=[ENTRY_TYPE]), "credentialStatus.type"),
        (_entry_with(statusPurpose="message"), "credentialStatus.statusPurpose"),
        (_entry_with(statusPurpose="refresh"), "credentialStatus.statusPurpose"),
        (_entry_with(statusPurpose="Revocation"), "credentialStatus.statusPurpose"),
        (_entry_with(statusPurpose=[REVOCATION]), "credentialStatus.statusPurpose"),
        (_entry_with(statusListIndex=94567), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="094567"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="-1"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="+1"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex=" 1"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="1.0"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="0x10"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="١٢"), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex=""), "credentialStatus.statusListIndex"),
        (_entry_with(statusListIndex="1" * 19), "credentialStatus.statusListIndex"),
        (
            _entry_with(statusListCredential="did:example:12345"),
            "credentialStatus.statusListCredential",
        ),
        (
            _entry_with(statusListCredential="ftp://example.com/s"),
            "credentialStatus.statusListCredential",
        ),
        (_entry_with(statusListCredential="https://"), "credentialStatus.statusListCredential"),
        (
            _entry_with(statusListCredential="https://[::1/s"),
            "credentialStatus.statusListCredential",
        ),
        (
            _entry_with(statusListCredential="https://example.com/s#list"),
            "credentialStatus.statusListCredential",
        ),
        (
            _entry_with(statusListCredential="https://example.com/a b"),
            "credentialStatus.statusListCredential",
        ),
        (
            _entry_with(statusListCredential="https://x/" + "a" * 2048),
            "credentialStatus.statusListCredential",
        ),
        (_entry_with(statusListCredential=None), "credentialStatus.statusListCredential"),
        (_entry_with(id=LIST_URL), "credentialStatus.id"),
        (_entry_with(id=f"{LIST_URL}#94568"), "credentialStatus.id"),
        (_entry_with(id=f"{LIST_URL}#094567"), "credentialStatus.id"),
        (_entry_with(id=_DROP), "credentialStatus"),
        (_entry_with(statusListIndex=_DROP), "credentialStatus"),
        (_entry_with(statusSize=2), "credentialStatus.statusSize"),
        (_entry_with(statusSize=True), "credentialStatus.statusSize"),
        (_entry_with(statusSize="1"), "credentialStatus.statusSize"),
        (_entry_with(statusReference="https://example.org/why"), "credentialStatus"),
        (_entry_with(statusMessage=[]), "credentialStatus"),
    ],
)
def test_refused_entries(document: Any, where: str) -> None:
    with pytest.raises(MalformedStatusEntry) as caught:
        parse_status_entry(document)
    assert caught.value.where == where
    assert caught.value.code == "status_entry_malformed"


@pytest.mark.parametrize(
    ("purpose", "index", "url"),
    [
        ("message", 1, LIST_URL),
        (REVOCATION, -1, LIST_URL),
        (REVOCATION, 10**18, LIST_URL),
        (REVOCATION, True, LIST_URL),
        (REVOCATION, 1, "urn:skillcert:list:1"),
    ],
)
def test_entries_are_checked_when_made(purpose: str, index: int, url: str) -> None:
    with pytest.raises(MalformedStatusEntry):
        StatusEntry(purpose, index, url)


def test_entry_id_is_derived() -> None:
    assert StatusEntry(REVOCATION, 0, LIST_URL).id == f"{LIST_URL}#0"


# --- the status list credential --------------------------------------------------------------


def test_credential_known_answer() -> None:
    document = status_list_credential(
        list_id="https://example.com/credentials/status/3",
        issuer="did:example:12345",
        purpose=REVOCATION,
        bits=StatusBits(),
        valid_from=datetime(2021, 4, 5, 14, 27, 40, tzinfo=UTC),
    )
    expected = copy.deepcopy(EXAMPLE)
    # The example's subject id is not derived from its credential id; ours always is.
    expected["credentialSubject"]["id"] = "https://example.com/credentials/status/3#list"
    if "zlib-ng" in zlib.ZLIB_RUNTIME_VERSION:
        expected["credentialSubject"]["encodedList"] = StatusBits().encode()
    assert document == expected


@pytest.mark.parametrize("purpose", sorted(STATUS_PURPOSES))
def test_credential_round_trip(purpose: str) -> None:
    bits = _bits_with([0, 94567, MIN_ENTRIES - 1])
    document = status_list_credential(
        list_id=LIST_URL,
        issuer=ISSUER,
        purpose=purpose,
        bits=bits,
        valid_from=datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
    )
    assert document["validFrom"] == "2026-03-01T00:00:00Z"
    assert document["credentialSubject"]["id"] == f"{LIST_URL}#list"
    assert parse_status_list_credential(json.loads(json.dumps(document))) == (
        purpose,
        bits,
        LIST_URL,
    )


def test_credential_needs_an_aware_valid_from() -> None:
    with pytest.raises(StatusListError, match="timezone-aware") as caught:
        status_list_credential(
            list_id=LIST_URL,
            issuer=ISSUER,
            purpose=REVOCATION,
            bits=StatusBits(),
            valid_from=datetime(2026, 1, 1),
        )
    assert type(caught.value) is StatusListError
    assert caught.value.code == "status_list_error"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"list_id": "urn:skillcert:list:1"}, "id"),
        ({"list_id": f"{LIST_URL}#list"}, "id"),
        ({"issuer": ""}, "issuer"),
        ({"purpose": "message"}, "credentialSubject.statusPurpose"),
    ],
)
def test_credential_refuses_bad_arguments(changes: dict[str, str], where: str) -> None:
    arguments: dict[str, Any] = {
        "list_id": LIST_URL,
        "issuer": ISSUER,
        "purpose": REVOCATION,
        "bits": StatusBits(),
        "valid_from": datetime(2026, 1, 1, tzinfo=UTC),
    }
    with pytest.raises(MalformedStatusList) as caught:
        status_list_credential(**{**arguments, **changes})
    assert caught.value.where == where


def _example_with(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    change(document)
    return document


@pytest.mark.parametrize(
    "document",
    [
        _example_with(
            lambda d: d["@context"].append("https://www.w3.org/ns/credentials/status/v1")
        ),
        _example_with(lambda d: d.update(issuer={"id": "did:example:12345", "name": "Example"})),
        _example_with(lambda d: d.update(validUntil="2031-04-05T14:27:40Z")),
        _example_with(lambda d: d["type"].append("ExampleCredential")),
        _example_with(lambda d: d["credentialSubject"].update(statusSize=1, ttl=3_600_000)),
        _example_with(lambda d: d["credentialSubject"].pop("id")),
        _example_with(lambda d: d.update(proof={"type": "DataIntegrityProof"})),
    ],
)
def test_credential_variants_that_are_read(document: dict[str, Any]) -> None:
    assert parse_status_list_credential(document) == (
        REVOCATION,
        StatusBits(),
        "https://example.com/credentials/status/3",
    )


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([EXAMPLE], "status list credential"),
        (_example_with(lambda d: d.pop("@context")), "@context"),
        (_example_with(lambda d: d.update({"@context": []})), "@context"),
        (
            _example_with(lambda d: d.update({"@context": "https://www.w3.org/ns/credentials/v2"})),
            "@context",
        ),
        (
            _example_with(
                lambda d: d["@context"].insert(0, "https://www.w3.org/2018/credentials/v1")
            ),
            "@context",
        ),
        (_example_with(lambda d: d.update(type=["VerifiableCredential"])), "type"),
        (_example_with(lambda d: d.update(type="BitstringStatusListCredential")), "type"),
        (
            _example_with(
                lambda d: d.update(
                    type=["VerifiableCredential", "BitstringStatusListCredential", {}]
                )
            ),
            "type",
        ),
        (
            _example_with(
                lambda d: d.update(type=["StatusList2021Credential", "VerifiableCredential"])
            ),
            "type",
        ),
        (_example_with(lambda d: d.pop("id")), "id"),
        (_example_with(lambda d: d.update(id="did:example:status:3")), "id"),
        (_example_with(lambda d: d.update(id="https://example.com/credentials/status/3#x")), "id"),
        (_example_with(lambda d: d.pop("issuer")), "issuer"),
        (_example_with(lambda d: d.update(issuer="")), "issuer"),
        (_example_with(lambda d: d.update(issuer={"name": "Example"})), "issuer"),
        (_example_with(lambda d: d.update(validFrom="2021-04-05")), "validFrom"),
        (_example_with(lambda d: d.update(validFrom="2021-04-05T14:27:40")), "validFrom"),
        (_example_with(lambda d: d.update(validUntil=1617632860)), "validUntil"),
        (_example_with(lambda d: d.pop("credentialSubject")), "credentialSubject"),
        (
            _example_with(lambda d: d.update(credentialSubject=[EXAMPLE["credentialSubject"]])),
            "credentialSubject",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].update(type="StatusList2021")),
            "credentialSubject.type",
        ),
        (_example_with(lambda d: d["credentialSubject"].update(id=3)), "credentialSubject.id"),
        (
            _example_with(lambda d: d["credentialSubject"].update(statusPurpose=["revocation"])),
            "credentialSubject.statusPurpose",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].update(statusPurpose="message")),
            "credentialSubject.statusPurpose",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].pop("statusPurpose")),
            "credentialSubject.statusPurpose",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].update(statusSize=2)),
            "credentialSubject.statusSize",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].pop("encodedList")),
            "credentialSubject.encodedList",
        ),
        (
            _example_with(lambda d: d["credentialSubject"].update(encodedList=EXAMPLE_LIST[1:])),
            "encodedList",
        ),
    ],
)
def test_credential_refusals(document: Any, where: str) -> None:
    with pytest.raises(MalformedStatusList) as caught:
        parse_status_list_credential(document)
    assert caught.value.where == where


def test_credential_max_bytes_reaches_the_decoder() -> None:
    document = _example_with(
        lambda d: d["credentialSubject"].update(encodedList=_encode(bytes(MIN_BYTES + 8)))
    )
    assert len(parse_status_list_credential(document)[1]) == MIN_ENTRIES + 64
    with pytest.raises(StatusListTooLarge):
        parse_status_list_credential(document, max_bytes=MIN_BYTES)


# --- index allocation ------------------------------------------------------------------------


@pytest.mark.parametrize("as_predicate", [False, True])
def test_allocation_avoids_taken_indexes(as_predicate: bool) -> None:
    taken = set(range(0, MIN_ENTRIES, 2))
    chosen = allocate_indexes(taken.__contains__ if as_predicate else taken, 1000, rng=_seeded(1))
    assert len(chosen) == len(set(chosen)) == 1000
    assert all(index % 2 == 1 and 0 <= index < MIN_ENTRIES for index in chosen)


def test_allocation_is_reproducible_with_an_injected_source() -> None:
    first = allocate_indexes(set(), 50, rng=_seeded(42))
    assert first == allocate_indexes(set(), 50, rng=_seeded(42))
    assert first != allocate_indexes(set(), 50, rng=_seeded(43))


def test_allocation_is_spread_not_sequential() -> None:
    chosen = allocate_indexes(set(), 16_000, rng=_seeded(5))
    assert chosen != sorted(chosen)
    buckets = [0] * 16
    for index in chosen:
        buckets[index * 16 // MIN_ENTRIES] += 1
    assert all(800 < count < 1200 for count in buckets), buckets
    runs = sum(b == a + 1 for a, b in itertools.pairwise(chosen))
    assert runs < 10


def test_default_source_is_the_os_csprng(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []

    class Recording(random.SystemRandom):
        def randbytes(self, n: int) -> bytes:
            drawn.append(n)
            return super().randbytes(n)

    monkeypatch.setattr("schemas.status_list.secrets.SystemRandom", Recording)
    chosen = allocate_indexes(set(), 10)
    assert len(set(chosen)) == 10
    assert drawn


def test_filling_a_whole_list_in_batches_uses_every_index_once() -> None:
    rng = _seeded(9)
    taken: set[int] = set()
    order: list[int] = []
    while len(taken) < MIN_ENTRIES:
        batch = allocate_indexes(taken, min(5000, MIN_ENTRIES - len(taken)), rng=rng)
        assert taken.isdisjoint(batch)
        taken.update(batch)
        order.extend(batch)
    assert sorted(order) == list(range(MIN_ENTRIES))
    with pytest.raises(StatusListFull) as caught:
        allocate_indexes(taken, 1, rng=rng)
    assert (caught.value.wanted, caught.value.free, caught.value.size) == (1, 0, MIN_ENTRIES)


@pytest.mark.parametrize("as_predicate", [False, True])
def test_nearly_full_list(as_predicate: bool) -> None:
    free = {3, 777, 65_536, 131_071}
    taken = set(range(MIN_ENTRIES)) - free
    source = taken.__contains__ if as_predicate else taken
    assert set(allocate_indexes(source, 4, rng=_seeded(2))) == free
    two = allocate_indexes(source, 2, rng=_seeded(2))
    assert len(two) == 2
    assert set(two) < free
    with pytest.raises(StatusListFull, match="5 indexes wanted, 4 of 131072 free") as caught:
        allocate_indexes(source, 5, rng=_seeded(2))
    assert caught.value.free == 4
    assert caught.value.code == "status_list_full"


def test_allocation_past_the_draw_budget_stays_uniform() -> None:
    """With 1,000 of 131,072 indexes free, draws find fewer than 600 within their budget and the
    scan supplies the rest; it must pick them at random too, not the lowest free ones."""
    free = list(range(0, MIN_ENTRIES, 131))[:1000]
    taken = set(range(MIN_ENTRIES)) - set(free)
    chosen = allocate_indexes(taken, 600, rng=_seeded(3))
    assert set(chosen) <= set(free)
    upper = sum(index >= free[500] for index in chosen)
    assert 250 < upper < 350


def test_allocation_is_uniform_in_a_list_of_three() -> None:
    """A size that is not a power of two: no value is favoured or left out."""
    firsts = [allocate_indexes(set(), 1, size=3, rng=_seeded(seed))[0] for seed in range(600)]
    assert all(150 < firsts.count(value) < 250 for value in range(3))


def test_allocation_in_a_small_list() -> None:
    assert sorted(allocate_indexes({1}, 2, size=3, rng=_seeded(0))) == [0, 2]
    assert allocate_indexes(set(), 0) == []


@pytest.mark.parametrize(
    ("count", "size"), [(-1, MIN_ENTRIES), (1, 0), (1, -8), (1, MAX_LIST_BYTES * 8 + 1)]
)
def test_allocation_refuses_bad_arguments(count: int, size: int) -> None:
    with pytest.raises(StatusListError) as caught:
        allocate_indexes(set(), count, size=size)
    assert type(caught.value) is StatusListError


# --- error codes -----------------------------------------------------------------------------


def test_status_list_error_codes_are_documented() -> None:
    table = (Path(__file__).parents[2] / "docs" / "errors.md").read_text()
    classes = [
        getattr(errors, name)
        for name in errors.__all__
        if issubclass(getattr(errors, name), StatusListError)
    ]
    codes = [cls.code for cls in classes]
    assert len(classes) == 7
    assert len(set(codes)) == len(codes)
    for cls in classes:
        assert re.search(rf"\| `{cls.__name__}` \| `{cls.code}` \|", table), cls
