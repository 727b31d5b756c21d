from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import DocumentTooLarge, DuplicateKey, MalformedDocument, MalformedScope
from schemas.strict_json import parse_strict_json, require_members


def test_parses_ordinary_json() -> None:
    assert parse_strict_json(b'{"a":[1,2.5,"\xe7\x94\xb5"]}', limit=100) == {"a": [1, 2.5, "电"]}


@pytest.mark.parametrize(
    ("data", "error", "fragment"),
    [
        (b'{"a":1,"a":2}', DuplicateKey, "duplicate key 'a'"),
        (b'{"x":{"b":1,"b":1}}', DuplicateKey, "duplicate key 'b'"),
        (b'{"a":NaN}', MalformedDocument, "NaN"),
        (b'{"a":-Infinity}', MalformedDocument, "-Infinity"),
        (b'{"a":1} x', MalformedDocument, "Extra data"),
        (b"\xef\xbb\xbf{}", MalformedDocument, "byte order mark"),
        (b'{"a":"\xff"}', MalformedDocument, "not UTF-8 at byte 6"),
        (b'"\x00\x00', MalformedDocument, ""),
        (b"[" * 100_000, MalformedDocument, ""),
        (b'{"a":"\\ud800"}', MalformedDocument, "surrogate without its pair"),
        (b'{"\\uDFFF":1}', MalformedDocument, "surrogate without its pair"),
        (b'[["x","\\ude00\\ud83d"]]', MalformedDocument, "surrogate without its pair"),
    ],
)
def test_rejects(data: bytes, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        parse_strict_json(data, limit=1 << 20, what="payload")
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("payload: ")


def test_escaped_pairs_and_escaped_backslashes_are_text() -> None:
    assert parse_strict_json(b'["\\ud83d\\ude00", "\\\\ud800"]', limit=100) == ["😀", "\\ud800"]


_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(_DOCUMENTS)
def test_any_escaped_text_reads_back_as_written(document: Any) -> None:
    escaped = json.dumps(document, ensure_ascii=True).encode("ascii")
    assert parse_strict_json(escaped, limit=1 << 20) == document


@given(_DOCUMENTS, st.integers(0xD800, 0xDFFF), st.booleans())
def test_a_lone_surrogate_anywhere_is_refused(document: Any, code: int, as_key: bool) -> None:
    lone = chr(code)
    wrapped = {lone: document} if as_key else [document, lone]
    escaped = json.dumps(wrapped, ensure_ascii=True).encode("ascii")
    with pytest.raises(MalformedDocument, match="surrogate without its pair"):
        parse_strict_json(escaped, limit=1 << 20)


def test_size_limit_is_stated() -> None:
    with pytest.raises(DocumentTooLarge, match="11 bytes exceeds the limit of 10 bytes"):
        parse_strict_json(b'"123456789"', limit=10)
    assert parse_strict_json(b'"12345678"', limit=10) == "12345678"


def _members(document: Any, **options: Any) -> Any:
    return require_members(
        document,
        allowed=("a", "b", "c"),
        error=MalformedScope,
        where="here",
        what="a thing",
        **options,
    )


def test_require_members_returns_the_object() -> None:
    document = {"c": 3, "a": 1}
    assert _members(document, required=("a",)) is document
    proxy = MappingProxyType({"a": 1, "b": 2, "c": 3})
    assert _members(proxy) is proxy


@pytest.mark.parametrize(
    ("document", "options", "message"),
    [
        ([("a", 1)], {}, "a thing is a JSON object"),
        ({"z": 0, "a": 1, "y": 0}, {"required": ()}, "unknown member(s) y, z"),
        ({"z": 0}, {"required": (), "unknown_because": "only a to c"}, "z: only a to c"),
        ({"z": 0}, {}, "unknown member(s) z"),
        ({"b": 2}, {}, "missing member(s) a, c"),
        ({"b": 2}, {"required": ("c", "b")}, "missing member(s) c"),
    ],
)
def test_require_members_refuses_with_the_callers_error(
    document: Any, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedScope) as caught:
        _members(document, **options)
    assert caught.value.where == "here"
    assert message in caught.value.message
