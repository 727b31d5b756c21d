from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from issuer.errors import KeyExists, KeyFileError
from issuer.keys import generate_signing_key, public_jwk, read_private_key, write_private_key
from schemas.jwk import parse_ed25519_public_jwk


def test_key_file_is_0600_and_round_trips(tmp_path: Path) -> None:
    key = generate_signing_key()
    path = tmp_path / "keys" / "k.pem"
    write_private_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_jwk(read_private_key(path)) == public_jwk(key)


def test_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    write_private_key(path, generate_signing_key())
    before = path.read_bytes()
    with pytest.raises(KeyExists):
        write_private_key(path, generate_signing_key())
    assert path.read_bytes() == before


def test_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    write_private_key(path, generate_signing_key())
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_private_key(path)


def test_refuses_other_key_types_and_garbage(tmp_path: Path) -> None:
    ec = tmp_path / "ec.pem"
    ec.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ec.chmod(0o600)
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        read_private_key(ec)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"junk")
    junk.chmod(0o600)
    with pytest.raises(KeyFileError, match="not an unencrypted PEM"):
        read_private_key(junk)
    with pytest.raises(KeyFileError, match="No such file"):
        read_private_key(tmp_path / "missing.pem")


def test_public_jwk_is_rfc8037_okp() -> None:
    jwk = public_jwk(generate_signing_key())
    assert set(jwk) == {"kty", "crv", "x"}
    assert len(parse_ed25519_public_jwk(jwk)) == 32
