"""Document models, formats and reference data shared by every other package.

This package imports none of ``issuer``, ``verifier`` or ``registry``; everything here is pure
(bytes and values in, values out) so the offline verifier can rely on it.

Exception tree (each error carries a stable ``code``; see docs/errors.md)::

    SchemaError
    ├── MalformedDocument        not the strict JSON / JWK / document expected
    │   ├── DuplicateKey         a JSON object with a repeated member name
    │   └── DocumentTooLarge     input over the stated size limit
    ├── InvalidOccupationCode    not D-DD-DD-DD
    ├── UnknownOccupation        well-formed code absent from the loaded classification edition
    ├── UnknownFramework         no level framework with that id
    ├── UnknownLevel             level code not in the framework
    ├── InvalidCertificateNumber not Y/S + 21 digits
    ├── InvalidNationalId        not 18 characters with a GB 11643 check digit
    ├── InvalidDate              not an ISO 8601 calendar date
    ├── ProofError               a Merkle proof refused (``merkle``)
    │   ├── MalformedProof       index or sizes out of range, wrong number or size of hashes
    │   └── InvalidProof         well-formed, but leads to another root
    ├── NoteError                a signed note, key or checkpoint refused (``note``)
    │   ├── MalformedNote        not a signed note in form
    │   ├── MalformedVerifierKey vkey not in form, or its key ID does not match
    │   ├── MalformedCheckpoint  note text is not a checkpoint
    │   ├── InvalidNoteSignature a trusted key's signature does not verify
    │   ├── UnverifiedNote       no signature by a trusted key (or by the log)
    │   └── CheckpointOriginMismatch  checkpoint of another log
    ├── TileError                a tlog-tiles path, tile or bundle refused (``tiles``)
    │   ├── MalformedTilePath    not the canonical tile or bundle path
    │   └── MalformedTile        tile or entry bundle of the wrong size or shape
    ├── StatusListError          a Bitstring Status List refused or misused (``status_list``)
    │   ├── MalformedStatusList  encodedList or status list credential not in form
    │   │   ├── StatusListTooShort   fewer than 131,072 entries
    │   │   └── StatusListTooLarge   past the decompression limit
    │   ├── MalformedStatusEntry credentialStatus entry not in form
    │   ├── StatusIndexOutOfRange    index outside the list
    │   └── StatusListFull       not enough free indexes to allocate
    ├── GovernanceError          scope, issuer status or key refused (``scope``, ``key_lifecycle``)
    │   ├── MalformedScope       occupation pattern, levels or period not in form
    │   ├── InvalidStatusHistory issuer status changes that cannot have happened
    │   ├── MalformedKeyRecord   key record not in form (kid not its JWK's thumbprint, ...)
    │   └── InvalidKeyLifecycle  overlapping windows, reused kid, bad rotation or compromise
    │       └── KeyNotFound      no key with that kid
    └── RecognitionError         a recognition mapping or mapping set refused (``recognition``)
        ├── MalformedMapping     mapping document not in form
        │   ├── UnknownMappingFramework  source or target framework unknown
        │   ├── UnknownMappingLevel      a rule's level not in its framework
        │   └── DuplicateMappingRule     two rules for one level and occupation
        └── InconsistentMappings one id and version twice, or one id for two framework pairs
"""

from schemas.errors import (
    CheckpointOriginMismatch,
    DocumentTooLarge,
    DuplicateKey,
    DuplicateMappingRule,
    GovernanceError,
    InconsistentMappings,
    InvalidCertificateNumber,
    InvalidDate,
    InvalidKeyLifecycle,
    InvalidNationalId,
    InvalidNoteSignature,
    InvalidOccupationCode,
    InvalidProof,
    InvalidStatusHistory,
    KeyNotFound,
    MalformedCheckpoint,
    MalformedDocument,
    MalformedKeyRecord,
    MalformedMapping,
    MalformedNote,
    MalformedProof,
    MalformedScope,
    MalformedStatusEntry,
    MalformedStatusList,
    MalformedTile,
    MalformedTilePath,
    MalformedVerifierKey,
    NoteError,
    ProofError,
    RecognitionError,
    SchemaError,
    StatusIndexOutOfRange,
    StatusListError,
    StatusListFull,
    StatusListTooLarge,
    StatusListTooShort,
    TileError,
    UnknownFramework,
    UnknownLevel,
    UnknownMappingFramework,
    UnknownMappingLevel,
    UnknownOccupation,
    UnverifiedNote,
)

__all__ = [
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
    "MalformedVerifierKey",
    "NoteError",
    "ProofError",
    "RecognitionError",
    "SchemaError",
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
