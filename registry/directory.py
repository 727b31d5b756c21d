"""Issuing bodies: registering them, their keys, and who may sign now.

The public side (names, scopes, status, key windows) lives in the log as governance changes
(``registry.governance``). Private keys stay on disk beside it, one PEM per key
(``SKILLCERT_HOME/keys/issuers/<issuer>/<thumbprint>.pem``, mode 0600), never in the database
or the log.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.keys import generate_signing_key, public_jwk, read_private_key, write_private_key
from issuer.signing import Signer
from registry.errors import IssuerExists, RegistryError, UnknownIssuer
from registry.governance import Governance
from schemas.governance import (
    ISSUER_REGISTERED,
    ISSUER_STATUS,
    KEY_ADDED,
    KEY_COMPROMISED,
    KEY_ROTATED,
    IssuerRecord,
)
from schemas.instants import format_instant_ms
from schemas.jwk import jwk_thumbprint, make_kid, split_kid
from schemas.key_lifecycle import KeyRecord

__all__ = ["IssuerKeys", "IssuerRegistry", "validate_issuer_id"]

_ISSUER_ID = re.compile(r"[a-z][a-z0-9+.-]*:[^\s#]+")


def validate_issuer_id(issuer_id: str) -> str:
    """An issuer id is an absolute URI without a fragment (the fragment names the key)."""
    if not _ISSUER_ID.fullmatch(issuer_id):
        raise RegistryError(
            f"issuer id {issuer_id!r} must be an absolute URI without '#' "
            "(for example urn:skillcert:issuer:gd-0001)"
        )
    return issuer_id


class IssuerKeys:
    """The issuers' private keys on disk."""

    def __init__(self, home: Path) -> None:
        self.root = home / "keys" / "issuers"

    def _path(self, kid: str) -> Path:
        issuer_id, thumbprint = split_kid(kid)
        return self.root / quote(issuer_id, safe="") / f"{thumbprint}.pem"

    def create(self, issuer_id: str) -> tuple[str, Ed25519PrivateKey]:
        key = generate_signing_key()
        kid = make_kid(issuer_id, public_jwk(key))
        write_private_key(self._path(kid), key)
        return kid, key

    def remove(self, kid: str) -> None:
        """Delete the key file of a key that was never logged: no record may name it."""
        self._path(kid).unlink(missing_ok=True)

    def read(self, kid: str) -> Ed25519PrivateKey:
        path = self._path(kid)
        if not path.exists():
            raise RegistryError(f"no private key for {kid} at {path}")
        return read_private_key(path)


def _key_record(kid: str, key: Ed25519PrivateKey, at: datetime) -> dict[str, object]:
    return KeyRecord(kid, public_jwk(key), at).to_json()


class IssuerRegistry:
    """Governance of issuing bodies, with the keys the registry holds for them."""

    def __init__(self, governance: Governance, keys: IssuerKeys) -> None:
        self.governance = governance
        self.keys = keys

    def get(self, issuer_id: str, as_of: datetime | None = None) -> IssuerRecord:
        record = self.governance.directory(as_of).issuers.get(issuer_id)
        if record is None:
            raise UnknownIssuer(f"no issuer {issuer_id} in the directory")
        return record

    def add(self, issuer_id: str, name: str, now: datetime) -> IssuerRecord:
        """Register an issuing body and give it its first signing key."""
        validate_issuer_id(issuer_id)
        if not name.strip() or not name.isprintable():
            raise RegistryError("issuer name must be non-empty printable text")
        if issuer_id in self.governance.directory().issuers:
            raise IssuerExists(f"issuer {issuer_id} already exists")
        at = _ms(now)
        kid, key = self.keys.create(issuer_id)
        try:
            self.governance.record_together(
                [
                    (ISSUER_REGISTERED, {"issuer": issuer_id, "name": name.strip()}),
                    (KEY_ADDED, {"issuer": issuer_id, "key": _key_record(kid, key, at)}),
                ],
                at,
            )
        except BaseException:
            self.keys.remove(kid)
            raise
        return self.get(issuer_id)

    def rotate_key(self, issuer_id: str, now: datetime) -> str:
        """Close the key in use and open a new one at ``now``; a first key if none is open."""
        record = self.get(issuer_id)
        at = _ms(now)
        kid, key = self.keys.create(issuer_id)
        kind = KEY_ROTATED if any(k.valid_until is None for k in record.keys) else KEY_ADDED
        self.governance.record(kind, {"issuer": issuer_id, "key": _key_record(kid, key, at)}, at)
        return kid

    def compromise(self, issuer_id: str, kid: str, at: datetime, now: datetime) -> None:
        fields = {"issuer": issuer_id, "kid": kid, "compromised_at": format_instant_ms(_ms(at))}
        self.governance.record(KEY_COMPROMISED, fields, _ms(now))

    def set_status(self, issuer_id: str, status: str, reason: str, now: datetime) -> None:
        fields = {"issuer": issuer_id, "status": status, "reason": reason}
        self.governance.record(ISSUER_STATUS, fields, _ms(now))

    def signer(self, issuer_id: str, now: datetime) -> Signer:
        """A signer with the issuer's key in use at ``now``; refused when the issuer is not
        active or has no usable key, since nothing it signed then would verify."""
        record = self.get(issuer_id)
        status = record.status_at(now)
        if status != "active":
            raise RegistryError(f"issuer {issuer_id} is {status}; it cannot issue")
        current = record.current_key(now)
        if current is None:
            raise RegistryError(
                f"issuer {issuer_id} has no valid, uncompromised key: run "
                f"`skillcert issuer rotate-key {issuer_id}`"
            )
        key = self.keys.read(current.kid)
        if jwk_thumbprint(public_jwk(key)) != split_kid(current.kid)[1]:
            raise RegistryError(f"the key file for {current.kid} holds another key")
        return Signer(record.id, record.name, key)


def _ms(instant: datetime) -> datetime:
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)
