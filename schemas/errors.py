"""The ``schemas`` exception tree; every class has a stable ``code`` listed in docs/errors.md."""

from __future__ import annotations

__all__ = [
    "CheckpointOriginMismatch",
    "DocumentTooLarge",
    "DuplicateKey",
    "InvalidCertificateNumber",
    "InvalidDate",
    "InvalidNationalId",
    "InvalidNoteSignature",
    "InvalidOccupationCode",
    "InvalidProof",
    "MalformedCheckpoint",
    "MalformedDocument",
    "MalformedNote",
    "MalformedProof",
    "MalformedTile",
    "MalformedTilePath",
    "MalformedVerifierKey",
    "NoteError",
    "ProofError",
    "SchemaError",
    "TileError",
    "UnknownFramework",
    "UnknownLevel",
    "UnknownOccupation",
    "UnverifiedNote",
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


class ProofError(SchemaError):
    """A Merkle inclusion or consistency proof was refused, or could not be made (``merkle``)."""

    code = "proof_error"


class MalformedProof(ProofError):
    code = "proof_malformed"


class InvalidProof(ProofError):
    code = "proof_invalid"


class NoteError(SchemaError):
    """A signed note, verifier key, checkpoint or cosignature was refused (``note``)."""

    code = "note_error"


class MalformedNote(NoteError):
    code = "note_malformed"


class MalformedVerifierKey(NoteError):
    code = "note_key_malformed"


class MalformedCheckpoint(NoteError):
    code = "checkpoint_malformed"


class InvalidNoteSignature(NoteError):
    code = "note_signature_invalid"


class UnverifiedNote(NoteError):
    code = "note_unverified"


class CheckpointOriginMismatch(NoteError):
    code = "checkpoint_origin_mismatch"


class TileError(SchemaError):
    """A tlog-tiles path, tile or entry bundle was refused (``tiles``)."""

    code = "tile_error"


class MalformedTilePath(TileError):
    code = "tile_path_malformed"


class MalformedTile(TileError):
    code = "tile_malformed"
