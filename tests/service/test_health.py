"""``GET /healthz`` and ``GET /metrics``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from registry.authority import Registry
from tests.service.conftest import assert_problem, log_size


def test_healthz_reads_the_database(client: TestClient, registry: Registry) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "log_size": log_size(registry)}


def test_healthz_is_503_when_the_database_is_unreachable(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = client.app.state.service.registry.engine  # type: ignore[attr-defined]

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT size FROM log_head", {}, ConnectionRefusedError(111))

    monkeypatch.setattr(engine, "connect", refused)
    problem = assert_problem(client.get("/healthz"), "database-unavailable")
    assert "OperationalError" in problem["detail"]


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/v1/credentials/5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11")
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'skillcert_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert (
        'skillcert_http_requests_total{method="GET",route="/v1/credentials/{credential_id}",'
        'status="404"} 1.0'
    ) in text
    assert 'route="<unmatched>",status="404"} 1.0' in text
    assert (
        'skillcert_http_request_duration_seconds_count{method="GET",route="/healthz",'
        'status="200"} 1.0'
    ) in text
