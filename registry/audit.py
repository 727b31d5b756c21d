"""``skillcert log audit``: re-derive everything the store holds and name the first damage.

Nothing stored is trusted. Every entry's leaf hash is recomputed from its bytes, every entry's
``prev`` is checked against the entry before it, every interior node is recomputed from its two
children, every checkpoint's signature is verified and its root recomputed from the leaves, the
latest checkpoint must be of the head's size, and the head (size, root, right edge, last leaf,
last time) must describe exactly the entries stored. The indexes the registry reads instead of
the log must say what the entries say: the governance index lists exactly the governance
entries (the directory, and so every revocation, is folded from it), each stored credential
is at its own issuance entry, with the JWS that entry hashes, and every status list slot an
issuance names is marked taken (else it could be handed to a second credential). The store is
read in index order, a chunk at a time, with a bounded amount held in memory, so a log of any
size can be audited.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.status import parse_list_name
from registry.store import LogStore, StoredCheckpoint, frontier_root
from schemas.canonical import canonical_json
from schemas.errors import SchemaError
from schemas.governance import CHANGE_KINDS
from schemas.log_entry import ENTRY_VERSION, ISSUANCE, jws_digest
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


def _check_entry(index: int, data: bytes, prev: bytes, last_ts: int) -> dict[str, Any]:
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
    return document


class _IndexCheck:
    """One index table read beside the entries, both in index order (a merge, so nothing is
    held but the next row): ``see`` is called with every entry and returns the index's row for
    it, if any, after refusing any row that points before it (at no entry)."""

    def __init__(self, rows: Iterator[Any], name: str) -> None:
        self._rows = rows
        self._name = name
        self._next = next(rows, None)

    def see(self, index: int) -> Any:
        row = self._next
        if row is not None and row[0] < index:
            raise _Found("audit.index_mismatch", row[0], f"{self._name} names no stored entry")
        if row is None or row[0] != index:
            return None
        self._next = next(self._rows, None)
        return row

    def finish(self) -> None:
        if self._next is not None:
            raise _Found(
                "audit.index_mismatch", self._next[0], f"{self._name} names no stored entry"
            )


_SLOT_CHUNK = 10_000
_BEFORE_EVERY_ENTRY = -(2**62)
"""Where the scan of entries starts: a row stored at a negative index is damage too."""


class _SlotCheck:
    """The status list slots issuance entries name, looked up among the taken ones a chunk at a
    time: they come in log order, not slot order, so they cannot be merged with the table."""

    def __init__(self, store: LogStore) -> None:
        self._store = store
        self._pending: dict[tuple[int, int], int] = {}

    def see(self, index: int, body: Any) -> None:
        pointers = body.get("status") if isinstance(body, dict) else None
        for pointer in pointers if isinstance(pointers, list) else ():
            located = _slot(pointer)
            if located is not None:
                self._pending.setdefault(located, index)
        if len(self._pending) >= _SLOT_CHUNK:
            self.finish()

    def finish(self) -> None:
        pending, self._pending = self._pending, {}
        taken = self._store.taken_slots(pending)
        lost = [index for slot, index in pending.items() if slot not in taken]
        if lost:
            raise _Found(
                "audit.status_slot_missing",
                min(lost),
                "the issuance's status list slot is not marked taken, so it could be handed to "
                "another credential",
            )


def _slot(pointer: Any) -> tuple[int, int] | None:
    """``(list number, index)`` of a status pointer (``{"list": <URL>, "index": i}``)."""
    if not isinstance(pointer, dict) or not isinstance(pointer.get("index"), int):
        return None
    located = parse_list_name(str(pointer.get("list", "")).rsplit("/", 1)[-1])
    return (located[0], pointer["index"]) if located else None


def _check_indexes(
    index: int,
    document: dict[str, Any],
    governance: _IndexCheck,
    credentials: _IndexCheck,
    slots: _SlotCheck,
) -> None:
    kind = document.get("kind")
    listed = governance.see(index)
    if (kind in CHANGE_KINDS) != (listed is not None) or (listed and listed[1] != kind):
        raise _Found(
            "audit.index_mismatch",
            index,
            f"the governance index {'lists' if listed else 'omits'} a {kind!r} entry"
            + (f" as {listed[1]!r}" if listed else ""),
        )
    if kind == ISSUANCE:
        slots.see(index, document.get("body"))
    stored = credentials.see(index)
    if stored is None:
        return
    _, credential_id, jws = stored
    body = document.get("body")
    if kind != ISSUANCE or not isinstance(body, dict) or body.get("credential_id") != credential_id:
        raise _Found(
            "audit.credential_mismatch",
            index,
            f"the credential store places {credential_id} at an entry that is not its issuance",
        )
    if jws is not None and jws_digest(jws.encode("ascii", "replace")) != body.get("jws_sha256"):
        raise _Found(
            "audit.credential_mismatch",
            index,
            f"the stored JWS of {credential_id} is not the one its issuance entry hashes",
        )


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
        governance = _IndexCheck(self.store.scan_governance_index(), "the governance index")
        credentials = _IndexCheck(self.store.scan_credentials(), "the credential store")
        slots = _SlotCheck(self.store)
        frontier = _Frontier()
        prev, last_ts, checked = bytes(32), 0, 0
        for index, stored_leaf, data in self.store.scan_entries(_BEFORE_EVERY_ENTRY):
            if index < 0:
                raise _Found(
                    "audit.entry_unexpected", index, "an entry is stored at a negative index"
                )
            if index != frontier.size:
                raise _Found("audit.entry_missing", frontier.size, "entry is missing")
            leaf = leaf_hash(data)
            if leaf != stored_leaf:
                raise _Found("audit.entry_altered", index, "entry bytes do not match its leaf hash")
            document = _check_entry(index, data, prev, last_ts)
            last_ts = document["ts"]
            _check_indexes(index, document, governance, credentials, slots)
            prev = leaf
            frontier.add(leaf)
            self.entries += 1
            while pending is not None and pending.size == frontier.size:
                self._check_checkpoint(pending, frontier.root())
                checked = pending.size
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
        governance.finish()
        credentials.finish()
        slots.finish()
        edge = tuple(node for _, node in frontier.nodes)
        if (head.root_hash, head.frontier, head.last_leaf_hash, head.last_ts) != (
            frontier.root(),
            edge,
            prev,
            last_ts,
        ):
            raise _Found(
                "audit.head_mismatch",
                head.size,
                "the head (its root, right edge, last leaf or last time) does not match the "
                "entries",
            )
        if head.size and checked != head.size:
            raise _Found(
                "audit.checkpoint_missing",
                head.size - 1,
                f"no checkpoint of the head's size {head.size} (the latest is of {checked})",
            )
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
