"""``skillcert log audit``: re-derive everything the store holds and name the first damage.

Nothing stored is trusted. Every entry's leaf hash is recomputed from its bytes, every entry's
``prev`` is checked against the entry before it, every interior node is recomputed from its two
children, every checkpoint's signature is verified and its root recomputed from the leaves, and
the head must describe exactly the entries stored. The store is read in index order, a chunk at
a time, with a constant amount held in memory, so a log of any size can be audited.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.store import LogStore, StoredCheckpoint, frontier_root
from schemas.canonical import canonical_json
from schemas.errors import SchemaError
from schemas.log_entry import ENTRY_VERSION
from schemas.merkle import leaf_hash, node_hash
from schemas.note import VerifierKey, verify_checkpoint

__all__ = ["AuditReport", "Damage", "audit_log"]

AuditProgress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Damage:
    """The first thing found wrong. ``kind`` is a stable code (docs/errors.md, ``audit.*``)."""

    kind: str
    index: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "index": self.index, "message": self.message}


@dataclass(frozen=True, slots=True)
class AuditReport:
    entries: int
    nodes: int
    checkpoints: int
    damage: Damage | None

    @property
    def ok(self) -> bool:
        return self.damage is None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "nodes": self.nodes,
            "checkpoints": self.checkpoints,
            "damage": None if self.damage is None else self.damage.to_json(),
        }


class _Found(Exception):
    def __init__(self, kind: str, index: int, message: str) -> None:
        super().__init__(message)
        self.damage = Damage(kind, index, message)


class _Frontier:
    """The right edge of a tree being rebuilt leaf by leaf: its root at any size, O(log n)."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        level, node = 0, leaf
        while self.nodes and self.nodes[-1][0] == level:
            node = node_hash(self.nodes.pop()[1], node)
            level += 1
        self.nodes.append((level, node))
        self.size += 1

    def root(self) -> bytes:
        return frontier_root([node for _, node in self.nodes])


def _check_entry(index: int, data: bytes, prev: bytes, last_ts: int) -> int:
    try:
        document = json.loads(data)
        canonical = canonical_json(document)
    except (ValueError, SchemaError) as exc:
        raise _Found("audit.entry_malformed", index, f"entry is not JSON: {exc}") from None
    if canonical != data:
        raise _Found("audit.entry_malformed", index, "entry is not in RFC 8785 canonical form")
    if not isinstance(document, dict) or document.get("v") != ENTRY_VERSION:
        raise _Found(
            "audit.entry_malformed", index, f"entry is not a version {ENTRY_VERSION} entry"
        )
    if document.get("prev") != prev.hex():
        raise _Found(
            "audit.chain_broken", index, "prev is not the leaf hash of the entry before it"
        )
    ts = document.get("ts")
    if not isinstance(ts, int) or ts < last_ts:
        raise _Found("audit.time_reversed", index, f"ts {ts!r} is before the entry before it")
    return ts


class _Auditor:
    def __init__(self, store: LogStore, log_key: VerifierKey, origin: str) -> None:
        self.store = store
        self.log_key = log_key
        self.origin = origin
        self.entries = self.nodes = self.checkpoints = 0

    def run(self, progress: AuditProgress) -> None:
        head = self.store.head()
        checkpoints = self.store.checkpoints()
        pending = next(checkpoints, None)
        frontier = _Frontier()
        prev, last_ts = bytes(32), 0
        for index, stored_leaf, data in self.store.scan_entries():
            if index != frontier.size:
                raise _Found("audit.entry_missing", frontier.size, "entry is missing")
            leaf = leaf_hash(data)
            if leaf != stored_leaf:
                raise _Found("audit.entry_altered", index, "entry bytes do not match its leaf hash")
            last_ts = _check_entry(index, data, prev, last_ts)
            prev = leaf
            frontier.add(leaf)
            self.entries += 1
            while pending is not None and pending.size == frontier.size:
                self._check_checkpoint(pending, frontier.root())
                pending = next(checkpoints, None)
            if self.entries % 10_000 == 0:
                progress(self.entries)
        if pending is not None:
            raise _Found(
                "audit.truncated",
                frontier.size,
                f"a checkpoint of size {pending.size} exists but entries end at {frontier.size}",
            )
        if head.size != frontier.size:
            raise _Found(
                "audit.truncated" if head.size > frontier.size else "audit.head_mismatch",
                min(head.size, frontier.size),
                f"the head says {head.size} entries, {frontier.size} are stored",
            )
        if (head.root_hash, head.last_leaf_hash) != (frontier.root(), prev):
            raise _Found("audit.head_mismatch", head.size, "the head does not match the entries")
        self._check_nodes(head.size)
        progress(self.entries)

    def _check_checkpoint(self, stored: StoredCheckpoint, root: bytes) -> None:
        where = stored.size - 1
        try:
            verified = verify_checkpoint(stored.note, [self.log_key], origin=self.origin)
        except SchemaError as exc:
            raise _Found(
                "audit.checkpoint_invalid", where, f"checkpoint {stored.size}: {exc}"
            ) from None
        signed = verified.checkpoint
        if (signed.size, signed.root_hash) != (stored.size, stored.root_hash):
            raise _Found(
                "audit.checkpoint_invalid",
                where,
                f"checkpoint {stored.size}: signed note does not match its row",
            )
        if root != stored.root_hash:
            raise _Found(
                "audit.checkpoint_mismatch",
                where,
                f"checkpoint {stored.size}: the entries lead to another root",
            )
        self.checkpoints += 1

    def _children(self) -> Iterator[tuple[int, int, bytes]]:
        leaves = ((0, index, leaf_hash(data)) for index, _, data in self.store.scan_entries())
        return itertools.chain(leaves, self.store.scan_nodes())

    def _check_nodes(self, size: int) -> None:
        """Each stored node must be the hash of its two children (leaves recomputed from the
        entries, interior nodes as stored, themselves checked a level down), and every complete
        node of the tree must be stored, no more."""
        children = self._children()
        expected = ((lv, ix) for lv in range(1, size.bit_length()) for ix in range(size >> lv))
        for level, index, stored in self.store.scan_nodes():
            want = next(expected, None)
            if want != (level, index):
                if want is None or want > (level, index):
                    raise _Found(
                        "audit.node_unexpected",
                        index << level,
                        f"node ({level}, {index}) is not part of the tree",
                    )
                raise _Found("audit.node_missing", want[1] << want[0], f"node {want} is missing")
            left = next(c for c in children if c[:2] == (level - 1, 2 * index))
            right = next(children)
            if right[:2] != (level - 1, 2 * index + 1) or node_hash(left[2], right[2]) != stored:
                raise _Found(
                    "audit.node_altered",
                    index << level,
                    f"node ({level}, {index}) is not the hash of its children",
                )
            self.nodes += 1
        missing = next(expected, None)
        if missing is not None:
            raise _Found(
                "audit.node_missing", missing[1] << missing[0], f"node {missing} is missing"
            )


def audit_log(
    store: LogStore,
    log_key: VerifierKey,
    origin: str,
    progress: AuditProgress = lambda entries: None,
) -> AuditReport:
    """Audit the whole log; the report names the first damage found, if any."""
    auditor = _Auditor(store, log_key, origin)
    damage = None
    try:
        auditor.run(progress)
    except _Found as found:
        damage = found.damage
    return AuditReport(auditor.entries, auditor.nodes, auditor.checkpoints, damage)
