"""The ``registry`` exception tree; codes are listed in docs/errors.md."""

from __future__ import annotations

__all__ = ["IssuerExists", "RegistryError", "UnknownIssuer"]


class RegistryError(Exception):
    code = "registry_error"


class UnknownIssuer(RegistryError):
    code = "unknown_issuer"


class IssuerExists(RegistryError):
    code = "issuer_exists"
