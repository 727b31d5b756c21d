"""Issuing bodies' side: signing keys, credential signing and batch issuance from CSV.

Imports ``schemas`` only. Exception tree (stable ``code`` on each; see docs/errors.md)::

    IssuerError
    ├── KeyFileError          a private key file missing, unreadable, not Ed25519, or too open
    │   └── KeyExists         refusing to overwrite an existing key file
    ├── OutputError           an output path that is neither a directory nor a .jsonl file
    ├── BatchInputError       a batch file that cannot be read at all (missing, bad header, ...)
    └── BatchRejected         a batch with invalid rows and no --skip-invalid; carries the RowErrors
"""

from issuer.errors import (
    BatchInputError,
    BatchRejected,
    IssuerError,
    KeyExists,
    KeyFileError,
    OutputError,
    RowError,
)

__all__ = [
    "BatchInputError",
    "BatchRejected",
    "IssuerError",
    "KeyExists",
    "KeyFileError",
    "OutputError",
    "RowError",
]
