"""The ``issuer`` exception tree; codes are listed in docs/errors.md."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BatchInputError",
    "BatchRejected",
    "IssuerError",
    "KeyExists",
    "KeyFileError",
    "OutputError",
    "RowError",
]


class IssuerError(Exception):
    code = "issuer_error"


class KeyFileError(IssuerError):
    code = "key_file"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class KeyExists(KeyFileError):
    code = "key_exists"


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad field of one CSV record; ``row`` is the file line the record starts on."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.field}: {self.reason}"


class BatchInputError(IssuerError):
    code = "batch_input"

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


class OutputError(IssuerError):
    code = "output_path"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class BatchRejected(IssuerError):
    code = "batch_rejected"

    def __init__(self, file: str, invalid_rows: int) -> None:
        super().__init__(
            f"{file}: {invalid_rows} invalid row(s); nothing was signed "
            "(fix them, or pass --skip-invalid to sign the valid rows only)"
        )
        self.file = file
        self.invalid_rows = invalid_rows
