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
    └── InvalidDate              not an ISO 8601 calendar date
"""

from schemas.errors import (
    DocumentTooLarge,
    DuplicateKey,
    InvalidCertificateNumber,
    InvalidDate,
    InvalidNationalId,
    InvalidOccupationCode,
    MalformedDocument,
    SchemaError,
    UnknownFramework,
    UnknownLevel,
    UnknownOccupation,
)

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
