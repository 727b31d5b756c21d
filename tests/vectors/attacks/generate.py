"""Regenerate corpus.json: hostile and broken credential tokens, each with the code it must get.

Run from the project root: ``.venv/bin/python -m tests.vectors.attacks.generate``. Tokens are
built by hand (base64url parts and raw signatures), not through a JOSE library, so that each
carries exactly the defect named. The signing keys are fixed seeds so Ed25519 output is stable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.keys import public_jwk
from schemas.b64 import b64url_encode
from schemas.credential import CredentialClaims, build_credential
from schemas.identity import hash_national_id
from schemas.jwk import make_kid

OUT = Path(__file__).with_name("corpus.json")
ISSUER = "urn:skillcert:issuer:corpus-appraisal"
OTHER_ISSUER = "urn:skillcert:issuer:corpus-other"
NOW = "2026-01-01T00:00:00Z"
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"skillcert corpus key").digest())
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"skillcert corpus other").digest())
KID = make_kid(ISSUER, public_jwk(KEY))
OTHER_KID = make_kid(OTHER_ISSUER, public_jwk(OTHER_KEY))
HEADER = {"alg": "EdDSA", "cty": "vc", "kid": KID, "typ": "vc+jwt"}


def claims(**changes: Any) -> CredentialClaims:
    base: dict[str, Any] = {
        "holder_name": "陈示范",
        "national_id_hash": hash_national_id("990000199001010017", "00" * 16),
        "national_id_salt": "00" * 16,
        "occupation_code": "6-31-01-03",
        "occupation_edition": "CN-OC-2022",
        "occupation_name": "电工",
        "occupation_name_en": "Electrician",
        "framework": "CN-VQ-5",
        "level_code": "4",
        "level_name": "中级工",
        "level_name_en": "intermediate worker",
        "certificate_number": "Y100044440101244000001",
        "issued_on": date(2024, 6, 18),
    }
    return CredentialClaims(**{**base, **changes})


def document(issuer: str = ISSUER, serial: int = 1, **changes: Any) -> dict[str, Any]:
    return build_credential(
        claims(**changes),
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{serial:012d}",
        issuer_id=issuer,
        issuer_name="语料鉴定中心",
    )


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def token(
    header: Any = None,
    payload: bytes | None = None,
    key: Ed25519PrivateKey = KEY,
    header_bytes: bytes | None = None,
) -> str:
    head = header_bytes if header_bytes is not None else encode_json(header or HEADER)
    body = payload if payload is not None else encode_json(document())
    signing_input = f"{b64url_encode(head)}.{b64url_encode(body)}".encode()
    return f"{signing_input.decode()}.{b64url_encode(key.sign(signing_input))}"


def hs256_with_public_key() -> str:
    """The classic key-confusion attack: HMAC keyed with the issuer's public key bytes."""
    head = {**HEADER, "alg": "HS256"}
    signing_input = f"{b64url_encode(encode_json(head))}.{b64url_encode(encode_json(document()))}"
    secret = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


def rs256() -> str:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    head = {**HEADER, "alg": "RS256"}
    signing_input = f"{b64url_encode(encode_json(head))}.{b64url_encode(encode_json(document()))}"
    signature = rsa_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url_encode(signature)}"


def tampered() -> str:
    header, _, signature = token().split(".")
    forged = encode_json(document(level_code="2", level_name="技师", level_name_en="technician"))
    return f"{header}.{b64url_encode(forged)}.{signature}"


def duplicate_key_payload() -> bytes:
    text = encode_json(document()).decode()
    return text.replace(
        '"licenseNumber":', '"licenseNumber":"S999999999999999999999","licenseNumber":', 1
    ).encode()


def cases() -> list[dict[str, Any]]:
    good = token()
    head, body, sig = good.split(".")
    big = document()
    big["description"] = "x" * (64 * 1024)
    listed = [
        ("control_valid", good, "valid", None, "a correct credential: must be accepted"),
        (
            "alg_none",
            f"{b64url_encode(encode_json({**HEADER, 'alg': 'none'}))}.{body}.",
            "format",
            "format.alg_not_allowed",
            "unsecured JWS",
        ),
        (
            "alg_hs256_public_key",
            hs256_with_public_key(),
            "format",
            "format.alg_not_allowed",
            "HMAC keyed with the public key",
        ),
        ("alg_rs256", rs256(), "format", "format.alg_not_allowed", "RSA signature"),
        (
            "alg_lowercase",
            token({**HEADER, "alg": "eddsa"}),
            "format",
            "format.alg_not_allowed",
            "alg is case-sensitive",
        ),
        (
            "alg_missing",
            token({k: v for k, v in HEADER.items() if k != "alg"}),
            "format",
            "format.alg_not_allowed",
            "no alg",
        ),
        (
            "crit_unknown",
            token({**HEADER, "crit": ["exp"], "exp": 1}),
            "format",
            "format.crit",
            "unknown critical header",
        ),
        (
            "crit_b64_false",
            token({**HEADER, "crit": ["b64"], "b64": False}),
            "format",
            "format.crit",
            "RFC 7797 unencoded payload",
        ),
        (
            "header_duplicate_alg",
            token(
                header_bytes=b'{"alg":"EdDSA","alg":"none","cty":"vc","kid":"'
                + KID.encode()
                + b'","typ":"vc+jwt"}'
            ),
            "format",
            "format.duplicate_key",
            "two alg members",
        ),
        (
            "payload_duplicate_key",
            token(payload=duplicate_key_payload()),
            "format",
            "format.duplicate_key",
            "two licenseNumber members",
        ),
        (
            "payload_too_large",
            token(payload=encode_json(big)),
            "format",
            "format.too_large",
            "payload over 64 KiB",
        ),
        ("typ_jwt", token({**HEADER, "typ": "JWT"}), "format", "format.typ", "plain JWT typ"),
        (
            "typ_missing",
            token({k: v for k, v in HEADER.items() if k != "typ"}),
            "format",
            "format.typ",
            "no typ",
        ),
        (
            "cty_wrong",
            token({**HEADER, "cty": "json"}),
            "format",
            "format.cty",
            "wrong content type",
        ),
        (
            "header_embedded_jwk",
            token({**HEADER, "jwk": public_jwk(OTHER_KEY)}),
            "format",
            "format.header",
            "key supplied by the token itself",
        ),
        (
            "header_jku",
            token({**HEADER, "jku": "https://attacker.example/keys"}),
            "format",
            "format.header",
            "key URL supplied by the token",
        ),
        (
            "kid_missing",
            token({k: v for k, v in HEADER.items() if k != "kid"}),
            "format",
            "format.kid",
            "no kid",
        ),
        ("two_parts", f"{head}.{body}", "format", "format.not_jws", "signature part missing"),
        (
            "json_serialisation",
            json.dumps({"protected": head, "payload": body, "signature": sig}),
            "format",
            "format.not_jws",
            "JWS JSON serialisation",
        ),
        (
            "padded_signature",
            f"{head}.{body}.{sig}==",
            "format",
            "format.encoding",
            "base64 padding",
        ),
        (
            "truncated_signature",
            f"{head}.{body}.{sig[:-4]}",
            "format",
            "format.encoding",
            "signature shorter than 64 bytes",
        ),
        (
            "stray_bits_signature",
            f"{head}.{body}.{sig[:-1]}{'B' if sig[-1] == 'A' else chr(ord(sig[-1]) + 1)}",
            "format",
            "format.encoding",
            "non-canonical last base64 character",
        ),
        (
            "payload_not_object",
            token(payload=b"[1,2,3]"),
            "format",
            "format.payload",
            "JSON array payload",
        ),
        ("payload_nan", token(payload=b'{"a":NaN}'), "format", "format.json", "NaN is not JSON"),
        (
            "payload_not_utf8",
            token(payload=b'{"a":"\xff"}'),
            "format",
            "format.json",
            "invalid UTF-8",
        ),
        (
            "payload_not_credential",
            token(payload=b'{"sub":"x","iss":"y"}'),
            "format",
            "format.credential",
            "a JWT, not a credential",
        ),
        (
            "unknown_level",
            token(payload=encode_json(document(level_code="0"))),
            "format",
            "format.credential",
            "level 0 is not on the ladder",
        ),
        (
            "unknown_kid",
            token(
                {**HEADER, "kid": OTHER_KID},
                key=OTHER_KEY,
                payload=encode_json(document(OTHER_ISSUER)),
            ),
            "issuer_known",
            "issuer_known.unknown_kid",
            "signed by a key not in the trust set",
        ),
        (
            "issuer_mismatch",
            token(payload=encode_json(document("urn:skillcert:issuer:someone-else"))),
            "issuer_known",
            "issuer_known.issuer_mismatch",
            "credential names another issuer than the key's",
        ),
        (
            "tampered_payload",
            tampered(),
            "signature",
            "signature.invalid",
            "level raised after signing",
        ),
        (
            "wrong_key_same_kid",
            token(key=OTHER_KEY),
            "signature",
            "signature.invalid",
            "signed by another key under a trusted kid",
        ),
        (
            "expired",
            token(
                payload=encode_json(
                    document(issued_on=date(2020, 1, 1), valid_until=date(2024, 12, 31))
                )
            ),
            "validity_period",
            "validity_period.expired",
            "valid until 2024-12-31",
        ),
        (
            "not_yet_valid",
            token(payload=encode_json(document(issued_on=date(2026, 6, 1)))),
            "validity_period",
            "validity_period.not_yet_valid",
            "issued in the future",
        ),
    ]
    return [
        {"name": name, "token": tok, "check": check, "code": code, "why": why}
        for name, tok, check, code, why in listed
    ]


def main() -> None:
    corpus = {
        "source": "tests/vectors/attacks/generate.py (skillcert); keys from fixed seeds",
        "now": NOW,
        "jwks": {"keys": [{**public_jwk(KEY), "kid": KID}]},
        "cases": cases(),
    }
    OUT.write_text(json.dumps(corpus, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
