"""Signing: RFC 8037 A.4 through our signer, the VC-JOSE header, and a second JOSE library."""

from __future__ import annotations

import json
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws as joserfc_jws
from joserfc.jwk import OKPKey

from issuer.keys import public_jwk
from issuer.signing import Signer, encode_protected_header, sign_compact
from schemas.b64 import b64url_decode, b64url_encode
from schemas.credential import CredentialClaims, read_credential
from tests.conftest import NOW, VECTORS, MemoryLog, trust_for, trusted_with_log
from verifier import Result, verify_credential

RFC8037 = json.loads((VECTORS / "jose" / "rfc8037_ed25519.json").read_text())
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def test_rfc8037_a4_through_our_signer() -> None:
    key = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037["private_jwk"]["d"]))
    header = encode_protected_header({})
    assert header == RFC8037["protected_header_b64"]
    assert sign_compact(RFC8037["payload"].encode(), key, header) == RFC8037["jws"]


def test_same_bytes_as_pyjwt_encode(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    key = Ed25519PrivateKey.generate()
    headers = {"kid": "urn:skillcert:issuer:x#abc", "typ": "vc+jwt", "cty": "vc"}
    payload = b64url_decode(signer.issue(make_claims()).jws.split(".")[1])
    ours = sign_compact(payload, key, encode_protected_header(headers))
    assert ours == jwt.PyJWS().encode(payload, key, algorithm="EdDSA", headers=headers)


def test_vc_jose_header_and_payload(
    signer: Signer, make_claims: Callable[..., CredentialClaims]
) -> None:
    issued = signer.issue(make_claims())
    header_b64, payload_b64, _ = issued.jws.split(".")
    assert json.loads(b64url_decode(header_b64)) == {
        "alg": "EdDSA",
        "cty": "vc",
        "kid": signer.kid,
        "typ": "vc+jwt",
    }
    payload = json.loads(b64url_decode(payload_b64))
    assert "vc" not in payload and "iss" not in payload and "sub" not in payload
    assert payload["id"] == issued.id
    assert read_credential(payload).claims == make_claims()


def test_ids_are_random_uuids(signer: Signer, make_claims: Callable[..., CredentialClaims]) -> None:
    ids = {signer.issue(make_claims()).id for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("urn:uuid:") and i[23] == "4" for i in ids)


def _joserfc_key(signer_key: Ed25519PrivateKey, private: bool) -> OKPKey:
    jwk: dict[str, str] = dict(public_jwk(signer_key))
    if private:
        raw = signer_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        jwk["d"] = b64url_encode(raw)
    return OKPKey.import_key(jwk)


def test_joserfc_verifies_our_credentials(make_claims: Callable[..., CredentialClaims]) -> None:
    key = Ed25519PrivateKey.generate()
    signer = Signer("urn:skillcert:issuer:x", "X", key)
    issued = signer.issue(make_claims())
    verified = joserfc_jws.deserialize_compact(
        issued.jws, _joserfc_key(key, private=False), algorithms=["EdDSA"]
    )
    assert verified.headers()["kid"] == signer.kid
    assert json.loads(verified.payload)["id"] == issued.id


def test_joserfc_rejects_our_credential_when_tampered(
    make_claims: Callable[..., CredentialClaims],
) -> None:
    key = Ed25519PrivateKey.generate()
    issued = Signer("urn:skillcert:issuer:x", "X", key).issue(make_claims())
    header, _, signature = issued.jws.split(".")
    other = Signer("urn:skillcert:issuer:x", "X", key).issue(make_claims(level_code="3"))
    forged = ".".join([header, other.jws.split(".")[1], signature])
    with pytest.raises(Exception, match="signature"):
        joserfc_jws.deserialize_compact(forged, _joserfc_key(key, False), algorithms=["EdDSA"])


def test_our_verifier_accepts_joserfc_tokens(
    make_claims: Callable[..., CredentialClaims], memory_log: MemoryLog
) -> None:
    key = Ed25519PrivateKey.generate()
    ours = Signer("urn:skillcert:issuer:x", "X", key)
    credential_payload = b64url_decode(ours.issue(make_claims()).jws.split(".")[1])
    token = joserfc_jws.serialize_compact(
        {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ours.kid},
        credential_payload,
        _joserfc_key(key, private=True),
        algorithms=["EdDSA"],
    )
    evidence = memory_log.record(token)
    report = verify_credential(token, trusted_with_log(memory_log, ours), NOW, evidence)
    assert report.result is Result.VALID, report.to_json()
    tampered = token.replace(token.split(".")[1], b64url_encode(credential_payload[:-1] + b" }"))
    assert verify_credential(tampered, trust_for(ours), NOW).failed[0].code == "signature.invalid"
