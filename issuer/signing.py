"""Signing credentials as VC-JOSE compact JWS (W3C VC-JOSE-COSE §3.1.1).

The JWS payload is the credential document itself (no ``vc`` wrapper, no duplicated ``iss`` /
``sub`` claims) and the protected header is exactly ``alg``, ``cty``, ``kid``, ``typ``.

The signature is made by pyjwt's EdDSA algorithm (backed by ``cryptography``). The compact
serialisation around it (RFC 7515 §7.1: three base64url parts joined by dots) is done here, with
the header encoded once per signer, instead of through ``PyJWS.encode``, which re-serialises the
header and re-prepares the key for every token: in a batch that costs as much as the Ed25519
signature itself (profile in docs/PERFORMANCE.md). The output is byte-for-byte what
``PyJWS.encode`` produces for the same header and payload (tests/issuer/test_signing.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from issuer.keys import public_jwk
from issuer.payload import PayloadWriter
from schemas.b64 import b64url_encode
from schemas.credential import CredentialClaims
from schemas.jwk import make_kid

__all__ = [
    "IssuedCredential",
    "Signer",
    "UnsignedCredential",
    "encode_protected_header",
    "sign_compact",
]

_EDDSA = jwt.get_algorithm_by_name("EdDSA")


def encode_protected_header(headers: dict[str, Any]) -> str:
    """base64url of the header JSON with ``alg: EdDSA``, keys sorted, as pyjwt writes it."""
    header = {**headers, "alg": "EdDSA"}
    return b64url_encode(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())


def sign_compact(payload: bytes, key: Ed25519PrivateKey, protected_header: str) -> str:
    """RFC 7515 §7.1 compact JWS over ``payload``, alg EdDSA (RFC 8037 §3.1)."""
    signing_input = f"{protected_header}.{b64url_encode(payload)}"
    signature = _EDDSA.sign(signing_input.encode("ascii"), key)
    return f"{signing_input}.{b64url_encode(signature)}"


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    id: str
    jws: str


@dataclass(frozen=True, slots=True)
class UnsignedCredential:
    """A credential serialised up to its JWS signing input, waiting for its signature."""

    id: str
    signing_input: str

    def with_signature(self, signature: bytes) -> IssuedCredential:
        return IssuedCredential(self.id, f"{self.signing_input}.{b64url_encode(signature)}")


class Signer:
    """An issuing body's identity plus one signing key."""

    def __init__(self, issuer_id: str, issuer_name: str, key: Ed25519PrivateKey) -> None:
        self.issuer_id = issuer_id
        self.issuer_name = issuer_name
        self.kid = make_kid(issuer_id, public_jwk(key))
        self._key = key
        self._payloads = PayloadWriter(issuer_id, issuer_name)
        self._protected_header = encode_protected_header(
            {"kid": self.kid, "typ": "vc+jwt", "cty": "vc"}
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def prepare(
        self, claims: CredentialClaims, credential_id: str | None = None
    ) -> UnsignedCredential:
        """Build the credential for ``claims``, unsigned, under ``credential_id`` (default: a
        fresh random ``urn:uuid``)."""
        credential_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
        payload = self._payloads.payload(claims, credential_id)
        return UnsignedCredential(
            credential_id, f"{self._protected_header}.{b64url_encode(payload)}"
        )

    def signatures(self, credentials: list[UnsignedCredential]) -> list[bytes]:
        """Ed25519 signatures over each signing input.

        Safe to call from several threads at once; ``cryptography`` releases the GIL while it
        signs, which is what lets a batch overlap signing with reading the next rows.
        """
        return [_EDDSA.sign(c.signing_input.encode("ascii"), self._key) for c in credentials]

    def issue(self, claims: CredentialClaims) -> IssuedCredential:
        """Build and sign a credential for ``claims``."""
        unsigned = self.prepare(claims)
        return unsigned.with_signature(self.signatures([unsigned])[0])
