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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.keys import public_jwk
from schemas.credential import CredentialClaims, build_credential
from schemas.jwk import make_kid

__all__ = ["IssuedCredential", "Signer", "serialise_payload"]

_JWS = jwt.PyJWS()


def serialise_payload(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; the signature covers these exact bytes, so no canonical form."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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

    def sign_document(self, document: dict[str, Any]) -> str:
        """Compact JWS over ``document`` with this signer's key."""
        return _JWS.encode(
            serialise_payload(document), self._key, algorithm="EdDSA", headers=self._headers
        )

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
