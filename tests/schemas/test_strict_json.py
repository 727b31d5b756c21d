from __future__ import annotations

import pytest

from schemas.errors import DocumentTooLarge, DuplicateKey, MalformedDocument
from schemas.strict_json import parse_strict_json


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
    ],
)
def test_rejects(data: bytes, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        parse_strict_json(data, limit=1 << 20, what="payload")
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("payload: ")


def test_size_limit_is_stated() -> None:
    with pytest.raises(DocumentTooLarge, match="11 bytes exceeds the limit of 10 bytes"):
        parse_strict_json(b'"123456789"', limit=10)
    assert parse_strict_json(b'"12345678"', limit=10) == "12345678"
