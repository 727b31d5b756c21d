"""Overlapping Ed25519 signing with the rest of batch issuance.

``cryptography`` releases the GIL while it signs, so signing chunks of credentials on a few
threads lets the main thread read, check and serialise the next rows meanwhile. Order is kept
(chunks are delivered in submission order) and memory is bounded (at most ``window`` chunks in
flight), so the batch still streams.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

from issuer.signing import IssuedCredential, Signer, UnsignedCredential

__all__ = ["SigningPipeline", "default_signing_threads"]

Tag = TypeVar("Tag")


def default_signing_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class SigningPipeline(Generic[Tag]):
    """Signs what is ``add``-ed, in order; ``deliver`` gets each credential with its tag."""

    def __init__(
        self,
        signer: Signer,
        deliver: Callable[[IssuedCredential, Tag], None],
        *,
        threads: int,
        chunk: int = 64,
        window: int = 8,
    ) -> None:
        self._signer = signer
        self._deliver = deliver
        self._chunk_size = chunk
        self._window = max(window, threads + 1)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="skillcert-sign")
        self._chunk: list[tuple[UnsignedCredential, Tag]] = []
        self._pending: deque[tuple[list[tuple[UnsignedCredential, Tag]], Future[list[bytes]]]]
        self._pending = deque()

    def add(self, unsigned: UnsignedCredential, tag: Tag) -> None:
        self._chunk.append((unsigned, tag))
        if len(self._chunk) >= self._chunk_size:
            self._submit()
            while len(self._pending) >= self._window:
                self._deliver_oldest()

    def flush(self) -> None:
        """Sign and deliver everything added so far."""
        if self._chunk:
            self._submit()
        while self._pending:
            self._deliver_oldest()

    def _submit(self) -> None:
        chunk, self._chunk = self._chunk, []
        future = self._pool.submit(self._signer.signatures, [u for u, _ in chunk])
        self._pending.append((chunk, future))

    def _deliver_oldest(self) -> None:
        chunk, future = self._pending.popleft()
        for (unsigned, tag), signature in zip(chunk, future.result(), strict=True):
            self._deliver(unsigned.with_signature(signature), tag)

    def __enter__(self) -> SigningPipeline[Tag]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=kind is not None)
