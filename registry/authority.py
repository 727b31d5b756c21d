"""``skillcert init``: the registry home, its database and the authority and log keys.

Idempotent: keys are created once and never replaced, and migrations already applied are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, make_url

from issuer.keys import generate_signing_key, read_private_key, write_private_key
from registry.database import make_engine
from registry.directory import IssuerKeys, IssuerRegistry
from registry.errors import LogStateError
from registry.governance import Governance
from registry.log import TransparencyLog
from registry.schema import is_current, migrate
from registry.settings import Settings
from registry.status import StatusLists
from registry.store import SqlLogStore

__all__ = ["InitResult", "Registry", "initialise_home", "open_log", "open_registry"]


@dataclass(frozen=True, slots=True)
class InitResult:
    created_home: bool
    created_authority_key: bool
    created_log_key: bool


def _ensure_key(path: Path) -> bool:
    """Whether the key had to be made; a key already there must read, so that ``init`` never
    reports as ready a home whose key every later command would refuse."""
    if path.exists():
        read_private_key(path)
        return False
    write_private_key(path, generate_signing_key())
    return True


def initialise_home(settings: Settings) -> InitResult:
    """Create ``SKILLCERT_HOME``, the keys that are missing, and the current database schema."""
    created_home = not settings.home.exists()
    settings.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    created_authority = _ensure_key(settings.authority_key_path)
    created_log = _ensure_key(settings.log_key_path)
    engine = make_engine(settings.database)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return InitResult(created_home, created_authority, created_log)


def _current_database(settings: Settings) -> Engine:
    engine = make_engine(settings.database)
    if not is_current(engine):
        engine.dispose()
        shown = make_url(settings.database).render_as_string(hide_password=True)
        raise LogStateError(f"the database at {shown} is not set up: run `skillcert init`")
    return engine


def _require_log_key(settings: Settings) -> None:
    """Checked before the database is touched: without ``skillcert init`` there may be no
    database file to open, and the key's absence is what to tell the user."""
    if not settings.log_key_path.exists():
        raise LogStateError(f"no log key at {settings.log_key_path}: run `skillcert init`")


def _log_on(engine: Engine, settings: Settings) -> TransparencyLog:
    return TransparencyLog(
        SqlLogStore(engine),
        origin=settings.log_origin,
        key=read_private_key(settings.log_key_path),
    )


def open_log(settings: Settings) -> TransparencyLog:
    """The registry's log, on its database, signing with its log key."""
    _require_log_key(settings)
    return _log_on(_current_database(settings), settings)


@dataclass(frozen=True, slots=True)
class Registry:
    """The registry's parts, opened together on one database."""

    log: TransparencyLog
    governance: Governance
    issuers: IssuerRegistry
    status: StatusLists
    authority_key: Ed25519PrivateKey
    engine: Engine

    def close(self) -> None:
        self.log.store.close()


def open_registry(settings: Settings) -> Registry:
    """The log, governance, issuers and status lists, sharing one database connection pool."""
    _require_log_key(settings)
    if not settings.authority_key_path.exists():
        raise LogStateError(f"no authority key at {settings.authority_key_path}")
    engine = _current_database(settings)
    log = _log_on(engine, settings)
    key = read_private_key(settings.authority_key_path)
    governance = Governance(log, key)
    return Registry(
        log,
        governance,
        IssuerRegistry(governance, IssuerKeys(settings.home)),
        StatusLists(engine, settings.public_url),
        key,
        engine,
    )
