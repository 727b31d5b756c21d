"""Transparency-log append throughput and proof latency beside the raw primitive and pymerkle,
measured in the same run.

    .venv/bin/python bench/log.py [--entries 100000] [--rounds 5] [--batch 2000]
        [--writers 8] [--writer-entries 30000] [--writer-rounds 3]
        [--proof-size 1000000] [--proofs 2000] [--pymerkle-cold-proofs 10] [--keep DIR]

A quick run: ``--entries 10000 --rounds 2 --writer-entries 4000 --writer-rounds 1
--proof-size 30000 --proofs 200 --pymerkle-cold-proofs 3`` (about 10 s).

Prints:

- durable batched appends (entries/s) of realistic issuance entries on SQLite and PostgreSQL
  (one writer), beside the primitive, a raw ``sqlite3`` bulk insert of the same entry bytes and
  leaf hashes into a table of the log's shape (WAL, ``synchronous=FULL``, ``executemany``, one
  commit per batch of the same size), and beside pymerkle's ``SqliteTree.append_entries`` given
  the same entry bytes (one call, hence one commit, per batch; its connection switched to WAL and
  ``synchronous=FULL`` too); best of interleaved rounds, with the settings read back;
- PostgreSQL with ``--writers`` processes appending batches to one log at once: total
  entries/s from the first start to the last finish (best of ``--writer-rounds``), then a check
  that the log is one linear history (head size = entries written, entries 0..n-1 stored
  contiguously, each leaf hash recomputed, each ``prev`` the leaf hash before it, the head's root
  recomputed, one checkpoint per batch);
- inclusion and consistency proof latency (mean, p99) on a SQLite log of ``--proof-size``
  entries (building it is timed and printed too), beside pymerkle's ``SqliteTree`` holding the
  same entry bytes (its root is checked equal to the log's). Cold: a fresh store and log object
  for every proof; pymerkle's subroot cache cleared before every proof, which makes it rebuild
  subroots from all the leaves, hence only ``--pymerkle-cold-proofs`` of those. Warm: one
  long-lived object each, after ``--proofs`` random warm-up proofs of each kind. Fifty of our
  proofs of each kind are then verified with ``schemas.merkle`` against the roots of a separate
  ``MemoryTree`` of the stored leaf hashes, not the roots the proof states.

- ``skillcert log audit``'s work (``registry.audit.audit_log``: every leaf hash, the chain, the
  tree, every stored node and checkpoint) on the same log of ``--proof-size`` entries, beside the
  primitive, a raw ``sqlite3`` scan of the entries recomputing each leaf hash; the audit must
  find no damage. The log's checkpoint key is kept beside it (``.key.pem``) for this.

``--keep DIR`` keeps the two proof databases in DIR and reuses them on the next run when their
size matches (the output says so); without it they are built in a temporary folder every run.
PostgreSQL runs in a schema of its own on ``SKILLCERT_BENCH_POSTGRES`` (default the test
server), dropped afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The project's root heads the path, not bench/: bench/http.py, named as the load benchmark is,
# would otherwise stand for the standard library's http package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import base64
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymerkle import SqliteTree
from sqlalchemy import Engine

from registry.audit import audit_log
from registry.database import make_engine, scratch_schema
from registry.log import MAX_BATCH, Draft, TransparencyLog
from registry.schema import migrate
from registry.store import SqlLogStore
from schemas.log_entry import encode_entry
from schemas.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from schemas.note import VerifierKey
from schemas.occupations import DEFAULT_EDITION, builtin_occupation_table

POSTGRES = os.environ.get(
    "SKILLCERT_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ORIGIN = "bench.skillcert.example/log"
CODES = list(builtin_occupation_table())
ISSUERS = [
    (
        f"urn:skillcert:issuer:bench-appraisal-{n:02d}",
        f"urn:skillcert:issuer:bench-appraisal-{n:02d}#"
        + base64.urlsafe_b64encode(hashlib.sha256(b"key %d" % n).digest()).rstrip(b"=").decode(),
    )
    for n in range(20)
]


# --- entries ---------------------------------------------------------------------------------


def issuance_bodies(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Bodies as the registry logs an issuance: no personal data, the JWS by hash."""
    bodies = []
    for _ in range(count):
        issuer, kid = ISSUERS[rng.randrange(len(ISSUERS))]
        bodies.append(
            {
                "credential_id": f"urn:uuid:{uuid.UUID(bytes=rng.randbytes(16), version=4)}",
                "jws_sha256": hashlib.sha256(rng.randbytes(64)).hexdigest(),
                "issuer": issuer,
                "kid": kid,
                "occupation": CODES[rng.randrange(len(CODES))],
                "occupation_edition": DEFAULT_EDITION,
                "framework": "CN-VQ-5",
                "level": str(rng.randrange(1, 6)),
                "issued_on": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            }
        )
    return bodies


def drafts_of(bodies: list[dict[str, str]]) -> list[Draft]:
    return [Draft("issuance", body) for body in bodies]


class EntryChain:
    """Encodes bodies into entry bytes exactly as the log would (hash-chained), for the
    contenders that store bytes they are given."""

    def __init__(self) -> None:
        self.prev = bytes(32)
        self.ts = 1_750_000_000_000

    def encode(self, bodies: list[dict[str, str]]) -> list[bytes]:
        entries = []
        for body in bodies:
            entry = encode_entry("issuance", self.prev, self.ts, body)
            self.prev = leaf_hash(entry)
            entries.append(entry)
        self.ts += 1
        return entries


def batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- contenders ------------------------------------------------------------------------------


class RawSqlite:
    """The primitive: a table of the log's shape, filled with sqlite3's executemany."""

    def __init__(self, path: Path, batch: int) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute(
            "CREATE TABLE log_entries (idx BIGINT PRIMARY KEY, leaf_hash BLOB NOT NULL, "
            "data BLOB NOT NULL)"
        )
        self.batch = batch
        self.size = 0

    def append(self, entries: list[bytes], hashes: list[bytes]) -> None:
        rows = list(zip(range(self.size, self.size + len(entries)), hashes, entries, strict=True))
        for chunk in batches(rows, self.batch):
            self.connection.execute("BEGIN")
            self.connection.executemany("INSERT INTO log_entries VALUES (?, ?, ?)", chunk)
            self.connection.execute("COMMIT")
        self.size += len(entries)


def open_pymerkle(path: Path) -> SqliteTree:
    tree = SqliteTree(str(path))
    tree.con.execute("PRAGMA journal_mode=WAL")
    tree.con.execute("PRAGMA synchronous=FULL")
    return tree


def pymerkle_append(tree: SqliteTree, entries: list[bytes], batch: int) -> None:
    for chunk in batches(entries, batch):
        tree.append_entries(chunk)


def new_log(engine: Engine, key: Ed25519PrivateKey) -> TransparencyLog:
    return TransparencyLog(SqlLogStore(engine), origin=ORIGIN, key=key)


# --- appends ---------------------------------------------------------------------------------


def durability(raw: RawSqlite, tree: SqliteTree, sqlite: Engine, postgres: Engine) -> str:
    """The settings each contender actually ran with, read back from its connection."""

    def pragmas(execute: Callable[[str], Any]) -> str:
        mode = execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = execute("PRAGMA synchronous").fetchone()[0]
        return f"{mode}/{'FULL' if synchronous == 2 else synchronous}"

    plain = tree.con.cursor()
    plain.row_factory = None
    with sqlite.connect() as connection:
        ours = pragmas(connection.exec_driver_sql)
    with postgres.connect() as connection:
        fsync = connection.exec_driver_sql("SHOW fsync").scalar()
        commit = connection.exec_driver_sql("SHOW synchronous_commit").scalar()
    return (
        f"SQLite journal/synchronous: raw {pragmas(raw.connection.execute)}, ours {ours}, "
        f"pymerkle {pragmas(plain.execute)}; PostgreSQL fsync={fsync}, "
        f"synchronous_commit={commit}"
    )


def append_rates(
    entries: int, rounds: int, batch: int, folder: Path
) -> tuple[dict[str, float], str]:
    """Best entries/s of each contender over ``rounds`` interleaved rounds of
    ``entries / rounds`` entries each; every contender appends the same bodies. Also returns
    the durability settings in force."""
    per_round = entries // rounds
    rng = random.Random(1)
    chain = EntryChain()
    key = Ed25519PrivateKey.generate()
    raw = RawSqlite(folder / "raw.db", batch)
    tree = open_pymerkle(folder / "pymerkle-append.db")
    sqlite_engine = make_engine(f"sqlite:///{folder / 'append.db'}")
    migrate(sqlite_engine)
    sqlite_log = TransparencyLog(
        SqlLogStore(sqlite_engine), origin=ORIGIN, key=key, max_batch=batch
    )
    best: dict[str, float] = {}
    with scratch_schema(POSTGRES, "bench") as url:
        postgres_engine = make_engine(url)
        migrate(postgres_engine)
        postgres_log = TransparencyLog(
            SqlLogStore(postgres_engine), origin=ORIGIN, key=key, max_batch=batch
        )
        for _ in range(rounds):
            bodies = issuance_bodies(per_round, rng)
            entry_bytes = chain.encode(bodies)
            hashes = [leaf_hash(entry) for entry in entry_bytes]
            drafts = drafts_of(bodies)
            contenders: dict[str, Callable[[], object]] = {
                "raw": partial(raw.append, entry_bytes, hashes),
                "sqlite": partial(sqlite_log.append, drafts),
                "postgres": partial(postgres_log.append, drafts),
                "pymerkle": partial(pymerkle_append, tree, entry_bytes, batch),
            }
            for name, append in contenders.items():
                start = time.perf_counter()
                append()
                rate = per_round / (time.perf_counter() - start)
                best[name] = max(best.get(name, 0.0), rate)
        settings = durability(raw, tree, sqlite_engine, postgres_engine)
        postgres_engine.dispose()
    sqlite_engine.dispose()
    tree.close()
    raw.connection.close()
    return best, settings


def writer_child(url: str, count: int, seed: int) -> None:
    """One of the concurrent writers: prepares its drafts, says so, waits for the start line,
    appends, and reports when it started and finished (monotonic clock, shared by processes)."""
    drafts = drafts_of(issuance_bodies(count, random.Random(seed)))
    engine = make_engine(url)
    log = new_log(engine, Ed25519PrivateKey.generate())
    log.store.head()
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    log.append(drafts)
    end = time.monotonic()
    engine.dispose()
    print(json.dumps({"entries": count, "start": start, "end": end}), flush=True)


def concurrent_round(url: str, writers: int, per_writer: int, seed: int) -> tuple[float, float]:
    """Total entries/s of ``writers`` processes appending at once, and the share of that time
    during which all of them were running."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child-writer", url, str(per_writer), str(seed + n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = []
    for child in children:
        output, _ = child.communicate()
        assert child.returncode == 0, output
        reports.append(json.loads(output))
    elapsed = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    together = min(r["end"] for r in reports) - max(r["start"] for r in reports)
    return sum(r["entries"] for r in reports) / elapsed, max(together, 0.0) / elapsed


def check_linear_history(store: SqlLogStore, expected: int, batches_written: int) -> str:
    """The audit-free sanity check of a log many writers appended to (see the module doc)."""
    head = store.head()
    assert head.size == expected, (head.size, expected)
    prev, index = bytes(32), -1
    tree = MemoryTree()
    for index, stored_leaf, data in store.scan_entries():
        assert leaf_hash(data) == stored_leaf, index
        assert json.loads(data)["prev"] == prev.hex(), index
        tree.append(stored_leaf)
        prev = stored_leaf
    assert index == expected - 1 and tree.size == expected, (index, expected)
    assert tree.root() == head.root_hash
    checkpoints = [c.size for c in store.checkpoints()]
    assert len(checkpoints) == batches_written, (len(checkpoints), batches_written)
    assert checkpoints[-1] == expected
    return (
        f"one linear history: head size {head.size} = entries written, entries 0..{expected - 1} "
        f"chained via prev, root recomputed, {len(checkpoints)} checkpoints = batches"
    )


def concurrent_rates(
    writers: int, per_writer: int, rounds: int, batch: int
) -> tuple[list[tuple[float, float]], str]:
    rates = []
    with scratch_schema(POSTGRES, "bench") as url:
        engine = make_engine(url)
        migrate(engine)
        for n in range(rounds):
            rates.append(concurrent_round(url, writers, per_writer, seed=1000 + n * writers))
        per_child_batches = -(-per_writer // batch)
        history = check_linear_history(
            SqlLogStore(engine), writers * per_writer * rounds, per_child_batches * writers * rounds
        )
        engine.dispose()
    return rates, history


# --- proofs ----------------------------------------------------------------------------------


def proof_log_key(path: Path) -> Ed25519PrivateKey:
    """The key that signs the proof log's checkpoints, kept beside it (``.key.pem``) so that an
    audit of a kept log can check every one of them."""
    key_path = path.with_suffix(".key.pem")
    if key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey), key_path
        return key
    key = Ed25519PrivateKey.generate()
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


def build_proof_log(path: Path, size: int, batch: int) -> tuple[str, float | None]:
    """A SQLite log of ``size`` issuance entries at ``path`` (reused if it already holds
    exactly that many); returns what was done and the build rate."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    store = SqlLogStore(engine)
    have = store.head().size
    if have == size:
        engine.dispose()
        return f"reused {path} ({size} entries, built by an earlier run)", None
    assert have == 0, f"{path} holds {have} entries, not {size}: remove it"
    log = TransparencyLog(store, origin=ORIGIN, key=proof_log_key(path), max_batch=batch)
    rng = random.Random(2)
    elapsed = 0.0
    for chunk in range(0, size, 100_000):
        drafts = drafts_of(issuance_bodies(min(100_000, size - chunk), rng))
        start = time.perf_counter()
        log.append(drafts)
        elapsed += time.perf_counter() - start
    engine.dispose()
    return f"built {path} in {elapsed:.0f} s of appends", size / elapsed


def build_pymerkle(path: Path, source: Path, size: int, batch: int) -> tuple[str, float | None]:
    """pymerkle's tree of the same entry bytes as the log at ``source`` (reused if it already
    holds that many); its root is checked equal to the log's either way."""
    tree = open_pymerkle(path)
    engine = make_engine(f"sqlite:///{source}")
    store = SqlLogStore(engine, scan_chunk=batch)
    have = tree.get_size()
    if have == size:
        assert tree.get_root() == store.head().root_hash, "pymerkle and the log disagree"
        engine.dispose()
        tree.close()
        return f"reused {path} ({size} entries, built by an earlier run)", None
    assert have == 0, f"{path} holds {have} entries, not {size}: remove it"
    chunk: list[bytes] = []
    elapsed = 0.0
    for _, _, data in store.scan_entries():
        chunk.append(data)
        if len(chunk) == batch:
            start = time.perf_counter()
            tree.append_entries(chunk)
            elapsed += time.perf_counter() - start
            chunk = []
    if chunk:
        start = time.perf_counter()
        tree.append_entries(chunk)
        elapsed += time.perf_counter() - start
    assert tree.get_size() == size
    assert tree.get_root() == store.head().root_hash, "pymerkle and the log disagree on the root"
    engine.dispose()
    tree.close()
    return f"built {path} in {elapsed:.0f} s of appends", size / elapsed


def latencies(
    operation: Callable[[int], object], arguments: list[int], fresh: Callable[[], Any] | None = None
) -> list[float]:
    """Seconds per call of ``operation`` on each argument; ``fresh`` (untimed) runs first."""
    times = []
    for argument in arguments:
        if fresh is not None:
            fresh()
        start = time.perf_counter()
        operation(argument)
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    """Mean and 99th percentile, in milliseconds."""
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.fmean(times) * 1000, p99 * 1000


def resident_memory() -> int:
    """This process's resident set size now, in bytes (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def proof_latencies(
    log_path: Path, tree_path: Path, size: int, proofs: int, pymerkle_cold: int
) -> tuple[dict[str, list[float]], str]:
    """Latency of every proof, ours and pymerkle's, cold, warm and in memory, interleaved in
    slices; and what keeping the tree in memory cost."""
    engine = make_engine(f"sqlite:///{log_path}")
    key = Ed25519PrivateKey.generate()
    rng = random.Random(3)
    indexes = [rng.randrange(size) for _ in range(proofs)]
    olds = [rng.randrange(1, size) for _ in range(proofs)]
    published = [stored.size for stored in SqlLogStore(engine).checkpoints() if stored.size < size]
    published_olds = [rng.choice(published) for _ in range(proofs)]
    warm_log = new_log(engine, key)
    memory_log = new_log(engine, key)
    before, start = resident_memory(), time.perf_counter()
    held = memory_log.keep_in_memory(max_leaves=size)
    loaded = (
        f"tree of {held} leaves loaded in {time.perf_counter() - start:.1f} s, "
        f"resident set +{(resident_memory() - before) / 2**20:.0f} MiB"
    )
    leaves = MemoryTree(SqlLogStore(engine).leaf_hashes(0, size))
    tree = SqliteTree(str(tree_path))
    for _ in range(proofs):
        index, old, published_old = (
            rng.randrange(size),
            rng.randrange(1, size),
            rng.choice(published),
        )
        for log in (warm_log, memory_log):
            log.inclusion_proof(index, size)
            log.consistency_proof(old, size)
            log.consistency_proof(published_old, size)
        tree.prove_inclusion(index + 1, size)
        tree.prove_consistency(old, size)
        tree.prove_consistency(published_old, size)
    cold: list[TransparencyLog] = []

    def fresh() -> None:
        cold[:] = [new_log(engine, key)]

    times: dict[str, list[float]] = {}
    slices = 4
    for part in range(slices):
        mine = slice(part * proofs // slices, (part + 1) * proofs // slices)
        runs: dict[str, tuple[Callable[[int], object], list[int], Callable[[], None] | None]] = {
            "ours inclusion cold": (lambda i: cold[0].inclusion_proof(i, size), indexes, fresh),
            "ours inclusion warm": (lambda i: warm_log.inclusion_proof(i, size), indexes, None),
            "ours inclusion memory": (lambda i: memory_log.inclusion_proof(i, size), indexes, None),
            "ours consistency cold": (lambda o: cold[0].consistency_proof(o, size), olds, fresh),
            "ours consistency warm": (lambda o: warm_log.consistency_proof(o, size), olds, None),
            "ours consistency memory": (
                lambda o: memory_log.consistency_proof(o, size),
                olds,
                None,
            ),
            "pymerkle inclusion warm": (lambda i: tree.prove_inclusion(i + 1, size), indexes, None),
            "pymerkle consistency warm": (lambda o: tree.prove_consistency(o, size), olds, None),
            "ours consistency path memory": (
                lambda o: leaves.consistency_proof(o, size),
                olds,
                None,
            ),
            "ours consistency from checkpoint warm": (
                lambda o: warm_log.consistency_proof(o, size),
                published_olds,
                None,
            ),
            "ours consistency from checkpoint memory": (
                lambda o: memory_log.consistency_proof(o, size),
                published_olds,
                None,
            ),
            "pymerkle consistency from checkpoint warm": (
                lambda o: tree.prove_consistency(o, size),
                published_olds,
                None,
            ),
        }
        for name, (operation, arguments, before_each) in runs.items():
            times.setdefault(name, []).extend(latencies(operation, arguments[mine], before_each))
    for index, old, published_old in zip(indexes[:50], olds[:50], published_olds[:50], strict=True):
        for log in (warm_log, memory_log, new_log(engine, key)):
            inclusion = log.inclusion_proof(index, size)
            verify_inclusion(inclusion.leaf_hash, index, size, inclusion.proof, inclusion.root)
            for start in (old, published_old):
                consistency = log.consistency_proof(start, size)
                roots = (leaves.root(start), leaves.root(size))
                assert (consistency.old_root, consistency.new_root) == roots
                verify_consistency(start, size, *roots, consistency.proof)
    times["pymerkle inclusion cold"] = latencies(
        lambda i: tree.prove_inclusion(i + 1, size), indexes[:pymerkle_cold], tree.cache_clear
    )
    times["pymerkle consistency cold"] = latencies(
        lambda o: tree.prove_consistency(o, size), olds[:pymerkle_cold], tree.cache_clear
    )
    tree.close()
    engine.dispose()
    return times, loaded


# --- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000, help="per contender, appends")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved append rounds")
    parser.add_argument("--batch", type=int, default=MAX_BATCH)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writer-entries", type=int, default=30_000, help="per writer, per round")
    parser.add_argument("--writer-rounds", type=int, default=3)
    parser.add_argument("--proof-size", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    parser.add_argument("--pymerkle-cold-proofs", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="keep and reuse the proof databases here")
    parser.add_argument(
        "--parts",
        default="appends,writers,proofs,audit",
        help="comma-separated parts to run (default all: appends,writers,proofs,audit)",
    )
    parser.add_argument("--child-writer", nargs=3, metavar=("URL", "COUNT", "SEED"))
    args = parser.parse_args()
    if args.child_writer:
        url, count, seed = args.child_writer
        writer_child(url, int(count), int(seed))
        return

    parts = set(args.parts.split(","))
    print(f"batch: {args.batch} entries per transaction and checkpoint (log default {MAX_BATCH})")
    sample = EntryChain().encode(issuance_bodies(1, random.Random(0)))[0]
    print(f"entry: {len(sample)} bytes, e.g. {sample[:120].decode()}...")
    if "appends" in parts:
        report_appends(args)
    if "writers" in parts:
        report_writers(args)
    if "proofs" in parts:
        report_proofs(args)
    if "audit" in parts:
        report_audit(args)


def report_appends(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        rates, settings = append_rates(args.entries, args.rounds, args.batch, Path(scratch))
    raw = rates["raw"]
    print(f"\nappends, best of {args.rounds} interleaved rounds of {args.entries // args.rounds}:")
    print(f"  ({settings})")
    print(f"raw sqlite3 executemany     {raw:10.0f} entries/s  (the primitive)")
    for name, label in (
        ("sqlite", "ours, SQLite"),
        ("postgres", "ours, PostgreSQL (1 writer)"),
        ("pymerkle", "pymerkle SqliteTree"),
    ):
        print(f"{label:<28}{rates[name]:10.0f} entries/s  ({rates[name] / raw:.0%} of raw)")
    print(
        f"ours SQLite / pymerkle append: {rates['sqlite'] / rates['pymerkle']:.2f}x; "
        f"target SQLite >= 20,000/s: {verdict(rates['sqlite'] >= 20_000)}"
    )


def report_writers(args: argparse.Namespace) -> None:
    rounds, history = concurrent_rates(
        args.writers, args.writer_entries, args.writer_rounds, args.batch
    )
    best, overlap = max(rounds)
    print(
        f"\nPostgreSQL, {args.writers} writer processes x {args.writer_entries} entries at once: "
        f"{best:.0f} entries/s, best of {args.writer_rounds} "
        f"({', '.join(f'{rate:.0f}' for rate, _ in rounds)}); all {args.writers} running "
        f"together for {overlap:.0%} of it; target >= 10,000/s: {verdict(best >= 10_000)}"
    )
    print(f"  {history}")


def raw_leaf_scan(path: Path) -> tuple[int, float]:
    """The primitive under an audit: every stored entry read in index order with ``sqlite3`` and
    its leaf hash recomputed and compared; entries and seconds."""
    connection = sqlite3.connect(path)
    start = time.perf_counter()
    count = 0
    cursor = connection.execute("SELECT idx, leaf_hash, data FROM log_entries ORDER BY idx")
    while rows := cursor.fetchmany(10_000):
        for _, stored, data in rows:
            assert hashlib.sha256(b"\x00" + data).digest() == stored
        count += len(rows)
    elapsed = time.perf_counter() - start
    connection.close()
    return count, elapsed


def report_audit(args: argparse.Namespace) -> None:
    """``skillcert log audit``'s work on the proof log, beside the raw leaf scan."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / f"log-{args.proof_size}.db"
        if log_path.exists() and not log_path.with_suffix(".key.pem").exists():
            sys.exit(f"{log_path} was built without its key beside it: remove it")
        done, build_rate = build_proof_log(log_path, args.proof_size, args.batch)
        print(f"\naudit log: {done}" + (f", {build_rate:.0f} entries/s" if build_rate else ""))
        entries, raw_seconds = raw_leaf_scan(log_path)
        key = VerifierKey.from_public_key(ORIGIN, proof_log_key(log_path).public_key())
        engine = make_engine(f"sqlite:///{log_path}")
        start = time.perf_counter()
        report = audit_log(SqlLogStore(engine), key, ORIGIN)
        audit_seconds = time.perf_counter() - start
        engine.dispose()
    assert report.ok, report.to_json()
    assert report.entries == entries == args.proof_size, (report.entries, entries)
    print(
        f"raw leaf scan (sqlite3, SHA-256 of every entry)  {entries / raw_seconds:10.0f} "
        f"entries/s, {raw_seconds:.1f} s  (the primitive)"
    )
    print(
        f"audit_log (skillcert log audit)                  {entries / audit_seconds:10.0f} "
        f"entries/s, {audit_seconds:.1f} s  ({raw_seconds / audit_seconds:.0%} of raw); "
        f"{report.entries} entries, {report.nodes} nodes, {report.checkpoints} checkpoints "
        "re-derived, no damage"
    )


def report_proofs(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / f"log-{args.proof_size}.db"
        tree_path = folder / f"pymerkle-{args.proof_size}.db"
        done, build_rate = build_proof_log(log_path, args.proof_size, args.batch)
        print(f"\nproof log: {done}" + (f", {build_rate:.0f} entries/s" if build_rate else ""))
        done, build_rate = build_pymerkle(tree_path, log_path, args.proof_size, args.batch)
        print(f"pymerkle tree: {done}" + (f", {build_rate:.0f} entries/s" if build_rate else ""))
        times, loaded = proof_latencies(
            log_path, tree_path, args.proof_size, args.proofs, args.pymerkle_cold_proofs
        )
    print(
        f"proofs at size {args.proof_size}, ms mean / p99; consistency from a random size to "
        f"{args.proof_size}.\n  cold: a fresh store and log object for every proof (empty node "
        f"cache, latest checkpoint unknown); pymerkle's subroot cache cleared before every proof "
        f"(each rebuilds its subroots from all leaves, so {args.pymerkle_cold_proofs} proofs).\n"
        f"  warm: one long-lived object each, after {args.proofs} random warm-up proofs of each "
        "kind.\n  memory: a long-lived log object that keeps its tree in memory "
        f"({loaded}), compared with pymerkle warm.\n"
        "  50 of our proofs of each kind and each way verified against the roots of a separate "
        "tree of the same leaves."
    )
    for kind, peer_kind in (
        ("inclusion", "inclusion"),
        ("consistency", "consistency"),
        ("consistency from checkpoint", "consistency from checkpoint"),
        ("consistency path", "consistency"),
    ):
        if kind == "consistency from checkpoint":
            print(
                "consistency from the size of a published checkpoint (what witnesses and monitors "
                "ask: the only sizes anyone holds a signed root for), pymerkle from the same sizes:"
            )
        if kind == "consistency path":
            print(
                "the consistency proof alone (pymerkle's output; ours also returns both roots, "
                "and the old root is ~10 more hashes), from a MemoryTree of the same leaves:"
            )
        for cache, peer_cache in (("cold", "cold"), ("warm", "warm"), ("memory", "warm")):
            if f"ours {kind} {cache}" not in times:
                continue
            ours = summary(times[f"ours {kind} {cache}"])
            peer = summary(times[f"pymerkle {peer_kind} {peer_cache}"])
            ratio = peer[0] / ours[0]
            print(
                f"{kind:<28}{cache:<7}: ours {ours[0]:7.3f} / {ours[1]:7.3f}   "
                f"pymerkle {peer[0]:9.3f} / {peer[1]:9.3f}   ours {ratio:7.1f}x faster; "
                f"< 0.2 ms: {verdict(ours[0] < 0.2)}, >= 50x: {verdict(ratio >= 50)}"
            )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
