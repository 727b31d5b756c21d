"""The ``schemas`` exception tree; every class has a stable ``code`` listed in docs/errors.md."""

from __future__ import annotations

__all__ = [
    "ChangeRefused",
    "CheckpointOriginMismatch",
    "DocumentTooLarge",
    "DuplicateKey",
    "DuplicateMappingRule",
    "GovernanceError",
    "InconsistentMappings",
    "InvalidCertificateNumber",
    "InvalidDate",
    "InvalidKeyLifecycle",
    "InvalidNationalId",
    "InvalidNoteSignature",
    "InvalidOccupationCode",
    "InvalidProof",
    "InvalidStatusHistory",
    "KeyNotFound",
    "MalformedChange",
    "MalformedCheckpoint",
    "MalformedDocument",
    "MalformedKeyRecord",
    "MalformedMapping",
    "MalformedNote",
    "MalformedProof",
    "MalformedScope",
    "MalformedStatusEntry",
    "MalformedStatusList",
    "MalformedTile",
    "MalformedTilePath",
    "MalformedTrustBundle",
    "MalformedVerifierKey",
    "NoteError",
    "ProofError",
    "RecognitionError",
    "SchemaError",
    "SignedDocumentError",
    "StatusIndexOutOfRange",
    "StatusListError",
    "StatusListFull",
    "StatusListTooLarge",
    "StatusListTooShort",
    "TileError",
    "UnknownFramework",
    "UnknownLevel",
    "UnknownMappingFramework",
    "UnknownMappingLevel",
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


class StatusListError(SchemaError):
    """A Bitstring Status List, status entry or index was refused (``status_list``); raised as
    itself only for API misuse, such as a naive ``valid_from``."""

    code = "status_list_error"


class MalformedStatusList(StatusListError):
    code = "status_list_malformed"


class StatusListTooShort(MalformedStatusList):
    """The spec's ``STATUS_LIST_LENGTH_ERROR``: fewer entries than herd privacy needs."""

    code = "status_list_too_short"


class StatusListTooLarge(MalformedStatusList):
    code = "status_list_too_large"


class MalformedStatusEntry(StatusListError):
    code = "status_entry_malformed"


class StatusIndexOutOfRange(StatusListError):
    """The spec's ``RANGE_ERROR``: an index past the end of the list it is looked up in."""

    code = "status_index_out_of_range"

    def __init__(self, index: int, size: int) -> None:
        super().__init__(f"index {index} is outside 0..{size - 1}", "statusListIndex")
        self.index = index
        self.size = size


class StatusListFull(StatusListError):
    """Fewer free indexes than asked for; ``free`` says how many a caller can still take here
    before starting another list."""

    code = "status_list_full"

    def __init__(self, wanted: int, free: int, size: int) -> None:
        super().__init__(f"{wanted} indexes wanted, {free} of {size} free", "statusListIndex")
        self.wanted = wanted
        self.free = free
        self.size = size


class GovernanceError(SchemaError):
    """Accreditation scopes, issuer status or issuer keys refused (``scope``, ``key_lifecycle``);
    raised as itself only for API misuse, such as a naive datetime or a datetime for a date."""

    code = "governance_error"


class MalformedScope(GovernanceError):
    code = "scope_malformed"


class InvalidStatusHistory(GovernanceError):
    """Issuer status changes that cannot have happened: two at one instant, a change to the
    status already in force, anything after a withdrawal."""

    code = "issuer_status_invalid"


class MalformedKeyRecord(GovernanceError):
    code = "key_record_malformed"


class InvalidKeyLifecycle(GovernanceError):
    """Key records that cannot all hold at once (overlapping windows, a reused kid, keys of two
    issuers), or a rotation or compromise that would make them so."""

    code = "key_lifecycle_invalid"


class KeyNotFound(InvalidKeyLifecycle):
    code = "key_not_found"

    def __init__(self, kid: str) -> None:
        super().__init__(f"no key {kid!r} in this issuer's records", "kid")
        self.kid = kid


class RecognitionError(SchemaError):
    """A recognition mapping or a set of them was refused, or the query was misused
    (``recognition``); raised as itself only for API misuse, such as a ``datetime`` for ``on``."""

    code = "recognition_error"


class MalformedMapping(RecognitionError):
    code = "mapping_malformed"


class UnknownMappingFramework(MalformedMapping):
    code = "mapping_framework_unknown"


class UnknownMappingLevel(MalformedMapping):
    code = "mapping_level_unknown"


class DuplicateMappingRule(MalformedMapping):
    """Two rules for one (source level, occupation) key: which one applies would depend on the
    order they were written in, so neither is taken."""

    code = "mapping_rule_duplicate"


class InconsistentMappings(RecognitionError):
    """A set of mappings that cannot all be true: two different documents under one id and
    version, or versions of one id for different framework pairs."""

    code = "mapping_set_inconsistent"


class SignedDocumentError(SchemaError):
    """An authority-signed document (governance change, status list credential, trust bundle)
    is not signed by the pinned authority key as what it claims to be."""

    code = "signed_document_invalid"


class MalformedChange(GovernanceError):
    """A governance change document is not one this registry writes."""

    code = "governance_change_malformed"


class ChangeRefused(GovernanceError):
    """A well-formed governance change that cannot follow the directory as it stands (an issuer
    registered twice, a scope for an unknown issuer, a revoked credential reinstated)."""

    code = "governance_change_refused"


class MalformedTrustBundle(SchemaError):
    code = "trust_bundle_malformed"
