"""The ``schemas`` exception tree; every class has a stable ``code`` listed in docs/errors.md."""

from __future__ import annotations

__all__ = [
    "DocumentTooLarge",
    "DuplicateKey",
    "InvalidCertificateNumber",
    "InvalidDate",
    "InvalidNationalId",
    "InvalidOccupationCode",
    "MalformedDocument",
    "SchemaError",
    "UnknownFramework",
    "UnknownLevel",
    "UnknownOccupation",
]


class SchemaError(ValueError):
    """Base of every error raised by ``schemas``; ``code`` is stable, ``str()`` is for humans."""

    code = "schema_error"

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class MalformedDocument(SchemaError):
    code = "malformed_document"


class DuplicateKey(MalformedDocument):
    code = "duplicate_key"


class DocumentTooLarge(MalformedDocument):
    code = "document_too_large"


class InvalidOccupationCode(SchemaError):
    code = "invalid_occupation_code"


class UnknownOccupation(SchemaError):
    code = "unknown_occupation"


class UnknownFramework(SchemaError):
    code = "unknown_framework"


class UnknownLevel(SchemaError):
    code = "unknown_level"


class InvalidCertificateNumber(SchemaError):
    code = "invalid_certificate_number"


class InvalidNationalId(SchemaError):
    code = "invalid_national_id"


class InvalidDate(SchemaError):
    code = "invalid_date"
