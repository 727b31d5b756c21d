"""Request body size and per-address request rate limits.

The body limit is enforced before any route runs, on the declared ``Content-Length`` and again
on the bytes actually received (a chunked body declares none), so no route ever holds more than
``max_body_bytes`` of one request. The rate limit is a token bucket per client address, kept in
this process's memory: each address may make ``burst`` requests at once, then one more per
``1 / rate`` seconds. It guards the routes that cost the registry work per request (submission,
governance, verification); reads of public documents are left to a cache in front.

Behind a reverse proxy every request comes from the proxy's address; run uvicorn with
``--proxy-headers --forwarded-allow-ips`` so the client's own address is the one limited.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.service.problems import Problem, send_problem

__all__ = ["BodySizeLimit", "TokenBuckets", "rate_limited"]

_MAX_ADDRESSES = 100_000
"""Buckets kept at most; beyond it the least recently seen address is forgotten (and starts
again with a full bucket), so memory stays bounded whatever addresses a client sends from."""


def _too_large(limit: int) -> Problem:
    return Problem("body-too-large", f"request bodies are limited to {limit} bytes")


class BodySizeLimit:
    """ASGI middleware: read the body up to ``max_bytes``, answer 413 past it, and hand the
    route the body it read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await send_problem(_too_large(self.max_bytes), scope, receive, send)
                return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                await send_problem(_too_large(self.max_bytes), scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


class TokenBuckets:
    """One token bucket per client address: ``burst`` tokens, refilled at ``rate`` a second.
    ``rate`` 0 lets everything through."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = _MAX_ADDRESSES,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max = max_addresses
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, address: str) -> float:
        """Spend a token of ``address``; 0 when there was one, else the seconds until there
        will be."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(address, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[address] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        return wait


async def rate_limited(request: Request) -> None:
    """Route dependency: a 429 problem with ``Retry-After`` once the caller's bucket is empty."""
    buckets: TokenBuckets = request.app.state.rate_limits
    address = request.client.host if request.client else "unknown"
    wait = buckets.take(address)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise Problem(
            "rate-limited",
            f"more than {buckets.burst} requests at once from {address}; retry after {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
