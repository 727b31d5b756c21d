"""Where signed credentials go: a ``.jsonl`` file or a directory of ``<uuid>.jwt`` files.

Both sinks publish all or nothing: credentials are written to a staging file or directory and
moved into place only by ``commit``; ``abort`` (or a crash) leaves the destination untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from issuer.errors import OutputError
from issuer.signing import IssuedCredential
from schemas.credential import CredentialClaims

__all__ = ["PROOF_SUFFIX", "CredentialSink", "DirectorySink", "JsonlSink", "open_sink"]

PROOF_SUFFIX = ".proof.json"


class CredentialSink(Protocol):
    def write(
        self,
        credential: IssuedCredential,
        *,
        row: int,
        claims: CredentialClaims,
        evidence: Mapping[str, Any] | None = None,
    ) -> None:
        """Stage one credential; ``evidence``, if given, is its log evidence document."""

    def commit(self) -> None:
        """Make every written credential visible at the destination, durably."""

    def abort(self) -> None:
        """Discard everything written; the destination is as it was."""


class JsonlSink:
    """One JSON object per line: ``{"id", "jws", "row", "certificate_number"}``, plus ``"log"``
    (the log evidence) when the credential has been logged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._staging = Path(staging)
        # A large buffer: every flush is a write that releases the GIL to the signing threads.
        self._file: IO[str] = os.fdopen(handle, "w", encoding="utf-8", buffering=1 << 20)

    def write(
        self,
        credential: IssuedCredential,
        *,
        row: int,
        claims: CredentialClaims,
        evidence: Mapping[str, Any] | None = None,
    ) -> None:
        # Every value is from a JSON-safe alphabet (urn:uuid, base64url, digits), so the line is
        # assembled directly; json.dumps here cost as much as the signature's base64.
        log = f',"log":{json.dumps(evidence, ensure_ascii=False)}' if evidence is not None else ""
        self._file.write(
            f'{{"id":"{credential.id}","jws":"{credential.jws}","row":{row},'
            f'"certificate_number":"{claims.certificate_number}"{log}}}\n'
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
    """``<uuid>.jwt`` per credential, each file holding the compact JWS and nothing else, and
    ``<uuid>.proof.json`` beside it holding its log evidence once it has been logged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(dir=path, prefix=".staging-"))

    def write(
        self,
        credential: IssuedCredential,
        *,
        row: int,
        claims: CredentialClaims,
        evidence: Mapping[str, Any] | None = None,
    ) -> None:
        stem = credential.id.removeprefix("urn:uuid:")
        (self._staging / f"{stem}.jwt").write_text(credential.jws, encoding="ascii")
        if evidence is not None:
            text = json.dumps(evidence, ensure_ascii=False, indent=2) + "\n"
            (self._staging / f"{stem}{PROOF_SUFFIX}").write_text(text, encoding="utf-8")

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
    """A ``JsonlSink`` if ``path`` ends in ``.jsonl``, else a ``DirectorySink``.

    Refused before anything is signed or logged: a path that cannot take the output, and an
    existing ``.jsonl`` file, which would be replaced, and with it the only published copy of
    the credentials it holds (they are logged, so issuing the rows again would issue them twice).
    """
    if path.suffix == ".jsonl":
        if path.is_dir():
            raise OutputError(str(path), "is a directory; a .jsonl output is a file")
        if path.exists():
            raise OutputError(
                str(path), "exists; its credentials are issued already, so choose a new file"
            )
        return JsonlSink(path)
    if path.exists() and not path.is_dir():
        raise OutputError(str(path), "output must be a directory or a .jsonl file")
    return DirectorySink(path)
