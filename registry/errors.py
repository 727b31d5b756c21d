"""The ``registry`` exception tree; codes are listed in docs/errors.md."""

from __future__ import annotations

__all__ = ["IssuerExists", "LogStateError", "RegistryError", "TileNotFound", "UnknownIssuer"]


class RegistryError(Exception):
    code = "registry_error"


class UnknownIssuer(RegistryError):
    code = "unknown_issuer"


class IssuerExists(RegistryError):
    code = "issuer_exists"


class LogStateError(RegistryError):
    """The log cannot do what was asked in its present state (not initialised, empty append,
    a size beyond the tree)."""

    code = "log_state"


class TileNotFound(RegistryError):
    """A tile or entry bundle the log's tree does not (yet) hold."""

    code = "tile_not_found"
