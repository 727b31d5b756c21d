"""Witness cosignatures: verified before they are stored, served with the checkpoint."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from registry.errors import LogStateError
from registry.log import Draft, TransparencyLog
from registry.witnesses import add_cosignatures, served_checkpoint
from schemas.note import (
    COSIGNATURE_V1,
    VerifierKey,
    format_note,
    parse_unverified_note,
    verify_checkpoint,
)
from tests.registry.conftest import ORIGIN
from verifier.witness import cosign_checkpoint

WITNESS = "witness.example.mo"


def _cosigned(log: TransparencyLog, witness_key: Ed25519PrivateKey, note: str | None = None) -> str:
    note = note or log.checkpoint().note
    signed = cosign_checkpoint(
        note,
        log_key=log.verifier_key,
        last=None,
        proof=[],
        witness_name=WITNESS,
        witness_key=witness_key,
        timestamp=1_767_225_600,
    )
    parsed = parse_unverified_note(note)
    return format_note(parsed.text, [*parsed.signatures, signed.signature])


def _witness(key: Ed25519PrivateKey) -> VerifierKey:
    return VerifierKey.from_public_key(WITNESS, key.public_key(), COSIGNATURE_V1)


def test_a_verified_cosignature_is_kept_and_served(engine: Engine, log: TransparencyLog) -> None:
    log.append([Draft("test", {"n": n}) for n in range(5)])
    key = Ed25519PrivateKey.generate()
    assert served_checkpoint(engine, log) == log.checkpoint().note
    cosigned = _cosigned(log, key)
    assert add_cosignatures(engine, log, cosigned, [_witness(key)]) == 1
    assert add_cosignatures(engine, log, cosigned, [_witness(key)]) == 0
    served = served_checkpoint(engine, log)
    verified = verify_checkpoint(
        served, [log.verifier_key], origin=ORIGIN, cosigners=[_witness(key)]
    )
    assert [s.timestamp for s in verified.cosignatures] == [1_767_225_600]
    log.append([Draft("test", {"n": 5})])
    assert served_checkpoint(engine, log) == log.checkpoint().note


def test_cosignatures_by_unknown_witnesses_are_refused(
    engine: Engine, log: TransparencyLog
) -> None:
    log.append([Draft("test", {"n": 0})])
    cosigned = _cosigned(log, Ed25519PrivateKey.generate())
    with pytest.raises(LogStateError, match="no cosignature by a known witness"):
        add_cosignatures(engine, log, cosigned, [_witness(Ed25519PrivateKey.generate())])


def test_checkpoints_this_log_never_signed_are_refused(
    engine: Engine, log: TransparencyLog
) -> None:
    log.append([Draft("test", {"n": 0})])
    key = Ed25519PrivateKey.generate()
    root = log.checkpoint().root_hash
    impostor = TransparencyLog(log.store, origin=ORIGIN, key=Ed25519PrivateKey.generate())
    with pytest.raises(LogStateError, match="refused"):
        add_cosignatures(
            engine,
            log,
            _cosigned(impostor, key, impostor.sign_checkpoint(1, root)),
            [_witness(key)],
        )
    unlogged = _cosigned(log, key, log.sign_checkpoint(1, bytes(32)))
    with pytest.raises(LogStateError, match="no checkpoint of size 1"):
        add_cosignatures(engine, log, unlogged, [_witness(key)])
