"""RFC 9162 Merkle trees: upstream vectors and probes, every small tree, random large ones.

Proofs made from ``node_at`` are compared with a naive recursive reference written from the RFC's
definitions (MTH, PATH, PROOF/SUBPROOF) below, so a shared mistake would need two independent
readings of the RFC to agree on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.errors import InvalidProof, MalformedDocument, MalformedProof, ProofError
from schemas.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    append_nodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tests.conftest import VECTORS

RFC6962 = json.loads((VECTORS / "log" / "rfc6962_vectors.json").read_text())
SMALL = 100
LARGE = 5000  # more than one MemoryTree batch


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Reference:
    """RFC 9162 §2.1 taken literally: recursion on D[lo:hi], with k the largest power of two
    below n. Memoised so that every size up to a few thousand stays cheap."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    @staticmethod
    def split(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    @cache  # noqa: B019 - one instance per module, kept for the whole run
    def mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return _h(b"")
        if n == 1:
            return _h(b"\x00" + self.leaves[lo])
        k = self.split(n)
        return _h(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = self.split(n)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self.subproof(m, 0, n, True)

    def subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = self.split(n)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, b), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]


def _data(i: int) -> bytes:
    return f"entry {i}".encode()


@cache
def _fixture(size: int) -> tuple[MemoryTree, Reference]:
    leaves = [_data(i) for i in range(size)]
    return MemoryTree(leaf_hash(d) for d in leaves), Reference(leaves)


def _flip(proof: list[bytes], position: int) -> list[bytes]:
    changed = bytearray(proof[position])
    changed[position * 7 % len(changed)] ^= 0x01
    return [*proof[:position], bytes(changed), *proof[position + 1 :]]


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# --- upstream vectors --------------------------------------------------------------------------


def test_hasher_known_answers() -> None:
    for case in RFC6962["hasher_kats"]:
        if case["kind"] == "empty_root":
            got = EMPTY_ROOT
        elif case["kind"] == "leaf":
            got = leaf_hash(bytes.fromhex(case["input_hex"]))
        else:
            got = node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"]))
        assert got.hex() == case["want"], case


@pytest.fixture
def vector_tree() -> MemoryTree:
    return MemoryTree(leaf_hash(bytes.fromhex(leaf)) for leaf in RFC6962["leaves"])


def test_vector_roots_and_nodes(vector_tree: MemoryTree) -> None:
    assert {str(n): vector_tree.root(n).hex() for n in range(9)} == RFC6962["roots"]
    for level, hashes in enumerate(RFC6962["node_hashes_by_level"]):
        assert [vector_tree.node_at(level, i).hex() for i in range(len(hashes))] == hashes


def test_vector_inclusion_proofs(vector_tree: MemoryTree) -> None:
    for case in RFC6962["inclusion"]:
        index, size = case["leaf_index"], case["tree_size"]
        proof = inclusion_proof(index, size, vector_tree.node_at)
        assert [p.hex() for p in proof] == case["proof"]
        verify_inclusion(vector_tree.node_at(0, index), index, size, proof, vector_tree.root(size))


def test_vector_consistency_proofs(vector_tree: MemoryTree) -> None:
    for case in RFC6962["consistency"]:
        old, new = case["size1"], case["size2"]
        proof = consistency_proof(old, new, vector_tree.node_at)
        assert [p.hex() for p in proof] == case["proof"]
        verify_consistency(old, new, vector_tree.root(old), vector_tree.root(new), proof)


def _probe_ids(probes: list[dict[str, Any]]) -> list[str]:
    return [p["source"]["path"].removeprefix("testdata/") for p in probes]


def _outcome(check: Callable[[], None], want_error: bool) -> None:
    if want_error:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize(
    "probe", RFC6962["inclusion_probes"], ids=_probe_ids(RFC6962["inclusion_probes"])
)
def test_inclusion_probes(probe: dict[str, Any]) -> None:
    _outcome(
        lambda: verify_inclusion(
            bytes.fromhex(probe["leaf_hash"]),
            probe["leaf_index"],
            probe["tree_size"],
            _hex(probe["proof"]),
            bytes.fromhex(probe["root"]),
        ),
        probe["want_error"],
    )


@pytest.mark.parametrize(
    "probe", RFC6962["consistency_probes"], ids=_probe_ids(RFC6962["consistency_probes"])
)
def test_consistency_probes(probe: dict[str, Any]) -> None:
    _outcome(
        lambda: verify_consistency(
            probe["size1"],
            probe["size2"],
            bytes.fromhex(probe["root1"]),
            bytes.fromhex(probe["root2"]),
            _hex(probe["proof"]),
        ),
        probe["want_error"],
    )


def test_probe_sets_hold_both_outcomes() -> None:
    for probes in (RFC6962["inclusion_probes"], RFC6962["consistency_probes"]):
        assert {p["want_error"] for p in probes} == {True, False}


# --- every tree of size 0..100 -----------------------------------------------------------------


def test_every_small_root() -> None:
    tree, ref = _fixture(SMALL)
    for size in range(SMALL + 1):
        assert tree_root(size, tree.node_at) == ref.mth(0, size) == tree.root(size)
    assert tree_root(0, tree.node_at) == EMPTY_ROOT == _h(b"")


def test_every_small_inclusion_proof() -> None:
    tree, ref = _fixture(SMALL)
    for size in range(1, SMALL + 1):
        root = tree.root(size)
        for index in range(size):
            leaf = tree.node_at(0, index)
            proof = inclusion_proof(index, size, tree.node_at)
            assert proof == ref.path(index, 0, size) == tree.inclusion_proof(index, size)
            assert root_from_inclusion_proof(leaf, index, size, proof) == root
            verify_inclusion(leaf, index, size, proof, root)
            for position in range(len(proof)):
                with pytest.raises(InvalidProof):
                    verify_inclusion(leaf, index, size, _flip(proof, position), root)
            with pytest.raises(InvalidProof):
                verify_inclusion(_flip([leaf], 0)[0], index, size, proof, root)
            with pytest.raises(InvalidProof):
                verify_inclusion(leaf, index, size, proof, _flip([root], 0)[0])
            for other in {index ^ 1, index + 1, index - 1} - {index}:
                if 0 <= other < size:
                    with pytest.raises(ProofError):
                        verify_inclusion(leaf, other, size, proof, root)
            for other_size in (size - 1, size + 1, 2 * size):
                if index < other_size <= SMALL and other_size != size:
                    with pytest.raises(ProofError):
                        verify_inclusion(leaf, index, other_size, proof, tree.root(other_size))
            with pytest.raises(MalformedProof):
                verify_inclusion(leaf, size, size, proof, root)


def test_every_small_consistency_proof() -> None:
    tree, ref = _fixture(SMALL)
    roots = [tree.root(size) for size in range(SMALL + 1)]
    for new in range(SMALL + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(old, new, tree.node_at)
            assert proof == ref.proof(old, new) == tree.consistency_proof(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)
            for position in range(len(proof)):
                with pytest.raises(InvalidProof):
                    verify_consistency(old, new, roots[old], roots[new], _flip(proof, position))
            for other_old in (old - 1, old + 1):
                if 0 < other_old <= new and other_old != old:
                    with pytest.raises(ProofError):
                        verify_consistency(other_old, new, roots[other_old], roots[new], proof)
            for other_new in (new - 1, new + 1):
                if old <= other_new <= SMALL and other_new != new:
                    with pytest.raises(ProofError):
                        verify_consistency(old, other_new, roots[old], roots[other_new], proof)
            if old < new:
                with pytest.raises(InvalidProof):
                    verify_consistency(old, new, roots[new], roots[old], proof)


def test_consistency_from_the_empty_tree() -> None:
    tree, _ = _fixture(SMALL)
    assert consistency_proof(0, 0, tree.node_at) == []
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    for new in (1, 2, 7, SMALL):
        with pytest.raises(MalformedProof):
            consistency_proof(0, new, tree.node_at)
        with pytest.raises(MalformedProof):
            verify_consistency(0, new, EMPTY_ROOT, tree.root(new), [])


def test_malformed_requests() -> None:
    tree, _ = _fixture(SMALL)
    leaf, root = tree.node_at(0, 3), tree.root(8)
    proof = inclusion_proof(3, 8, tree.node_at)
    for bad in (-1, 8, 2**64 - 1):
        with pytest.raises(MalformedProof):
            inclusion_proof(bad, 8, tree.node_at)
        with pytest.raises(MalformedProof):
            verify_inclusion(leaf, bad, 8, proof, root)
    with pytest.raises(MalformedProof, match="expected 3"):
        verify_inclusion(leaf, 3, 8, [*proof, proof[0]], root)
    with pytest.raises(MalformedProof, match=r"proof\[1\]"):
        verify_inclusion(leaf, 3, 8, [proof[0], proof[1][:31], proof[2]], root)
    with pytest.raises(MalformedProof, match="leaf_hash"):
        verify_inclusion(leaf + b"\x00", 3, 8, proof, root)
    with pytest.raises(MalformedProof):
        consistency_proof(5, 4, tree.node_at)
    with pytest.raises(MalformedProof):
        verify_consistency(3, 3, root, root, [root])
    with pytest.raises(MalformedProof):
        tree_root(-1, tree.node_at)
    for size in (-1, SMALL + 1):
        with pytest.raises(MalformedProof):
            tree.root(size)
        with pytest.raises(MalformedProof):
            tree.inclusion_proof(0, size)
        with pytest.raises(MalformedProof):
            tree.consistency_proof(1, size)


def test_subtree_root_takes_only_tree_shaped_ranges() -> None:
    tree, ref = _fixture(SMALL)
    for start, end in [(0, 1), (0, 100), (64, 100), (96, 100), (8, 13), (16, 17), (99, 100)]:
        assert subtree_root(start, end, tree.node_at) == ref.mth(start, end)
    for start, end in [(1, 3), (2, 5), (64, 64), (5, 4), (-1, 0), (96, 101 + 31)]:
        with pytest.raises(MalformedProof):
            subtree_root(start, end, tree.node_at)


def test_memory_tree_knows_only_complete_nodes() -> None:
    tree = MemoryTree(leaf_hash(_data(i)) for i in range(5))
    assert tree.size == 5
    assert tree.node_at(2, 0) == tree.root(4)
    for level, index in [(0, 5), (1, 2), (2, 1), (3, 0), (-1, 0), (0, -1)]:
        with pytest.raises(LookupError):
            tree.node_at(level, index)
    assert tree.append(leaf_hash(_data(5))) == 5
    assert tree.node_at(1, 2) == node_hash(tree.node_at(0, 4), tree.node_at(0, 5))
    with pytest.raises(MalformedDocument):
        tree.append(b"short")
    assert tree.size == 6


# --- cost and appends --------------------------------------------------------------------------


def _counting_reader(calls: list[tuple[int, int]], size: int) -> Callable[[int, int], bytes]:
    """A reader over a tree too large to build: made-up hashes, but it refuses incomplete
    nodes and records every call."""

    def node_at(level: int, index: int) -> bytes:
        assert level >= 0 and (index + 1) << level <= size, (level, index)
        calls.append((level, index))
        return _h(b"%d/%d" % (level, index))

    return node_at


@pytest.mark.parametrize("size", [1_000_000, 2**40 + 12_345, 2**62 - 1])
def test_proofs_read_logarithmically_many_nodes(size: int) -> None:
    bound = 2 * size.bit_length()
    for index in (0, 1, size // 3, size - 2, size - 1):
        calls: list[tuple[int, int]] = []
        inclusion_proof(index, size, _counting_reader(calls, size))
        assert len(calls) <= bound
    for old in (1, 2, size // 2, size // 3 + 1, size - 1):
        calls = []
        consistency_proof(old, size, _counting_reader(calls, size))
        assert len(calls) <= bound
    calls = []
    tree_root(size, _counting_reader(calls, size))
    assert len(calls) == size.bit_count()


def _batches(total: int, cuts: list[int]) -> Iterator[tuple[int, int]]:
    yield from pairwise(sorted({0, total, *(c % (total + 1) for c in cuts)}))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 600), st.lists(st.integers(0, 600), max_size=6))
def test_append_nodes_in_any_batches(total: int, cuts: list[int]) -> None:
    """Whatever the batching, the nodes made are exactly the complete nodes of the final tree,
    each made once, and the reader is asked only for nodes that existed before the batch."""
    whole, _ = _fixture(LARGE)
    store: dict[tuple[int, int], bytes] = {}
    for start, end in _batches(total, cuts):

        def node_at(level: int, index: int, before: int = start) -> bytes:
            assert (index + 1) << level <= before, (level, index, before)
            return store[(level, index)]

        made = append_nodes(start, (whole.node_at(0, i) for i in range(start, end)), node_at)
        for level, index, node in made:
            assert (level, index) not in store
            store[(level, index)] = node
    expected = {
        (level, index) for level in range(total.bit_length()) for index in range(total >> level)
    }
    assert set(store) == expected
    assert all(node == whole.node_at(*key) for key, node in store.items())


# --- random large trees against the reference --------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_large_trees_match_the_reference(data: st.DataObject) -> None:
    tree, ref = _fixture(LARGE)
    size = data.draw(st.integers(1, LARGE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    old = data.draw(st.integers(1, size), label="old")
    root = tree_root(size, tree.node_at)
    assert root == ref.mth(0, size) == tree.root(size)
    proof = inclusion_proof(index, size, tree.node_at)
    assert proof == ref.path(index, 0, size) == tree.inclusion_proof(index, size)
    verify_inclusion(tree.node_at(0, index), index, size, proof, root)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="flip")
        with pytest.raises(InvalidProof):
            verify_inclusion(tree.node_at(0, index), index, size, _flip(proof, position), root)
    proof = consistency_proof(old, size, tree.node_at)
    assert proof == ref.proof(old, size) == tree.consistency_proof(old, size)
    verify_consistency(old, size, ref.mth(0, old), root, proof)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="flip")
        with pytest.raises(InvalidProof):
            verify_consistency(old, size, ref.mth(0, old), root, _flip(proof, position))
