"""Governance through the log: the authority's changes are signed, checked and appended, and the
directory is folded back out of the log (``schemas.governance``).

A change is checked against the directory *inside* the append's transaction, with the write
lock held (``TransparencyLog.append(check=...)``): the fold is brought up to the locked head
first, so two registry processes cannot both accept changes that only one could follow (two
revocations of one credential, a scope for an issuer withdrawn a moment before).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import GovernanceRefused, RegistryError
from registry.log import Draft, Receipt, TransparencyLog
from registry.store import Head
from schemas.errors import SchemaError
from schemas.frameworks import Framework, builtin_framework
from schemas.governance import CHANGE_TYP, Directory, change_body, read_change
from schemas.instants import format_instant_ms
from schemas.signed_json import AuthorityKey, sign_detached

__all__ = ["Governance", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Governance:
    """The authority's side of the log: record changes, derive the directory."""

    def __init__(
        self,
        log: TransparencyLog,
        key: Ed25519PrivateKey,
        *,
        frameworks: Callable[[str], Framework] = builtin_framework,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.log = log
        self._key = key
        self.authority = AuthorityKey.from_public_key(key.public_key())
        self._frameworks = frameworks
        self._clock = clock
        self._directory = Directory(frameworks)
        self._folded = 0
        """Log size up to which ``_directory`` has folded the governance entries."""

    def _fold(
        self, directory: Directory, start: int, stop: int | None, until_ms: int | None
    ) -> int:
        """Fold governance entries at ``start``.. (before ``stop``, logged by ``until_ms``)
        into ``directory``; returns the index after the last one read."""
        position = start
        for index, data in self.log.store.governance_entries(start):
            if stop is not None and index >= stop:
                break
            entry = json.loads(data)
            if until_ms is not None and entry["ts"] > until_ms:
                break
            try:
                directory.apply(read_change(entry["kind"], entry["body"], self.authority))
            except SchemaError as exc:
                raise RegistryError(f"log entry {index} is not a valid change: {exc}") from exc
            position = index + 1
        return position

    def directory(self, as_of: datetime | None = None) -> Directory:
        """The directory now, or as it stood at ``as_of`` (from the changes logged by then)."""
        if as_of is None:
            return self.directory_below()[0]
        past = Directory(self._frameworks)
        self._fold(past, 0, None, int(as_of.timestamp() * 1000))
        return past

    def directory_below(self, size: int | None = None) -> tuple[Directory, int]:
        """The current directory folded from the governance entries below log size ``size``
        (all of them when ``None``), and the log position the fold has reached. The position
        moves exactly when a governance entry is folded in, so two equal positions mean the
        same directory: a caller that checked something against it can tell, inside an
        append's check with the head locked, whether the directory has changed since."""
        self._folded = max(self._folded, self._fold(self._directory, self._folded, size, None))
        return self._directory, self._folded

    def record(self, kind: str, fields: Mapping[str, Any], at: datetime | None = None) -> Receipt:
        """Sign the change ``{"type": kind, "at": at or now, **fields}``, check it against the
        directory at the head it will extend, and append it. Raises ``GovernanceRefused``."""
        (receipt,) = self.record_together([(kind, fields)], at)
        return receipt

    def record_together(
        self, changes: Sequence[tuple[str, Mapping[str, Any]]], at: datetime | None = None
    ) -> list[Receipt]:
        """``record`` for changes that only make sense together (an issuer and its first key):
        each is checked against the directory as the ones before it leave it, and all are
        appended in one transaction, or none is."""
        stamp = format_instant_ms(at or self._clock())
        signed = []
        for kind, fields in changes:
            change = {"type": kind, "at": stamp, **fields}
            signed.append((kind, change, sign_detached(change, self._key, CHANGE_TYP)))

        def check(head: Head) -> None:
            self._folded = self._fold(self._directory, self._folded, head.size, None)
            trial = _copy(self._directory)
            for _, change, _ in signed:
                try:
                    trial.apply(change)
                except SchemaError as exc:
                    raise GovernanceRefused(str(exc)) from exc

        drafts = [Draft(kind, change_body(change, signature)) for kind, change, signature in signed]
        return self.log.append(drafts, check=check)


def _copy(directory: Directory) -> Directory:
    """A copy ``apply`` can be tried on: the directory's records are immutable, so copying the
    containers is enough."""
    return Directory(
        directory.frameworks,
        dict(directory.issuers),
        dict(directory.credential_status),
        list(directory.mappings),
    )
