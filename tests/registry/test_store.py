"""The ``LogStore`` contract (registry/store.py), held on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from issuer.signing import Signer
from registry.database import is_sqlite, make_engine
from registry.errors import LogStateError, unique_violations
from registry.log import Draft, TransparencyLog, _entry_from_parts, _entry_start
from registry.schema import migrate
from registry.store import Batch, Head, SqlLogStore
from schemas.canonical import canonical_json
from schemas.credential import CredentialClaims
from schemas.log_entry import encode_entry
from schemas.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from schemas.note import parse_checkpoint, verify_checkpoint
from tests.registry.conftest import ORIGIN

BATCH_SIZES = (1, 2, 5, 1, 8, 13, 3)


def _drafts(count: int, start: int = 0) -> list[Draft]:
    return [Draft("test", {"n": start + i}) for i in range(count)]


def _fill(log: TransparencyLog) -> list[int]:
    """Append batches of BATCH_SIZES; returns the tree size after each."""
    sizes, total = [], 0
    for count in BATCH_SIZES:
        log.append(_drafts(count, total))
        total += count
        sizes.append(total)
    return sizes


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_a_new_log_is_the_empty_tree(store: SqlLogStore, log: TransparencyLog) -> None:
    head = store.head()
    assert (head.size, head.root_hash, head.frontier) == (0, EMPTY_ROOT, ())
    assert head.last_leaf_hash == bytes(32)
    empty = log.checkpoint()
    assert empty == log.checkpoint()
    verified = verify_checkpoint(empty.note, [log.verifier_key], origin=ORIGIN)
    assert (verified.checkpoint.size, verified.checkpoint.root_hash) == (0, EMPTY_ROOT)
    with pytest.raises(LogStateError, match="outside"):
        log.inclusion_proof(0)


def test_appends_chain_entries_and_match_an_independent_tree(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    sizes = _fill(log)
    entries = store.entries(0, sizes[-1])
    tree = MemoryTree(leaf_hash(entry) for entry in entries)
    assert store.head().size == sizes[-1] == store.size()
    assert store.head().root_hash == tree.root()
    prev = "0" * 64
    for index, entry in enumerate(entries):
        document = json.loads(entry)
        assert document["v"] == 1
        assert document["prev"] == prev
        assert document["body"] == {"n": index}
        prev = leaf_hash(entry).hex()


def test_every_batch_is_covered_by_a_signed_checkpoint(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    sizes = _fill(log)
    checkpoints = list(store.checkpoints())
    assert [c.size for c in checkpoints] == sizes
    tree = MemoryTree(leaf_hash(entry) for entry in store.entries(0, sizes[-1]))
    for stored in checkpoints:
        verified = verify_checkpoint(stored.note, [log.verifier_key], origin=ORIGIN)
        assert verified.checkpoint.size == stored.size
        assert verified.checkpoint.root_hash == stored.root_hash == tree.root(stored.size)


def test_receipts_name_their_index_and_a_checkpoint_that_covers_them(
    log: TransparencyLog,
) -> None:
    log.append(_drafts(3))
    receipts = log.append(_drafts(4, 3))
    assert [r.index for r in receipts] == [3, 4, 5, 6]
    for receipt in receipts:
        assert receipt.leaf_hash == leaf_hash(receipt.entry)
        checkpoint = parse_checkpoint(receipt.checkpoint.note.split("\n\n")[0] + "\n")
        assert checkpoint.size == 7
        proof = log.inclusion_proof(receipt.index, checkpoint.size)
        verify_inclusion(receipt.leaf_hash, receipt.index, 7, proof.proof, checkpoint.root_hash)
        assert receipt.proof == proof.proof


def test_every_receipt_carries_its_inclusion_proof(log: TransparencyLog) -> None:
    """Proofs made from the append's own nodes, for batches landing anywhere in the tree."""
    for count in BATCH_SIZES * 3:
        for receipt in log.append(_drafts(count)):
            size, root = receipt.checkpoint.size, receipt.checkpoint.root_hash
            verify_inclusion(receipt.leaf_hash, receipt.index, size, receipt.proof, root)


def test_inclusion_proofs_verify_at_every_size(log: TransparencyLog) -> None:
    sizes = _fill(log)
    for size in range(1, sizes[-1] + 1):
        for index in range(size):
            proof = log.inclusion_proof(index, size)
            verify_inclusion(proof.leaf_hash, index, size, proof.proof, proof.root)


def test_consistency_proofs_verify_between_every_pair_of_sizes(log: TransparencyLog) -> None:
    sizes = _fill(log)
    # The roots a client holds, folded from the entries themselves, not taken from the proof.
    tree = MemoryTree(leaf_hash(entry) for entry in log.store.entries(0, sizes[-1]))
    for new in range(1, sizes[-1] + 1):
        for old in range(1, new + 1):
            proof = log.consistency_proof(old, new)
            assert (proof.old_root, proof.new_root) == (tree.root(old), tree.root(new))
            verify_consistency(old, new, tree.root(old), tree.root(new), proof.proof)


def test_proofs_beyond_the_tree_are_refused(log: TransparencyLog) -> None:
    log.append(_drafts(4))
    with pytest.raises(LogStateError, match="outside"):
        log.inclusion_proof(4)
    with pytest.raises(LogStateError, match="outside"):
        log.inclusion_proof(0, 5)
    with pytest.raises(LogStateError, match="old <= new"):
        log.consistency_proof(3, 2)


def test_a_log_object_that_has_seen_no_checkpoint_gives_the_same_proofs(
    log: TransparencyLog, make_log: Callable[..., TransparencyLog], store: SqlLogStore
) -> None:
    """A fresh object reads the latest checkpoint with the nodes and folds every root."""
    sizes = _fill(log)
    roots = {checkpoint.size: checkpoint.root_hash for checkpoint in store.checkpoints()}
    for size in range(1, sizes[-1] + 1):
        for index in range(0, size, 3):
            proof = make_log().inclusion_proof(index, size)
            assert proof == log.inclusion_proof(index, size)
            assert proof.root == roots.get(size, proof.root)
        for old in range(1, size + 1, 2):
            assert make_log().consistency_proof(old, size) == log.consistency_proof(old, size)
    for refused in (
        lambda fresh: fresh.inclusion_proof(0, sizes[-1] + 1),
        lambda fresh: fresh.consistency_proof(1, sizes[-1] + 1),
    ):
        with pytest.raises(LogStateError, match=f"outside the log's 1..{sizes[-1]}"):
            refused(make_log())


def test_nodes_and_latest_read_the_latest_checkpoint_with_the_nodes(
    log: TransparencyLog, store: SqlLogStore
) -> None:
    assert store.nodes_and_latest([(0, 0)]) == ({}, None)
    sizes = _fill(log)
    nodes, latest = store.nodes_and_latest([(0, 0), (1, 0), (3, 0), (0, sizes[-1])])
    assert latest == store.checkpoint()
    assert latest is not None and latest.size == sizes[-1]
    assert set(nodes) == {(0, 0), (1, 0), (3, 0)}
    assert nodes == store.nodes([(0, 0), (1, 0), (3, 0)])


def test_scans_return_every_row_in_order_across_chunks(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    sizes = _fill(log)
    scanned = list(store.scan_entries())
    assert [index for index, _, _ in scanned] == list(range(sizes[-1]))
    assert [data for _, _, data in scanned] == store.entries(0, sizes[-1])
    assert all(leaf == leaf_hash(data) for _, leaf, data in scanned)
    tree = MemoryTree(leaf for _, leaf, _ in scanned)
    nodes = list(store.scan_nodes())
    expected = [
        (level, index, tree.node_at(level, index))
        for level in range(1, sizes[-1].bit_length())
        for index in range(sizes[-1] >> level)
    ]
    assert nodes == expected
    assert [index for index, _, _ in store.scan_entries(start=20)] == list(range(20, sizes[-1]))


def test_the_clock_never_goes_back(
    make_log: Callable[..., TransparencyLog], store: SqlLogStore
) -> None:
    times = iter([5_000, 4_000, 6_000])
    log = make_log(clock=lambda: next(times))
    for _ in range(3):
        log.append(_drafts(2))
    stamps = [json.loads(entry)["ts"] for entry in store.entries(0, 6)]
    assert stamps == [5_000, 5_000, 5_000, 5_000, 6_000, 6_000]


def test_batches_are_split_into_transactions_of_max_batch(
    make_log: Callable[..., TransparencyLog], store: SqlLogStore
) -> None:
    receipts = make_log(max_batch=2).append(_drafts(5))
    assert [r.checkpoint.size for r in receipts] == [2, 2, 4, 4, 5]
    assert [c.size for c in store.checkpoints()] == [2, 4, 5]


def test_a_failed_append_writes_nothing(store: SqlLogStore, log: TransparencyLog) -> None:
    log.append(_drafts(3))
    before = store.head()

    def build(head: Head) -> Batch:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store.append(build, log.sign_checkpoint)
    with pytest.raises(LogStateError, match="at least one entry"):
        store.append(lambda head: Batch([], head.last_ts), log.sign_checkpoint)
    assert store.head() == before
    assert len(list(store.scan_entries())) == 3
    assert [c.size for c in store.checkpoints()] == [3]


def test_a_credential_can_be_erased_without_touching_the_log(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    drafts = [
        Draft(
            "issuance",
            {"credential_id": f"urn:uuid:{i}"},
            (f"urn:uuid:{i}", "urn:x", f"jws{i}", f"N{i}"),
        )
        for i in range(3)
    ]
    receipts = log.append(drafts)
    head = store.head()
    stored = store.credential("urn:uuid:1")
    assert stored is not None
    assert (stored.log_index, stored.jws) == (receipts[1].index, "jws1")
    assert store.erase_credential("urn:uuid:1", 1234)
    assert not store.erase_credential("urn:uuid:1", 1235)
    erased = store.credential("urn:uuid:1")
    assert erased is not None
    assert (erased.jws, erased.erased_at) == (None, 1234)
    assert store.head() == head
    assert store.entries(1, 2) == [receipts[1].entry]
    assert store.credential("urn:uuid:9") is None


def _issuance(n: int, *claims: tuple[int, int]) -> Draft:
    return Draft(
        "issuance",
        {"credential_id": f"urn:uuid:{n}"},
        (f"urn:uuid:{n}", "urn:x", f"jws{n}", f"N{n}"),
        claims,
    )


def test_a_taken_status_slot_rolls_back_the_whole_batch(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    """A credential's status list slots are claimed in its batch's transaction: a slot already
    taken refuses the batch, and nothing of it stays, the other credentials' slots included."""
    log.append([_issuance(0, (1, 5))])
    head = store.head()
    with pytest.raises(IntegrityError):
        log.append([_issuance(1, (1, 6)), _issuance(2, (1, 5))])
    assert store.head() == head
    assert store.credential("urn:uuid:1") is None
    assert store.credential("urn:uuid:2") is None
    assert [c.size for c in store.checkpoints()] == [1]
    (receipt,) = log.append([_issuance(3, (1, 6))])
    assert receipt.index == 1


json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(
    kind=st.text(min_size=1, max_size=12),
    body=st.dictionaries(st.text(max_size=8), json_bodies, max_size=5),
    prev=st.binary(min_size=32, max_size=32),
    ts=st.integers(0, 2**53),
)
def test_split_entry_encoding_equals_the_canonical_entry(
    kind: str, body: dict[str, object], prev: bytes, ts: int
) -> None:
    """The sequencer serialises body and kind before taking the lock and splices in prev and
    ts after; the bytes must be exactly the JCS form of the whole entry."""
    start = _entry_start(canonical_json(kind), body)
    assert _entry_from_parts(start, prev, ts) == encode_entry(kind, prev, ts, body)


def test_upgrading_a_filled_log_keeps_every_node_and_proof(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0001_log")
        store = SqlLogStore(engine)
        key = Ed25519PrivateKey.generate()
        log = TransparencyLog(store, origin=ORIGIN, key=key)
        sizes = _fill(log)
        nodes = list(store.scan_nodes())
        migrate(engine)
        assert list(SqlLogStore(engine).scan_nodes()) == nodes
        fresh = TransparencyLog(SqlLogStore(engine), origin=ORIGIN, key=key)
        for index in range(sizes[-1]):
            proof = fresh.inclusion_proof(index)
            verify_inclusion(proof.leaf_hash, index, proof.size, proof.proof, proof.root)
        if is_sqlite(engine):
            with engine.connect() as connection:
                table = connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'log_nodes'"
                ).scalar_one()
            assert table.endswith("WITHOUT ROWID")
    finally:
        engine.dispose()


def _numbered(n: int, issuer_id: str, number: str) -> Draft:
    return Draft(
        "issuance",
        {"credential_id": f"urn:uuid:{n}"},
        (f"urn:uuid:{n}", issuer_id, f"jws{n}", number),
    )


def test_a_certificate_number_is_logged_once_per_issuer(
    store: SqlLogStore, log: TransparencyLog
) -> None:
    """A second credential under an issuer's number refuses its whole batch; another issuer
    may use the same digits. Erasing the credential keeps the number taken."""
    log.append([_numbered(0, "urn:x", "N1"), _numbered(1, "urn:y", "N1")])
    head = store.head()
    with pytest.raises(unique_violations()):
        log.append([_numbered(2, "urn:x", "N2"), _numbered(3, "urn:x", "N1")])
    assert store.head() == head
    assert store.credential("urn:uuid:2") is None
    found = store.issued_numbers("urn:x", ["N1", "N2", "N9"])
    assert {number: (c.id, c.log_index) for number, c in found.items()} == {"N1": ("urn:uuid:0", 0)}
    assert store.erase_credential("urn:uuid:0", 1)
    erased = store.issued_numbers("urn:x", ["N1"])["N1"]
    assert (erased.id, erased.jws, erased.certificate_number) == ("urn:uuid:0", None, "N1")
    with pytest.raises(unique_violations()):
        log.append([_numbered(4, "urn:x", "N1")])
    assert store.head() == head


def test_the_numbers_migration_reads_every_stored_jws(
    database_url: str,
    signer: Signer,
    make_claims: Callable[..., CredentialClaims],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A registry from before the numbers were stored gets each credential's number from its
    JWS; of two credentials under one number (issued twice before the rule) the first logged
    keeps it, and an erased credential has none to give."""
    engine = make_engine(database_url)
    try:
        migrate(engine, "0003_governance")
        tokens = [
            signer.issue(make_claims(certificate_number=number)).jws
            for number in ("Y100044440101244000001", "Y100044440101244000002")
        ]
        rows = [
            ("urn:uuid:a", 0, tokens[0]),
            ("urn:uuid:b", 1, tokens[1]),
            ("urn:uuid:c", 2, tokens[0]),
            ("urn:uuid:d", 3, None),
        ]
        with engine.begin() as connection:
            for credential_id, index, jws in rows:
                connection.execute(
                    text("INSERT INTO log_entries (idx, leaf_hash, data) VALUES (:i, :h, :d)"),
                    {"i": index, "h": bytes(32), "d": b"{}"},
                )
                connection.execute(
                    text(
                        "INSERT INTO credentials (id, log_index, issuer_id, jws) "
                        "VALUES (:id, :i, :issuer, :jws)"
                    ),
                    {"id": credential_id, "i": index, "issuer": signer.issuer_id, "jws": jws},
                )
        with caplog.at_level(logging.WARNING):
            migrate(engine)
        assert "urn:uuid:c repeats certificate number Y100044440101244000001" in caplog.text
        assert "1 credential(s) were erased before certificate numbers were kept" in caplog.text
        with engine.connect() as connection:
            numbers = dict(
                connection.execute(text("SELECT id, certificate_number FROM credentials")).all()
            )
        assert numbers == {
            "urn:uuid:a": "Y100044440101244000001",
            "urn:uuid:b": "Y100044440101244000002",
            "urn:uuid:c": None,
            "urn:uuid:d": None,
        }
        store = SqlLogStore(engine)
        found = store.issued_numbers(signer.issuer_id, ["Y100044440101244000001"])
        assert found["Y100044440101244000001"].id == "urn:uuid:a"
    finally:
        engine.dispose()
