"""The ``registry`` exception tree; codes are listed in docs/errors.md."""

from __future__ import annotations

import sqlite3
import sys

from sqlalchemy.exc import IntegrityError

__all__ = [
    "CertificateNumberTaken",
    "GovernanceRefused",
    "IssuerExists",
    "LogStateError",
    "QrUrlRefused",
    "RegistryError",
    "TileNotFound",
    "UnknownCredential",
    "UnknownIssuer",
    "unique_violations",
]


def unique_violations() -> tuple[type[Exception], ...]:
    """What a write refused by a unique key raises, through SQLAlchemy or a driver cursor.
    psycopg's is among them once a PostgreSQL engine has loaded it: a command on SQLite does
    not pay for importing it."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return (IntegrityError, sqlite3.IntegrityError)
    return (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)


class RegistryError(Exception):
    code = "registry_error"


class UnknownIssuer(RegistryError):
    code = "unknown_issuer"


class IssuerExists(RegistryError):
    code = "issuer_exists"


class LogStateError(RegistryError):
    """The log cannot do what was asked in its present state (not initialised, empty append,
    a size beyond the tree)."""

    code = "log_state"


class TileNotFound(RegistryError):
    """A tile or entry bundle the log's tree does not (yet) hold."""

    code = "tile_not_found"


class GovernanceRefused(RegistryError):
    """A governance change cannot follow the directory as it stands; nothing was logged."""

    code = "governance_refused"


class QrUrlRefused(RegistryError):
    """A URL no certificate QR code can carry (empty, not ASCII, or beyond the capacity of the
    largest symbol); no image was made."""

    code = "qr_url_refused"


class UnknownCredential(RegistryError):
    code = "unknown_credential"


class CertificateNumberTaken(RegistryError):
    """A certificate number was logged by another writer after the batch was checked."""

    code = "certificate_number_taken"
