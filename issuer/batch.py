"""Batch issuance: a CSV pass list in, signed credentials out, all or nothing.

Two passes over the file. The first validates every record and reports every bad one; unless
``skip_invalid`` is set, one bad record means nothing is signed. The second signs the valid
records and streams them into the sink, which publishes them only when the whole batch is done.
Memory stays flat in the number of rows: records are never held together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from issuer.batch_csv import read_batch
from issuer.errors import BatchInputError, BatchRejected, RowError
from issuer.output import CredentialSink
from issuer.signing import Signer
from schemas.frameworks import Framework
from schemas.occupations import OccupationTable

__all__ = ["BatchSummary", "Progress", "issue_batch"]

Progress = Callable[[str, int, int | None], None]
"""``(phase, done, total)``: phase ``"check"`` (total unknown) then ``"sign"``."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    rows: int
    signed: int
    invalid: int


def _no_progress(phase: str, done: int, total: int | None) -> None:
    return None


def issue_batch(
    path: Path,
    signer: Signer,
    sink: CredentialSink,
    *,
    occupations: OccupationTable,
    framework: Framework,
    today: date,
    skip_invalid: bool = False,
    on_error: Callable[[RowError], None] = lambda error: None,
    on_extra_columns: Callable[[list[str]], None] | None = None,
    on_progress: Progress = _no_progress,
    progress_every: int = 1000,
) -> BatchSummary:
    """Validate, then sign, every record of ``path`` into ``sink``.

    ``on_error`` hears of every bad field in the first pass. Raises ``BatchRejected`` (sink
    aborted, nothing signed) when any record is bad and ``skip_invalid`` is false, and
    ``BatchInputError`` when the file cannot be read as a batch. Any exception aborts the sink.
    """

    try:
        rows = invalid = 0
        for record in read_batch(
            path,
            occupations=occupations,
            framework=framework,
            today=today,
            on_extra_columns=on_extra_columns,
        ):
            rows += 1
            if record.errors:
                invalid += 1
                for error in record.errors:
                    on_error(error)
            if rows % progress_every == 0:
                on_progress("check", rows, None)
        on_progress("check", rows, rows)
        if invalid and not skip_invalid:
            raise BatchRejected(str(path), invalid)
        total = rows - invalid
        signed = 0
        on_progress("sign", 0, total)
        for record in read_batch(path, occupations=occupations, framework=framework, today=today):
            if record.claims is None:
                if skip_invalid:
                    continue
                error = record.errors[0]
                raise BatchInputError(
                    RowError(error.file, error.row, error.field, "file changed while signing")
                )
            issued = signer.issue(record.claims)
            sink.write(issued, row=record.row, certificate_number=record.claims.certificate_number)
            signed += 1
            if signed % progress_every == 0:
                on_progress("sign", signed, total)
        on_progress("sign", signed, total)
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    return BatchSummary(rows=rows, signed=signed, invalid=invalid)
