"""Credential ids and ID-number salts for a batch, read from the kernel CSPRNG in blocks.

``os.urandom`` releases the GIL on every call. In a batch the signing threads are waiting to
take it back, so each release hands the GIL away and the reading thread waits a thread switch
to continue: two draws per credential (its id, its salt) cost a third of batch throughput.
Reading ``os.urandom`` 64 KiB at a time keeps the same source with one release per ~2,000
credentials.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from schemas.identity import SALT_BYTES

__all__ = ["BlockRandom"]

_UUID_BYTES = 16


class BlockRandom:
    """Random bytes served from a buffer of ``os.urandom`` output; one thread at a time."""

    def __init__(self, block: int = 64 * 1024, source: Callable[[int], bytes] = os.urandom) -> None:
        self._block = block
        self._source = source
        self._buffer = b""
        self._offset = 0

    def take(self, count: int) -> bytes:
        """``count`` bytes never served before."""
        end = self._offset + count
        if end > len(self._buffer):
            self._buffer = self._source(max(self._block, count))
            self._offset, end = 0, count
        chunk = self._buffer[self._offset : end]
        self._offset = end
        return chunk

    def salt(self) -> str:
        """A salt as ``schemas.identity.new_salt`` makes it: hex of 16 random bytes."""
        return self.take(SALT_BYTES).hex()

    def credential_id(self) -> str:
        """``urn:uuid:`` with a random (version 4, RFC 9562 §5.4) UUID."""
        raw = bytearray(self.take(_UUID_BYTES))
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        text = raw.hex()
        return f"urn:uuid:{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
