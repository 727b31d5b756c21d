"""Bringing a database to the current schema with Alembic, in-process.

The migration scripts ship inside the package (``registry/migrations``), so an installed
``skillcert`` migrates without an ``alembic.ini`` on disk.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["is_current", "migrate"]

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` not yet applied; a no-op on a current database."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
