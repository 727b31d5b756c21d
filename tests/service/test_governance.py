"""``POST /v1/governance``: a change signed by the authority key is logged and takes effect;
anything else is refused and logs nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from issuer.keys import public_jwk
from issuer.signing import Signer
from registry.authority import Registry
from registry.settings import Settings
from registry.status import credential_pointers
from schemas.governance import CHANGE_TYP
from schemas.instants import format_instant_ms
from schemas.key_lifecycle import KeyRecord
from schemas.scope import make_scope
from schemas.signed_json import sign_json
from tests.service.conftest import (
    ISSUER,
    VC_JWT,
    Issuing,
    assert_problem,
    authority_key,
    log_size,
)

JOSE = {"content-type": "application/jose"}


def _now() -> str:
    return format_instant_ms(datetime.now(UTC))


def _post(client: TestClient, change: dict[str, Any], key: Ed25519PrivateKey) -> Any:
    return client.post("/v1/governance", content=sign_json(change, key, CHANGE_TYP), headers=JOSE)


def _revocation(registry: Registry, credential_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "type": "credential_status",
        "at": _now(),
        "credential_id": credential_id,
        "status": "revoked",
        "reason": "fraudulent",
        "pointers": credential_pointers(registry.log.store, credential_id),
        **changes,
    }


def _logged(client: TestClient, issuing: Issuing) -> str:
    response = client.post("/v1/credentials", content=issuing.sign(), headers=VC_JWT)
    assert response.status_code == 201
    credential_id: str = response.json()["id"]
    return credential_id


def test_a_signed_revocation_is_logged_and_takes_effect(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    credential_id = _logged(client, issuing)
    size = log_size(registry)
    response = _post(client, _revocation(registry, credential_id), authority_key(settings))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["kind"], receipt["index"]) == ("credential_status", size)
    assert receipt["log"]["entry"]["body"]["change"]["credential_id"] == credential_id
    uuid = credential_id.removeprefix("urn:uuid:")
    assert client.get(f"/v1/credentials/{uuid}").json()["status"]["status"] == "revoked"
    assert client.post("/v1/verify", json={"id": uuid}).json()["result"] == "invalid"
    again = _post(client, _revocation(registry, credential_id), authority_key(settings))
    assert "final" in assert_problem(again, "governance-change-refused")["detail"]
    assert log_size(registry) == size + 1


def test_a_revocation_through_the_service_shows_at_once_between_log_checks(
    make_client: Any, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    client = make_client(settings.model_copy(update={"trust_check_seconds": 3600}))
    credential_id = _logged(client, issuing)
    uuid = credential_id.removeprefix("urn:uuid:")
    assert client.post("/v1/verify", json={"id": uuid}).json()["result"] == "valid"
    response = _post(client, _revocation(registry, credential_id), authority_key(settings))
    assert response.status_code == 201, response.text
    assert client.post("/v1/verify", json={"id": uuid}).json()["result"] == "invalid"


def test_a_scope_granted_over_http_admits_credentials_in_it(
    client: TestClient, settings: Settings, issuing: Issuing
) -> None:
    jws = issuing.sign(occupation_code="4-12-01-01", occupation_name="汽车维修工")
    refused = client.post("/v1/credentials", content=jws, headers=VC_JWT)
    assert_problem(refused, "credential-out-of-scope")
    scope = make_scope(["4-12-*"], "CN-VQ-5", ["4"], date(2020, 1, 1)).to_json()
    change = {"type": "scope_granted", "at": _now(), "issuer": ISSUER, "scope": scope}
    assert _post(client, change, authority_key(settings)).status_code == 201
    assert client.post("/v1/credentials", content=jws, headers=VC_JWT).status_code == 201


def test_a_change_signed_by_another_key_is_refused(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    credential_id = _logged(client, issuing)
    size = log_size(registry)
    response = _post(client, _revocation(registry, credential_id), Ed25519PrivateKey.generate())
    assert (
        "not the authority key"
        in assert_problem(response, "governance-signature-invalid")["detail"]
    )
    assert log_size(registry) == size


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_change_far_from_now_is_stale(
    client: TestClient,
    settings: Settings,
    registry: Registry,
    issuing: Issuing,
    skew: timedelta,
) -> None:
    credential_id = _logged(client, issuing)
    at = format_instant_ms(datetime.now(UTC) + skew)
    response = _post(client, _revocation(registry, credential_id, at=at), authority_key(settings))
    assert_problem(response, "governance-change-stale")


@pytest.mark.parametrize(
    "change",
    [
        {"type": "credential_status", "at": "now"},
        {"type": "mint_money", "at": "2026-01-01T00:00:00.000Z"},
        ["not", "an", "object"],
        {"type": "issuer_status", "at": "{now}", "issuer": ISSUER, "status": "suspended"},
        {
            "type": "issuer_status",
            "at": "{now}",
            "issuer": ISSUER,
            "status": "suspended",
            "reason": "audit",
            "note": "an extra member",
        },
    ],
)
def test_a_malformed_change_is_refused(
    client: TestClient, settings: Settings, registry: Registry, change: Any
) -> None:
    if isinstance(change, dict) and change.get("at") == "{now}":
        change = {**change, "at": _now()}
    size = log_size(registry)
    assert_problem(_post(client, change, authority_key(settings)), "governance-change-malformed")
    assert log_size(registry) == size


def test_status_pointers_must_be_the_credentials_own(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    credential_id = _logged(client, issuing)
    other = _logged(client, issuing)
    pointers = credential_pointers(registry.log.store, other)
    change = _revocation(registry, credential_id, pointers=pointers)
    response = _post(client, change, authority_key(settings))
    assert "change.pointers" in assert_problem(response, "governance-change-refused")["detail"]
    unknown = {**_revocation(registry, credential_id), "credential_id": "urn:uuid:0-0"}
    assert_problem(_post(client, unknown, authority_key(settings)), "credential-not-found")


def test_the_body_must_be_a_jose_token(client: TestClient, settings: Settings) -> None:
    token = sign_json({"type": "x"}, authority_key(settings), CHANGE_TYP)
    response = client.post("/v1/governance", content=token, headers=VC_JWT)
    assert_problem(response, "unsupported-media-type")
    garbled = client.post("/v1/governance", content=b"\xff.\xfe.\xfd", headers=JOSE)
    assert_problem(garbled, "governance-change-malformed")


def test_a_body_keeping_its_own_key_submits_with_it(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    """A key rotated in over HTTP is a public record only; credentials signed with its private
    key, which the registry never sees, are admitted."""
    own_key = Ed25519PrivateKey.generate()
    signer = Signer(ISSUER, "测试鉴定中心", own_key)
    now = datetime.now(UTC)
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    record = KeyRecord(signer.kid, public_jwk(own_key), at).to_json()
    change = {"type": "key_rotated", "at": format_instant_ms(at), "issuer": ISSUER, "key": record}
    assert _post(client, change, authority_key(settings)).status_code == 201
    assert registry.issuers.get(ISSUER).current_key(datetime.now(UTC)).kid == signer.kid
    jws = signer.issue(issuing.claims()).jws
    assert client.post("/v1/credentials", content=jws, headers=VC_JWT).status_code == 201
    stale = issuing.sign()
    refused = client.post("/v1/credentials", content=stale, headers=VC_JWT)
    assert assert_problem(refused, "credential-key-not-valid")["code"] == (
        "key_valid_at_issuance.expired"
    )
