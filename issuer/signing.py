"""Signing credentials as VC-JOSE compact JWS (W3C VC-JOSE-COSE §3.1.1) through pyjwt.

The JWS payload is the credential document itself (no ``vc`` wrapper, no duplicated ``iss`` /
``sub`` claims) and the protected header is exactly ``alg``, ``cty``, ``kid``, ``typ``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from issuer.keys import public_jwk
from schemas.credential import CredentialClaims, build_credential
from schemas.jwk import make_kid

__all__ = ["IssuedCredential", "Signer", "serialise_payload", "sign_compact"]

_JWS = jwt.PyJWS()


def serialise_payload(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; the signature covers these exact bytes, so no canonical form."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_compact(payload: bytes, key: Ed25519PrivateKey, headers: dict[str, Any]) -> str:
    """RFC 7515 compact JWS, alg EdDSA (RFC 8037 §3.1), over ``payload`` with exactly ``headers``.

    pyjwt adds ``typ: JWT`` unless told otherwise, so ``typ`` is always passed (``None`` drops it).
    """
    return _JWS.encode(payload, key, algorithm="EdDSA", headers={"typ": None, **headers})


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    id: str
    jws: str


class Signer:
    """An issuing body's identity plus one signing key."""

    def __init__(self, issuer_id: str, issuer_name: str, key: Ed25519PrivateKey) -> None:
        self.issuer_id = issuer_id
        self.issuer_name = issuer_name
        self.kid = make_kid(issuer_id, public_jwk(key))
        self._key = key
        self._headers = {"kid": self.kid, "typ": "vc+jwt", "cty": "vc"}

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def sign_document(self, document: dict[str, Any]) -> str:
        """Compact JWS over ``document`` with this signer's key."""
        return sign_compact(serialise_payload(document), self._key, self._headers)

    def issue(self, claims: CredentialClaims) -> IssuedCredential:
        """Build and sign a credential for ``claims`` under a fresh random ``urn:uuid`` id."""
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        document = build_credential(
            claims,
            credential_id=credential_id,
            issuer_id=self.issuer_id,
            issuer_name=self.issuer_name,
        )
        return IssuedCredential(credential_id, self.sign_document(document))
