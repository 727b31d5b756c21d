"""``POST /v1/verify`` and ``POST /v1/recognize``: the verification report, as the CLI prints it.

Both answer 200 with a report whatever its result: an invalid credential is an answer, not an
error. Problems are for requests that cannot be answered (no such stored credential, a body
that is not a request).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from registry.service.limits import rate_limited
from registry.service.models import RecognizeRequest, ReportDocument, VerifyRequest
from registry.service.problems import Problem, problem_responses
from registry.service.state import Service, ServiceState
from registry.service.verification import report_for_stored, report_for_token
from verifier import VerificationReport

__all__ = ["router"]

router = APIRouter(tags=["verification"])
_PROBLEMS = problem_responses(
    "credential-not-found", "validation-error", "body-too-large", "rate-limited"
)


def _report(state: ServiceState, request: VerifyRequest) -> VerificationReport:
    if request.id is not None:
        return report_for_stored(state, request.id, request.at, request.target)
    if request.jws is not None:
        return report_for_token(state, request.jws.encode("utf-8"), request.at, request.target)
    raise Problem("validation-error", "give exactly one of jws and id")


@router.post(
    "/v1/verify",
    response_model=ReportDocument,
    summary="Verify a credential (a compact JWS, or the id of one the registry holds)",
    dependencies=[Depends(rate_limited)],
    responses=_PROBLEMS,
)
async def verify(request: VerifyRequest, state: Service) -> Response:
    """The report `skillcert verify --json` prints, made by the same `verify_credential` on the
    registry's trust bundle (`GET /v1/trust-bundle`) with the registry's log evidence for the
    credential. `result` is `valid` only when every check passed."""
    # Run on the event loop, not a worker thread: the work is a fraction of a millisecond of
    # CPU, and the hand-off to a thread and back costs about as much again.
    return Response(_report(state, request).to_json_bytes(), media_type="application/json")


@router.post(
    "/v1/recognize",
    response_model=ReportDocument,
    summary="Verify a credential and express its level in another framework",
    dependencies=[Depends(rate_limited)],
    responses=_PROBLEMS,
)
def recognize(request: RecognizeRequest, state: Service) -> JSONResponse:
    """The report `skillcert recognize --json` prints (with its `recognition` answer), plus
    `mappings`: every version of every recognition mapping from the credential's framework
    to `target`, the ones in effect and the ones that are not."""
    report = _report(state, request)
    document: dict[str, Any] = report.to_json()
    claims = report.credential.claims if report.credential else None
    bundle = state.trust.current().bundle
    document["mappings"] = [
        mapping.to_json()
        for mapping in bundle.mappings
        if claims is not None
        and mapping.source_framework == claims.framework
        and mapping.target_framework == request.target
    ]
    return JSONResponse(document)
