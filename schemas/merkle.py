"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification, SHA-256.

Proofs are generated from a ``NodeReader``: ``node_at(level, index)`` returns the hash of the
complete, aligned subtree of ``2**level`` leaves that starts at leaf ``index * 2**level`` (level 0
holds the leaf hashes). Complete subtrees never change once written, so any store can keep them
(a database table, C2SP tlog-tiles), and every proof or root needs only O(log n) of them.

Verification is pure: bytes in, ``None`` out, or ``MalformedProof`` (the request or proof is not
in form: index out of range, wrong number or size of hashes) or ``InvalidProof`` (well-formed, but
the hashes do not lead to the given root).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import islice

from schemas.errors import InvalidProof, MalformedDocument, MalformedProof

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "NodeReader",
    "RangeRoot",
    "append_nodes",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_nodes",
    "root_from_inclusion_proof",
    "subtree_root",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
"""``node_at(level, index)``: hash of the complete subtree of leaves
``[index * 2**level, (index + 1) * 2**level)``; raises ``LookupError`` if that subtree is not
complete in the store."""

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: the 0x00 prefix keeps a leaf from ever hashing like an interior node."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 interior node, prefix 0x01."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): where RFC 9162 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of the complete aligned blocks that make up ``[start, end)``,
    largest first, for a range whose ``start`` is aligned to a power of two at least as long as
    the range (a subtree of an RFC 9162 tree, or a tree's incomplete right edge). These are the
    nodes its hash is folded from, so a reader can fetch them before hashing."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(start: int, end: int, node_at: NodeReader) -> bytes:
    """MTH(D[start:end]) for a range ``range_nodes`` accepts: the greedy largest-first blocks are
    complete aligned subtrees, and the RFC's left-heavy recursion equals folding them from the
    right. The blocks are the set bits of the range's length, so the fold walks them from the
    lowest bit up, each block ending where the previous (smaller) one starts."""
    remaining = end - start
    block = remaining & -remaining
    level = block.bit_length() - 1
    root = node_at(level, (end >> level) - 1)
    while remaining := remaining - block:
        end -= block
        block = remaining & -remaining
        level = block.bit_length() - 1
        root = node_hash(node_at(level, (end >> level) - 1), root)
    return root


def _fold_levels(levels: Sequence[Sequence[bytes]], start: int, end: int) -> bytes:
    """``_fold`` over a tree's level lists, indexed directly: a consistency proof from a size no
    checkpoint has is mostly this fold, and a reader call per block cost as much as its hash."""
    remaining = end - start
    block = remaining & -remaining
    level = block.bit_length() - 1
    root = levels[level][(end >> level) - 1]
    while remaining := remaining - block:
        end -= block
        block = remaining & -remaining
        level = block.bit_length() - 1
        root = _sha256(b"\x01" + levels[level][(end >> level) - 1] + root).digest()
    return root


def subtree_root(start: int, end: int, node_at: NodeReader) -> bytes:
    """MTH(D[start:end]) for a non-empty range that is a subtree of some RFC 9162 tree, that is,
    ``start`` is a multiple of the smallest power of two >= ``end - start``.

    Makes at most ``log2(end - start) + 1`` ``node_at`` calls. Raises ``MalformedProof`` for any
    other range, because its hash would not be a node of any tree.
    """
    if not 0 <= start < end or start % (1 << (end - start - 1).bit_length()):
        raise MalformedProof(f"[{start}, {end}) is not a subtree of an RFC 9162 tree", "range")
    return _fold(start, end, node_at)


def tree_root(size: int, node_at: NodeReader) -> bytes:
    """MTH(D[0:size]), RFC 9162 §2.1.1; the empty tree's root is SHA-256 of nothing."""
    if size < 0:
        raise MalformedProof(f"tree size {size} is negative", "size")
    return _fold(0, size, node_at) if size else EMPTY_ROOT


RangeRoot = Callable[[int, int], bytes]
"""``range_root(start, end)``: MTH(D[start:end]) of an incomplete right edge of a tree, which is
no stored node; by default folded from the complete nodes under it, but a caller that serves
many proofs for one tree size may hand in a cached one."""


def _path(
    index: int, level: int, size: int, node_at: NodeReader, range_root: RangeRoot
) -> list[bytes]:
    """The hashes that lead from node ``(level, index)`` to the root of the tree of ``size``
    leaves, lowest first.

    Below the level where the node's path and the tree's last leaf's path meet, every sibling is
    complete except possibly the last, the right edge; above it, the path turns right exactly
    where the node index has a 1 bit, and each such sibling is a complete node on the left. So the
    path is read, not searched: at most one ``range_root`` and ``log2(size)`` ``node_at`` calls.
    """
    inner = (index ^ ((size - 1) >> level)).bit_length()
    proof = [node_at(level + step, (index >> step) ^ 1) for step in range(inner - 1)]
    if inner:
        top = level + inner - 1
        sibling = (index >> (inner - 1)) ^ 1
        if (sibling + 1) << top <= size:
            proof.append(node_at(top, sibling))
        else:
            proof.append(range_root(sibling << top, size))
    index >>= inner
    level += inner
    while index:
        if index & 1:
            proof.append(node_at(level, index ^ 1))
        index >>= 1
        level += 1
    return proof


def inclusion_proof(
    index: int, size: int, node_at: NodeReader, range_root: RangeRoot | None = None
) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf side first."""
    _check_index(index, size)
    return _path(index, 0, size, node_at, range_root or _folder(node_at))


def consistency_proof(
    old_size: int, new_size: int, node_at: NodeReader, range_root: RangeRoot | None = None
) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1, leaf side first.

    The old tree's last complete subtree is a node of the new tree; the proof is that node's path
    to the new root, preceded by the node itself unless it is the whole old tree (the verifier has
    that one: it is the old root). Empty when the sizes are equal.
    """
    seed = _consistency_seed(old_size, new_size)
    if seed is None:
        return []
    level, index = seed
    proof = _path(index, level, new_size, node_at, range_root or _folder(node_at))
    if index:
        proof.insert(0, node_at(level, index))
    return proof


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise MalformedProof(f"index {index} is outside a tree of size {size}", "index")


def _consistency_seed(old_size: int, new_size: int) -> tuple[int, int] | None:
    """The old tree's last complete subtree as ``(level, index)``; ``None`` when the sizes are
    equal. Raises ``MalformedProof`` when ``old_size`` is 0 and ``new_size`` is not: the RFC
    defines no proof from the empty tree."""
    if not 0 <= old_size <= new_size:
        raise MalformedProof(f"sizes {old_size} -> {new_size} do not grow", "size")
    if old_size == new_size:
        return None
    if old_size == 0:
        raise MalformedProof("no consistency proof exists from the empty tree", "size")
    level = (old_size & -old_size).bit_length() - 1
    return level, (old_size - 1) >> level


def _folder(node_at: NodeReader) -> RangeRoot:
    return lambda start, end: _fold(start, end, node_at)


def append_nodes(
    size: int, new_leaf_hashes: Iterable[bytes], node_at: NodeReader
) -> list[tuple[int, int, bytes]]:
    """Every ``(level, index, hash)`` that becomes complete when the leaves are appended to a tree
    of ``size`` leaves, the leaves themselves included, in the order they complete.

    ``node_at`` is asked only for left siblings that were complete before the append (at most one
    per level); siblings made by this call are carried along. Raises ``MalformedDocument`` for a
    leaf hash that is not 32 bytes, so a store never persists one.
    """
    if size < 0:
        raise MalformedProof(f"tree size {size} is negative", "size")
    made: list[tuple[int, int, bytes]] = []
    pending: dict[int, tuple[int, bytes]] = {}
    for index, node in enumerate(new_leaf_hashes, start=size):
        if len(node) != HASH_SIZE:
            raise MalformedDocument(f"leaf hash is {len(node)} bytes, not 32", f"leaf {index}")
        level = 0
        made.append((0, index, node))
        while index & 1:
            waiting = pending.pop(level, None)
            left = waiting[1] if waiting and waiting[0] == index - 1 else node_at(level, index - 1)
            node = node_hash(left, node)
            index >>= 1
            level += 1
            made.append((level, index, node))
        pending[level] = (index, node)
    return made


def _check_hashes(proof: Sequence[bytes], expected: int) -> None:
    if len(proof) != expected:
        raise MalformedProof(f"proof has {len(proof)} hashes, expected {expected}", "proof")
    for position, node in enumerate(proof):
        if len(node) != HASH_SIZE:
            raise MalformedProof(f"hash is {len(node)} bytes, not 32", f"proof[{position}]")


def _decompose(index: int, size: int) -> tuple[int, int]:
    """Split PATH(index, D[size]) into the hashes below the point where the paths to ``index`` and
    to the last leaf part (``inner``), and the left-hand hashes above it (``border``)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner, (index >> inner).bit_count()


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index`` in a tree of ``size``.

    RFC 9162 §2.1.3.2, with the proof length fixed up front (inner + border hashes) so a proof
    with a missing or extra hash is ``MalformedProof``, never a silent mismatch.
    """
    if not 0 <= index < size:
        raise MalformedProof(f"index {index} is outside a tree of size {size}", "index")
    if len(leaf_hash) != HASH_SIZE:
        raise MalformedProof(f"leaf hash is {len(leaf_hash)} bytes, not 32", "leaf_hash")
    inner, border = _decompose(index, size)
    _check_hashes(proof, inner + border)
    node = leaf_hash
    for height, sibling in enumerate(proof[:inner]):
        node = node_hash(sibling, node) if index >> height & 1 else node_hash(node, sibling)
    for sibling in proof[inner:]:
        node = node_hash(sibling, node)
    return node


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raises unless ``proof`` puts ``leaf_hash`` at ``index`` under ``root``."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if not hmac.compare_digest(computed, root):
        raise InvalidProof(f"proof leads to a different root for a tree of size {size}", "root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raises unless ``proof`` shows the tree ``new_root`` extends ``old_root``.

    Equal sizes need an empty proof and equal roots (for size 0, both must be the empty root).
    From size 0 to a larger size no proof exists, so that request is ``MalformedProof``. Roots are
    compared, not parsed: a root of the wrong length simply never matches a computed one.
    """
    if not 0 <= old_size <= new_size:
        raise MalformedProof(f"sizes {old_size} -> {new_size} do not grow", "size")
    if old_size == new_size:
        _check_hashes(proof, 0)
        expected = EMPTY_ROOT if old_size == 0 else old_root
        for name, root in (("old_root", old_root), ("new_root", new_root)):
            if not hmac.compare_digest(root, expected):
                raise InvalidProof(f"roots differ for the same tree size {old_size}", name)
        return
    if old_size == 0:
        raise MalformedProof("no consistency proof exists from the empty tree", "size")
    inner, border = _decompose(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1
    inner -= shift
    # The old tree's last complete subtree (2**shift leaves) is the seed: it is the old root itself
    # when the old tree is exactly that subtree, and the first proof hash otherwise.
    if old_size == 1 << shift:
        _check_hashes(proof, inner + border)
        seed, path = old_root, proof
    else:
        _check_hashes(proof, 1 + inner + border)
        seed, path = proof[0], proof[1:]
    mask = (old_size - 1) >> shift
    old_node = new_node = seed
    for height, sibling in enumerate(path[:inner]):
        if mask >> height & 1:
            old_node = node_hash(sibling, old_node)
            new_node = node_hash(sibling, new_node)
        else:
            new_node = node_hash(new_node, sibling)
    for sibling in path[inner:]:
        old_node = node_hash(sibling, old_node)
        new_node = node_hash(sibling, new_node)
    if not hmac.compare_digest(old_node, old_root):
        raise InvalidProof(f"proof does not lead to the root of size {old_size}", "old_root")
    if not hmac.compare_digest(new_node, new_root):
        raise InvalidProof(f"proof does not lead to the root of size {new_size}", "new_root")


class MemoryTree:
    """An append-only tree held in memory, one list of complete node hashes per level.

    ``node_at`` is a ``NodeReader`` for any tree size up to ``size``, since a smaller tree's
    complete nodes are the same. Its own proofs skip that reader's checks (the proof functions
    only ask for nodes complete in the requested size, which is checked once) and keep the last
    few thousand folded roots, right edges and whole trees alike, so a proof costs a few
    microseconds: the registry serves proofs from one of these, and tests and benchmarks build
    trees with it. Whole-tree roots are worth keeping because consistency proofs are asked from
    the sizes of published checkpoints, the only sizes anyone holds a signed root for.
    """

    _BATCH = 4096
    _FOLDED_ROOTS = 8192

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        levels = self._levels
        self._range_root: RangeRoot = lru_cache(maxsize=self._FOLDED_ROOTS)(
            lambda start, end: _fold_levels(levels, start, end)
        )
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def node_at(self, level: int, index: int) -> bytes:
        if level < 0 or index < 0 or level >= len(self._levels):
            raise LookupError(f"no complete node ({level}, {index})")
        nodes = self._levels[level]
        if index >= len(nodes):
            raise LookupError(f"no complete node ({level}, {index})")
        return nodes[index]

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; returns its index."""
        self.extend((leaf_hash,))
        return self.size - 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in batches, so a million leaves never build one huge node list."""
        source = iter(leaf_hashes)
        while batch := list(islice(source, self._BATCH)):
            for level, _, node in append_nodes(self.size, batch, self.node_at):
                if level == len(self._levels):
                    self._levels.append([])
                self._levels[level].append(node)

    def root(self, size: int | None = None) -> bytes:
        """The root of this tree, or of its first ``size`` leaves."""
        size = self._size(size)
        return self._range_root(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """``inclusion_proof`` in this tree, or in its first ``size`` leaves."""
        size = self._size(size)
        _check_index(index, size)
        return self._path(index, 0, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """``consistency_proof`` from ``old_size`` to this tree or its first ``new_size``."""
        new_size = self._size(new_size)
        seed = _consistency_seed(old_size, new_size)
        if seed is None:
            return []
        level, index = seed
        proof = self._path(index, level, new_size)
        if index:
            proof.insert(0, self._levels[level][index])
        return proof

    def _path(self, index: int, level: int, size: int) -> list[bytes]:
        """``_path`` indexing the level lists directly: the same nodes in the same order (a
        test holds the two equal), without a reader call per node, since a proof served from
        memory is little more than those calls."""
        levels = self._levels
        inner = (index ^ ((size - 1) >> level)).bit_length()
        proof = [levels[level + step][(index >> step) ^ 1] for step in range(inner - 1)]
        if inner:
            top = level + inner - 1
            sibling = (index >> (inner - 1)) ^ 1
            if (sibling + 1) << top <= size:
                proof.append(levels[top][sibling])
            else:
                proof.append(self._range_root(sibling << top, size))
        index >>= inner
        level += inner
        while index:
            if index & 1:
                proof.append(levels[level][index ^ 1])
            index >>= 1
            level += 1
        return proof

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if size < 0:
            raise MalformedProof(f"tree size {size} is negative", "size")
        if size > self.size:
            raise MalformedProof(f"tree size {size} is beyond {self.size} leaves", "size")
        return size
