"""The local issuer directory: issuing bodies, their public keys, and where their private keys are.

Stored as ``SKILLCERT_HOME/issuers.json`` (public material only) beside private keys in
``SKILLCERT_HOME/keys/issuers/<issuer>/<thumbprint>.pem`` (mode 0600). Every write replaces the
file atomically, so a crash leaves the old or the new directory, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuer.keys import generate_signing_key, public_jwk, read_private_key, write_private_key
from issuer.signing import Signer
from registry.errors import IssuerExists, RegistryError, UnknownIssuer
from schemas.credential import format_instant
from schemas.errors import MalformedDocument
from schemas.jwk import jwk_thumbprint, make_kid, parse_ed25519_public_jwk
from schemas.strict_json import parse_strict_json
from verifier.trust import TrustedKey, TrustedKeys

__all__ = ["IssuerEntry", "IssuerKey", "LocalDirectory", "validate_issuer_id"]

_ISSUER_ID = re.compile(r"[a-z][a-z0-9+.-]*:[^\s#]+")
_MAX_DIRECTORY_BYTES = 64 << 20


def validate_issuer_id(issuer_id: str) -> str:
    """An issuer id is an absolute URI without a fragment (the fragment names the key)."""
    if not _ISSUER_ID.fullmatch(issuer_id):
        raise RegistryError(
            f"issuer id {issuer_id!r} must be an absolute URI without '#' "
            "(for example urn:skillcert:issuer:gd-0001)"
        )
    return issuer_id


@dataclass(slots=True)
class IssuerKey:
    kid: str
    jwk: dict[str, str]
    created: str


@dataclass(slots=True)
class IssuerEntry:
    id: str
    name: str
    status: str = "active"
    keys: list[IssuerKey] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "keys": [{"kid": k.kid, "jwk": k.jwk, "created": k.created} for k in self.keys],
        }


class LocalDirectory:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / "issuers.json"
        self.keys_dir = home / "keys" / "issuers"

    def load(self) -> dict[str, IssuerEntry]:
        if not self.path.exists():
            return {}
        try:
            document = parse_strict_json(
                self.path.read_bytes(), limit=_MAX_DIRECTORY_BYTES, what=str(self.path)
            )
            return {
                item["id"]: IssuerEntry(
                    id=item["id"],
                    name=item["name"],
                    status=item["status"],
                    keys=[IssuerKey(k["kid"], k["jwk"], k["created"]) for k in item["keys"]],
                )
                for item in document["issuers"]
            }
        except MalformedDocument as exc:
            raise RegistryError(str(exc)) from exc
        except (KeyError, TypeError) as exc:
            raise RegistryError(f"{self.path}: not an issuer directory ({exc!r})") from exc

    def _save(self, entries: dict[str, IssuerEntry]) -> None:
        data = {"issuers": [entry.to_json() for entry in entries.values()]}
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        handle, staging = tempfile.mkstemp(dir=self.home, prefix=".issuers.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staging, self.path)

    def _key_path(self, issuer_id: str, thumbprint: str) -> Path:
        return self.keys_dir / quote(issuer_id, safe="") / f"{thumbprint}.pem"

    def add(self, issuer_id: str, name: str, now: datetime) -> IssuerEntry:
        """Register an issuing body and create its first signing key."""
        validate_issuer_id(issuer_id)
        if not name.strip() or not name.isprintable():
            raise RegistryError("issuer name must be non-empty printable text")
        entries = self.load()
        if issuer_id in entries:
            raise IssuerExists(f"issuer {issuer_id} already exists")
        key = generate_signing_key()
        jwk = public_jwk(key)
        write_private_key(self._key_path(issuer_id, jwk_thumbprint(jwk)), key)
        entry = IssuerEntry(issuer_id, name.strip())
        entry.keys.append(IssuerKey(make_kid(issuer_id, jwk), jwk, format_instant(now)))
        entries[issuer_id] = entry
        self._save(entries)
        return entry

    def get(self, issuer_id: str) -> IssuerEntry:
        entry = self.load().get(issuer_id)
        if entry is None:
            raise UnknownIssuer(f"no issuer {issuer_id} in {self.path}")
        return entry

    def signer(self, issuer_id: str) -> Signer:
        """A signer with the issuer's newest key."""
        entry = self.get(issuer_id)
        newest = entry.keys[-1]
        key = read_private_key(self._key_path(issuer_id, jwk_thumbprint(newest.jwk)))
        return Signer(entry.id, entry.name, key)

    def trusted_keys(self) -> TrustedKeys:
        return TrustedKeys(
            TrustedKey(
                key.kid,
                entry.id,
                Ed25519PublicKey.from_public_bytes(parse_ed25519_public_jwk(key.jwk)),
            )
            for entry in self.load().values()
            if entry.status == "active"
            for key in entry.keys
        )

    def jwks(self) -> dict[str, Any]:
        """Every active key as a JWK Set, ``kid`` on each key."""
        return {
            "keys": [
                {**key.jwk, "kid": key.kid, "use": "sig", "alg": "EdDSA"}
                for entry in self.load().values()
                if entry.status == "active"
                for key in entry.keys
            ]
        }


def utc_now() -> datetime:
    return datetime.now(UTC)
