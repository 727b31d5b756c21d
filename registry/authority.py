"""``skillcert init``: the registry home and the authority's signing key, created once."""

from __future__ import annotations

from dataclasses import dataclass

from issuer.keys import generate_signing_key, write_private_key
from registry.settings import Settings

__all__ = ["InitResult", "initialise_home"]


@dataclass(frozen=True, slots=True)
class InitResult:
    created_home: bool
    created_authority_key: bool


def initialise_home(settings: Settings) -> InitResult:
    """Create ``SKILLCERT_HOME`` and the authority key if missing; never replace a key."""
    created_home = not settings.home.exists()
    settings.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    created_key = not settings.authority_key_path.exists()
    if created_key:
        write_private_key(settings.authority_key_path, generate_signing_key())
    return InitResult(created_home, created_key)
