"""Registry fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a schema of their own (dropped afterwards) on the server named by
``SKILLCERT_TEST_POSTGRES``. Where the server cannot be reached they are skipped, except under
``CI=true``, where that is a failure: CI must exercise both backends.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from registry.database import make_engine, scratch_schema
from registry.log import TransparencyLog
from registry.schema import migrate
from registry.store import SqlLogStore

POSTGRES = os.environ.get(
    "SKILLCERT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ORIGIN = "test.skillcert.example/log"


def _postgres_schema() -> Iterator[str]:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL at {POSTGRES} is not reachable: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    admin.dispose()
    with scratch_schema(POSTGRES, "t") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.db'}"
    else:
        yield from _postgres_schema()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlLogStore:
    return SqlLogStore(engine, scan_chunk=7)


@pytest.fixture
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def make_log(store: SqlLogStore, log_key: Ed25519PrivateKey) -> Callable[..., TransparencyLog]:
    def make(**options: object) -> TransparencyLog:
        return TransparencyLog(store, origin=ORIGIN, key=log_key, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def log(make_log: Callable[..., TransparencyLog]) -> TransparencyLog:
    return make_log()
