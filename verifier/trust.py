"""Trusted issuer keys: the public material a verifier checks signatures against.

A ``kid`` is ``<issuer id>#<RFC 7638 thumbprint>``; a trusted key whose thumbprint does not match
its own ``kid`` is refused when the key set is loaded, so a key set cannot map one issuer's name
onto another key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.errors import MalformedDocument
from schemas.jwk import jwk_thumbprint, parse_ed25519_public_jwk, split_kid
from schemas.note import VerifierKey
from schemas.strict_json import parse_strict_json
from verifier.errors import TrustMaterialError

__all__ = ["TrustedKey", "TrustedKeys", "parse_jwks"]

_MAX_JWKS_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class TrustedKey:
    kid: str
    issuer_id: str
    public_key: Ed25519PublicKey


class TrustedKeys(Mapping[str, TrustedKey]):
    """kid -> ``TrustedKey``, and the verifier keys of the logs whose checkpoints are trusted
    (signed-note keys; a log's key name is its origin)."""

    def __init__(self, keys: Iterable[TrustedKey], log_keys: Iterable[VerifierKey] = ()) -> None:
        self.log_keys = tuple(log_keys)
        self._by_kid: dict[str, TrustedKey] = {}
        for key in keys:
            if key.kid in self._by_kid:
                raise TrustMaterialError(f"kid {key.kid} appears twice")
            self._by_kid[key.kid] = key

    def __getitem__(self, kid: str) -> TrustedKey:
        return self._by_kid[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_kid)

    def __len__(self) -> int:
        return len(self._by_kid)

    def with_log_keys(self, log_keys: Iterable[VerifierKey]) -> TrustedKeys:
        return TrustedKeys(self._by_kid.values(), (*self.log_keys, *log_keys))

    @classmethod
    def from_jwks(cls, jwks: object) -> TrustedKeys:
        """From a JWK Set (RFC 7517 §5) whose keys carry ``kid`` = issuer id # thumbprint."""
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise TrustMaterialError('a JWK Set is an object with a "keys" array')
        keys = []
        for position, jwk in enumerate(jwks["keys"]):
            try:
                raw = parse_ed25519_public_jwk(jwk)
                kid = jwk.get("kid")
                if not isinstance(kid, str):
                    raise MalformedDocument("missing kid", "jwk")
                issuer_id, thumbprint = split_kid(kid)
                if thumbprint != jwk_thumbprint(jwk):
                    raise MalformedDocument("kid does not end in the key's RFC 7638 thumbprint")
            except MalformedDocument as exc:
                raise TrustMaterialError(f"keys[{position}]: {exc}") from exc
            keys.append(TrustedKey(kid, issuer_id, Ed25519PublicKey.from_public_bytes(raw)))
        return cls(keys)


def parse_jwks(data: bytes) -> TrustedKeys:
    """Parse a JWK Set document; raises ``TrustMaterialError``."""
    try:
        document = parse_strict_json(data, limit=_MAX_JWKS_BYTES, what="JWK Set")
    except MalformedDocument as exc:
        raise TrustMaterialError(str(exc)) from exc
    return TrustedKeys.from_jwks(document)
