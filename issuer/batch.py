"""Batch issuance: a CSV pass list in, signed credentials out, all or nothing.

Two passes over the file. The first validates every record and reports every bad one; unless
``skip_invalid`` is set, one bad record means nothing is signed. The second signs the valid
records and streams them into the sink, which publishes them only when the whole batch is done
and the SHA-256 of the bytes read by both passes agrees, so what is published was checked.
Memory stays flat in the number of rows: records are never held together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from issuer.batch_csv import BatchRecord, Hash, file_changed, read_batch
from issuer.errors import BatchRejected, RowError
from issuer.output import CredentialSink
from issuer.pipeline import SigningPipeline, default_signing_threads
from issuer.prior import PriorCheck, PriorLookup, Resume
from issuer.randomness import BlockRandom
from issuer.signing import IssuedCredential, Signer
from schemas.credential import CredentialClaims
from schemas.frameworks import Framework
from schemas.occupations import OccupationTable
from schemas.scope import Scope
from schemas.status_list import StatusEntry

__all__ = ["BatchSummary", "Progress", "Resume", "StatusAllocator", "issue_batch"]

Progress = Callable[[str, int, int | None], None]
"""``(phase, done, total)``: phase ``"check"`` (total unknown) then ``"sign"``."""
StatusAllocator = Callable[[int], Iterable[tuple[StatusEntry, ...]]]


@dataclass(frozen=True, slots=True)
class BatchSummary:
    rows: int
    signed: int
    invalid: int
    resumed: int = 0
    """Rows whose credential was logged already and was written out, not signed again."""


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
    on_warning: Callable[[RowError], None] = lambda warning: None,
    on_extra_columns: Callable[[list[str]], None] | None = None,
    on_progress: Progress = _no_progress,
    progress_every: int = 1000,
    signing_threads: int | None = None,
    allocate_status: StatusAllocator | None = None,
    scopes: Sequence[Scope] | None = None,
    prior: PriorLookup | None = None,
    resume: Resume | None = None,
) -> BatchSummary:
    """Validate, then sign, every record of ``path`` into ``sink``.

    ``on_error`` hears of every bad field in the first pass. Raises ``BatchRejected`` (sink
    aborted, nothing signed) when any record is bad and ``skip_invalid`` is false, and
    ``BatchInputError`` when the file cannot be read as a batch. Any exception aborts the sink.
    ``signing_threads`` (default: CPUs, at most 4) sign while the next rows are read.
    ``allocate_status``, called once with the number of credentials to sign after every row
    has been checked, gives each its ``credentialStatus`` entries, in signing order.
    ``scopes``, the issuer's accreditation scopes, make a record outside them a bad record.
    ``prior`` looks up the certificate numbers the issuer has had logged already: such a row is
    a bad record, unless ``resume`` is given and the logged credential states the row's award;
    ``resume`` then hands it on instead of the row being signed (issuer/prior.py), and
    ``on_warning`` hears of each one handed on that does not verify now.
    """
    signing_threads = signing_threads or default_signing_threads()
    random = BlockRandom()

    def records(
        digest: Hash,
        *,
        signing_pass: bool,
        check: bool,
        statuses: Iterator[tuple[StatusEntry, ...]] | None = None,
        skip_rows: Container[int] = (),
    ) -> Iterator[BatchRecord]:
        return read_batch(
            path,
            occupations=occupations,
            framework=framework,
            today=today,
            on_extra_columns=None if signing_pass else on_extra_columns,
            check_duplicates=check,
            build_claims=signing_pass,
            checked=not check,
            digest=digest,
            facts=prior is not None,
            new_salt=random.salt,
            scopes=scopes,
            statuses=statuses,
            skip_rows=skip_rows,
        )

    # Rows whose number was logged before: refused, or handed to ``resume``.
    prior_check = (
        PriorCheck(str(path), prior, resume, on_error, on_warning) if prior is not None else None
    )
    try:
        checked, signing = hashlib.sha256(), hashlib.sha256()
        rows = invalid = resumed = 0
        for record in records(checked, signing_pass=False, check=True):
            rows += 1
            if record.errors:
                invalid += 1
                for error in record.errors:
                    on_error(error)
            elif record.facts is not None and prior_check is not None:
                prior_check.see(record.row, record.facts)
            if rows % progress_every == 0:
                on_progress("check", rows, None)
        if prior_check is not None:
            prior_check.finish()
            invalid += prior_check.refused
            resumed = prior_check.resumed
        on_progress("check", rows, rows)
        if invalid and not skip_invalid:
            raise BatchRejected(str(path), invalid)
        total = rows - invalid - resumed
        statuses = iter(allocate_status(total)) if allocate_status else None
        signed = 0
        on_progress("sign", 0, total)

        def deliver(issued: IssuedCredential, source: tuple[int, CredentialClaims]) -> None:
            nonlocal signed
            sink.write(issued, row=source[0], claims=source[1])
            signed += 1
            if signed % progress_every == 0:
                on_progress("sign", signed, total)

        with SigningPipeline(signer, deliver, threads=signing_threads) as pipeline:
            # With no bad rows, this pass only makes each record's claims: it reads the bytes
            # that were checked, as the digests confirm before anything is published. With bad
            # rows to skip it checks every record again, duplicate index included, to know
            # which.
            for record in records(
                signing,
                signing_pass=True,
                check=invalid > 0,
                statuses=statuses,
                skip_rows=prior_check.rows if prior_check is not None else (),
            ):
                claims = record.claims
                if claims is None:
                    if skip_invalid:
                        continue
                    raise file_changed(str(path), record.row)
                pipeline.add(signer.prepare(claims, random.credential_id()), (record.row, claims))
            pipeline.flush()
        if signing.digest() != checked.digest():
            raise file_changed(str(path), rows + 1)
        on_progress("sign", signed, total)
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    finally:
        if prior_check is not None:
            prior_check.rows.close()
    return BatchSummary(rows=rows, signed=signed, invalid=invalid, resumed=resumed)
