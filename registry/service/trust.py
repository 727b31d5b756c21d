"""The trust material the service verifies with: the registry's own signed trust bundle.

Every verification the API makes (``POST /v1/verify``, ``/v1/recognize``, the verify page, the
checks on a submitted credential) runs ``verify_credential`` on the bundle that
``GET /v1/trust-bundle`` serves, read back with the authority key, so the API's answer is the one
any offline verifier holding that bundle would give. Building a bundle signs a status list
credential per list, so one is kept and rebuilt when a governance change has been logged since,
when a status list has been started, or when it is older than ``trust_refresh_seconds``.

Whether anything was logged is asked of the log (its size, one row) at most every
``trust_check_seconds``, and at once after this process has written to the log: asking on every
request cost a tenth of a verification's whole time in the service. A change logged through
another worker or the CLI therefore shows within that time (a second by default); one made
through this worker shows at once, and admission always asks.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from registry.authority import Registry
from registry.bundle import export_bundle
from registry.governance import utc_now
from schemas.trust_bundle import TrustBundle, read_trust_bundle

__all__ = ["TrustCache", "TrustMaterial"]


@dataclass(frozen=True, slots=True)
class TrustMaterial:
    token: str
    """The signed bundle, as served."""
    bundle: TrustBundle
    """The same bundle, verified and read."""
    version: int
    """The log position the governance fold had reached when it was built
    (``Governance.directory_below``): equal positions, equal directories."""
    lists: int
    """The newest status list then: a list started since must be in the bundle, or the
    credentials on it could not be checked."""
    built: float
    """``time.monotonic()`` when it was built."""
    log_size: int
    """The log's size when the material was last found current. Every governance change is a
    log entry, and a status list is started only for credentials about to be logged, so while
    the size stands still nothing the bundle holds can have changed."""


class TrustCache:
    """The current ``TrustMaterial`` of ``registry``; reads the registry under ``lock``."""

    def __init__(
        self,
        registry: Registry,
        lock: threading.RLock,
        refresh_seconds: float,
        *,
        check_seconds: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._registry = registry
        self._lock = lock
        self._refresh = refresh_seconds
        self._check = check_seconds
        self._clock = clock
        self._held: TrustMaterial | None = None
        self._checked = -math.inf
        self._writes = 0

    def invalidate(self) -> None:
        """Ask the log on the next call: this process has just written to it."""
        with self._lock:
            self._writes += 1
            self._checked = -math.inf

    def current(self, *, fresh: bool = False) -> TrustMaterial:
        """The material, checked against the log's size (one column of one row) when the last
        check is older than ``check_seconds`` or ``fresh`` is asked for, and against the
        directory and status lists only when the log has grown: folding and counting lists on
        every verification cost more than verifying."""
        now = time.monotonic()
        held = self._held
        if (
            not fresh
            and held is not None
            and now - self._checked < self._check
            and now - held.built < self._refresh
        ):
            return held
        writes = self._writes
        held = self._current(self._registry.log.store.size())
        # Set only once the material is known current, so no other thread takes an older one,
        # and not over a write made since the size was read.
        with self._lock:
            if self._writes == writes:
                self._checked = now
        return held

    def _current(self, size: int) -> TrustMaterial:
        registry = self._registry
        held = self._held
        if (
            held is not None
            and held.log_size == size
            and time.monotonic() - held.built < self._refresh
        ):
            return held
        with self._lock:
            _, version = registry.governance.directory_below()
            lists = registry.status.newest()
            held = self._held
            if (
                held is not None
                and (held.version, held.lists) == (version, lists)
                and time.monotonic() - held.built < self._refresh
            ):
                self._held = replace(held, log_size=max(held.log_size, size))
                return self._held
            token = export_bundle(
                registry.governance, registry.status, registry.authority_key, self._clock()
            )
            bundle = read_trust_bundle(token, registry.governance.authority)
            self._held = TrustMaterial(token, bundle, version, lists, time.monotonic(), size)
            return self._held
