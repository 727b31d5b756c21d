"""Where signed credentials go: a ``.jsonl`` file or a directory of ``<uuid>.jwt`` files.

Both sinks publish all or nothing: credentials are written to a staging file or directory and
moved into place only by ``commit``; ``abort`` (or a crash) leaves the destination untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Protocol

from issuer.errors import OutputError
from issuer.signing import IssuedCredential

__all__ = ["CredentialSink", "DirectorySink", "JsonlSink", "open_sink"]


class CredentialSink(Protocol):
    def write(self, credential: IssuedCredential, *, row: int, certificate_number: str) -> None: ...

    def commit(self) -> None:
        """Make every written credential visible at the destination, durably."""

    def abort(self) -> None:
        """Discard everything written; the destination is as it was."""


class JsonlSink:
    """One JSON object per line: ``{"id", "jws", "row", "certificate_number"}``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._staging = Path(staging)
        # A large buffer: every flush is a write that releases the GIL to the signing threads.
        self._file: IO[str] = os.fdopen(handle, "w", encoding="utf-8", buffering=1 << 20)

    def write(self, credential: IssuedCredential, *, row: int, certificate_number: str) -> None:
        # Every value is from a JSON-safe alphabet (urn:uuid, base64url, digits), so the line is
        # assembled directly; json.dumps here cost as much as the signature's base64.
        self._file.write(
            f'{{"id":"{credential.id}","jws":"{credential.jws}","row":{row},'
            f'"certificate_number":"{certificate_number}"}}\n'
        )

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._staging, self.path)

    def abort(self) -> None:
        self._file.close()
        self._staging.unlink(missing_ok=True)


class DirectorySink:
    """``<uuid>.jwt`` per credential, each file holding the compact JWS and nothing else."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(dir=path, prefix=".staging-"))

    def write(self, credential: IssuedCredential, *, row: int, certificate_number: str) -> None:
        name = credential.id.removeprefix("urn:uuid:") + ".jwt"
        (self._staging / name).write_text(credential.jws, encoding="ascii")

    def commit(self) -> None:
        os.sync()
        for item in self._staging.iterdir():
            os.replace(item, self.path / item.name)
        self._staging.rmdir()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def abort(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)


def open_sink(path: Path) -> CredentialSink:
    """A ``JsonlSink`` if ``path`` ends in ``.jsonl``, else a ``DirectorySink``."""
    if path.exists() and path.is_file() and path.suffix != ".jsonl":
        raise OutputError(str(path), "output must be a directory or a .jsonl file")
    return JsonlSink(path) if path.suffix == ".jsonl" else DirectorySink(path)
