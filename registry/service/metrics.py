"""Prometheus metrics: requests and their latency by route template and status, verification
results by outcome, submissions by outcome.

Labels are route *templates* (``/v1/credentials/{credential_id}``), never request paths, so a
client cannot grow the series without bound by asking for made-up ids; a path no route matches
is counted under ``<unmatched>``. Each app has its own collector registry, so several apps in
one process (tests) never share counts. With several uvicorn workers each process counts its
own requests; scrape each, or sum them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["UNMATCHED", "Metrics", "MetricsMiddleware"]

UNMATCHED = "<unmatched>"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "skillcert_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "skillcert_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verifications = Counter(
            "skillcert_verifications",
            "Verification reports made by the API, by result (valid, invalid, cannot_tell).",
            ["outcome"],
            registry=self.registry,
        )
        self.submissions = Counter(
            "skillcert_credential_submissions",
            "Credentials submitted, by outcome (logged, existing, refused).",
            ["outcome"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _route_template(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route that served ``scope`` or would have (a request refused before
    routing, or sent with the wrong method, counts under the route it was sent to)."""
    served = scope.get("route")
    if isinstance(served, BaseRoute) and hasattr(served, "path"):
        return str(served.path)
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", UNMATCHED))
        if match is Match.PARTIAL and partial is None:
            partial = str(getattr(route, "path", UNMATCHED))
    return partial or UNMATCHED


class MetricsMiddleware:
    """ASGI middleware counting every HTTP response, the body-size refusals before routing
    included; an exception no handler answered counts as a 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            labels = (scope["method"], _route_template(scope, self.routes), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)
