"""``POST /v1/verify`` and ``POST /v1/recognize``: the same report ``verify_credential`` makes
offline from the service's trust bundle and the registry's evidence, whichever way the
credential is named."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.authority import Registry
from registry.settings import Settings
from registry.status import set_credential_status
from schemas.b64 import b64url_encode
from schemas.log_entry import parse_log_evidence
from tests.service.conftest import (
    ISSUER,
    VC_JWT,
    Issuing,
    SharedService,
    assert_problem,
    publish_mappings,
    trust_from,
)
from verifier import verify_credential

AT = "2026-03-01T04:05:06Z"


def _logged(client: TestClient, issuing: Issuing) -> tuple[str, str]:
    """A logged credential: its JWS and the UUID of its id."""
    jws = issuing.sign()
    response = client.post("/v1/credentials", content=jws, headers=VC_JWT)
    assert response.status_code == 201
    return jws, response.json()["id"].removeprefix("urn:uuid:")


def _offline(
    client: TestClient, settings: Settings, jws: str, uuid: str, target: str | None = None
) -> dict[str, Any]:
    """The report an offline verifier makes with the service's bundle and the registry's
    evidence for the credential, as of ``AT``."""
    evidence = parse_log_evidence(client.get(f"/v1/credentials/{uuid}").json()["log"])
    at = datetime.fromisoformat(AT)
    bundle = trust_from(client, settings)
    return verify_credential(jws, bundle, at, evidence, target=target).to_json()


def test_by_id_and_by_jws_the_report_is_the_verifiers(
    client: TestClient, settings: Settings, issuing: Issuing
) -> None:
    jws, uuid = _logged(client, issuing)
    by_id = client.post("/v1/verify", json={"id": uuid, "at": AT})
    by_jws = client.post("/v1/verify", json={"jws": jws, "at": AT})
    assert by_id.status_code == by_jws.status_code == 200
    expected = _offline(client, settings, jws, uuid)
    assert by_id.json() == by_jws.json() == expected
    assert expected["result"] == "valid"


def test_now_is_the_default_time(client: TestClient, issuing: Issuing) -> None:
    _, uuid = _logged(client, issuing)
    report = client.post("/v1/verify", json={"id": uuid}).json()
    assert report["result"] == "valid"
    assert 0 <= report["trust_bundle"]["age_seconds"] < 60


def test_a_revoked_credential_verifies_invalid(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    _, uuid = _logged(client, issuing)
    assert client.post("/v1/verify", json={"id": uuid}).json()["result"] == "valid"
    set_credential_status(registry.governance, f"urn:uuid:{uuid}", "revoked", "fraudulent")
    report = client.post("/v1/verify", json={"id": uuid}).json()
    assert report["result"] == "invalid"
    status = next(check for check in report["checks"] if check["check"] == "status")
    assert (status["ok"], status["code"]) == (False, "status.revoked")


def test_a_credential_never_logged_cannot_be_valid(client: TestClient, issuing: Issuing) -> None:
    report = client.post("/v1/verify", json={"jws": issuing.sign()}).json()
    assert report["result"] == "cannot_tell"
    logged = next(check for check in report["checks"] if check["check"] == "log_inclusion")
    assert (logged["ok"], logged["code"]) == (None, "log_inclusion.no_evidence")


def test_a_token_that_is_no_credential_is_an_invalid_report(client: TestClient) -> None:
    response = client.post("/v1/verify", json={"jws": "eyJhbGciOiJub25lIn0.e30."})
    assert response.status_code == 200
    report = response.json()
    assert report["result"] == "invalid"
    assert report["checks"][0]["code"] == "format.alg_not_allowed"


@pytest.mark.parametrize("where", ["header", "payload"])
def test_a_lone_surrogate_escape_is_an_invalid_report_on_the_api_and_the_page(
    client: TestClient, issuing: Issuing, where: str
) -> None:
    """Such a string parses in Python but no UTF-8 writer can write it: refused at parse."""
    header, payload, signature = issuing.sign().split(".")
    if where == "header":
        header = b64url_encode(b'{"alg":"EdDSA","cty":"vc","kid":"\\ud800","typ":"vc+jwt"}')
    else:
        payload = b64url_encode(b'{"id":"\\udfff"}')
    token = f"{header}.{payload}.{signature}"
    response = client.post("/v1/verify", json={"jws": token})
    assert response.status_code == 200
    first = response.json()["checks"][0]
    assert (first["code"], first["ok"]) == ("format.json", False)
    assert "surrogate" in first["message"]
    page = client.get("/v", params={"q": token})
    assert page.status_code == 200
    assert 'id="result" data-result="invalid"' in page.text


def test_recognize_adds_the_answer_and_the_mappings(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    publish_mappings(registry)
    jws, uuid = _logged(client, issuing)
    response = client.post("/v1/recognize", json={"id": uuid, "target": "HKQF", "at": AT})
    assert response.status_code == 200
    document = response.json()
    mappings = document.pop("mappings")
    assert document == _offline(client, settings, jws, uuid, target="HKQF")
    assert document["recognition"]["outcome"] == "recognized"
    assert mappings
    assert {(m["source_framework"], m["target_framework"]) for m in mappings} == {
        ("CN-VQ-5", "HKQF")
    }
    assert sorted(m["version"] for m in mappings) == [1, 2]


def test_verification_results_are_counted(client: TestClient, issuing: Issuing) -> None:
    _, uuid = _logged(client, issuing)
    client.post("/v1/verify", json={"id": uuid})
    client.post("/v1/verify", json={"jws": "x.y.z"})
    client.post("/v1/verify", json={"jws": issuing.sign()})
    metrics = client.get("/metrics").text
    for outcome in ("valid", "invalid", "cannot_tell"):
        assert f'skillcert_verifications_total{{outcome="{outcome}"}} 1.0' in metrics


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["body"]),
        ({"jws": "a.b.c", "id": "5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11"}, ["body"]),
        ({"jws": None}, ["body.jws"]),
        ({"id": "five"}, ["body.id"]),
        ({"id": "5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11", "at": "2026-01-01T00:00:00"}, ["body.at"]),
        ({"jws": "a.b.c", "proof": {}}, ["body.proof"]),
        ([], ["body"]),
    ],
)
def test_a_request_that_is_not_a_verification_names_the_field(
    shared_service: SharedService, body: Any, fields: list[str]
) -> None:
    response = shared_service.client.post("/v1/verify", json=body)
    problem = assert_problem(response, "validation-error")
    assert [error["field"] for error in problem["errors"]] == fields


def test_recognize_needs_a_target(shared_service: SharedService) -> None:
    problem = assert_problem(
        shared_service.client.post(
            "/v1/recognize", json={"id": "5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11"}
        ),
        "validation-error",
    )
    assert [error["field"] for error in problem["errors"]] == ["body.target"]


def test_an_unknown_id_is_not_found(client: TestClient) -> None:
    response = client.post("/v1/verify", json={"id": "5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11"})
    assert_problem(response, "credential-not-found")


def test_the_bundle_is_rebuilt_after_its_refresh_time(
    make_client: Any, settings: Settings, issuing: Issuing
) -> None:
    client = make_client(settings.model_copy(update={"trust_refresh_seconds": 0.001}))
    first = client.get("/v1/trust-bundle").text
    assert client.get("/v1/trust-bundle").text != first
    bundle = trust_from(client, settings)
    assert datetime.now(UTC) - bundle.issued_at < timedelta(seconds=5)


def test_a_change_made_beside_the_service_shows_once_the_log_is_asked(
    make_client: Any, settings: Settings, issuing: Issuing
) -> None:
    """Between checks a worker answers from the bundle it holds; admission always asks the log,
    and after that the change is in every answer."""
    client = make_client(settings.model_copy(update={"trust_check_seconds": 3600}))
    assert trust_from(client, settings).issuers[ISSUER].status == "active"
    jws = issuing.sign()
    issuing.registry.issuers.set_status(ISSUER, "suspended", "audit", datetime.now(UTC))
    assert trust_from(client, settings).issuers[ISSUER].status == "active"
    refused = client.post("/v1/credentials", content=jws, headers=VC_JWT)
    assert_problem(refused, "credential-out-of-scope")
    assert trust_from(client, settings).issuers[ISSUER].status == "suspended"


def test_a_change_made_beside_the_service_shows_within_the_check_interval(
    make_client: Any, settings: Settings, issuing: Issuing
) -> None:
    client = make_client(settings.model_copy(update={"trust_check_seconds": 0.05}))
    assert trust_from(client, settings).issuers[ISSUER].status == "active"
    issuing.registry.issuers.set_status(ISSUER, "suspended", "audit", datetime.now(UTC))
    time.sleep(0.1)
    assert trust_from(client, settings).issuers[ISSUER].status == "suspended"
