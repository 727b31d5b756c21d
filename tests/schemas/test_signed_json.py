"""Authority-signed JSON: compact and detached JWS with a fixed header, checked on reading."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws as joserfc_jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey

from schemas.b64 import b64url_decode, b64url_encode
from schemas.canonical import canonical_json
from schemas.errors import MalformedDocument, SignedDocumentError
from schemas.jwk import jwk_thumbprint
from schemas.signed_json import (
    AuthorityKey,
    sign_detached,
    sign_json,
    verify_detached,
    verify_json,
)
from tests.conftest import VECTORS

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

RFC8037 = json.loads((VECTORS / "jose" / "rfc8037_ed25519.json").read_text())
TYP = "skillcert-governance+json"
LIMIT = 1 << 16
DOCUMENT = {"type": "issuer_registered", "name": "广东省职业技能鉴定中心", "n": [1, 2.5, None]}


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def authority(key: Ed25519PrivateKey) -> AuthorityKey:
    return AuthorityKey.from_public_key(key.public_key())


def rfc8037_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037["private_jwk"]["d"]))


def header_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return decoded


def compact(header: dict[str, Any] | bytes, payload: bytes, key: Ed25519PrivateKey) -> str:
    """A compact JWS with exactly this header and payload, correctly signed by ``key``."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    signing_input = f"{b64url_encode(raw)}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def good_header(authority: AuthorityKey, **changes: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "kid": authority.kid, "typ": TYP, **changes}


def joserfc_key(key: Ed25519PrivateKey, *, private: bool) -> OKPKey:
    return OKPKey.import_key(key if private else key.public_key())


# --- the authority key ---------------------------------------------------------------------------


def test_kid_of_the_rfc8037_example_key_is_its_rfc7638_thumbprint() -> None:
    authority = AuthorityKey.from_public_key(rfc8037_private_key().public_key())
    assert authority.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert authority.kid == RFC8037["thumbprint"]
    assert authority.jwk == {**RFC8037["public_jwk"], "kid": RFC8037["thumbprint"]}


def test_kid_matches_an_independent_thumbprint(authority: AuthorityKey) -> None:
    assert authority.kid == OKPKey.import_key(authority.public_key).thumbprint()
    assert jwk_thumbprint(authority.jwk) == authority.kid


def test_keys_with_the_same_public_half_are_equal(key: Ed25519PrivateKey) -> None:
    assert AuthorityKey.from_public_key(key.public_key()) == AuthorityKey.from_public_key(
        key.public_key()
    )
    other = AuthorityKey.from_public_key(Ed25519PrivateKey.generate().public_key())
    assert other.kid != AuthorityKey.from_public_key(key.public_key()).kid


# --- compact JWS ---------------------------------------------------------------------------------


def test_signed_document_round_trips(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    token = sign_json(DOCUMENT, key, TYP)
    assert verify_json(token, authority, TYP, limit=LIMIT) == DOCUMENT


def test_header_is_exactly_alg_kid_typ(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    assert header_of(sign_json(DOCUMENT, key, TYP)) == {
        "alg": "EdDSA",
        "kid": authority.kid,
        "typ": TYP,
    }


def test_payload_is_the_rfc8785_form(key: Ed25519PrivateKey) -> None:
    token = sign_json({"b": 1, "a": "é", "c": 1.0}, key, TYP)
    assert b64url_decode(token.split(".")[1]) == b'{"a":"\xc3\xa9","b":1,"c":1}'


def test_same_document_in_another_member_order_signs_the_same_token(
    key: Ed25519PrivateKey,
) -> None:
    reordered = dict(reversed(DOCUMENT.items()))
    assert sign_json(reordered, key, TYP) == sign_json(DOCUMENT, key, TYP)


def test_rfc8037_example_jws_is_refused_for_lacking_kid_and_typ() -> None:
    """RFC 8037 A.4's token is a valid signature by the example key, but its header is only
    ``{"alg":"EdDSA"}``; the authority's documents always name their key and type."""
    authority = AuthorityKey.from_public_key(rfc8037_private_key().public_key())
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(RFC8037["jws"], authority, TYP, limit=LIMIT)
    assert refused.value.where == "header"


def test_tampered_payload_is_refused(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    header, _, signature = sign_json(DOCUMENT, key, TYP).split(".")
    forged = f"{header}.{b64url_encode(canonical_json({**DOCUMENT, 'name': 'x'}))}.{signature}"
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(forged, authority, TYP, limit=LIMIT)
    assert refused.value.where == "signature"


def test_header_rewritten_with_the_same_members_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    """The header passes every member check, so only the signature can catch the edit."""
    _, payload, signature = sign_json(DOCUMENT, key, TYP).split(".")
    spaced = b64url_encode(json.dumps(good_header(authority), indent=1).encode())
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(f"{spaced}.{payload}.{signature}", authority, TYP, limit=LIMIT)
    assert refused.value.where == "signature"


def test_header_retyped_after_signing_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    """A governance change cannot be passed off as a bundle by editing its ``typ``."""
    _, payload, signature = sign_json(DOCUMENT, key, TYP).split(".")
    retyped = b64url_encode(json.dumps(good_header(authority, typ="other+json")).encode())
    with pytest.raises(SignedDocumentError):
        verify_json(f"{retyped}.{payload}.{signature}", authority, "other+json", limit=LIMIT)


def test_document_by_another_key_is_refused_naming_both_kids(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    other = Ed25519PrivateKey.generate()
    token = sign_json(DOCUMENT, other, TYP)
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(token, authority, TYP, limit=LIMIT)
    assert refused.value.where == "header.kid"
    assert authority.kid in refused.value.message
    assert AuthorityKey.from_public_key(other.public_key()).kid in refused.value.message


def test_another_key_claiming_the_authority_kid_is_refused(authority: AuthorityKey) -> None:
    forged = compact(good_header(authority), canonical_json(DOCUMENT), Ed25519PrivateKey.generate())
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(forged, authority, TYP, limit=LIMIT)
    assert refused.value.where == "signature"


def test_wrong_typ_is_refused(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    token = sign_json(DOCUMENT, key, "skillcert-trust-bundle+json")
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(token, authority, TYP, limit=LIMIT)
    assert refused.value.where == "header.typ"


@pytest.mark.parametrize(
    "extra",
    [
        {"crit": ["exp"]},
        {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": RFC8037["public_jwk"]["x"]}},
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": ["MIIB"]},
        {"cty": "json"},
        {"b64": False},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_extra_header_members_are_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey, extra: dict[str, Any]
) -> None:
    token = compact(good_header(authority, **extra), canonical_json(DOCUMENT), key)
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(token, authority, TYP, limit=LIMIT)
    assert refused.value.where == "header"


@pytest.mark.parametrize("member", ["alg", "kid", "typ"])
def test_missing_header_member_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey, member: str
) -> None:
    header = good_header(authority)
    del header[member]
    with pytest.raises(SignedDocumentError):
        verify_json(compact(header, canonical_json(DOCUMENT), key), authority, TYP, limit=LIMIT)


@pytest.mark.parametrize("alg", ["HS256", "RS256", "ES256", "Ed25519", "eddsa", "EdDSA ", None])
def test_alg_other_than_eddsa_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey, alg: str | None
) -> None:
    token = compact(good_header(authority, alg=alg), canonical_json(DOCUMENT), key)
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(token, authority, TYP, limit=LIMIT)
    assert refused.value.where == "header.alg"


def test_alg_none_is_refused(authority: AuthorityKey) -> None:
    header = b64url_encode(json.dumps(good_header(authority, alg="none")).encode())
    unsigned = f"{header}.{b64url_encode(canonical_json(DOCUMENT))}."
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(unsigned, authority, TYP, limit=LIMIT)
    assert refused.value.where == "header.alg"


def test_header_repeating_alg_is_refused(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    """``{"alg":"none", ..., "alg":"EdDSA"}`` reads as EdDSA to a last-wins parser and as none
    to a first-wins one; a header readable two ways is not read at all."""
    raw = f'{{"alg":"none","kid":"{authority.kid}","typ":"{TYP}","alg":"EdDSA"}}'.encode()
    with pytest.raises(SignedDocumentError) as refused:
        verify_json(compact(raw, canonical_json(DOCUMENT), key), authority, TYP, limit=LIMIT)
    assert refused.value.where == "header"


@pytest.mark.parametrize("raw", [b"[]", b'"EdDSA"', b"not json", b"\xff\xfe"])
def test_header_that_is_not_a_json_object_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey, raw: bytes
) -> None:
    with pytest.raises(SignedDocumentError):
        verify_json(compact(raw, canonical_json(DOCUMENT), key), authority, TYP, limit=LIMIT)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        '{"payload":"e30","signatures":[]}',
        None,
        b"eyJ.e30.sig",
    ],
    ids=["empty", "two-parts", "four-parts", "json-serialisation", "none", "bytes"],
)
def test_what_is_not_a_compact_jws_is_refused(authority: AuthorityKey, token: Any) -> None:
    with pytest.raises(SignedDocumentError):
        verify_json(token, authority, TYP, limit=LIMIT)


def test_signature_with_stray_bits_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    """The 86th character of a 64-byte signature carries four unused bits; setting one must
    not give a second valid spelling of the same token."""
    token = sign_json(DOCUMENT, key, TYP)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = token[-1]
    stray = alphabet[alphabet.index(last) | 1]
    assert stray != last
    with pytest.raises(SignedDocumentError):
        verify_json(token[:-1] + stray, authority, TYP, limit=LIMIT)


@pytest.mark.parametrize(
    "payload",
    [b'{"a":1,"a":2}', b'{"a":NaN}', b'{"a":1} trailing', b"\xff"],
    ids=["duplicate-member", "nan", "trailing-data", "not-utf8"],
)
def test_signed_payload_that_is_not_strict_json_is_malformed(
    key: Ed25519PrivateKey, authority: AuthorityKey, payload: bytes
) -> None:
    with pytest.raises(MalformedDocument):
        verify_json(compact(good_header(authority), payload, key), authority, TYP, limit=LIMIT)


def test_payload_over_the_limit_is_refused(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    document = {"text": "x" * 1000}
    token = sign_json(document, key, TYP)
    limit = len(canonical_json(document)) - 1
    assert len(token) <= 2 * limit
    with pytest.raises(MalformedDocument):
        verify_json(token, authority, TYP, limit=limit)
    assert verify_json(token, authority, TYP, limit=limit + 1) == document
    with pytest.raises(SignedDocumentError):
        verify_json(token, authority, TYP, limit=len(token) // 2 - 1)


# --- detached JWS --------------------------------------------------------------------------------


def test_detached_signature_has_an_empty_payload_part(key: Ed25519PrivateKey) -> None:
    header, payload, signature = sign_detached(DOCUMENT, key, TYP).split(".")
    assert payload == ""
    assert header == sign_json(DOCUMENT, key, TYP).split(".")[0]
    assert len(b64url_decode(signature)) == 64


def test_detached_signature_verifies(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    verify_detached(DOCUMENT, sign_detached(DOCUMENT, key, TYP), authority, TYP)


def test_detached_signature_is_over_the_rfc8785_bytes(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    """Putting the canonical payload back between the dots gives a compact JWS that verifies."""
    header, _, signature = sign_detached(DOCUMENT, key, TYP).split(".")
    attached = f"{header}.{b64url_encode(canonical_json(DOCUMENT))}.{signature}"
    assert verify_json(attached, authority, TYP, limit=LIMIT) == DOCUMENT


def test_attached_token_is_not_a_detached_signature(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    with pytest.raises(SignedDocumentError):
        verify_detached(DOCUMENT, sign_json(DOCUMENT, key, TYP), authority, TYP)


def test_detached_signature_by_another_key_is_refused(authority: AuthorityKey) -> None:
    signature = sign_detached(DOCUMENT, Ed25519PrivateKey.generate(), TYP)
    with pytest.raises(SignedDocumentError):
        verify_detached(DOCUMENT, signature, authority, TYP)


def test_detached_signature_with_another_typ_is_refused(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    signature = sign_detached(DOCUMENT, key, "vc+jwt")
    with pytest.raises(SignedDocumentError) as refused:
        verify_detached(DOCUMENT, signature, authority, TYP)
    assert refused.value.where == "header.typ"


@pytest.mark.parametrize("signature", [None, "", "..", "abc", "a..b..c"])
def test_detached_signature_of_the_wrong_shape_is_refused(
    authority: AuthorityKey, signature: Any
) -> None:
    with pytest.raises(SignedDocumentError):
        verify_detached(DOCUMENT, signature, authority, TYP)


_leaf = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8)
_json = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
_documents = st.dictionaries(st.text(max_size=6), _json, min_size=1, max_size=6)


def _reordered(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, dict):
        keys = data.draw(st.permutations(list(value)))
        return {k: _reordered(value[k], data) for k in keys}
    if isinstance(value, list):
        return [_reordered(item, data) for item in value]
    return value


@settings(max_examples=40, deadline=None)
@given(document=_documents, data=st.data())
def test_detached_signature_holds_whatever_the_member_order(
    document: dict[str, Any], data: st.DataObject
) -> None:
    key = Ed25519PrivateKey.generate()
    authority = AuthorityKey.from_public_key(key.public_key())
    signature = sign_detached(document, key, TYP)
    verify_detached(_reordered(document, data), signature, authority, TYP)


def _changed(value: Any, data: st.DataObject) -> Any:
    """``value`` with one leaf, member name or list length changed."""
    if isinstance(value, dict) and value:
        name = data.draw(st.sampled_from(sorted(value)))
        if data.draw(st.booleans()):
            return {**value, name: _changed(value[name], data)}
        renamed = {k: v for k, v in value.items() if k != name}
        renamed[name + "\x00"] = value[name]
        return renamed
    if isinstance(value, list) and value:
        i = data.draw(st.integers(0, len(value) - 1))
        if data.draw(st.booleans()):
            return [*value[:i], _changed(value[i], data), *value[i + 1 :]]
        return value[:i] + value[i + 1 :]
    return data.draw(_leaf.filter(lambda new: canonical_json(new) != canonical_json(value)))


@settings(max_examples=40, deadline=None)
@given(document=_documents, data=st.data())
def test_detached_signature_fails_when_anything_changes(
    document: dict[str, Any], data: st.DataObject
) -> None:
    key = Ed25519PrivateKey.generate()
    authority = AuthorityKey.from_public_key(key.public_key())
    signature = sign_detached(document, key, TYP)
    changed = _changed(document, data)
    assert canonical_json(changed) != canonical_json(document)
    with pytest.raises(SignedDocumentError):
        verify_detached(changed, signature, authority, TYP)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: {**d, "type": "scope_granted"},
        lambda d: {**d, "n": [1, 2.5]},
        lambda d: {**d, "n": [1, 2.5, False]},
        lambda d: {**d, "extra": None},
        lambda d: {k: v for k, v in d.items() if k != "name"},
        lambda d: {**d, "name": d["name"] + " "},
    ],
    ids=["value", "array-shorter", "null-to-false", "member-added", "member-removed", "space"],
)
def test_detached_signature_fails_for_each_kind_of_edit(
    key: Ed25519PrivateKey, authority: AuthorityKey, edit: Any
) -> None:
    signature = sign_detached(DOCUMENT, key, TYP)
    with pytest.raises(SignedDocumentError) as refused:
        verify_detached(edit(DOCUMENT), signature, authority, TYP)
    assert refused.value.where == "signature"


# --- interoperability with joserfc --------------------------------------------------------------


def test_joserfc_verifies_our_tokens(key: Ed25519PrivateKey, authority: AuthorityKey) -> None:
    token = sign_json(DOCUMENT, key, TYP)
    verified = joserfc_jws.deserialize_compact(
        token, joserfc_key(key, private=False), algorithms=["EdDSA"]
    )
    assert verified.protected == {"alg": "EdDSA", "kid": authority.kid, "typ": TYP}
    assert json.loads(verified.payload) == DOCUMENT


def test_joserfc_rejects_our_token_when_tampered(key: Ed25519PrivateKey) -> None:
    header, _, signature = sign_json(DOCUMENT, key, TYP).split(".")
    forged = f"{header}.{b64url_encode(canonical_json({**DOCUMENT, 'n': []}))}.{signature}"
    with pytest.raises(BadSignatureError):
        joserfc_jws.deserialize_compact(
            forged, joserfc_key(key, private=False), algorithms=["EdDSA"]
        )


def test_joserfc_verifies_our_detached_signatures(key: Ed25519PrivateKey) -> None:
    signature = sign_detached(DOCUMENT, key, TYP)
    verified = joserfc_jws.deserialize_compact(
        signature,
        joserfc_key(key, private=False),
        algorithms=["EdDSA"],
        payload=canonical_json(DOCUMENT),
    )
    assert json.loads(verified.payload) == DOCUMENT


def test_we_verify_joserfc_tokens_with_our_header(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    token = joserfc_jws.serialize_compact(
        {"typ": TYP, "kid": authority.kid, "alg": "EdDSA"},
        canonical_json(DOCUMENT),
        joserfc_key(key, private=True),
        algorithms=["EdDSA"],
    )
    assert verify_json(token, authority, TYP, limit=LIMIT) == DOCUMENT


def test_we_refuse_joserfc_tokens_carrying_their_own_key(
    key: Ed25519PrivateKey, authority: AuthorityKey
) -> None:
    token = joserfc_jws.serialize_compact(
        {"alg": "EdDSA", "kid": authority.kid, "typ": TYP, "jwk": authority.jwk},
        canonical_json(DOCUMENT),
        joserfc_key(key, private=True),
        algorithms=["EdDSA"],
    )
    with pytest.raises(SignedDocumentError):
        verify_json(token, authority, TYP, limit=LIMIT)
