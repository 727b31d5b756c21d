"""Reading and validating a batch CSV, one record at a time, in constant memory.

Columns (header row required, UTF-8, an Excel byte order mark is accepted)::

    name,national_id,occupation_code,level,certificate_number,issued_on[,valid_until]

Every problem is reported as a ``RowError`` (``file:row:field: reason``), where ``row`` is the
line of the file the record starts on (the header is line 1). National ID numbers never appear
in an error message. Duplicate certificate numbers are found through a temporary on-disk SQLite
index, so memory stays flat however long the file is.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from issuer.errors import BatchInputError, RowError
from schemas.certificate_number import parse_certificate_number
from schemas.credential import CredentialClaims, parse_calendar_date
from schemas.errors import SchemaError
from schemas.frameworks import Framework
from schemas.identity import hash_national_id, new_salt
from schemas.occupations import OccupationTable

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "BatchRecord", "read_batch"]

REQUIRED_COLUMNS = (
    "name",
    "national_id",
    "occupation_code",
    "level",
    "certificate_number",
    "issued_on",
)
OPTIONAL_COLUMNS = ("valid_until",)
MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """One record: ``claims`` when valid, else the errors (at least one)."""

    row: int
    claims: CredentialClaims | None
    errors: tuple[RowError, ...]


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


def _decoded_lines(lines: Iterable[bytes], name: str) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
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
        self, name: str, occupations: OccupationTable, framework: Framework, today: date
    ) -> None:
        self.name = name
        self.occupations = occupations
        self.framework = framework
        self.today = today
        self.seen = _SeenNumbers()

    def validate(self, row: int, values: dict[str, str]) -> BatchRecord:
        errors: list[RowError] = []

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(self.name, row, column, reason))

        missing = [c for c in REQUIRED_COLUMNS if not values.get(c, "").strip()]
        for column in missing:
            fail(column, "missing value")
        holder = values.get("name", "").strip()
        if holder and (len(holder) > MAX_NAME_LENGTH or not holder.isprintable()):
            fail("name", f"must be printable and at most {MAX_NAME_LENGTH} characters")
        salt = new_salt()
        national_hash = ""
        if "national_id" not in missing:
            try:
                national_hash = hash_national_id(values["national_id"], salt)
            except SchemaError as exc:
                fail("national_id", exc.message)
        occupation = level = None
        if "occupation_code" not in missing:
            try:
                occupation = self.occupations.lookup(values["occupation_code"].strip())
            except SchemaError as exc:
                fail("occupation_code", exc.message)
        if "level" not in missing:
            try:
                level = self.framework.level(values["level"].strip())
            except SchemaError as exc:
                fail("level", exc.message)
        number = values.get("certificate_number", "").strip()
        if number:
            try:
                parse_certificate_number(number)
            except SchemaError as exc:
                fail("certificate_number", exc.message)
            else:
                first = self.seen.first_row(number, row)
                if first is not None:
                    fail("certificate_number", f"duplicate of row {first}")
        issued_on = valid_until = None
        if "issued_on" not in missing:
            try:
                issued_on = parse_calendar_date(values["issued_on"].strip())
            except SchemaError as exc:
                fail("issued_on", exc.message)
            else:
                if issued_on > self.today:
                    fail("issued_on", f"{issued_on} is after today ({self.today})")
        until_text = values.get("valid_until", "").strip()
        if until_text:
            try:
                valid_until = parse_calendar_date(until_text)
            except SchemaError as exc:
                fail("valid_until", exc.message)
            else:
                if issued_on is not None and valid_until <= issued_on:
                    fail("valid_until", f"{valid_until} is not after issued_on {issued_on}")
        if errors or occupation is None or level is None or issued_on is None:
            return BatchRecord(row, None, tuple(errors))
        claims = CredentialClaims(
            holder_name=holder,
            national_id_hash=national_hash,
            national_id_salt=salt,
            occupation_code=occupation.code,
            occupation_edition=occupation.edition,
            occupation_name=occupation.name_zh,
            occupation_name_en=occupation.name_en,
            framework=self.framework.id,
            level_code=level.code,
            level_name=level.name["zh-Hans"],
            level_name_en=level.name["en"],
            certificate_number=number,
            issued_on=issued_on,
            valid_until=valid_until,
        )
        return BatchRecord(row, claims, ())


def _header(reader: Iterator[list[str]], name: str) -> tuple[list[str], list[str]]:
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise BatchInputError(
            RowError(name, 1, "-", "empty file: a header row is required")
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BatchInputError(RowError(name, 1, missing[0], "missing column in the header row"))
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise BatchInputError(RowError(name, 1, duplicated[0], "column appears twice"))
    extra = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    return header, extra


def read_batch(
    path: Path,
    *,
    occupations: OccupationTable,
    framework: Framework,
    today: date,
    on_extra_columns: Callable[[list[str]], None] | None = None,
) -> Iterator[BatchRecord]:
    """Yield one ``BatchRecord`` per non-blank record of the CSV at ``path``.

    Raises ``BatchInputError`` for a file that cannot be read as a batch at all (missing, not
    UTF-8, no or bad header, broken CSV quoting); row-level problems are in the records.
    """
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchInputError(RowError(name, 0, "-", exc.strerror or "cannot open")) from exc
    validator = _RowValidator(name, occupations, framework, today)
    try:
        with handle:
            reader = csv.reader(_decoded_lines(handle, name), strict=True)
            header, extra = _header(reader, name)
            if extra and on_extra_columns is not None:
                on_extra_columns(extra)
            width = len(header)
            while True:
                row = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise BatchInputError(RowError(name, row, "-", f"bad CSV: {exc}")) from None
                if not any(field.strip() for field in fields):
                    continue
                if len(fields) > width:
                    error = RowError(name, row, "-", f"{len(fields)} fields, header has {width}")
                    yield BatchRecord(row, None, (error,))
                    continue
                yield validator.validate(row, dict(zip(header, fields, strict=False)))
    finally:
        validator.seen.close()
