"""``POST /v1/credentials`` (submit issuer-signed credentials) and ``GET /v1/credentials/{id}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from registry.service.admission import AdmissionRefused, Admitted, Refusal, admit
from registry.service.limits import rate_limited
from registry.service.models import (
    EXAMPLE_EVIDENCE,
    EXAMPLE_ID,
    EXAMPLE_JWS,
    EXAMPLE_UUID,
    CredentialRecord,
    SubmittedBatch,
    SubmittedCredential,
)
from registry.service.problems import Problem, problem_responses
from registry.service.records import CredentialId, stored_record
from registry.service.requests import RawBody, media_type
from registry.service.state import Service
from schemas.credential import CREDENTIAL_MEDIA_TYPE
from schemas.errors import MalformedDocument
from schemas.strict_json import parse_strict_json

__all__ = ["router"]

router = APIRouter(tags=["credentials"])
_JSON = "application/json"
_LIMITS = ("body-too-large", "rate-limited", "unsupported-media-type", "validation-error")
_CONFLICTS = frozenset({"credential-conflict", "status-index-taken", "certificate-number-taken"})
"""Refusals that the state of the log, not the credential, is to blame for: a batch refused
only for these is a 409."""


def _refused(field: str, detail: str) -> Problem:
    return Problem(
        "validation-error", f"invalid: {field}", errors=[{"field": field, "detail": detail}]
    )


def _tokens(body: bytes, content_type: str, max_batch: int) -> tuple[list[str], bool]:
    """The compact JWS texts in the body, and whether it was a batch (a JSON array)."""
    if content_type == CREDENTIAL_MEDIA_TYPE:
        try:
            token = body.decode("ascii").strip()
        except UnicodeDecodeError:
            raise _refused("body", "a compact JWS is ASCII text") from None
        if not token:
            raise _refused("body", "expected one compact JWS")
        return [token], False
    if content_type == _JSON:
        try:
            document = parse_strict_json(body, limit=len(body), what="body")
        except MalformedDocument as exc:
            raise _refused("body", f"not JSON: {exc.message}") from None
        if not isinstance(document, list) or not document:
            raise _refused("body", "expected a non-empty array of compact JWS strings")
        if len(document) > max_batch:
            raise _refused("body", f"{len(document)} credentials; a batch holds {max_batch}")
        for position, token in enumerate(document):
            if not isinstance(token, str) or not token.isascii() or not token.strip():
                raise _refused(f"body[{position}]", "expected a compact JWS string")
        return [token.strip() for token in document], True
    raise Problem(
        "unsupported-media-type",
        f"send {CREDENTIAL_MEDIA_TYPE} (one credential) or {_JSON} (an array of them)",
    )


def _item(admitted: Admitted) -> dict[str, Any]:
    return {
        "id": admitted.credential_id,
        "created": admitted.created,
        "location": f"/v1/credentials/{admitted.credential_id.removeprefix('urn:uuid:')}",
        "log": admitted.evidence,
    }


def _refusal_problem(refusals: Sequence[Refusal], batch: bool) -> Problem:
    errors = [refusal.to_json() for refusal in refusals]
    if not batch:
        (refusal,) = refusals
        return Problem(
            refusal.slug, refusal.detail, check=refusal.check, code=refusal.code, errors=errors
        )
    conflicts_only = all(refusal.slug in _CONFLICTS for refusal in refusals)
    return Problem(
        "credentials-refused",
        f"{len(refusals)} credential(s) refused ("
        + ", ".join(f"body[{refusal.position}]: {refusal.slug}" for refusal in refusals[:10])
        + (", …" if len(refusals) > 10 else "")
        + "); nothing was logged",
        status=409 if conflicts_only else None,
        errors=errors,
    )


_SUBMIT_BODY = {
    "required": True,
    "content": {
        CREDENTIAL_MEDIA_TYPE: {
            "schema": {"type": "string", "minLength": 1},
            "example": EXAMPLE_JWS,
        },
        _JSON: {
            "schema": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            "example": [EXAMPLE_JWS, EXAMPLE_JWS],
        },
    },
}


@router.post(
    "/v1/credentials",
    status_code=201,
    response_model=SubmittedCredential | SubmittedBatch,
    summary="Submit issuer-signed credentials to the log",
    dependencies=[Depends(rate_limited)],
    openapi_extra={"requestBody": _SUBMIT_BODY},
    responses={
        200: {
            "description": "Logged already with these very bytes: the existing evidence",
            "model": SubmittedCredential | SubmittedBatch,
        },
        201: {
            "description": "Logged; `Location` names the credential",
            "content": {
                _JSON: {
                    "example": {
                        "id": EXAMPLE_ID,
                        "created": True,
                        "location": f"/v1/credentials/{EXAMPLE_UUID}",
                        "log": EXAMPLE_EVIDENCE,
                    }
                }
            },
        },
        **problem_responses(
            "credential-format-invalid",
            "credential-signature-invalid",
            "credential-issuer-unknown",
            "credential-key-not-valid",
            "credential-out-of-scope",
            "credential-id-invalid",
            "credential-duplicate",
            "status-entry-missing",
            "status-entry-invalid",
            "credentials-refused",
            "credential-conflict",
            "status-index-taken",
            "certificate-number-taken",
            "log-unavailable",
            *_LIMITS,
        ),
    },
)
def submit_credentials(
    request: Request,
    body: RawBody,
    state: Service,
) -> JSONResponse:
    """One credential as `application/vc+jwt`, or a batch as a JSON array of compact JWS
    strings (all or nothing). Each must verify with the registry's trust bundle as of now
    (format, signature, issuer known, key valid, issuer in scope) and name a free index of one
    of this registry's status lists. A credential logged already with the same bytes is
    answered with its evidence (200), never logged twice."""
    tokens, batch = _tokens(body, media_type(request), state.settings.max_batch)
    try:
        admitted = admit(state, tokens)
    except AdmissionRefused as refused:
        state.metrics.submissions.labels("refused").inc(len(refused.refusals))
        raise _refusal_problem(refused.refusals, batch) from None
    created = sum(item.created for item in admitted)
    if created:
        state.metrics.submissions.labels("logged").inc(created)
    if created < len(admitted):
        state.metrics.submissions.labels("existing").inc(len(admitted) - created)
    status = 201 if created else 200
    if batch:
        return JSONResponse({"items": [_item(item) for item in admitted]}, status_code=status)
    (single,) = admitted
    document = _item(single)
    return JSONResponse(document, status_code=status, headers={"Location": document["location"]})


@router.get(
    "/v1/credentials/{credential_id}",
    response_model=CredentialRecord,
    summary="A credential: its JWS, status now, and log evidence",
    responses=problem_responses("credential-not-found", "validation-error"),
)
def get_credential(credential_id: CredentialId, state: Service) -> JSONResponse:
    """The evidence is an inclusion proof in the latest checkpoint. An erased credential is
    not found: the registry no longer holds it, though its log entry stays."""
    return JSONResponse(stored_record(state, credential_id).to_json())
