"""National Occupational Classification codes and loadable classification tables.

Codes are ``D-DD-DD-DD`` (major group - middle group - minor group - occupation). Tables are data
with an edition (``CN-OC-2022``) because editions renumber occupations: a credential records the
edition it was issued under, and is read against that edition's table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from schemas.errors import InvalidOccupationCode, MalformedDocument, UnknownOccupation

__all__ = [
    "DEFAULT_EDITION",
    "Occupation",
    "OccupationTable",
    "builtin_occupation_table",
    "load_occupation_table",
    "validate_occupation_code",
]

DEFAULT_EDITION = "CN-OC-2022"
# ASCII digits only: ``\d`` would take other scripts' digits too.
_CODE = re.compile(r"[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}")
_COLUMNS = ("code", "name_zh", "name_en")


def validate_occupation_code(code: str) -> str:
    """Return ``code`` if it has the ``D-DD-DD-DD`` form, else raise ``InvalidOccupationCode``.

    The major group is 1..8 (the eight major groups of the classification).
    """
    if not _CODE.fullmatch(code):
        raise InvalidOccupationCode(f"{code!r} is not an occupation code of the form D-DD-DD-DD")
    return code


@dataclass(frozen=True, slots=True)
class Occupation:
    code: str
    name_zh: str
    name_en: str
    edition: str


class OccupationTable(Mapping[str, Occupation]):
    """One edition of the classification: code -> ``Occupation``."""

    def __init__(self, edition: str, occupations: Mapping[str, Occupation]) -> None:
        self.edition = edition
        self._by_code = dict(occupations)

    def __getitem__(self, code: str) -> Occupation:
        return self._by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def lookup(self, code: str) -> Occupation:
        """The occupation for ``code``; raises ``InvalidOccupationCode``/``UnknownOccupation``."""
        try:
            return self._by_code[code]
        except KeyError:
            validate_occupation_code(code)
            raise UnknownOccupation(
                f"{code} is not in the {self.edition} occupational classification"
            ) from None

    def matching(self, pattern: str) -> list[Occupation]:
        """Occupations whose code equals ``pattern`` or, if it ends in ``*``, starts with it."""
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            return [occ for code, occ in self._by_code.items() if code.startswith(prefix)]
        return [self._by_code[pattern]] if pattern in self._by_code else []


def _parse_table(text: str, edition: str, source: str) -> OccupationTable:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise MalformedDocument(f"missing column(s) {', '.join(missing)}", where=f"{source}:1")
    occupations: dict[str, Occupation] = {}
    for row_number, row in enumerate(reader, start=2):
        where = f"{source}:{row_number}:code"
        try:
            code = validate_occupation_code(row["code"].strip())
        except InvalidOccupationCode as exc:
            raise MalformedDocument(exc.message, where=where) from exc
        if code in occupations:
            raise MalformedDocument(f"duplicate occupation code {code}", where=where)
        occupations[code] = Occupation(
            code=code,
            name_zh=row["name_zh"].strip(),
            name_en=row["name_en"].strip(),
            edition=edition,
        )
    return OccupationTable(edition, occupations)


def load_occupation_table(path: Path, edition: str) -> OccupationTable:
    """Load a ``code,name_zh,name_en`` CSV; errors name ``file:row:field``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedDocument(f"not UTF-8 text at byte {exc.start}", where=str(path)) from None
    return _parse_table(text, edition, str(path))


def builtin_occupation_table(edition: str = DEFAULT_EDITION) -> OccupationTable:
    """The table shipped in ``schemas/data/occupations/<edition>.csv``."""
    resource = resources.files("schemas").joinpath("data", "occupations", f"{edition}.csv")
    if not resource.is_file():
        raise UnknownOccupation(f"no occupational classification edition {edition!r}")
    return _parse_table(resource.read_text(encoding="utf-8-sig"), edition, f"{edition}.csv")
