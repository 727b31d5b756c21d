"""RFC 9457 problem details: every error the service answers with, one stable ``type`` each.

``PROBLEMS`` is the whole catalogue; docs/errors.md lists it and a test holds the two equal, so
a client can match on ``type`` and look it up. Routes raise ``Problem``; the registry's domain
errors are turned into problems here, in one place (``_DOMAIN``), never in a route; FastAPI's
own 404, 405 and request-validation errors go through the same writer. Whatever went wrong, a
client parses one shape: ``type``, ``title``, ``status``, ``detail``, ``instance``, and where it
applies ``check`` and ``code`` (a verification check that failed) or ``errors`` (one item per
invalid field or refused credential).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from registry.errors import (
    GovernanceRefused,
    LogStateError,
    TileNotFound,
    UnknownCredential,
    UnknownIssuer,
)

__all__ = [
    "PROBLEMS",
    "PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemDocument",
    "ProblemItem",
    "ProblemType",
    "install_problem_handlers",
    "problem_responses",
    "send_problem",
]

PROBLEM_BASE = "https://skillcert.example/problems/"
"""Problem types are names, not pages to fetch: the URI stays the same wherever the registry
runs (``public_url`` does not change it)."""
PROBLEM_MEDIA_TYPE = "application/problem+json"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


PROBLEMS: Mapping[str, ProblemType] = {
    problem.slug: problem
    for problem in (
        ProblemType("not-found", 404, "No such resource"),
        ProblemType("method-not-allowed", 405, "Method not allowed on this resource"),
        ProblemType("validation-error", 422, "The request is not valid"),
        ProblemType("unsupported-media-type", 415, "Request body media type not accepted"),
        ProblemType("body-too-large", 413, "Request body too large"),
        ProblemType("rate-limited", 429, "Too many requests from this address"),
        ProblemType("internal-error", 500, "Internal error"),
        ProblemType("database-unavailable", 503, "The registry database cannot be reached"),
        ProblemType("log-unavailable", 503, "The log cannot answer now"),
        ProblemType("credential-not-found", 404, "No such credential"),
        ProblemType("issuer-not-found", 404, "No such issuer"),
        ProblemType("status-list-not-found", 404, "No such status list"),
        ProblemType("log-entry-not-found", 404, "No such log entry"),
        ProblemType("tile-not-found", 404, "No such tile"),
        ProblemType("log-range-invalid", 422, "Outside the log's tree"),
        ProblemType("credential-format-invalid", 422, "Credential is not well-formed"),
        ProblemType("credential-signature-invalid", 422, "Credential signature does not verify"),
        ProblemType("credential-issuer-unknown", 422, "Credential issuer or key is not known"),
        ProblemType("credential-key-not-valid", 422, "Signing key not valid at log time"),
        ProblemType("credential-out-of-scope", 422, "Issuer not accredited for this credential"),
        ProblemType("credential-id-invalid", 422, "Credential id is not a urn:uuid"),
        ProblemType("credential-duplicate", 422, "Credential appears twice in the batch"),
        ProblemType("credential-conflict", 409, "Another credential is logged under this id"),
        ProblemType("status-entry-missing", 422, "Credential has no status list entry"),
        ProblemType("status-entry-invalid", 422, "Credential status entry not acceptable"),
        ProblemType("status-index-taken", 409, "Status list index already taken"),
        ProblemType("certificate-number-taken", 409, "Certificate number already issued"),
        ProblemType("credentials-refused", 422, "Credentials refused; nothing was logged"),
        ProblemType("governance-signature-invalid", 403, "Not signed by the authority key"),
        ProblemType("governance-change-malformed", 422, "Governance change is not well-formed"),
        ProblemType("governance-change-stale", 422, "Governance change time too far from now"),
        ProblemType("governance-change-refused", 409, "Governance change cannot follow"),
    )
}


class ProblemItem(BaseModel):
    """One invalid field, or one refused credential of a batch (``position`` in the array)."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Where: `query.limit`, `path.credential_id`, `body[3]`")
    detail: str
    position: int | None = Field(None, description="Index in the submitted batch")
    type: str | None = Field(None, description="Problem type of this item")
    check: str | None = Field(None, description="Verification check that failed")
    code: str | None = Field(None, description="Stable code of that check (docs/errors.md)")


class ProblemDocument(BaseModel):
    """An ``application/problem+json`` body (RFC 9457)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_BASE + "credential-not-found",
                    "title": "No such credential",
                    "status": 404,
                    "detail": "no credential urn:uuid:5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11",
                    "instance": "/v1/credentials/5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str
    check: str | None = None
    code: str | None = None
    errors: list[ProblemItem] | None = None


class Problem(Exception):
    """An error answer: the catalogue entry ``slug``, what went wrong in ``detail``, and the
    optional ``check``, ``code`` and ``errors`` members."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        check: str | None = None,
        code: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = PROBLEMS[slug]
        self.detail = detail
        self.status = status or self.kind.status
        self.headers = dict(headers or {})
        self.members: dict[str, Any] = {
            name: value
            for name, value in (("check", check), ("code", code), ("errors", errors))
            if value is not None
        }

    def document(self, instance: str) -> dict[str, Any]:
        return {
            "type": self.kind.uri,
            "title": self.kind.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            **self.members,
        }

    def response(self, instance: str) -> JSONResponse:
        return JSONResponse(
            self.document(instance),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_MEDIA_TYPE,
        )


async def send_problem(problem: Problem, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer from ASGI middleware, where there is no ``Request`` yet (a body too large)."""
    await problem.response(scope.get("path", ""))(scope, receive, send)


_DOMAIN: tuple[tuple[type[Exception], str], ...] = (
    (UnknownCredential, "credential-not-found"),
    (UnknownIssuer, "issuer-not-found"),
    (TileNotFound, "tile-not-found"),
    (GovernanceRefused, "governance-change-refused"),
    (LogStateError, "log-unavailable"),
    (OperationalError, "database-unavailable"),
    (psycopg.OperationalError, "database-unavailable"),
    (sqlite3.OperationalError, "database-unavailable"),
)
"""Registry and database errors a route lets through, most specific first."""


def _problem_for(exc: Exception) -> Problem:
    for kind, slug in _DOMAIN:
        if isinstance(exc, kind):
            if PROBLEMS[slug].status >= 500:
                _log.warning("answering %s: %s", slug, exc)
                return Problem(slug, PROBLEMS[slug].title)
            return Problem(slug, str(exc))
    _log.exception("unhandled error", exc_info=exc)
    return Problem("internal-error", "the registry could not answer this request")


_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed"}


def _field(location: Sequence[Any]) -> str:
    """``("body", "items", 3)`` -> ``body.items[3]``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = [
        {"field": _field(error.get("loc", ())), "detail": str(error.get("msg", "invalid"))}
        for error in exc.errors()
    ]
    fields = ", ".join(dict.fromkeys(error["field"] for error in errors))
    return Problem("validation-error", f"invalid: {fields}", errors=errors)


def _http_answer(exc: StarletteHTTPException, path: str) -> JSONResponse:
    """Routing's own 404 and 405 as catalogued problems, and FastAPI's 400 for a body it
    cannot read (not UTF-8) as the validation error any other unreadable body is; any other
    status has no meaning beyond its code, which RFC 9457 §4.2.1 writes ``about:blank``."""
    if exc.status_code == 400:
        detail = str(exc.detail)
        return Problem(
            "validation-error", detail, errors=[{"field": "body", "detail": detail}]
        ).response(path)
    slug = _HTTP_SLUGS.get(exc.status_code)
    if slug is not None:
        detail = f"no resource at {path}" if exc.status_code == 404 else str(exc.detail)
        return Problem(slug, detail, headers=exc.headers).response(path)
    document = {
        "type": "about:blank",
        "title": HTTPStatus(exc.status_code).phrase,
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": path,
    }
    return JSONResponse(
        document, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_MEDIA_TYPE
    )


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    """The one exception handler: every error, whoever raised it, becomes a problem."""
    path = request.url.path
    if isinstance(exc, StarletteHTTPException):
        return _http_answer(exc, path)
    if isinstance(exc, Problem):
        return exc.response(path)
    if isinstance(exc, RequestValidationError):
        return _validation_problem(exc).response(path)
    return _problem_for(exc).response(path)


def install_problem_handlers(app: FastAPI) -> None:
    for kind in (
        Problem,
        StarletteHTTPException,
        RequestValidationError,
        *(kind for kind, _ in _DOMAIN),
        Exception,
    ):
        app.add_exception_handler(kind, _answer)


def problem_responses(*slugs: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring the problems ``slugs`` a route may answer with."""
    by_status: dict[int, list[ProblemType]] = {}
    for slug in dict.fromkeys(slugs):
        problem = PROBLEMS[slug]
        by_status.setdefault(problem.status, []).append(problem)
    return {
        status: {
            "description": "; ".join(f"`{p.slug}`: {p.title}" for p in problems),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}
            },
            **(
                {"headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}}
                if status == 429
                else {}
            ),
        }
        for status, problems in sorted(by_status.items())
    }
