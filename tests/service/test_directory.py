"""Issuers, recognition mappings, status lists and the trust bundle; every list walked page by
page must give each item exactly once, whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from registry.authority import Registry
from registry.settings import Settings
from registry.status import LIST_SIZE, set_credential_status
from schemas.recognition import builtin_mappings
from schemas.signed_json import AuthorityKey
from schemas.status_list import REVOCATION, SUSPENSION
from schemas.trust_bundle import read_status_list
from tests.service.conftest import (
    ISSUER,
    PUBLIC_URL,
    VC_JWT,
    Issuing,
    SharedService,
    assert_problem,
    authority_key,
    publish_mappings,
    trust_from,
)


def _walk(client: TestClient, path: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list route, following ``next`` from the first page."""
    items: list[dict[str, Any]] = []
    url: str | None = f"{path}?limit={limit}"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        link = response.headers.get("link")
        assert link == (f'<{page["next"]}>; rel="next"' if page["next"] else None)
        url = page["next"]
        pages += 1
        assert pages <= 100
    return items


def _add_issuers(registry: Registry, count: int) -> list[str]:
    ids = [f"urn:skillcert:issuer:page-{n:02d}" for n in range(count)]
    for issuer_id in ids:
        registry.issuers.add(issuer_id, f"鉴定中心 {issuer_id[-2:]}", datetime.now(UTC))
    return ids


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_issuers_page_through_each_once(client: TestClient, registry: Registry, limit: int) -> None:
    expected = sorted([ISSUER, *_add_issuers(registry, 6)])
    items = _walk(client, "/v1/issuers", limit)
    assert [item["id"] for item in items] == expected
    assert items[expected.index(ISSUER)] == registry.issuers.get(ISSUER).to_json()


def test_a_page_starts_after_its_cursor_however_the_list_grew(
    client: TestClient, registry: Registry
) -> None:
    """An issuer registered before the cursor's position after the first page was read
    shifts nothing: the next page starts right after the last item seen, as an offset would
    not."""
    _add_issuers(registry, 4)
    first = client.get("/v1/issuers?limit=2").json()
    assert [item["id"][-7:] for item in first["items"]] == ["page-00", "page-01"]
    registry.issuers.add("urn:skillcert:issuer:aaa-first", "新机构", datetime.now(UTC))
    following = client.get(first["next"]).json()
    assert [item["id"][-7:] for item in following["items"]] == ["page-02", "page-03"]
    last = client.get(following["next"]).json()
    assert [item["id"] for item in last["items"]] == [ISSUER]
    assert last["next"] is None


def test_recognitions_page_through_every_version(client: TestClient, registry: Registry) -> None:
    publish_mappings(registry)
    items = _walk(client, "/v1/recognitions", 2)
    versions = [(item["mapping"]["id"], item["mapping"]["version"]) for item in items]
    assert versions == sorted(versions)
    assert sorted(versions) == sorted((m.id, m.version) for m in builtin_mappings())
    latest = {(i["mapping"]["id"], i["mapping"]["version"]): i["latest_version"] for i in items}
    ids_with_two = [mid for mid, version in versions if version == 2]
    assert ids_with_two and all(not latest[(mid, 1)] for mid in ids_with_two)
    assert all(isinstance(item["in_effect"], bool) for item in items)


def test_status_lists_page_through_each_once(client: TestClient, registry: Registry) -> None:
    registry.status.allocate(2 * LIST_SIZE + 1)  # lists 1 and 2 full, one index of list 3
    items = _walk(client, "/v1/status", 4)
    assert [item["list"] for item in items] == [
        f"{n}-{purpose}" for n in (1, 2, 3) for purpose in (REVOCATION, SUSPENSION)
    ]
    assert items[0]["url"] == f"{PUBLIC_URL}/v1/status/1-revocation"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "query.limit"),
        ("limit=1001", "query.limit"),
        ("limit=ten", "query.limit"),
        ("cursor=bm90LWpzb24", "query.cursor"),
        ("cursor=eyJhZnRlciI6IDd9", "query.cursor"),
        ("cursor=!!", "query.cursor"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/issuers", "/v1/recognitions", "/v1/status"])
def test_a_bad_page_request_names_the_parameter(
    shared_service: SharedService, path: str, query: str, field: str
) -> None:
    problem = assert_problem(shared_service.client.get(f"{path}?{query}"), "validation-error")
    assert [error["field"] for error in problem["errors"]] == [field]


def test_one_issuer_by_its_id(client: TestClient, registry: Registry) -> None:
    web_id = "https://bodies.example/gd/0001"
    registry.issuers.add(web_id, "网络鉴定机构", datetime.now(UTC))
    for issuer_id in (ISSUER, web_id):
        response = client.get(f"/v1/issuers/{quote(issuer_id, safe='')}")
        assert response.status_code == 200
        assert response.json() == registry.issuers.get(issuer_id).to_json()
    problem = assert_problem(
        client.get("/v1/issuers/urn:skillcert:issuer:nobody"), "issuer-not-found"
    )
    assert "urn:skillcert:issuer:nobody" in problem["detail"]


def test_a_status_list_is_signed_and_shows_a_revocation(
    client: TestClient, settings: Settings, registry: Registry, issuing: Issuing
) -> None:
    jws = issuing.sign(index=77)
    credential_id = client.post("/v1/credentials", content=jws, headers=VC_JWT).json()["id"]
    set_credential_status(registry.governance, credential_id, "revoked", "fraudulent")
    authority = AuthorityKey.from_public_key(authority_key(settings).public_key())
    lists = {}
    for purpose in (REVOCATION, SUSPENSION):
        response = client.get(f"/v1/status/1-{purpose}")
        assert response.headers["content-type"] == "application/vc+jwt"
        lists[purpose] = read_status_list(response.text, authority, purpose)
        assert lists[purpose].url == f"{PUBLIC_URL}/v1/status/1-{purpose}"
    assert lists[REVOCATION].bits.get(77) and not lists[REVOCATION].bits.get(78)
    assert not lists[SUSPENSION].bits.get(77)


@pytest.mark.parametrize("name", ["2-revocation", "1-expiry", "01-revocation", "revocation"])
def test_an_unknown_status_list_is_not_found(
    client: TestClient, issuing: Issuing, name: str
) -> None:
    client.post("/v1/credentials", content=issuing.sign(), headers=VC_JWT)
    assert_problem(client.get(f"/v1/status/{name}"), "status-list-not-found")


def test_the_trust_bundle_is_the_registrys_directory(
    client: TestClient, settings: Settings, registry: Registry
) -> None:
    bundle = trust_from(client, settings)
    assert bundle.issuers[ISSUER] == registry.issuers.get(ISSUER)
    assert bundle.log_keys == (registry.log.verifier_key,)
    registry.issuers.set_status(ISSUER, "suspended", "audit", datetime.now(UTC))
    assert trust_from(client, settings).issuers[ISSUER].status == "suspended"


def test_every_list_route_is_a_page(client: TestClient) -> None:
    routes: list[Callable[[], Any]] = [
        lambda: client.get("/v1/issuers"),
        lambda: client.get("/v1/recognitions"),
        lambda: client.get("/v1/status"),
    ]
    for route in routes:
        page = route().json()
        assert set(page) == {"items", "next"}
