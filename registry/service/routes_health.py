"""``GET /healthz`` (alive, and the database answers) and ``GET /metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.service.metrics import Metrics
from registry.service.models import Health
from registry.service.problems import Problem, problem_responses
from registry.service.state import Service

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness, with a database round trip",
    responses=problem_responses("database-unavailable"),
)
def healthz(state: Service) -> JSONResponse:
    """Reads the log's size from its head row; does not wait for the registry lock, so a long
    submission in progress does not make the service look dead."""
    try:
        with state.registry.engine.connect() as connection:
            size = connection.execute(text("SELECT size FROM log_head")).scalar_one()
    except SQLAlchemyError as exc:
        raise Problem("database-unavailable", type(exc).__name__) from None
    return JSONResponse({"status": "ok", "log_size": size})


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    collected: Metrics = request.app.state.metrics
    return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)
