"""Proofs from the tree kept in memory (registry/resident.py) are the store's proofs, follow
appends made by other writers, and are refused when the stored leaves disagree with the signed
root."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from registry.errors import LogStateError
from registry.log import Draft, TransparencyLog
from schemas.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion


def _append(log: TransparencyLog, count: int) -> None:
    log.append([Draft("test", {"n": n}) for n in range(count)])


def _same_proofs(memory: TransparencyLog, stored: TransparencyLog, size: int) -> None:
    for index in range(size):
        proof = memory.inclusion_proof(index, size)
        assert proof == stored.inclusion_proof(index, size)
        verify_inclusion(proof.leaf_hash, index, size, proof.proof, proof.root)
    tree = MemoryTree(leaf_hash(entry) for entry in stored.store.entries(0, size))
    for old in range(1, size + 1):
        consistency = memory.consistency_proof(old, size)
        assert consistency == stored.consistency_proof(old, size)
        assert (consistency.old_root, consistency.new_root) == (tree.root(old), tree.root(size))
        verify_consistency(old, size, tree.root(old), tree.root(size), consistency.proof)


def test_memory_proofs_are_the_stores_for_every_index_and_size(
    make_log: Callable[..., TransparencyLog],
) -> None:
    writer = make_log(max_batch=7)
    _append(writer, 37)
    memory = make_log()
    assert memory.keep_in_memory() == 37
    stored = make_log()
    for size in (1, 2, 3, 8, 21, 37):
        _same_proofs(memory, stored, size)


def test_memory_follows_appends_by_another_writer(
    make_log: Callable[..., TransparencyLog],
) -> None:
    memory = make_log()
    assert memory.keep_in_memory() == 0
    other = make_log()
    _append(other, 5)
    _same_proofs(memory, make_log(), 5)
    _append(other, 12)
    assert memory.inclusion_proof(16).size == 17
    _same_proofs(memory, make_log(), 17)


def test_a_log_past_the_limit_answers_from_the_store(
    make_log: Callable[..., TransparencyLog],
) -> None:
    memory = make_log()
    _append(memory, 6)
    assert memory.keep_in_memory(max_leaves=8) == 6
    _append(memory, 5)
    _same_proofs(memory, make_log(), 11)


def test_past_the_limit_the_tree_is_no_longer_read_in(
    make_log: Callable[..., TransparencyLog], engine: Engine
) -> None:
    """A damaged leaf past the limit is served as stored (audit is what finds it); a tree still
    in memory would have read it in and refused it against the signed root."""
    memory = make_log()
    _append(memory, 6)
    memory.keep_in_memory(max_leaves=8)
    _append(memory, 5)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE log_entries SET leaf_hash = :bad WHERE idx = 9"), {"bad": bytes(32)}
        )
    assert memory.inclusion_proof(9, 11).leaf_hash == bytes(32)


def test_stored_leaves_that_miss_the_signed_root_are_refused(
    make_log: Callable[..., TransparencyLog], engine: Engine
) -> None:
    writer = make_log()
    _append(writer, 4)
    memory = make_log()
    memory.keep_in_memory()
    _append(writer, 4)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE log_entries SET leaf_hash = :bad WHERE idx = 6"), {"bad": bytes(32)}
        )
    with pytest.raises(LogStateError, match="signed root of tree size 8"):
        memory.inclusion_proof(0, 8)
    with pytest.raises(LogStateError, match="signed root"):
        make_log().keep_in_memory()
