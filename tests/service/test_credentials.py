"""``POST /v1/credentials`` and ``GET /v1/credentials/{id}`` on a real registry.

What is logged must verify offline with the evidence the service returns; what is refused must
be refused with the check that failed, and leave the log exactly as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from issuer.signing import Signer
from registry.authority import Registry
from registry.settings import Settings
from registry.status import START_NEXT_LIST_AT, set_credential_status
from schemas.log_entry import jws_digest, parse_log_evidence
from schemas.merkle import leaf_hash, verify_inclusion
from schemas.note import verify_checkpoint
from schemas.status_list import REVOCATION, SUSPENSION, StatusEntry
from tests.service.conftest import (
    ISSUER,
    PUBLIC_URL,
    VC_JWT,
    Issuing,
    SharedService,
    assert_problem,
    log_size,
    trust_from,
)
from verifier import verify_credential


def _submit(client: TestClient, jws: str) -> Any:
    return client.post("/v1/credentials", content=jws, headers=VC_JWT)


def _assert_verifies(
    client: TestClient, settings: Settings, registry: Registry, jws: str, evidence: dict[str, Any]
) -> None:
    """The evidence proves the JWS is in the registry's log: the checkpoint is signed by the
    log key, the entry hashes through the proof to its root, and the verifier, given the
    service's trust bundle, finds the credential valid."""
    parsed = parse_log_evidence(evidence)
    checkpoint = verify_checkpoint(
        parsed.checkpoint, [registry.log.verifier_key], origin=settings.log_origin
    ).checkpoint
    assert checkpoint.size == parsed.size
    verify_inclusion(
        leaf_hash(parsed.entry_bytes), parsed.index, parsed.size, parsed.proof, checkpoint.root_hash
    )
    assert parsed.entry["body"]["jws_sha256"] == jws_digest(jws)
    report = verify_credential(jws, trust_from(client, settings), datetime.now(UTC), parsed)
    assert report.result.value == "valid", [c.to_json() for c in report.failed]


def test_one_credential_is_logged_and_its_evidence_verifies(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    before = log_size(registry)
    jws = issuing.sign()
    response = _submit(client, jws)
    assert response.status_code == 201, response.text
    document = response.json()
    credential_id = document["id"]
    assert document["created"] is True
    assert response.headers["location"] == document["location"]
    assert document["location"] == f"/v1/credentials/{credential_id.removeprefix('urn:uuid:')}"
    assert document["log"]["index"] == before
    assert log_size(registry) == before + 1
    _assert_verifies(client, settings, registry, jws, document["log"])
    stored = registry.log.store.credential(credential_id)
    assert stored is not None and stored.jws == jws


def test_a_batch_is_logged_in_one_transaction_in_order(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    before = log_size(registry)
    tokens = [issuing.sign() for _ in range(3)]
    response = client.post("/v1/credentials", json=tokens)
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [item["log"]["index"] for item in items] == [before, before + 1, before + 2]
    assert {item["log"]["checkpoint"] for item in items} == {items[0]["log"]["checkpoint"]}
    assert all(item["created"] for item in items)
    for jws, item in zip(tokens, items, strict=True):
        _assert_verifies(client, settings, registry, jws, item["log"])
    claimed = registry.status.taken((1, i) for i in range(1000, 1000 + 7 * 3, 7))
    assert claimed == {(1, 1000), (1, 1007), (1, 1014)}


def test_a_resubmission_returns_the_existing_evidence(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    jws = issuing.sign()
    first = _submit(client, jws)
    size = log_size(registry)
    again = _submit(client, jws)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    assert again.json()["log"]["index"] == first.json()["log"]["index"]
    assert log_size(registry) == size
    batch = client.post("/v1/credentials", json=[jws, issuing.sign()])
    assert batch.status_code == 201
    assert [item["created"] for item in batch.json()["items"]] == [False, True]


def test_an_erased_credential_resubmitted_gets_its_evidence_and_stays_erased(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    jws = issuing.sign()
    credential_id = _submit(client, jws).json()["id"]
    assert registry.log.store.erase_credential(credential_id, 1)
    again = _submit(client, jws)
    assert again.status_code == 200
    stored = registry.log.store.credential(credential_id)
    assert stored is not None and stored.jws is None


def test_same_id_with_other_bytes_is_a_conflict(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    signer = issuing.signer
    first, second = (signer.prepare(issuing.claims(), credential_id) for _ in range(2))
    assert (
        _submit(client, first.with_signature(signer.signatures([first])[0]).jws).status_code == 201
    )
    size = log_size(registry)
    response = _submit(client, second.with_signature(signer.signatures([second])[0]).jws)
    problem = assert_problem(response, "credential-conflict")
    assert credential_id in problem["detail"]
    assert log_size(registry) == size


def _other_signature(issuing: Issuing) -> str:
    header, payload, _ = issuing.sign().split(".")
    return f"{header}.{payload}.{issuing.sign().split('.')[2]}"


def _unknown_key(issuing: Issuing) -> str:
    return Signer(ISSUER, "测试鉴定中心", Ed25519PrivateKey.generate()).issue(issuing.claims()).jws


def _rotated_after_signing(issuing: Issuing) -> str:
    jws = issuing.sign()
    issuing.registry.issuers.rotate_key(ISSUER, datetime.now(UTC))
    return jws


def _signed_while_suspended(issuing: Issuing) -> str:
    jws = issuing.sign()
    issuing.registry.issuers.set_status(ISSUER, "suspended", "audit", datetime.now(UTC))
    return jws


def _with_status(issuing: Issuing, *entries: StatusEntry) -> str:
    return issuing.signer.issue(issuing.claims(status=entries)).jws


def _uppercase_id(issuing: Issuing) -> str:
    unsigned = issuing.signer.prepare(issuing.claims(), f"urn:uuid:{str(uuid.uuid4()).upper()}")
    return unsigned.with_signature(issuing.signer.signatures([unsigned])[0]).jws


def _entries(url_base: str, index: int, list_no: int = 1) -> tuple[StatusEntry, ...]:
    return tuple(
        StatusEntry(purpose, index, f"{url_base}/v1/status/{list_no}-{purpose}")
        for purpose in (REVOCATION, SUSPENSION)
    )


REFUSED: dict[str, tuple[Callable[[Issuing], str], str, str | None]] = {
    "not a JWS": (lambda i: "not-a-jws", "credential-format-invalid", "format.not_jws"),
    "bad signature": (_other_signature, "credential-signature-invalid", "signature.invalid"),
    "unknown key": (_unknown_key, "credential-issuer-unknown", "issuer_known.unknown_kid"),
    "out of scope": (
        lambda i: i.sign(occupation_code="4-12-01-01", occupation_name="汽车维修工"),
        "credential-out-of-scope",
        "issuer_in_scope.occupation_not_accredited",
    ),
    "level not accredited": (
        lambda i: i.sign(level_code="1", level_name="高级技师", level_name_en="senior technician"),
        "credential-out-of-scope",
        "issuer_in_scope.level_not_accredited",
    ),
    "issuer suspended": (
        _signed_while_suspended,
        "credential-out-of-scope",
        "issuer_in_scope.suspended",
    ),
    "key rotated away": (
        _rotated_after_signing,
        "credential-key-not-valid",
        "key_valid_at_issuance.expired",
    ),
    "id not canonical": (_uppercase_id, "credential-id-invalid", None),
    "no status entry": (lambda i: _with_status(i), "status-entry-missing", None),
    "another registry's list": (
        lambda i: _with_status(i, *_entries("https://elsewhere.test", 5)),
        "status-entry-invalid",
        None,
    ),
    "a list not started": (
        lambda i: _with_status(i, *_entries(PUBLIC_URL, 5, list_no=3)),
        "status-entry-invalid",
        None,
    ),
    "an index past every list": (
        lambda i: _with_status(i, *_entries(PUBLIC_URL, 10**18 - 1)),
        "status-entry-invalid",
        None,
    ),
    "two indexes": (
        lambda i: _with_status(i, _entries(PUBLIC_URL, 5)[0], _entries(PUBLIC_URL, 6)[1]),
        "status-entry-invalid",
        None,
    ),
    "suspension only": (
        lambda i: _with_status(i, _entries(PUBLIC_URL, 5)[1]),
        "status-entry-invalid",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_credential_names_the_failed_check_and_logs_nothing(
    client: TestClient, registry: Registry, issuing: Issuing, case: str
) -> None:
    make, slug, code = REFUSED[case]
    jws = make(issuing)
    size = log_size(registry)
    problem = assert_problem(_submit(client, jws), slug)
    assert problem.get("code") == code
    if code is not None:
        assert problem["check"] == code.split(".")[0]
    assert [error["field"] for error in problem["errors"]] == ["body[0]"]
    assert log_size(registry) == size
    assert registry.status.newest() == 0


def test_a_list_is_started_only_once_the_newest_is_nearly_full(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    assert _submit(client, issuing.sign(index=5)).status_code == 201
    early = _with_status(issuing, *_entries(PUBLIC_URL, 5, list_no=2))
    problem = assert_problem(_submit(client, early), "status-entry-invalid")
    assert "list 1 has room" in problem["errors"][0]["detail"]
    registry.status.allocate(START_NEXT_LIST_AT - 1)
    assert registry.status.filled(1) == START_NEXT_LIST_AT
    assert _submit(client, early).status_code == 201
    assert registry.status.newest() == 2


def test_a_taken_status_index_is_a_conflict(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    assert _submit(client, issuing.sign(index=5)).status_code == 201
    size = log_size(registry)
    problem = assert_problem(_submit(client, issuing.sign(index=5)), "status-index-taken")
    assert "index 5 of status list 1" in problem["detail"]
    assert log_size(registry) == size


def test_a_batch_with_one_bad_credential_logs_nothing(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    good = [issuing.sign(), issuing.sign()]
    bad = issuing.sign(occupation_code="4-12-01-01", occupation_name="汽车维修工")
    size = log_size(registry)
    response = client.post("/v1/credentials", json=[good[0], bad, good[1]])
    problem = assert_problem(response, "credentials-refused")
    assert [(e["position"], e["field"], e["code"]) for e in problem["errors"]] == [
        (1, "body[1]", "issuer_in_scope.occupation_not_accredited")
    ]
    assert problem["errors"][0]["type"].endswith("/credential-out-of-scope")
    assert log_size(registry) == size
    assert registry.status.newest() == 0
    assert client.post("/v1/credentials", json=good).status_code == 201


def test_a_batch_names_every_refused_credential(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    twice = issuing.sign()
    tokens = [twice, "x.y.z", twice, issuing.sign(index=3), issuing.sign(index=3)]
    problem = assert_problem(client.post("/v1/credentials", json=tokens), "credentials-refused")
    assert [(e["position"], e["type"].rsplit("/", 1)[1]) for e in problem["errors"]] == [
        (1, "credential-format-invalid"),
        (2, "credential-duplicate"),
        (4, "status-index-taken"),
    ]


def test_a_batch_of_conflicts_only_is_409(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    assert _submit(client, issuing.sign(index=9)).status_code == 201
    response = client.post("/v1/credentials", json=[issuing.sign(index=9)])
    assert_problem(response, "credentials-refused", status=409)


def test_concurrent_submissions_of_one_credential_log_it_once(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    # Several rounds: the race is between reading the credential as unlogged and finding its
    # status slot taken by the very submission that won.
    for _ in range(5):
        jws = issuing.sign()
        size = log_size(registry)
        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(lambda token: _submit(client, token).status_code, [jws] * 8))
        assert statuses == [200] * 7 + [201]
        assert log_size(registry) == size + 1


@pytest.mark.parametrize(
    ("headers", "body", "slug", "field"),
    [
        ({"content-type": "text/plain"}, b"a.b.c", "unsupported-media-type", None),
        ({}, b"a.b.c", "unsupported-media-type", None),
        (VC_JWT, b"", "validation-error", "body"),
        (VC_JWT, "ä.b.c".encode(), "validation-error", "body"),
        ({"content-type": "application/json"}, b"[]", "validation-error", "body"),
        ({"content-type": "application/json"}, b'{"jws": "a.b.c"}', "validation-error", "body"),
        ({"content-type": "application/json"}, b'["a.b.c", 7]', "validation-error", "body[1]"),
        ({"content-type": "application/json"}, b"[", "validation-error", "body"),
        ({"content-type": "application/json"}, b"[" * 100_000, "validation-error", "body"),
        ({"content-type": "application/json"}, b'["\\ud800"]', "validation-error", "body"),
    ],
)
def test_a_body_that_is_not_a_submission_is_refused(
    shared_service: SharedService,
    headers: dict[str, str],
    body: bytes,
    slug: str,
    field: str | None,
) -> None:
    client = shared_service.client
    checkpoint = client.get("/v1/log/checkpoint").text
    problem = assert_problem(client.post("/v1/credentials", content=body, headers=headers), slug)
    if field is not None:
        assert [error["field"] for error in problem["errors"]] == [field]
    assert client.get("/v1/log/checkpoint").text == checkpoint


def test_a_batch_larger_than_the_setting_is_refused(
    make_client: Callable[[Settings], TestClient], settings: Settings, issuing: Issuing
) -> None:
    client = make_client(settings.model_copy(update={"max_batch": 2}))
    problem = assert_problem(
        client.post("/v1/credentials", json=[issuing.sign() for _ in range(3)]),
        "validation-error",
    )
    assert "a batch holds 2" in problem["errors"][0]["detail"]


def test_get_returns_the_jws_its_status_and_evidence(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    jws = issuing.sign()
    credential_id = _submit(client, jws).json()["id"]
    path = f"/v1/credentials/{credential_id.removeprefix('urn:uuid:')}"
    document = client.get(path).json()
    assert (document["id"], document["issuer"], document["jws"]) == (credential_id, ISSUER, jws)
    assert document["status"] == {"status": "active", "reason": None, "since": None}
    _assert_verifies(client, settings, registry, jws, document["log"])

    set_credential_status(registry.governance, credential_id, "suspended", "disputed")
    status = client.get(path).json()["status"]
    assert (status["status"], status["reason"]) == ("suspended", "disputed")
    assert status["since"].endswith("Z")


def test_get_unknown_erased_and_malformed_ids(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    unknown = uuid.uuid4()
    problem = assert_problem(client.get(f"/v1/credentials/{unknown}"), "credential-not-found")
    assert str(unknown) in problem["detail"]
    credential_id = _submit(client, issuing.sign()).json()["id"]
    registry.log.store.erase_credential(credential_id, 1)
    erased = client.get(f"/v1/credentials/{credential_id.removeprefix('urn:uuid:')}")
    assert_problem(erased, "credential-not-found")
    malformed = assert_problem(client.get("/v1/credentials/1234"), "validation-error")
    assert [error["field"] for error in malformed["errors"]] == ["path.credential_id"]


@pytest.mark.parametrize(
    "form",
    [str.upper, lambda text: text.replace("-", ""), "{{{}}}".format, "urn:uuid:{}".format],
    ids=["upper case", "no hyphens", "braces", "urn"],
)
@pytest.mark.parametrize("path", ["/v1/credentials/{}", "/v/{}", "/v/{}/qr.png", "/v/{}/qr.svg"])
def test_a_credential_is_named_in_a_url_one_way_only(
    shared_service: SharedService, form: Callable[[str], str], path: str
) -> None:
    client = shared_service.client
    named = path.format(form(str(uuid.uuid4())))
    problem = assert_problem(client.get(named), "validation-error")
    assert [error["field"] for error in problem["errors"]] == ["path.credential_id"]
