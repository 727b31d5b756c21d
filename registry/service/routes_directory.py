"""The directory as the log makes it: issuers, recognition mappings, status lists, and the
signed trust bundle that carries all of them for offline verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from registry.service.pagination import Page, PageRequest, page_request, paginate
from registry.service.problems import Problem, problem_responses
from registry.service.state import Service
from registry.status import parse_list_name
from schemas.credential import BEIJING, CREDENTIAL_MEDIA_TYPE
from schemas.governance import IssuerRecord
from schemas.recognition import RecognitionMapping
from schemas.status_list import REVOCATION, SUSPENSION

__all__ = ["JOSE_MEDIA_TYPE", "router"]

router = APIRouter(tags=["directory"])
JOSE_MEDIA_TYPE = "application/jose"
"""A compact JWS whose payload is not a credential (RFC 7515 §9.2.1): the trust bundle."""
_PAGE_PROBLEMS = problem_responses("validation-error")
_ISSUER_EXAMPLE = {
    "id": "urn:skillcert:issuer:demo-guangzhou-appraisal",
    "name": "广州市示范职业技能鉴定中心（演示）",
    "registered_at": "2026-01-05T02:00:00.000Z",
    "status": "active",
    "status_history": [],
    "scopes": [
        {
            "occupations": ["6-31-*"],
            "framework": "CN-VQ-5",
            "levels": ["3", "4", "5"],
            "valid_from": "2020-01-01",
        }
    ],
    "keys": [
        {
            "kid": "urn:skillcert:issuer:demo-guangzhou-appraisal#su-kxlQ6C4e…",
            "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "…"},
            "valid_from": "2026-01-05T02:00:00.000Z",
        }
    ],
}


def _page_example(item: dict[str, Any], next_page: str | None) -> dict[int | str, Any]:
    return {
        200: {"content": {"application/json": {"example": {"items": [item], "next": next_page}}}}
    }


@router.get(
    "/v1/issuers",
    response_model=Page,
    summary="Issuing bodies with their scopes, status history and keys",
    responses={
        **_page_example(_ISSUER_EXAMPLE, "/v1/issuers?limit=1&cursor=eyJhZnRlciI6…"),
        **_PAGE_PROBLEMS,
    },
)
def list_issuers(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    state: Service,
) -> JSONResponse:
    """Each item as `skillcert issuer list --json` prints it, in issuer id order."""
    with state.lock:
        directory, _ = state.registry.governance.directory_below()
        issuers = list(directory.issuers.values())
    return paginate(issuers, lambda r: r.id, IssuerRecord.to_json, page, request.url)


@router.get(
    "/v1/issuers/{issuer_id:path}",
    summary="One issuing body",
    responses={
        200: {
            "description": "The issuer, as in `skillcert issuer list --json`",
            "content": {"application/json": {"example": _ISSUER_EXAMPLE}},
        },
        **problem_responses("issuer-not-found"),
    },
)
def get_issuer(
    issuer_id: Annotated[
        str,
        PathParam(
            description="The issuer id (an absolute URI; percent-encode `/`, `?` and `#`)",
            examples=["urn:skillcert:issuer:demo-guangzhou-appraisal"],
        ),
    ],
    state: Service,
) -> JSONResponse:
    with state.lock:
        directory, _ = state.registry.governance.directory_below()
        record = directory.issuers.get(issuer_id)
    if record is None:
        raise Problem("issuer-not-found", f"no issuer {issuer_id} in the directory")
    return JSONResponse(record.to_json())


def _mapping_item(
    mapping: RecognitionMapping, latest: dict[str, int], today: Any
) -> dict[str, Any]:
    return {
        "mapping": mapping.to_json(),
        "in_effect": mapping.in_effect(today),
        "latest_version": latest[mapping.id] == mapping.version,
    }


@router.get(
    "/v1/recognitions",
    response_model=Page,
    summary="Recognition mappings, every version, current and historic",
    responses={
        **_page_example(
            {
                "mapping": {
                    "id": "urn:skillcert:mapping:cn-vq-5-to-hkqf",
                    "version": 2,
                    "source_framework": "CN-VQ-5",
                    "target_framework": "HKQF",
                    "decided_by": {
                        "id": "urn:skillcert:body:demo-recognition-panel",
                        "name": {"en": "…", "zh-Hans": "…", "zh-Hant": "…"},
                    },
                    "effective_from": "2026-01-01",
                    "effective_until": None,
                    "illustrative": True,
                    "notes": {"en": "…", "zh-Hans": "…", "zh-Hant": "…"},
                    "rules": [{"source_level": "5", "occupation": None, "target_level": "1"}],
                },
                "in_effect": True,
                "latest_version": True,
            },
            None,
        ),
        **_PAGE_PROBLEMS,
    },
)
def list_recognitions(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    state: Service,
) -> JSONResponse:
    """Each item is `{"mapping", "in_effect", "latest_version"}`: the published document
    (docs/recognition.md), whether it is in effect today (Beijing), and whether no later
    version of its id has been published. In order of id, then version."""
    with state.lock:
        directory, _ = state.registry.governance.directory_below()
        mappings = list(directory.mappings)
    latest: dict[str, int] = {}
    for mapping in mappings:
        latest[mapping.id] = max(latest.get(mapping.id, 0), mapping.version)
    today = datetime.now(BEIJING).date()
    return paginate(
        mappings,
        lambda m: f"{m.id}\n{m.version:012d}",
        lambda m: _mapping_item(m, latest, today),
        page,
        request.url,
    )


@router.get(
    "/v1/status",
    response_model=Page,
    summary="This registry's status lists",
    responses={
        **_page_example(
            {
                "list": "1-revocation",
                "number": 1,
                "purpose": "revocation",
                "url": "https://registry.example/v1/status/1-revocation",
            },
            "/v1/status?limit=1&cursor=eyJhZnRlciI6…",
        ),
        **_PAGE_PROBLEMS,
    },
)
def list_status_lists(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    state: Service,
) -> JSONResponse:
    """Each item is `{"list", "number", "purpose", "url"}`; a credential submitted to the
    registry names an index of one of them (or of the list after the newest)."""
    status = state.registry.status
    lists = [(number, purpose) for number in status.lists() for purpose in (REVOCATION, SUSPENSION)]
    return paginate(
        lists,
        lambda item: f"{item[0]:012d}-{item[1]}",
        lambda item: {
            "list": f"{item[0]}-{item[1]}",
            "number": item[0],
            "purpose": item[1],
            "url": status.url(*item),
        },
        page,
        request.url,
    )


@router.get(
    "/v1/status/{list_name}",
    response_class=Response,
    summary="A signed Bitstring status list credential",
    responses={
        200: {
            "description": "Compact JWS of a `BitstringStatusListCredential`, signed now",
            "content": {CREDENTIAL_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses("status-list-not-found"),
    },
)
def get_status_list(
    list_name: Annotated[
        str, PathParam(description="`<number>-revocation` or `<number>-suspension`")
    ],
    state: Service,
) -> Response:
    registry = state.registry
    located = parse_list_name(list_name)
    if located is None or located[0] not in registry.status.lists():
        raise Problem("status-list-not-found", f"no status list {list_name}")
    number, purpose = located
    with state.lock:
        directory, _ = registry.governance.directory_below()
        token = registry.status.credential(
            directory, number, purpose, registry.authority_key, datetime.now(UTC)
        )
    return Response(token, media_type=CREDENTIAL_MEDIA_TYPE)


@router.get(
    "/v1/trust-bundle",
    response_class=Response,
    summary="The signed trust bundle",
    responses={
        200: {
            "description": "Compact JWS signed by the authority key, `typ` "
            "`skillcert-trust-bundle+json`: what `skillcert bundle export` writes",
            "content": {JOSE_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def get_trust_bundle(state: Service) -> Response:
    """The bundle this service verifies with; rebuilt when a governance change is logged.
    Pin the authority key's thumbprint out of band, never from here."""
    return Response(state.trust.current().token, media_type=JOSE_MEDIA_TYPE)
