"""Service fixtures: the real app over a real registry, on SQLite and on PostgreSQL.

``database_url`` is the registry tests' fixture (tests/registry/conftest.py): every test here
runs once per backend, PostgreSQL in a schema of its own, and under ``CI=true`` an unreachable
PostgreSQL fails the run instead of skipping it. Each test gets a fresh registry with one issuing
body accredited for ``6-31-*`` at levels 5, 4 and 3 since 2020.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from issuer.keys import read_private_key
from issuer.signing import Signer
from registry.authority import Registry, initialise_home, open_registry
from registry.service.app import create_app
from registry.service.problems import PROBLEM_MEDIA_TYPE, PROBLEMS
from registry.settings import Settings
from schemas.credential import CredentialClaims
from schemas.governance import MAPPING_PUBLISHED, SCOPE_GRANTED
from schemas.recognition import builtin_mappings
from schemas.scope import make_scope
from schemas.signed_json import AuthorityKey
from schemas.status_list import REVOCATION, SUSPENSION, StatusEntry
from schemas.trust_bundle import TrustBundle, pinned_authority, read_trust_bundle
from tests.conftest import CLAIMS
from tests.registry.conftest import database_url

__all__ = [
    "ISSUER",
    "PUBLIC_URL",
    "VC_JWT",
    "Issuing",
    "SharedService",
    "assert_problem",
    "authority_key",
    "database_url",
    "log_size",
    "publish_mappings",
    "trust_from",
]

PUBLIC_URL = "https://registry.test"
ISSUER = "urn:skillcert:issuer:service-test"
VC_JWT = {"content-type": "application/vc+jwt"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Rate limiting off, and the log asked on every request whether the trust bundle is
    current, since the tests change the registry beside the app, as the CLI would: the tests
    that want either behaviour turn it on."""
    return Settings(
        home=tmp_path / "var",
        database_url=database_url,
        public_url=PUBLIC_URL,
        rate_limit_per_second=0,
        trust_check_seconds=0,
    )


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    """The registry the tests arrange things in, beside the app's own connection to it."""
    opened = _accredited_registry(settings)
    yield opened
    opened.close()


def _accredited_registry(settings: Settings) -> Registry:
    initialise_home(settings)
    opened = open_registry(settings)
    opened.issuers.add(ISSUER, "测试鉴定中心", datetime.now(UTC))
    scope = make_scope(["6-31-*"], "CN-VQ-5", ["5", "4", "3"], date(2020, 1, 1))
    opened.governance.record(SCOPE_GRANTED, {"issuer": ISSUER, "scope": scope.to_json()})
    return opened


def publish_mappings(registry: Registry) -> None:
    """The demo recognition mappings, as ``skillcert demo`` publishes them."""
    for mapping in builtin_mappings():
        registry.governance.record(MAPPING_PUBLISHED, {"mapping": mapping.to_json()})


@pytest.fixture
def make_client(registry: Registry) -> Iterator[Callable[[Settings], TestClient]]:
    """A client of an app made with the given settings, started and stopped with the test."""
    clients: list[TestClient] = []

    def make(settings: Settings) -> TestClient:
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[[Settings], TestClient], settings: Settings) -> TestClient:
    return make_client(settings)


@dataclass
class Issuing:
    """Signs credentials as the test issuer, each on its own status list index and under its
    own certificate number."""

    registry: Registry
    signer: Signer
    indexes: Iterator[int]
    serials: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def claims(self, index: int | None = None, **changes: Any) -> CredentialClaims:
        slot = next(self.indexes) if index is None else index
        status = tuple(
            StatusEntry(purpose, slot, f"{PUBLIC_URL}/v1/status/1-{purpose}")
            for purpose in (REVOCATION, SUSPENSION)
        )
        number = CLAIMS.certificate_number[:-6] + f"{next(self.serials):06d}"
        return replace(CLAIMS, **{"status": status, "certificate_number": number, **changes})

    def sign(self, index: int | None = None, **changes: Any) -> str:
        return self.signer.issue(self.claims(index, **changes)).jws


@pytest.fixture
def issuing(registry: Registry) -> Issuing:
    signer = registry.issuers.signer(ISSUER, datetime.now(UTC))
    return Issuing(registry, signer, itertools.count(1000, 7))


def log_size(registry: Registry) -> int:
    return registry.log.checkpoint().size


def authority_key(settings: Settings) -> Ed25519PrivateKey:
    return read_private_key(settings.authority_key_path)


def trust_from(client: TestClient, settings: Settings) -> TrustBundle:
    """The bundle the service serves, read as an offline verifier reads it: against the
    authority key pinned out of band (here, from the registry's key file)."""
    response = client.get("/v1/trust-bundle")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jose"
    kid = AuthorityKey.from_public_key(authority_key(settings).public_key()).kid
    return read_trust_bundle(response.text, pinned_authority(response.text, kid))


def assert_problem(response: Any, slug: str, status: int | None = None) -> dict[str, Any]:
    """The response is the catalogued problem ``slug``, in RFC 9457 shape; its document."""
    problem = PROBLEMS[slug]
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE, response.text
    document: dict[str, Any] = response.json()
    assert document["type"] == problem.uri, document
    assert document["status"] == response.status_code == (status or problem.status), document
    assert document["title"] == problem.title
    assert isinstance(document["detail"], str) and document["detail"]
    assert document["instance"] == response.url.path
    return document


@dataclass(frozen=True)
class SharedService:
    settings: Settings
    client: TestClient
    credential_id: str
    """A credential logged in it, for the routes that need one."""


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedService]:
    """One app on SQLite for a whole module, for what does not depend on the database: the
    shape of problems, the limits, the OpenAPI document. Tests using it change nothing a
    later test reads."""
    home = tmp_path_factory.mktemp("shared") / "var"
    settings = Settings(home=home, public_url=PUBLIC_URL, rate_limit_per_second=0)
    opened = _accredited_registry(settings)
    try:
        publish_mappings(opened)
        issuing = Issuing(opened, opened.issuers.signer(ISSUER, datetime.now(UTC)), iter([1]))
        jws = issuing.sign()
    finally:
        opened.close()
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/credentials", content=jws, headers=VC_JWT)
        assert response.status_code == 201
        yield SharedService(settings, client, response.json()["id"])
