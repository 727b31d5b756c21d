"""Ed25519 signing keys on disk: PKCS#8 PEM, mode 0600, never overwritten.

A key file readable by group or others is refused rather than used, as ssh does: a leaked issuing
key forges certificates until it is reported compromised.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.errors import KeyExists, KeyFileError
from schemas.jwk import ed25519_public_jwk

__all__ = [
    "generate_signing_key",
    "public_jwk",
    "read_private_key",
    "write_private_key",
]


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return ed25519_public_jwk(raw)


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key`` as PEM to a new file created with mode 0600; raises ``KeyExists``."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyExists(
            str(path), "a key file already exists here; refusing to overwrite"
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key PEM; raises ``KeyFileError`` saying what is wrong."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(str(path), exc.strerror or "cannot read") from exc
    if stat.S_IMODE(mode) & 0o077:
        raise KeyFileError(
            str(path), f"mode {stat.S_IMODE(mode):04o} lets others read it; chmod 600 it"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(str(path), "not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(str(path), "not an Ed25519 key")
    return key
