"""RFC 7638 thumbprints and RFC 8037 Ed25519 JWKs against the RFCs' own examples."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.b64 import b64url_decode, b64url_encode
from schemas.errors import MalformedDocument
from schemas.jwk import (
    ed25519_public_jwk,
    jwk_thumbprint,
    make_kid,
    parse_ed25519_public_jwk,
    split_kid,
)
from tests.conftest import VECTORS

RFC7638 = json.loads((VECTORS / "jose" / "rfc7638_thumbprint.json").read_text())
RFC8037 = json.loads((VECTORS / "jose" / "rfc8037_ed25519.json").read_text())


def test_rfc7638_section_3_1_example() -> None:
    assert jwk_thumbprint(RFC7638["jwk"]) == RFC7638["thumbprint"]


def test_rfc8037_a3_thumbprint() -> None:
    assert jwk_thumbprint(RFC8037["public_jwk"]) == RFC8037["thumbprint"]


def test_thumbprint_ignores_optional_members() -> None:
    with_extras = {**RFC8037["public_jwk"], "kid": "x", "use": "sig", "alg": "EdDSA"}
    assert jwk_thumbprint(with_extras) == RFC8037["thumbprint"]


def test_public_jwk_round_trips_rfc8037_a2() -> None:
    raw = parse_ed25519_public_jwk(RFC8037["public_jwk"])
    assert ed25519_public_jwk(raw) == {k: RFC8037["public_jwk"][k] for k in ("kty", "crv", "x")}


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        "not an object",
    ],
)
def test_rejects_non_ed25519_public_keys(jwk: object) -> None:
    with pytest.raises(MalformedDocument):
        parse_ed25519_public_jwk(jwk)


def test_refuses_private_material_in_a_public_key() -> None:
    with pytest.raises(MalformedDocument, match="private"):
        parse_ed25519_public_jwk(RFC8037["private_jwk"])


def test_kid_names_issuer_and_key() -> None:
    kid = make_kid("urn:skillcert:issuer:a", RFC8037["public_jwk"])
    assert kid == f"urn:skillcert:issuer:a#{RFC8037['thumbprint']}"
    assert split_kid(kid) == ("urn:skillcert:issuer:a", RFC8037["thumbprint"])
    with pytest.raises(MalformedDocument):
        split_kid("no-fragment")


@pytest.mark.parametrize("text", ["AA=", "A", "AB", "a+b/", "AB C", "é"])
def test_b64url_is_strict(text: str) -> None:
    with pytest.raises(MalformedDocument):
        b64url_decode(text)


def test_b64url_decodes_canonical_text() -> None:
    assert b64url_decode("AQ") == b"\x01"
    assert b64url_decode("") == b""


@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


def _reference_b64url_decode(text: str) -> bytes | None:
    """RFC 4648 §5 read literally: the URL alphabet only, no padding, zero spare bits."""
    if len(text) % 4 == 1 or not re.fullmatch(r"[A-Za-z0-9_-]*", text, flags=re.ASCII):
        return None
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return decoded if base64.urlsafe_b64encode(decoded).decode().rstrip("=") == text else None


@given(st.text(alphabet="AQgw_-9Zz+/= \n!é\x00", max_size=24))
def test_b64url_accepts_exactly_what_the_rfc_allows(text: str) -> None:
    expected = _reference_b64url_decode(text)
    if expected is None:
        with pytest.raises(MalformedDocument):
            b64url_decode(text)
    else:
        assert b64url_decode(text) == expected


@given(st.binary(min_size=1, max_size=64), st.data())
def test_b64url_has_one_encoding_per_value(data: bytes, draw: st.DataObject) -> None:
    text = b64url_encode(data)
    position = draw.draw(st.integers(0, len(text) - 1))
    replacement = draw.draw(st.sampled_from("AQgw_-9Zz"))
    altered = text[:position] + replacement + text[position + 1 :]
    if altered == text:
        return
    try:
        decoded = b64url_decode(altered)
    except MalformedDocument:
        return
    assert decoded != data
