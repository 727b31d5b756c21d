"""The sequencer: turns what the registry records into hash-chained log entries, appends them in
batches, signs a checkpoint for every batch, and answers proofs.

An entry (DESIGN §3) is the RFC 8785 form of ``{"v": 1, "kind", "prev", "ts", "body"}``: ``prev``
is the hex leaf hash of the entry before (64 zeros for entry 0), so the entries form a chain as
well as a Merkle tree, and ``ts`` is the sequencer's clock in milliseconds, never going back.
``append`` returns a receipt only after the batch and the checkpoint covering it are durable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import LogStateError
from registry.resident import DEFAULT_MAX_LEAVES, ResidentTree
from registry.store import Batch, CredentialRow, Head, LogStore, StoredCheckpoint
from schemas.canonical import canonical_json
from schemas.governance import CHANGE_KINDS
from schemas.log_entry import ENTRY_VERSION
from schemas.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    NodeReader,
    RangeRoot,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    range_nodes,
    subtree_root,
)
from schemas.note import Checkpoint, VerifierKey, format_checkpoint, format_vkey, sign_note

__all__ = [
    "ConsistencyProof",
    "Draft",
    "InclusionProof",
    "Receipt",
    "TransparencyLog",
    "now_ms",
]

MAX_BATCH = 2_000
"""Entries per transaction: large enough to amortise the commit and checkpoint signature, small
enough that a waiting writer is not held long."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_SAFE_INTEGER = 2**53
_UNKNOWN = bytes(HASH_SIZE)
"""What a proof's first, recording run is given for every node: the nodes it asks for depend
only on sizes and indexes, never on the hashes."""


def _entry_start(kind_json: bytes, body: Mapping[str, Any]) -> bytes:
    """The entry's bytes up to ``prev``'s value.

    RFC 8785 §3.2.3 orders members by key (``body``, ``kind``, ``prev``, ``ts``, ``v``) and
    serialises a member's value the same wherever it sits, so the body and kind, which do not
    depend on the head, are serialised before the write lock is taken. The result equals
    ``schemas.log_entry.encode_entry`` byte for byte (tests/registry/test_store.py)."""
    return b'{"body":%s,"kind":%s,"prev":"' % (canonical_json(body), kind_json)


def _entry_from_parts(start: bytes, prev: bytes, ts: int) -> bytes:
    if not -_SAFE_INTEGER <= ts <= _SAFE_INTEGER:
        raise LogStateError(f"timestamp {ts} is beyond the integers JSON carries exactly")
    return b'%s%s","ts":%d,"v":%d}' % (start, prev.hex().encode(), ts, ENTRY_VERSION)


@dataclass(frozen=True, slots=True)
class Draft:
    """One thing to record. ``credential`` (id, issuer id, JWS, certificate number) is stored
    beside the log in the same transaction; the body must not hold personal data."""

    kind: str
    body: Mapping[str, Any]
    credential: tuple[str, str, str, str] | None = None
    status_claims: tuple[tuple[int, int], ...] = ()
    """``(list number, index)`` status list slots the credential names, taken in the same
    transaction as its entry: a slot already taken fails the whole batch."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """An acknowledged entry: where it is, and its inclusion proof in the tree of
    ``checkpoint``."""

    index: int
    leaf_hash: bytes
    entry: bytes
    checkpoint: StoredCheckpoint
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    proof: tuple[bytes, ...]
    root: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "proof": [node.hex() for node in self.proof],
            "root": self.root.hex(),
        }


class ConsistencyProof(NamedTuple):
    """A named tuple, not a frozen dataclass: a proof from a checkpoint size is served from
    memory in about ten microseconds, and a frozen dataclass costs one of them to build."""

    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "proof": [node.hex() for node in self.proof],
        }


class TransparencyLog:
    """The log named ``origin``, signed with ``key``, kept in ``store``."""

    def __init__(
        self,
        store: LogStore,
        *,
        origin: str,
        key: Ed25519PrivateKey,
        clock: Callable[[], int] = now_ms,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.store = store
        self.origin = origin
        self._key = key
        self._clock = clock
        self._max_batch = max_batch
        self.verifier_key = VerifierKey.from_public_key(origin, key.public_key())
        self._seen: StoredCheckpoint | None = None
        """The largest checkpoint this object has read or written. Checkpoints never change and
        the log only grows, so any size up to it is known to be in the log without a query."""
        self._resident: ResidentTree | None = None

    def keep_in_memory(self, max_leaves: int = DEFAULT_MAX_LEAVES) -> int:
        """Answer proofs from a copy of the tree in memory while the log has at most
        ``max_leaves`` entries, for a process that serves many proofs. Loads the tree now (about
        two seconds per million entries) and returns its size; entries appended later, by this
        process or another, are read in when a proof first asks for a tree that holds them."""
        self._resident = ResidentTree(self.store, max_leaves=max_leaves)
        tree = self._resident.covering(self.checkpoint())
        return tree.size if tree is not None else 0

    @property
    def vkey(self) -> str:
        """The checkpoint verifier key in signed-note ``vkey`` text form."""
        return format_vkey(self.verifier_key)

    def sign_checkpoint(self, size: int, root: bytes) -> str:
        return sign_note(
            format_checkpoint(Checkpoint(self.origin, size, root)), self.origin, self._key
        )

    def append(
        self, drafts: Sequence[Draft], *, check: Callable[[Head], None] | None = None
    ) -> list[Receipt]:
        """Record ``drafts`` in order, ``max_batch`` per transaction; each receipt is returned
        once its batch and a checkpoint covering it are committed.

        ``check`` runs inside each batch's transaction with the write lock held, before
        anything is written; whatever it raises rolls the batch back. Nothing can be appended
        between it and the write, so a check against the log's state cannot be raced."""
        receipts: list[Receipt] = []
        for start in range(0, len(drafts), self._max_batch):
            batch = drafts[start : start + self._max_batch]
            receipts.extend(self._append_batch(batch, check))
        return receipts

    def _append_batch(
        self, drafts: Sequence[Draft], check: Callable[[Head], None] | None
    ) -> list[Receipt]:
        kinds = {kind: canonical_json(kind) for kind in {draft.kind for draft in drafts}}
        starts = [_entry_start(kinds[draft.kind], draft.body) for draft in drafts]
        encoded: list[bytes] = []

        def build(head: Head) -> Batch:
            if check is not None:
                check(head)
            ts = max(self._clock(), head.last_ts)
            prev = head.last_leaf_hash
            encoded.clear()
            credentials = []
            governance = []
            claims = [claim for draft in drafts for claim in draft.status_claims]
            for offset, (draft, start) in enumerate(zip(drafts, starts, strict=True)):
                entry = _entry_from_parts(start, prev, ts)
                encoded.append(entry)
                prev = leaf_hash(entry)
                if draft.credential is not None:
                    credential_id, issuer_id, jws, number = draft.credential
                    credentials.append(
                        CredentialRow(credential_id, head.size + offset, issuer_id, jws, number)
                    )
                elif draft.kind in CHANGE_KINDS:
                    governance.append((head.size + offset, draft.kind))
            return Batch(encoded, ts, credentials, governance, claims)

        appended = self.store.append(build, self.sign_checkpoint)
        self._saw(appended.checkpoint)
        size = appended.checkpoint.size

        def node_at(level: int, index: int) -> bytes:
            return appended.nodes[(level, index)]

        return [
            Receipt(
                index,
                leaf,
                entry,
                appended.checkpoint,
                tuple(inclusion_proof(index, size, node_at)),
            )
            for index, leaf, entry in zip(
                range(appended.first_index, size), appended.leaf_hashes, encoded, strict=True
            )
        ]

    def checkpoint(self) -> StoredCheckpoint:
        """The latest checkpoint. An empty log's is signed on demand: Ed25519 is deterministic,
        so it is the same note every time."""
        latest = self.store.checkpoint()
        if latest is None:
            return StoredCheckpoint(0, EMPTY_ROOT, self.sign_checkpoint(0, EMPTY_ROOT), 0)
        self._saw(latest)
        return latest

    def _saw(self, checkpoint: StoredCheckpoint) -> None:
        """Remember the largest checkpoint seen. Called from several threads without a lock: a
        race can leave a smaller one remembered, which is still a stored checkpoint of this
        log, so proofs stay right and only the next one may read the latest again."""
        seen = self._seen
        if seen is None or checkpoint.size > seen.size:
            self._seen = checkpoint

    def _seen_covering(self, size: int) -> StoredCheckpoint | None:
        seen = self._seen
        return seen if seen is not None and size <= seen.size else None

    def _covering(self, size: int) -> StoredCheckpoint:
        """A checkpoint of at least ``size``, queried only when none seen so far covers it;
        raises if the log is smaller than ``size``."""
        return _covering_or_raise(self._seen_covering(size) or self.checkpoint(), size)

    def _proof(
        self,
        sizes: Sequence[int],
        make: Callable[[NodeReader, RangeRoot], list[bytes]],
    ) -> tuple[list[bytes], list[bytes]]:
        """The roots of the trees of ``sizes`` and what ``make`` returns, from one round trip.

        ``make`` runs twice: once to learn which nodes it needs (they depend only on sizes and
        indexes), then with them fetched. A root is the covering checkpoint's when the size is
        its size, else it is folded from the same stored nodes (any size up to the checkpoint's
        has its complete nodes stored). When no checkpoint seen so far covers the largest size,
        the latest is read in the same statement as the nodes, and every root is folded."""
        known = self._seen_covering(max(sizes))
        other = sorted({size for size in sizes if known is None or size != known.size})

        def run(node_at: NodeReader, range_root: RangeRoot) -> list[bytes]:
            return [*(range_root(0, size) for size in other), *make(node_at, range_root)]

        wanted: list[tuple[int, int]] = []

        def record(level: int, index: int) -> bytes:
            wanted.append((level, index))
            return _UNKNOWN

        def record_range(start: int, end: int) -> bytes:
            wanted.extend(range_nodes(start, end))
            return _UNKNOWN

        run(record, record_range)
        if known is None:
            found, latest = self.store.nodes_and_latest(wanted)
            self._saw(_covering_or_raise(latest, max(sizes)))
        else:
            found = self.store.nodes(wanted)

        def read(level: int, index: int) -> bytes:
            try:
                return found[(level, index)]
            except KeyError:
                raise LogStateError(
                    f"node ({level}, {index}) is missing from the store: run `skillcert log audit`"
                ) from None

        results = run(read, lambda start, end: subtree_root(start, end, read))
        roots = dict(zip(other, results, strict=False))
        if known is not None:
            roots[known.size] = known.root_hash
        return [roots[size] for size in sizes], results[len(other) :]

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        """Proof that entry ``index`` is in the tree of ``size`` (default: latest checkpoint)."""
        size = self.checkpoint().size if size is None else size
        if not 0 <= index < size:
            raise LogStateError(f"index {index} is outside the tree of size {size}")
        if self._resident is not None:
            covering = self._covering(size)
            tree = self._resident.covering(covering)
            if tree is not None:
                return InclusionProof(
                    index,
                    size,
                    tree.node_at(0, index),
                    tuple(tree.inclusion_proof(index, size)),
                    covering.root_hash if size == covering.size else tree.root(size),
                )
        [root], [leaf, *proof] = self._proof(
            [size],
            lambda node_at, range_root: [
                node_at(0, index),
                *inclusion_proof(index, size, node_at, range_root),
            ],
        )
        return InclusionProof(index, size, leaf, tuple(proof), root)

    def consistency_proof(self, old: int, new: int) -> ConsistencyProof:
        """Proof that the tree of size ``old`` is a prefix of the tree of size ``new``."""
        if not 0 < old <= new:
            raise LogStateError(f"a consistency proof needs 0 < old <= new, not {old}, {new}")
        if self._resident is not None:
            covering = self._covering(new)
            tree = self._resident.covering(covering)
            if tree is not None:
                return ConsistencyProof(
                    old,
                    new,
                    tree.root(old),
                    covering.root_hash if new == covering.size else tree.root(new),
                    tuple(tree.consistency_proof(old, new)),
                )
        [old_root, new_root], proof = self._proof(
            [old, new],
            lambda node_at, range_root: consistency_proof(old, new, node_at, range_root),
        )
        return ConsistencyProof(old, new, old_root, new_root, tuple(proof))


def _covering_or_raise(checkpoint: StoredCheckpoint | None, size: int) -> StoredCheckpoint:
    if checkpoint is None or not 0 < size <= checkpoint.size:
        have = checkpoint.size if checkpoint is not None else 0
        raise LogStateError(f"tree size {size} is outside the log's 1..{have}")
    return checkpoint
