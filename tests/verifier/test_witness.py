"""A witness cosigns a checkpoint only when it extends the one it cosigned before."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.merkle import MemoryTree, consistency_proof, leaf_hash
from schemas.note import (
    COSIGNATURE_V1,
    Checkpoint,
    VerifierKey,
    format_checkpoint,
    format_note,
    parse_unverified_note,
    sign_note,
    verify_checkpoint,
)
from verifier import WitnessRefusal
from verifier.witness import Cosigned, cosign_checkpoint

ORIGIN = "witnessed.skillcert.example/log"
WITNESS = "witness.example.hk"


class Log:
    def __init__(self, prefix: bytes = b"entry", key: Ed25519PrivateKey | None = None) -> None:
        self.key = key or Ed25519PrivateKey.generate()
        self.vkey = VerifierKey.from_public_key(ORIGIN, self.key.public_key())
        self.tree = MemoryTree()
        self.prefix = prefix

    def grow(self, count: int) -> str:
        for _ in range(count):
            self.tree.append(leaf_hash(self.prefix + str(self.tree.size).encode()))
        text = format_checkpoint(Checkpoint(ORIGIN, self.tree.size, self.tree.root()))
        return sign_note(text, ORIGIN, self.key)

    def proof(self, old: int) -> list[bytes]:
        return consistency_proof(old, self.tree.size, self.tree.node_at)


@pytest.fixture
def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _cosign(
    log: Log, note: str, witness_key: Ed25519PrivateKey, last: Checkpoint | None, proof: list[bytes]
) -> Cosigned:
    return cosign_checkpoint(
        note,
        log_key=log.vkey,
        last=last,
        proof=proof,
        witness_name=WITNESS,
        witness_key=witness_key,
        timestamp=1_767_225_600,
    )


def test_cosignatures_extend_a_consistent_history_and_verify(
    witness_key: Ed25519PrivateKey,
) -> None:
    log = Log()
    first = _cosign(log, log.grow(5), witness_key, None, [])
    note = log.grow(8)
    second = _cosign(log, note, witness_key, first.checkpoint, log.proof(5))
    assert second.checkpoint.size == 13
    parsed = parse_unverified_note(note)
    cosigned = format_note(parsed.text, [*parsed.signatures, second.signature])
    witness = VerifierKey.from_public_key(WITNESS, witness_key.public_key(), COSIGNATURE_V1)
    verified = verify_checkpoint(cosigned, [log.vkey], origin=ORIGIN, cosigners=[witness])
    assert [(s.key, s.timestamp) for s in verified.cosignatures] == [(witness, 1_767_225_600)]


def test_a_fork_is_refused(witness_key: Ed25519PrivateKey) -> None:
    log = Log()
    first = _cosign(log, log.grow(5), witness_key, None, [])
    fork = Log(prefix=b"forged", key=log.key)
    note = fork.grow(9)
    with pytest.raises(WitnessRefusal, match="not an extension"):
        _cosign(fork, note, witness_key, first.checkpoint, fork.proof(5))


def test_a_rollback_is_refused(witness_key: Ed25519PrivateKey) -> None:
    log = Log()
    early = log.grow(3)
    later = _cosign(log, log.grow(4), witness_key, None, [])
    with pytest.raises(WitnessRefusal, match="smaller"):
        _cosign(log, early, witness_key, later.checkpoint, [])


def test_a_checkpoint_not_signed_by_the_log_is_refused(witness_key: Ed25519PrivateKey) -> None:
    log, impostor = Log(), Log()
    with pytest.raises(WitnessRefusal, match="not a checkpoint"):
        _cosign(log, impostor.grow(2), witness_key, None, [])
