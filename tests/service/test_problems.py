"""Every error is an RFC 9457 problem with a catalogued ``type``; body size and request rate
are bounded.

The shape of an error does not depend on the database, so these run on one app over SQLite
(``shared_service``); the database-backed behaviour behind each route is tested on both
backends in the other modules.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.service.app import create_app
from registry.service.problems import PROBLEMS
from tests.service.conftest import VC_JWT, SharedService, assert_problem

UNKNOWN = str(uuid.uuid4())
JSON = {"content-type": "application/json"}
BAD_REQUESTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("GET", "/nowhere", {}, "not-found"),
    ("DELETE", "/v1/credentials", {}, "method-not-allowed"),
    ("PUT", "/healthz", {}, "method-not-allowed"),
    ("GET", "/v1/credentials/not-a-uuid", {}, "validation-error"),
    ("GET", f"/v1/credentials/{UNKNOWN}", {}, "credential-not-found"),
    ("POST", "/v1/credentials", {"content": b"a.b.c"}, "unsupported-media-type"),
    ("POST", "/v1/credentials", {"content": b"x", "headers": VC_JWT}, "credential-format-invalid"),
    ("POST", "/v1/credentials", {"content": b"[]", "headers": JSON}, "validation-error"),
    ("POST", "/v1/credentials", {"json": ["x"]}, "credentials-refused"),
    ("POST", "/v1/verify", {"json": {}}, "validation-error"),
    ("POST", "/v1/verify", {"content": b"{", "headers": JSON}, "validation-error"),
    ("POST", "/v1/verify", {"json": {"id": UNKNOWN}}, "credential-not-found"),
    ("POST", "/v1/recognize", {"json": {"jws": "a.b.c"}}, "validation-error"),
    ("GET", "/v1/issuers?limit=0", {}, "validation-error"),
    ("GET", "/v1/issuers?cursor=zz", {}, "validation-error"),
    ("GET", "/v1/issuers/urn:skillcert:issuer:none", {}, "issuer-not-found"),
    ("GET", "/v1/recognitions?limit=5000", {}, "validation-error"),
    ("GET", "/v1/status?cursor=e30", {}, "validation-error"),
    ("GET", "/v1/status/9-revocation", {}, "status-list-not-found"),
    ("GET", "/v1/log/proof/inclusion", {}, "validation-error"),
    ("GET", "/v1/log/proof/inclusion?index=-1", {}, "validation-error"),
    ("GET", "/v1/log/proof/inclusion?index=999", {}, "log-range-invalid"),
    ("GET", "/v1/log/proof/consistency?old=1&new=999", {}, "log-range-invalid"),
    ("GET", "/v1/log/proof/consistency?old=1", {}, "validation-error"),
    ("GET", "/v1/log/entries/999", {}, "log-entry-not-found"),
    ("GET", "/v1/log/entries/abc", {}, "validation-error"),
    ("GET", "/tile/0/999", {}, "tile-not-found"),
    ("GET", "/tile/entries/x", {}, "tile-not-found"),
    ("POST", "/v1/governance", {"content": b"a.b.c"}, "unsupported-media-type"),
    (
        "POST",
        "/v1/governance",
        {"content": b"a.b.c", "headers": {"content-type": "application/jose"}},
        "governance-signature-invalid",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "options", "slug"),
    BAD_REQUESTS,
    ids=[f"{method} {path} {slug}" for method, path, _, slug in BAD_REQUESTS],
)
def test_every_error_is_a_catalogued_problem(
    shared_service: SharedService, method: str, path: str, options: dict[str, Any], slug: str
) -> None:
    response = shared_service.client.request(method, path, **options)
    document = assert_problem(response, slug)
    assert set(document) <= {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "check",
        "code",
        "errors",
    }
    if slug == "method-not-allowed":
        assert response.headers["allow"]
    for error in document.get("errors", []):
        assert error["field"] and error["detail"]


def test_a_failed_check_is_named_with_its_code(shared_service: SharedService) -> None:
    response = shared_service.client.post("/v1/credentials", content=b"x", headers=VC_JWT)
    document = assert_problem(response, "credential-format-invalid")
    assert (document["check"], document["code"]) == ("format", "format.not_jws")


def test_errors_md_lists_every_problem_type() -> None:
    """docs/errors.md is where a client looks a ``type`` up: it must list exactly these."""
    text = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    section = text[text.index("## HTTP problem types") :]
    listed = re.findall(r"^\| `([a-z-]+)` \| (\d{3}) \|", section, flags=re.MULTILINE)
    assert {slug: int(status) for slug, status in listed} == {
        slug: problem.status for slug, problem in PROBLEMS.items()
    }


@pytest.fixture
def small_bodies(shared_service: SharedService) -> Iterator[TestClient]:
    settings = shared_service.settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_body_over_the_limit_is_413_declared_or_not(
    small_bodies: TestClient, shared_service: SharedService
) -> None:
    body = b'{"jws": "' + b"a" * 4096 + b'"}'
    declared = small_bodies.post("/v1/verify", content=body, headers=JSON)
    assert "2048 bytes" in assert_problem(declared, "body-too-large")["detail"]

    def chunks() -> Iterator[bytes]:
        yield body[:1000]
        yield body[1000:]

    streamed = small_bodies.post("/v1/verify", content=chunks(), headers=JSON)
    assert "transfer-encoding" in streamed.request.headers
    assert_problem(streamed, "body-too-large")
    within = small_bodies.post("/v1/verify", json={"jws": "a.b.c"})
    assert within.status_code == 200
    metrics = small_bodies.get("/metrics").text
    assert 'route="/v1/verify",status="413"} 2.0' in metrics


def test_a_client_over_its_rate_gets_429_with_retry_after(shared_service: SharedService) -> None:
    settings = shared_service.settings.model_copy(
        update={"rate_limit_per_second": 0.01, "rate_limit_burst": 3}
    )
    with TestClient(create_app(settings)) as client:
        answers = [client.post("/v1/verify", json={"jws": "a.b.c"}) for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert_problem(limited, "rate-limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 100
        assert client.get("/v1/issuers").status_code == 200
        elsewhere = TestClient(client.app, client=("192.0.2.7", 5000))
        assert elsewhere.post("/v1/verify", json={"jws": "a.b.c"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v?q=a.b.c"), ("post", "/v/00000000-0000-4000-8000-000000000001")],
    ids=["search box", "id card check"],
)
def test_the_pages_that_verify_share_the_rate_limit(
    shared_service: SharedService, method: str, path: str
) -> None:
    settings = shared_service.settings.model_copy(
        update={"rate_limit_per_second": 0.01, "rate_limit_burst": 2}
    )
    with TestClient(create_app(settings)) as client:
        answers = [getattr(client, method)(path) for _ in range(3)]
        assert 429 not in [answer.status_code for answer in answers[:2]]
        assert_problem(answers[-1], "rate-limited")
        # The page itself is a public document, left to a cache in front.
        assert client.get("/v/00000000-0000-4000-8000-000000000001").status_code != 429
