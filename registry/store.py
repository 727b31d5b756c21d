"""Where the log lives: one small ``LogStore`` contract, kept by ``SqlLogStore`` on SQLite and
PostgreSQL alike.

The contract (every implementation must keep it; tests/registry/test_store.py holds both
backends to it):

1. **One history.** ``append`` runs in one transaction that first takes the write lock on the
   head row, so appends are totally ordered and no two ever build on the same head. A second
   writer waits for the lock, then builds on the first writer's result.
2. **All or nothing.** The entries, their leaf hashes, every interior node they complete, the
   credentials stored with them, the signed checkpoint of the new tree and the new head are
   committed together or not at all. ``append`` returns only after that commit is durable.
3. **Nothing changes once written.** Entries, nodes and checkpoints are only ever inserted;
   erasing a credential clears its JWS in the credential store and touches no log row.
   A credential row is unique by id, by log index and by issuer and certificate number; a
   batch holding one that is not fails as a whole.
4. **Proofs read O(log n).** Every complete node is stored, so ``nodes`` answers any proof with
   one query per level group, never a scan of the leaves.

An append writes its rows (entries, nodes, credentials) through the driver's own cursor inside
the append's transaction, since SQLAlchemy's per-row parameter processing cost more than the
database's own work: SQLite takes them with ``executemany``, PostgreSQL with binary ``COPY``.
The reads behind proofs (nodes, checkpoints) are single statements on a driver cursor too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, and_, insert, select, tuple_, update
from sqlalchemy.engine import Connection

from registry.database import WRITE_LOCK, driver_cursor, is_sqlite, placeholder
from registry.errors import LogStateError
from registry.models import (
    HEAD_ROW,
    GovernanceEntry,
    LogCheckpoint,
    LogCosignature,
    LogEntry,
    LogHead,
    LogNode,
    StatusAllocation,
    StoredCredential,
)
from schemas.merkle import EMPTY_ROOT, HASH_SIZE, append_nodes, leaf_hash, node_hash

__all__ = [
    "Appended",
    "Batch",
    "CredentialRow",
    "Head",
    "LogStore",
    "SqlLogStore",
    "StoredCheckpoint",
    "StoredCredentialView",
    "frontier_root",
    "taken_slots",
]

Coordinate = tuple[int, int]
_ENTRIES = LogEntry.__table__  # type: ignore[attr-defined]
_NODES = LogNode.__table__  # type: ignore[attr-defined]
_HEAD = LogHead.__table__  # type: ignore[attr-defined]
_CHECKPOINTS = LogCheckpoint.__table__  # type: ignore[attr-defined]
_COSIGNATURES = LogCosignature.__table__  # type: ignore[attr-defined]
_CREDENTIALS = StoredCredential.__table__  # type: ignore[attr-defined]
_GOVERNANCE = GovernanceEntry.__table__  # type: ignore[attr-defined]
_ALLOCATIONS = StatusAllocation.__table__  # type: ignore[attr-defined]
_SELECT_LATEST_CHECKPOINT = (
    "SELECT size, root_hash, note, signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1"
)
_SELECT_CHECKPOINT = "SELECT size, root_hash, note, signed_at FROM log_checkpoints WHERE size = {}"
# Nodes by coordinates in one fixed statement per backend (prepared once, then reused): the
# coordinates arrive as arrays joined to the primary keys; leaf hashes (level 0) are in
# log_entries. SQLite reads the arrays from JSON, each interior coordinate packed in one integer
# (level * 2**56 + index: unpacking it is cheaper than reading a JSON pair), and is made to loop
# over them (CROSS JOIN); PostgreSQL takes typed arrays.
_SELECT_LEAF_HASHES = (
    "SELECT leaf_hash FROM log_entries WHERE idx >= {mark} AND idx < {mark} ORDER BY idx"
)
_INDEX_BITS = 56
_MAX_LEVEL = 64
_SQLITE_NODES = (
    "SELECT 0, e.idx, e.leaf_hash, NULL, NULL FROM json_each(?) AS w "
    "CROSS JOIN log_entries AS e ON e.idx = w.value "
    "UNION ALL SELECT n.level, n.idx, n.hash, NULL, NULL FROM json_each(?) AS w "
    "CROSS JOIN log_nodes AS n "
    "ON n.level = w.value >> 56 AND n.idx = w.value & 72057594037927935"  # 2**56 - 1
)
_POSTGRES_NODES = (
    "SELECT 0::int2, e.idx, e.leaf_hash, NULL::text, NULL::int8 "
    "FROM unnest(%s::int8[]) AS w(idx) JOIN log_entries AS e ON e.idx = w.idx "
    "UNION ALL SELECT n.level, n.idx, n.hash, NULL::text, NULL::int8 "
    "FROM unnest(%s::int2[], %s::int8[]) AS w(level, idx) "
    "JOIN log_nodes AS n ON n.level = w.level AND n.idx = w.idx"
)
# The same, and the latest checkpoint as a row of level -1, so a proof needs one round trip.
_WITH_LATEST_CHECKPOINT = (
    " UNION ALL SELECT * FROM (SELECT -1{cast}, size, root_hash, note, signed_at "
    "FROM log_checkpoints ORDER BY size DESC LIMIT 1) AS latest"
)
_SQLITE_NODES_AND_LATEST = _SQLITE_NODES + _WITH_LATEST_CHECKPOINT.format(cast="")
_POSTGRES_NODES_AND_LATEST = _POSTGRES_NODES + _WITH_LATEST_CHECKPOINT.format(cast="::int2")
_NODE_CACHE = 1 << 16
_BEFORE_EVERY_INDEX = -(2**63)
"""Where an auditor's scan of an index starts: before any row, a damaged negative one too."""


@dataclass(frozen=True, slots=True)
class _BulkTable:
    """A table written in bulk, and the statements that write it. Names are this module's
    constants, never input."""

    name: str
    columns: tuple[str, ...]
    postgres_types: tuple[str, ...]
    """Binary ``COPY`` sends each value as its column's exact type."""

    @property
    def sqlite_insert(self) -> str:
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})"  # noqa: S608

    @property
    def postgres_copy(self) -> str:
        return f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN (FORMAT BINARY)"


_ENTRY_ROWS = _BulkTable(_ENTRIES.name, ("idx", "leaf_hash", "data"), ("int8", "bytea", "bytea"))
_NODE_ROWS = _BulkTable(_NODES.name, ("level", "idx", "hash"), ("int2", "int8", "bytea"))
_CREDENTIAL_ROWS = _BulkTable(
    _CREDENTIALS.name,
    ("id", "log_index", "issuer_id", "jws", "certificate_number"),
    ("varchar", "int8", "varchar", "text", "text"),
)


@dataclass(frozen=True, slots=True)
class Head:
    """The tree as the last committed append left it."""

    size: int
    root_hash: bytes
    frontier: tuple[bytes, ...]
    """Roots of the complete subtrees on the right edge, one per set bit of ``size``, largest
    first: all an append needs to know of the tree."""
    last_leaf_hash: bytes
    last_ts: int


@dataclass(frozen=True, slots=True)
class CredentialRow:
    id: str
    log_index: int
    issuer_id: str
    jws: str
    certificate_number: str


@dataclass(frozen=True, slots=True)
class StoredCredentialView:
    """A credential as the store holds it; ``jws`` is ``None`` once erased."""

    id: str
    log_index: int
    issuer_id: str
    jws: str | None
    erased_at: int | None
    certificate_number: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """What one append writes, built from the head it extends."""

    entries: Sequence[bytes]
    last_ts: int
    credentials: Sequence[CredentialRow] = field(default_factory=tuple)
    governance: Sequence[tuple[int, str]] = field(default_factory=tuple)
    """``(index, kind)`` of the batch's governance entries."""
    status_claims: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """``(list number, index)`` status list slots to take; one already taken fails the
    append (the table's primary key refuses it) and nothing of the batch is written."""


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str
    signed_at: int


@dataclass(frozen=True, slots=True)
class Appended:
    first_index: int
    leaf_hashes: tuple[bytes, ...]
    checkpoint: StoredCheckpoint
    nodes: Mapping[Coordinate, bytes]
    """The old right edge and every node the append completed: all an inclusion proof of an
    appended entry in the new tree needs, so receipts carry proofs without another read."""


BuildBatch = Callable[[Head], Batch]
SignCheckpoint = Callable[[int, bytes], str]


class LogStore(Protocol):
    def head(self) -> Head: ...

    def size(self) -> int:
        """The head's size alone: what a reader polls to learn whether anything was appended."""
        ...

    def append(self, build: BuildBatch, sign: SignCheckpoint) -> Appended: ...

    def nodes(self, coordinates: Iterable[Coordinate]) -> dict[Coordinate, bytes]: ...

    def nodes_and_latest(
        self, coordinates: Iterable[Coordinate]
    ) -> tuple[dict[Coordinate, bytes], StoredCheckpoint | None]: ...

    def entries(self, start: int, stop: int) -> list[bytes]: ...

    def scan_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]: ...

    def scan_nodes(self) -> Iterator[tuple[int, int, bytes]]: ...

    def leaf_hashes(self, start: int, stop: int) -> Iterator[bytes]: ...

    def governance_entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]: ...

    def scan_governance_index(self) -> Iterator[tuple[int, str]]: ...

    def scan_credentials(self) -> Iterator[tuple[int, str, str | None]]: ...

    def taken_slots(self, slots: Iterable[tuple[int, int]]) -> set[tuple[int, int]]: ...

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None: ...

    def checkpoints(self) -> Iterator[StoredCheckpoint]: ...

    def credential(self, credential_id: str) -> StoredCredentialView | None: ...

    def credentials(self, credential_ids: Iterable[str]) -> dict[str, StoredCredentialView]: ...
    def issued_numbers(
        self, issuer_id: str, numbers: Iterable[str]
    ) -> dict[str, StoredCredentialView]: ...

    def erase_credential(self, credential_id: str, now_ms: int) -> bool: ...

    def close(self) -> None: ...


def taken_slots(engine: Engine, slots: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(list number, index)`` status list slots of ``slots`` are marked taken: one
    primary-key lookup per list, since SQLite answers a row-value ``IN`` by scanning the whole
    table."""
    by_list: dict[int, list[int]] = {}
    for list_no, index in set(slots):
        by_list.setdefault(list_no, []).append(index)
    found: set[tuple[int, int]] = set()
    with engine.connect() as connection:
        for list_no, indexes in by_list.items():
            rows = connection.execute(
                select(_ALLOCATIONS.c.idx).where(
                    _ALLOCATIONS.c.list_no == list_no, _ALLOCATIONS.c.idx.in_(indexes)
                )
            )
            found.update((list_no, index) for index in rows.scalars())
    return found


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of a tree from its right-edge subtree roots (largest first)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def _frontier_coordinates(size: int) -> list[Coordinate]:
    """``(level, index)`` of each right-edge complete subtree of a tree of ``size``."""
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def _extend(
    head: Head, leaf_hashes: Sequence[bytes], last_ts: int
) -> tuple[list[tuple[int, int, bytes]], Head, dict[Coordinate, bytes]]:
    """The nodes ``leaf_hashes`` complete on top of ``head``, the head after them, and those
    nodes with the old right edge by coordinate."""
    known = dict(zip(_frontier_coordinates(head.size), head.frontier, strict=True))

    def left_sibling(level: int, index: int) -> bytes:
        return known[(level, index)]

    made = append_nodes(head.size, leaf_hashes, left_sibling)
    known.update(((level, index), node) for level, index, node in made)
    size = head.size + len(leaf_hashes)
    frontier = tuple(known[c] for c in _frontier_coordinates(size))
    return made, Head(size, frontier_root(frontier), frontier, leaf_hashes[-1], last_ts), known


_HEAD_SIZE = f"SELECT size FROM {_HEAD.name} WHERE id = {HEAD_ROW}"  # noqa: S608 (constants)


def _head_from_row(row: Any) -> Head:
    frontier = bytes(row.frontier)
    return Head(
        size=row.size,
        root_hash=bytes(row.root_hash),
        frontier=tuple(frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)),
        last_leaf_hash=bytes(row.last_leaf_hash),
        last_ts=row.last_ts,
    )


class SqlLogStore:
    """``LogStore`` on any SQLAlchemy engine the registry supports (SQLite, PostgreSQL)."""

    def __init__(self, engine: Engine, *, scan_chunk: int = 10_000) -> None:
        self.engine = engine
        self._scan_chunk = scan_chunk
        self._cache: dict[int, dict[int, bytes]] = {}
        """Complete nodes by level, then index."""
        self._sqlite = is_sqlite(engine)
        self._mark = placeholder(self.engine)

    def _cursor(self) -> AbstractContextManager[Any]:
        """A driver cursor for one-statement reads of rows that never change (nodes,
        checkpoints)."""
        return driver_cursor(self.engine)

    def _insert(self, cursor: Any, table: _BulkTable, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._sqlite:
            cursor.executemany(table.sqlite_insert, rows)
            return
        with cursor.copy(table.postgres_copy) as copy:
            copy.set_types(table.postgres_types)
            for row in rows:
                copy.write_row(row)

    def head(self) -> Head:
        with self.engine.connect() as connection:
            return self._read_head(connection, lock=False)

    def size(self) -> int:
        # A bare driver cursor: one statement needs no transaction of its own, and each
        # service worker asks this about once a second (registry.service.trust).
        with self._cursor() as cursor:
            cursor.execute(_HEAD_SIZE)
            row = cursor.fetchone()
        size = row[0] if row else None
        if size is None:
            raise LogStateError("the log has no head row: run `skillcert init`")
        return int(size)

    def _read_head(self, connection: Connection, *, lock: bool) -> Head:
        query = select(_HEAD).where(_HEAD.c.id == HEAD_ROW)
        row = connection.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise LogStateError("the log has no head row: run `skillcert init`")
        return _head_from_row(row)

    def append(self, build: BuildBatch, sign: SignCheckpoint) -> Appended:
        """Build a batch on the locked head and commit it with its checkpoint (see the module's
        contract). ``build`` and ``sign`` run inside the transaction, holding the lock; the
        checkpoint is stamped with the batch's ``last_ts``."""
        with (
            self.engine.connect().execution_options(**{WRITE_LOCK: True}) as connection,
            connection.begin(),
        ):
            head = self._read_head(connection, lock=True)
            if frontier_root(head.frontier) != head.root_hash:
                raise LogStateError(
                    "the head's right edge does not lead to its root, so an append would sign "
                    "a tree that is not this log's: run `skillcert log audit`"
                )
            batch = build(head)
            if not batch.entries:
                raise LogStateError("an append needs at least one entry")
            leaves = [leaf_hash(entry) for entry in batch.entries]
            made, new_head, nodes = _extend(head, leaves, batch.last_ts)
            checkpoint = StoredCheckpoint(
                new_head.size,
                new_head.root_hash,
                sign(new_head.size, new_head.root_hash),
                batch.last_ts,
            )
            self._write(connection, head, batch, leaves, made, new_head, checkpoint)
        return Appended(head.size, tuple(leaves), checkpoint, nodes)

    def _write(
        self,
        connection: Connection,
        head: Head,
        batch: Batch,
        leaves: list[bytes],
        made: list[tuple[int, int, bytes]],
        new_head: Head,
        checkpoint: StoredCheckpoint,
    ) -> None:
        first = head.size
        cursor = connection.connection.cursor()
        try:
            self._insert(
                cursor,
                _ENTRY_ROWS,
                list(zip(range(first, first + len(leaves)), leaves, batch.entries, strict=True)),
            )
            self._insert(cursor, _NODE_ROWS, [node for node in made if node[0]])
            self._insert(
                cursor,
                _CREDENTIAL_ROWS,
                [
                    (c.id, c.log_index, c.issuer_id, c.jws, c.certificate_number)
                    for c in batch.credentials
                ],
            )
        finally:
            cursor.close()
        if batch.governance:
            connection.execute(
                insert(_GOVERNANCE),
                [{"idx": index, "kind": kind} for index, kind in batch.governance],
            )
        if batch.status_claims:
            connection.execute(
                insert(_ALLOCATIONS),
                [{"list_no": number, "idx": index} for number, index in batch.status_claims],
            )
        connection.execute(
            insert(_CHECKPOINTS).values(
                size=checkpoint.size,
                root_hash=checkpoint.root_hash,
                note=checkpoint.note,
                signed_at=checkpoint.signed_at,
            )
        )
        connection.execute(
            update(_HEAD)
            .where(_HEAD.c.id == HEAD_ROW)
            .values(
                size=new_head.size,
                root_hash=new_head.root_hash,
                frontier=b"".join(new_head.frontier),
                last_leaf_hash=new_head.last_leaf_hash,
                last_ts=new_head.last_ts,
            )
        )

    def nodes(self, coordinates: Iterable[Coordinate]) -> dict[Coordinate, bytes]:
        """The stored complete nodes at ``coordinates`` (level 0 = leaf hashes); a coordinate
        that is not (yet) a complete node is absent from the result. Complete nodes never
        change, so they are cached."""
        return self._read_nodes(coordinates, latest=False)[0]

    def nodes_and_latest(
        self, coordinates: Iterable[Coordinate]
    ) -> tuple[dict[Coordinate, bytes], StoredCheckpoint | None]:
        """``nodes(coordinates)`` and the latest checkpoint, read in one statement."""
        return self._read_nodes(coordinates, latest=True)

    def _read_nodes(
        self, coordinates: Iterable[Coordinate], *, latest: bool
    ) -> tuple[dict[Coordinate, bytes], StoredCheckpoint | None]:
        found: dict[Coordinate, bytes] = {}
        wanted: list[Coordinate] = []
        cache = self._cache
        for coordinate in dict.fromkeys(coordinates):
            level, index = coordinate
            cached = cache[level].get(index) if level in cache else None
            if cached is None:
                wanted.append(coordinate)
            else:
                found[coordinate] = cached
        if not wanted and not latest:
            return found, None
        checkpoint = None
        with self._cursor() as cursor:
            cursor.execute(*self._nodes_query(wanted, latest=latest))
            for level, index, value, note, signed_at in cursor.fetchall():
                if level < 0:
                    checkpoint = StoredCheckpoint(index, bytes(value), note, signed_at)
                else:
                    found[(level, index)] = bytes(value)
        self._remember(found)
        return found, checkpoint

    def _remember(self, nodes: dict[Coordinate, bytes]) -> None:
        """Cache ``nodes``, then, past ``_NODE_CACHE`` nodes, drop whole levels from the lowest
        up: a node at level L is on the proof path of 2**L leaves, a leaf hash on one."""
        cache = self._cache
        for (level, index), value in nodes.items():
            cache.setdefault(level, {})[index] = value
        total = sum(map(len, cache.values()))
        for level in sorted(cache):
            if total <= _NODE_CACHE:
                return
            total -= len(cache.pop(level))

    def _nodes_query(
        self, coordinates: Sequence[Coordinate], *, latest: bool
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters for ``coordinates``; one outside any tree the store can
        hold is left out, so it is absent from the result like any other missing node."""
        leaves: list[int] = []
        interior: list[Coordinate] = []
        for level, index in coordinates:
            if not (0 <= level < _MAX_LEVEL and 0 <= index < 1 << _INDEX_BITS):
                continue
            if level:
                interior.append((level, index))
            else:
                leaves.append(index)
        if self._sqlite:
            packed = [level << _INDEX_BITS | index for level, index in interior]
            statement = _SQLITE_NODES_AND_LATEST if latest else _SQLITE_NODES
            return statement, (json.dumps(leaves), json.dumps(packed))
        levels = [level for level, _ in interior]
        statement = _POSTGRES_NODES_AND_LATEST if latest else _POSTGRES_NODES
        return statement, (leaves, levels, [index for _, index in interior])

    def entries(self, start: int, stop: int) -> list[bytes]:
        """Entry bytes of indexes ``[start, stop)``, in order."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_ENTRIES.c.data)
                .where(and_(_ENTRIES.c.idx >= start, _ENTRIES.c.idx < stop))
                .order_by(_ENTRIES.c.idx)
            )
            return [bytes(data) for (data,) in rows]

    def _scan(self, columns: list[Any], keys: list[Any], after: tuple[int, ...]) -> Iterator[Any]:
        """Rows of ``columns`` with ``keys`` above ``after``, in key order, a chunk per query,
        so a scan of millions of rows holds one chunk in memory."""
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(*columns)
                    .where(tuple_(*keys) > tuple_(*after))
                    .order_by(*keys)
                    .limit(self._scan_chunk)
                ).all()
            yield from rows
            if len(rows) < self._scan_chunk:
                return
            after = tuple(rows[-1][: len(keys)])

    def scan_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        """Every stored ``(index, leaf_hash, data)`` from ``start`` in index order, as stored
        (the auditor's view: gaps and damage included)."""
        columns = [_ENTRIES.c.idx, _ENTRIES.c.leaf_hash, _ENTRIES.c.data]
        for index, leaf, data in self._scan(columns, [_ENTRIES.c.idx], (start - 1,)):
            yield index, bytes(leaf), bytes(data)

    def scan_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored interior ``(level, index, hash)`` in (level, index) order."""
        columns = [_NODES.c.level, _NODES.c.idx, _NODES.c.hash]
        # From the lowest coordinate a row could have, so the auditor sees misplaced rows too.
        start = (-(2**15), _BEFORE_EVERY_INDEX)
        for level, index, value in self._scan(columns, columns[:2], start):
            yield level, index, bytes(value)

    def governance_entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """``(index, entry bytes)`` of every governance entry at ``start`` or after, in order."""
        query = (
            select(_ENTRIES.c.idx, _ENTRIES.c.data)
            .join(_GOVERNANCE, _GOVERNANCE.c.idx == _ENTRIES.c.idx)
            .where(_ENTRIES.c.idx >= start)
            .order_by(_ENTRIES.c.idx)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        for index, data in rows:
            yield index, bytes(data)

    def scan_governance_index(self) -> Iterator[tuple[int, str]]:
        """Every ``(index, kind)`` row of the governance index, in index order, as stored."""
        columns = [_GOVERNANCE.c.idx, _GOVERNANCE.c.kind]
        yield from (tuple(row) for row in self._scan(columns, columns[:1], (_BEFORE_EVERY_INDEX,)))

    def scan_credentials(self) -> Iterator[tuple[int, str, str | None]]:
        """Every credential row as ``(log index, id, JWS or None once erased)``, in log index
        order, as stored."""
        columns = [_CREDENTIALS.c.log_index, _CREDENTIALS.c.id, _CREDENTIALS.c.jws]
        yield from (tuple(row) for row in self._scan(columns, columns[:1], (_BEFORE_EVERY_INDEX,)))

    def taken_slots(self, slots: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        return taken_slots(self.engine, slots)

    def leaf_hashes(self, start: int, stop: int) -> Iterator[bytes]:
        """The stored leaf hashes of indexes ``[start, stop)`` in index order, streamed from one
        statement; fewer when entries are missing (the caller checks the count)."""
        with self._cursor() as cursor:
            cursor.execute(_SELECT_LEAF_HASHES.format(mark=self._mark), (start, stop))
            while rows := cursor.fetchmany(self._scan_chunk):
                for (leaf,) in rows:
                    yield bytes(leaf)

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        """The checkpoint of tree size ``size``, or the latest."""
        with self._cursor() as cursor:
            if size is None:
                cursor.execute(_SELECT_LATEST_CHECKPOINT)
            else:
                cursor.execute(_SELECT_CHECKPOINT.format(self._mark), (size,))
            row = cursor.fetchone()
        if row is None:
            return None
        size, root_hash, note, signed_at = row
        return StoredCheckpoint(size, bytes(root_hash), note, signed_at)

    def checkpoints(self) -> Iterator[StoredCheckpoint]:
        """Every stored checkpoint, by tree size."""
        columns = [_CHECKPOINTS.c[name] for name in ("size", "root_hash", "note", "signed_at")]
        for row in self._scan(columns, columns[:1], (-1,)):
            yield _checkpoint_from_row(row)

    def credential(self, credential_id: str) -> StoredCredentialView | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_CREDENTIALS).where(_CREDENTIALS.c.id == credential_id)
            ).one_or_none()
        if row is None:
            return None
        return _view(row)

    def credentials(self, credential_ids: Iterable[str]) -> dict[str, StoredCredentialView]:
        """The stored credentials among ``credential_ids``, by id, in one query per thousand
        ids: a submitted batch is checked for credentials logged already."""
        wanted = list(dict.fromkeys(credential_ids))
        found: dict[str, StoredCredentialView] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 1000):
                rows = connection.execute(
                    select(_CREDENTIALS).where(_CREDENTIALS.c.id.in_(wanted[start : start + 1000]))
                )
                for row in rows:
                    found[row.id] = _view(row)
        return found

    def issued_numbers(
        self, issuer_id: str, numbers: Iterable[str]
    ) -> dict[str, StoredCredentialView]:
        """The credentials of ``issuer_id`` logged under any of the certificate ``numbers``, by
        number, in one query per thousand: a batch is checked before it is signed."""
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, StoredCredentialView] = {}
        column = _CREDENTIALS.c.certificate_number
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 1000):
                rows = connection.execute(
                    select(_CREDENTIALS).where(
                        _CREDENTIALS.c.issuer_id == issuer_id,
                        column.in_(wanted[start : start + 1000]),
                    )
                )
                for row in rows:
                    found[row.certificate_number] = _view(row)
        return found

    def erase_credential(self, credential_id: str, now_ms: int) -> bool:
        """Forget a credential's JWS (the holder's data); its log entry, which commits to the
        JWS only by hash, stays. Returns whether there was a JWS to erase."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(_CREDENTIALS)
                .where(_CREDENTIALS.c.id == credential_id, _CREDENTIALS.c.jws.is_not(None))
                .values(jws=None, erased_at=now_ms)
            )
        return bool(result.rowcount)

    def close(self) -> None:
        self.engine.dispose()


def _view(row: Any) -> StoredCredentialView:
    return StoredCredentialView(
        row.id, row.log_index, row.issuer_id, row.jws, row.erased_at, row.certificate_number
    )


def _checkpoint_from_row(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes(row.root_hash), row.note, row.signed_at)
