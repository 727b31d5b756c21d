"""Reading and validating a batch CSV, one record at a time, in constant memory.

Columns (header row required, UTF-8, an Excel byte order mark is accepted)::

    name,national_id,occupation_code,level,certificate_number,issued_on[,valid_until]

Every problem is reported as a ``RowError`` (``file:row:field: reason``), where ``row`` is the
line of the file the record starts on (the header is line 1). National ID numbers never appear
in an error message. Duplicate certificate numbers are found through a temporary on-disk SQLite
index, so memory stays flat however long the file is.

Given the issuer's accreditation scopes, a record is also refused when the issuer may not
certify its occupation at its level, on its ``issued_on`` day or on ``today``: the day the
credential is logged is the one verifiers judge the scope at (docs/governance.md), and a
certificate dated outside the accreditation would claim a certification the body could not make.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import Protocol

from issuer.errors import BatchInputError, RowError
from issuer.prior import RecordFacts
from schemas.certificate_number import parse_certificate_number
from schemas.credential import CredentialClaims, parse_calendar_date
from schemas.errors import SchemaError
from schemas.frameworks import Framework, Level
from schemas.identity import hash_national_id, new_salt, normalise_national_id
from schemas.occupations import Occupation, OccupationTable
from schemas.scope import (
    SCOPE_LEVEL_NOT_ACCREDITED,
    SCOPE_OCCUPATION_NOT_ACCREDITED,
    Scope,
    check_scope,
)
from schemas.status_list import StatusEntry

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "BatchRecord",
    "Hash",
    "file_changed",
    "read_batch",
]

REQUIRED_COLUMNS = (
    "name",
    "national_id",
    "occupation_code",
    "level",
    "certificate_number",
    "issued_on",
)
OPTIONAL_COLUMNS = ("valid_until",)
_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_NAME_LENGTH = 100
_MEMO_SIZE = 4096
_SCOPE_COLUMNS = {
    SCOPE_OCCUPATION_NOT_ACCREDITED: "occupation_code",
    SCOPE_LEVEL_NOT_ACCREDITED: "level",
}


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """One record: ``claims`` when valid, else the errors (at least one). A checking pass
    gives the ``facts`` of a valid record instead of its claims."""

    row: int
    claims: CredentialClaims | None
    errors: tuple[RowError, ...]
    facts: RecordFacts | None = None


def file_changed(name: str, row: int) -> BatchInputError:
    """The file read for signing is not the one that was checked."""
    return BatchInputError(
        RowError(name, row, "-", "file changed while signing; nothing was published")
    )


class _SeenNumbers:
    """Certificate number -> first row, on disk; deleted on close."""

    def __init__(self) -> None:
        handle, self._path = tempfile.mkstemp(prefix="skillcert-batch-", suffix=".sqlite")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE seen (number TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID;"
        )

    def first_row(self, number: str, row: int) -> int | None:
        """The row ``number`` was first seen on, or None (and remember it) if this is the first."""
        try:
            self._db.execute("INSERT INTO seen VALUES (?, ?)", (number, row))
        except sqlite3.IntegrityError:
            found = self._db.execute("SELECT row FROM seen WHERE number = ?", (number,)).fetchone()
            return int(found[0])
        return None

    def close(self) -> None:
        self._db.close()
        os.unlink(self._path)


def _decoded_lines(lines: Iterable[bytes], name: str, digest: Hash | None) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if digest is not None:
            digest.update(line)
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BatchInputError(
                RowError(name, number, "-", f"not UTF-8 (byte {exc.start + 1} of the line)")
            ) from None


class _RowValidator:
    def __init__(
        self,
        name: str,
        occupations: OccupationTable,
        framework: Framework,
        today: date,
        check_duplicates: bool,
        facts: bool,
        new_salt: Callable[[], str],
        scopes: Sequence[Scope] | None,
        statuses: Iterator[tuple[StatusEntry, ...]] | None,
    ) -> None:
        self.name = name
        self.occupations = occupations
        self.framework = framework
        self.today = today
        self.seen = _SeenNumbers() if check_duplicates else None
        self.facts = facts
        self.new_salt = new_salt
        self.statuses = statuses
        # A batch repeats a few occupations, levels, dates and scope decisions over many rows:
        # each distinct one is decided once. Bounded, as a file of bad values need not repeat.
        self.occupation = lru_cache(_MEMO_SIZE)(self._occupation)
        self.level = lru_cache(_MEMO_SIZE)(self._level)
        self.day = lru_cache(_MEMO_SIZE)(self._day)
        self.scope_miss = (
            None if scopes is None else lru_cache(_MEMO_SIZE)(partial(self._scope_miss, scopes))
        )

    def _occupation(self, code: str) -> tuple[Occupation | None, str]:
        try:
            return self.occupations.lookup(code), ""
        except SchemaError as exc:
            return None, exc.message

    def _level(self, code: str) -> tuple[Level | None, str]:
        try:
            return self.framework.level(code), ""
        except SchemaError as exc:
            return None, exc.message

    @staticmethod
    def _day(text: str) -> tuple[date | None, str]:
        try:
            return parse_calendar_date(text), ""
        except SchemaError as exc:
            return None, exc.message

    def _scope_miss(
        self, scopes: Sequence[Scope], occupation: str, level: str, issued_on: date
    ) -> tuple[str, str] | None:
        """(column, reason) for the first of ``issued_on`` and ``today`` on which ``scopes`` do
        not cover the record, or None."""
        for day, when in ((issued_on, "issued_on"), (self.today, "today")):
            decision = check_scope(
                scopes,
                occupation_code=occupation,
                framework=self.framework.id,
                level=level,
                on=day,
            )
            if not decision.ok:
                column = _SCOPE_COLUMNS.get(decision.code, "issued_on")
                return column, f"{decision.message} ({when})"
        return None

    def validate(self, row: int, values: Sequence[str], *, build: bool) -> BatchRecord:
        """Check one record (its ``_COLUMNS`` values, stripped); with ``build``, also make its
        claims.

        The first pass only needs the errors, so it skips salting and hashing the ID number.
        """
        holder, national_id, code, level_code, number, issued_text, until_text = values
        errors: list[RowError] = []

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(self.name, row, column, reason))

        if not (holder and national_id and code and level_code and number and issued_text):
            for column, value in zip(REQUIRED_COLUMNS, values, strict=False):
                if not value:
                    fail(column, "missing value")
        if len(holder) > MAX_NAME_LENGTH or not holder.isprintable():
            fail("name", f"must be printable and at most {MAX_NAME_LENGTH} characters")
        if national_id:
            try:
                national_id = normalise_national_id(national_id)
            except SchemaError as exc:
                fail("national_id", exc.message)
        occupation = level = issued_on = valid_until = None
        if code:
            occupation, problem = self.occupation(code)
            if problem:
                fail("occupation_code", problem)
        if level_code:
            level, problem = self.level(level_code)
            if problem:
                fail("level", problem)
        if number:
            try:
                parse_certificate_number(number)
            except SchemaError as exc:
                fail("certificate_number", exc.message)
            else:
                first = self.seen.first_row(number, row) if self.seen else None
                if first is not None:
                    fail("certificate_number", f"duplicate of row {first}")
        if issued_text:
            issued_on, problem = self.day(issued_text)
            if problem:
                fail("issued_on", problem)
            elif issued_on is not None and issued_on > self.today:
                fail("issued_on", f"{issued_on} is after today ({self.today})")
        if until_text:
            valid_until, problem = self.day(until_text)
            if problem:
                fail("valid_until", problem)
            elif valid_until is not None and issued_on is not None and valid_until <= issued_on:
                fail("valid_until", f"{valid_until} is not after issued_on {issued_on}")
        if self.scope_miss is not None and not errors and occupation and level and issued_on:
            miss = self.scope_miss(occupation.code, level.code, issued_on)
            if miss is not None:
                fail(*miss)
        if errors or occupation is None or level is None or issued_on is None:
            return BatchRecord(row, None, tuple(errors))
        if not build:
            if not self.facts:
                return BatchRecord(row, None, ())
            facts = RecordFacts(
                holder,
                national_id,
                occupation.code,
                occupation.edition,
                self.framework.id,
                level.code,
                number,
                issued_on,
                valid_until,
            )
            return BatchRecord(row, None, (), facts)
        return self._built(row, values, occupation, level, issued_on, valid_until)

    def claims(self, row: int, values: Sequence[str]) -> BatchRecord:
        """The claims of a record that a checking pass over these same bytes found good, made
        without checking it again; raises ``BatchInputError`` when they cannot be made, as the
        file has then changed since."""
        occupation = self.occupation(values[2])[0]
        level = self.level(values[3])[0]
        issued_on = self.day(values[5])[0]
        valid_until = self.day(values[6])[0] if values[6] else None
        if occupation is None or level is None or issued_on is None:
            raise file_changed(self.name, row)
        if values[6] and valid_until is None:
            raise file_changed(self.name, row)
        try:
            return self._built(row, values, occupation, level, issued_on, valid_until)
        except SchemaError:
            raise file_changed(self.name, row) from None

    def _built(
        self,
        row: int,
        values: Sequence[str],
        occupation: Occupation,
        level: Level,
        issued_on: date,
        valid_until: date | None,
    ) -> BatchRecord:
        status: tuple[StatusEntry, ...] = ()
        if self.statuses is not None:
            allocated = next(self.statuses, None)
            if allocated is None:
                raise file_changed(self.name, row)
            status = allocated
        salt = self.new_salt()
        claims = CredentialClaims(
            holder_name=values[0],
            national_id_hash=hash_national_id(values[1], salt),
            national_id_salt=salt,
            occupation_code=occupation.code,
            occupation_edition=occupation.edition,
            occupation_name=occupation.name_zh,
            occupation_name_en=occupation.name_en,
            framework=self.framework.id,
            level_code=level.code,
            level_name=level.name["zh-Hans"],
            level_name_en=level.name["en"],
            certificate_number=values[4],
            issued_on=issued_on,
            valid_until=valid_until,
            status=status,
        )
        return BatchRecord(row, claims, ())


def _header(reader: Iterator[list[str]], name: str) -> tuple[list[str], list[str]]:
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise BatchInputError(
            RowError(name, 1, "-", "empty file: a header row is required")
        ) from None
    except csv.Error as exc:
        raise BatchInputError(RowError(name, 1, "-", f"bad CSV: {exc}")) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BatchInputError(RowError(name, 1, missing[0], "missing column in the header row"))
    # Unnamed columns are ignored however many there are: spreadsheets write empty ones.
    duplicated = sorted({c for c in header if c and header.count(c) > 1})
    if duplicated:
        raise BatchInputError(RowError(name, 1, duplicated[0], "column appears twice"))
    extra = [c for c in header if c not in _COLUMNS]
    return header, extra


def read_batch(
    path: Path,
    *,
    occupations: OccupationTable,
    framework: Framework,
    today: date,
    on_extra_columns: Callable[[list[str]], None] | None = None,
    check_duplicates: bool = True,
    build_claims: bool = True,
    checked: bool = False,
    digest: Hash | None = None,
    facts: bool = False,
    new_salt: Callable[[], str] = new_salt,
    scopes: Sequence[Scope] | None = None,
    statuses: Iterator[tuple[StatusEntry, ...]] | None = None,
    skip_rows: Container[int] = (),
) -> Iterator[BatchRecord]:
    """Yield one ``BatchRecord`` per non-blank record of the CSV at ``path``.

    Raises ``BatchInputError`` for a file that cannot be read as a batch at all (missing, not
    UTF-8, no or bad header, broken CSV quoting); row-level problems are in the records.
    ``digest``, if given, is fed every byte read, so a caller reading the file twice can tell
    whether it changed in between. ``check_duplicates=False`` skips the duplicate-number index
    for a second pass over a file already known to have none; ``build_claims=False`` only
    checks (valid records then come with neither claims nor errors, and with their ``facts``
    when ``facts`` is set). ``checked=True`` is for a
    second pass over a file whose every record the first pass found good: the claims are made
    without checking again (``digest`` is how the caller knows the bytes were the same), and a
    record that no longer gives claims raises ``BatchInputError``. ``new_salt`` makes each
    record's ID-number salt. ``scopes``, if given, are the issuer's accreditation scopes, and
    a record outside them is refused. ``statuses``, if given, hands each record whose claims
    are built its ``credentialStatus`` entries, in order; running out of them means the file
    has more valid records than when it was checked, and raises ``BatchInputError``.
    Records on ``skip_rows`` are not yielded (still checked, so a later duplicate is one).
    """
    name = str(path)
    try:
        handle = path.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise BatchInputError(RowError(name, 0, "-", exc.strerror or "cannot open")) from exc
    validator = _RowValidator(
        name,
        occupations,
        framework,
        today,
        check_duplicates and not checked,
        facts,
        new_salt,
        scopes,
        statuses,
    )
    try:
        with handle:
            reader = csv.reader(_decoded_lines(handle, name, digest), strict=True)
            header, extra = _header(reader, name)
            if extra and on_extra_columns is not None:
                on_extra_columns(extra)
            width = len(header)
            # A column the header lacks reads as the empty field appended past the last one.
            pick = itemgetter(*(header.index(c) if c in header else width for c in _COLUMNS))
            padding = [""] * (width + 1)
            while True:
                row = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise BatchInputError(RowError(name, row, "-", f"bad CSV: {exc}")) from None
                if not "".join(fields).strip():
                    continue
                if len(fields) > width:
                    error = RowError(name, row, "-", f"{len(fields)} fields, header has {width}")
                    yield BatchRecord(row, None, (error,))
                    continue
                fields += padding[len(fields) :]
                values = [*map(str.strip, pick(fields))]
                if row in skip_rows:
                    if not checked:
                        validator.validate(row, values, build=False)
                elif checked:
                    yield validator.claims(row, values)
                else:
                    yield validator.validate(row, values, build=build_claims)
    finally:
        if validator.seen:
            validator.seen.close()
