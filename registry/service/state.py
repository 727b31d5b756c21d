"""What the routes share: the opened registry, the lock around it, and the trust material.

One ``ServiceState`` per app, built in the lifespan from the ``Settings`` the app was made with.
Route handlers run on a thread pool, and the registry's objects keep in-memory state (the
governance fold, the node cache) that is not safe to change from two threads at once, so every
use of the registry holds ``lock``; the database's own write lock orders writers across
processes. Verification itself (pure, and most of a request's work) runs outside the lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request

from registry.authority import Registry
from registry.service.metrics import Metrics
from registry.service.trust import TrustCache
from registry.settings import Settings
from schemas.log_entry import LogEvidence

__all__ = ["Service", "ServiceState", "service_state"]


@dataclass(frozen=True, slots=True)
class ServiceState:
    settings: Settings
    registry: Registry
    lock: threading.RLock
    trust: TrustCache
    metrics: Metrics
    admission_key: Ed25519PrivateKey
    """Signs the provisional checkpoints that submitted credentials are checked against
    (``registry.service.admission``); made fresh at start, never stored or shown."""
    evidence: dict[str | bytes, LogEvidence] = field(default_factory=dict)
    """Log evidence already made, by credential id and by the SHA-256 of a token it was found
    for (``registry.service.verification``)."""


async def service_state(request: Request) -> ServiceState:
    """Route dependency: the app's ``ServiceState``. A coroutine, so that FastAPI does not hand
    every request to a worker thread just to read an attribute."""
    state: ServiceState = request.app.state.service
    return state


Service = Annotated[ServiceState, Depends(service_state)]
"""A route parameter of this type receives the app's ``ServiceState``."""
