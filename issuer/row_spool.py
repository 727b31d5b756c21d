"""Row numbers kept on disk, written in increasing order and then read back once, in order.

A batch skips in its signing pass the rows its checking pass found issued before. Such rows
can be most of a resumed batch, and a batch's memory must not grow with its rows, so their
numbers go to a temporary file rather than a set. Both passes read the file top to bottom, so
membership is a merge: each question is about a row no smaller than the one before.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

__all__ = ["RowSpool"]

_ROW = 8


class RowSpool:
    """``add`` rows in increasing order; then ask ``row in spool`` in non-decreasing order."""

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="skillcert-rows-")
        os.unlink(name)
        self._file: IO[bytes] = os.fdopen(handle, "w+b")
        self._count = 0
        self._last_added = -1
        self._reading = False
        self._next: int | None = None
        self._last_asked = -1

    def __len__(self) -> int:
        return self._count

    def add(self, row: int) -> None:
        if self._reading or row <= self._last_added:
            raise ValueError("rows are added in increasing order, before any is asked for")
        self._file.write(row.to_bytes(_ROW, "big"))
        self._last_added = row
        self._count += 1

    def __contains__(self, row: object) -> bool:
        if not isinstance(row, int) or row < self._last_asked:
            raise ValueError("rows are asked for in non-decreasing order")
        if not self._reading:
            self._file.seek(0)
            self._reading = True
            self._advance()
        self._last_asked = row
        while self._next is not None and self._next < row:
            self._advance()
        return self._next == row

    def _advance(self) -> None:
        chunk = self._file.read(_ROW)
        self._next = int.from_bytes(chunk, "big") if chunk else None

    def close(self) -> None:
        self._file.close()
