"""``create_app``: the HTTP service (DESIGN §5), one app per ``Settings``.

Nothing is built at import. ``create_app`` takes the settings from its caller, or reads them
from the environment when it is called (``skillcert serve`` calls it once per worker); the
database, keys and registry are opened in the lifespan, after applying the migrations as
``skillcert init`` does, and closed when the app stops.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from registry.authority import initialise_home, open_registry
from registry.service import (
    page,
    routes_credentials,
    routes_directory,
    routes_governance,
    routes_health,
    routes_log,
    routes_verify,
)
from registry.service.limits import BodySizeLimit, TokenBuckets
from registry.service.metrics import Metrics, MetricsMiddleware
from registry.service.problems import (
    PROBLEM_MEDIA_TYPE,
    ProblemDocument,
    install_problem_handlers,
)
from registry.service.state import ServiceState
from registry.service.trust import TrustCache
from registry.settings import Settings, load_settings

__all__ = ["create_app"]

_REF = "#/components/schemas/"
_DESCRIPTION = """\
A registry of verifiable vocational skill certificates: submit issuer-signed credentials to
its transparency log, verify credentials, read the issuer directory, recognition mappings,
status lists, the signed trust bundle, and the log with its proofs and tiles.

Every error is an RFC 9457 `application/problem+json` document with a stable `type`
(docs/errors.md lists them). Writes are authorised by signatures, never by secrets in URLs.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    initialise_home(settings)
    registry = open_registry(settings)
    lock = threading.RLock()
    app.state.service = ServiceState(
        settings=settings,
        registry=registry,
        lock=lock,
        trust=TrustCache(
            registry,
            lock,
            settings.trust_refresh_seconds,
            check_seconds=settings.trust_check_seconds,
        ),
        metrics=app.state.metrics,
        admission_key=Ed25519PrivateKey.generate(),
    )
    try:
        yield
    finally:
        registry.close()


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error response a problem document: the 422 FastAPI
    declares on its own for routes with parameters included, as the handlers answer it."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = ProblemDocument.model_json_schema(ref_template=_REF + "{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["ProblemDocument"] = problem
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        for operations in document["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    if status[0] in "45":
                        response["content"] = {
                            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF + "ProblemDocument"}}
                        }
        app.openapi_schema = document
    return app.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: ``load_settings()`` now)."""
    resolved = settings if settings is not None else load_settings()
    app = FastAPI(
        title="skillcert registry",
        version="1",
        description=_DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.settings = resolved
    app.state.metrics = Metrics()
    app.state.rate_limits = TokenBuckets(resolved.rate_limit_per_second, resolved.rate_limit_burst)
    install_problem_handlers(app)
    # Routes are matched in this order, each router's in turn (their paths do not overlap), so
    # the ones asked most (verification, the verify page, the log's read path) come first.
    routers = [
        module.router
        for module in (
            routes_verify,
            page,
            routes_log,
            routes_credentials,
            routes_directory,
            routes_governance,
            routes_health,
        )
    ]
    for router in routers:
        app.include_router(router)
    templates = [route for route in app.router.routes if hasattr(route, "path")]
    templates += [route for router in routers for route in router.routes]
    app.add_middleware(BodySizeLimit, max_bytes=resolved.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics, routes=templates)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
