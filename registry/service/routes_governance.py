"""``POST /v1/governance``: an authority-signed governance change, applied over HTTP.

The body is a compact JWS signed by the authority key, ``typ`` ``skillcert-governance+json``,
whose payload is the change exactly as the log records it (docs/governance.md, "The log is the
directory"): ``{"type", "at", …}``. It is verified against this registry's authority public key,
checked for the members its kind has, and then recorded through ``Governance.record`` like a
CLI command: under the log's write lock, against the directory at the head it extends, and
refused (409) if it cannot follow. No shared secret is involved: holding the authority key is
the authorisation.

Every change the registry accepts is public in the log with its signature, so anyone could
send it again. ``at`` must lie within ``governance_max_skew_seconds`` of the registry's clock,
which turns an old change away; within that window the directory's own rules refuse a repeat
of almost every change (a second registration, a status change not after the last, a revoked
credential changed again, a mapping version that does not follow).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from registry.authority import Registry
from registry.issuance import receipt_evidence
from registry.service.limits import rate_limited
from registry.service.models import EXAMPLE_EVIDENCE, GovernanceReceipt
from registry.service.problems import Problem, problem_responses
from registry.service.requests import RawBody, media_type
from registry.service.routes_directory import JOSE_MEDIA_TYPE
from registry.service.state import Service, ServiceState
from registry.status import credential_pointers
from schemas.errors import SchemaError, SignedDocumentError
from schemas.governance import CHANGE_KINDS, CHANGE_TYP, CREDENTIAL_STATUS, change_body, read_change
from schemas.instants import parse_instant_ms
from schemas.signed_json import verify_json

__all__ = ["router"]

router = APIRouter(tags=["governance"])
_MAX_CHANGE_BYTES = 256 * 1024


def _malformed(detail: str) -> Problem:
    return Problem("governance-change-malformed", detail)


def _signed_change(body: bytes, content_type: str, state: ServiceState) -> dict[str, Any]:
    """The change in ``body``, its signature verified against the authority key."""
    if content_type != JOSE_MEDIA_TYPE:
        raise Problem("unsupported-media-type", f"send the signed change as {JOSE_MEDIA_TYPE}")
    try:
        token = body.decode("ascii").strip()
        change = verify_json(
            token, state.registry.governance.authority, CHANGE_TYP, limit=_MAX_CHANGE_BYTES
        )
    except UnicodeDecodeError:
        raise _malformed("a compact JWS is ASCII text") from None
    except SignedDocumentError as exc:
        raise Problem("governance-signature-invalid", str(exc)) from None
    except SchemaError as exc:
        raise _malformed(str(exc)) from None
    if not isinstance(change, dict) or change.get("type") not in CHANGE_KINDS:
        kinds = ", ".join(sorted(CHANGE_KINDS))
        raise _malformed(f"expected a change whose type is one of {kinds}")
    try:
        read_change(change["type"], change_body(change, ""), None)
    except SchemaError as exc:
        raise _malformed(str(exc)) from None
    return change


def _check_pointers(registry: Registry, fields: dict[str, Any]) -> None:
    """A status change must point at the bits its credential's issuance entry names: any other
    pointers would set the bits of other credentials."""
    credential_id = fields["credential_id"]
    if not isinstance(credential_id, str):
        raise _malformed("change.credential_id: expected a credential id")
    if fields["pointers"] != credential_pointers(registry.log.store, credential_id):
        raise Problem(
            "governance-change-refused",
            f"change.pointers: not the status list entries {credential_id} was logged with",
        )


@router.post(
    "/v1/governance",
    status_code=201,
    response_model=GovernanceReceipt,
    summary="Record an authority-signed governance change",
    dependencies=[Depends(rate_limited)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JOSE_MEDIA_TYPE: {
                    "schema": {"type": "string", "minLength": 1},
                    "example": "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6InNraWxsY2VydC1nb3Zlcm"
                    "5hbmNlK2pzb24ifQ.eyJhdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsIi4uLiI6MX0.c2ln",
                }
            },
        }
    },
    responses={
        201: {
            "description": "Logged; the change's entry with its inclusion proof",
            "content": {
                "application/json": {
                    "example": {"kind": "credential_status", "index": 41, "log": EXAMPLE_EVIDENCE}
                }
            },
        },
        **problem_responses(
            "governance-signature-invalid",
            "governance-change-malformed",
            "governance-change-stale",
            "governance-change-refused",
            "credential-not-found",
            "unsupported-media-type",
            "body-too-large",
            "rate-limited",
        ),
    },
)
def record_change(
    request: Request,
    body: RawBody,
    state: Service,
) -> JSONResponse:
    """The payload is the change as logged: `{"type": "credential_status", "at":
    "2026-01-01T08:00:00.000Z", "credential_id": …, "status": "revoked", "reason":
    "fraudulent", "pointers": […]}` and so on for each kind in docs/governance.md."""
    change = _signed_change(body, media_type(request), state)
    kind = change["type"]
    try:
        at = parse_instant_ms(change["at"], "change.at")
    except SchemaError as exc:
        raise _malformed(str(exc)) from None
    skew = state.settings.governance_max_skew_seconds
    off = (at - datetime.now(UTC)).total_seconds()
    if abs(off) > skew:
        raise Problem(
            "governance-change-stale",
            f"change.at is {abs(off):.0f} s {'ahead of' if off > 0 else 'behind'} the registry's "
            f"clock; at most {skew} s is accepted",
        )
    fields = {name: value for name, value in change.items() if name not in ("type", "at")}
    registry = state.registry
    with state.lock:
        if kind == CREDENTIAL_STATUS:
            _check_pointers(registry, fields)
        receipt = registry.governance.record(kind, fields, at)
    state.trust.invalidate()
    document = {"kind": kind, "index": receipt.index, "log": receipt_evidence(receipt)}
    return JSONResponse(document, status_code=201)
