"""``audit_log`` finds each kind of damage done to the database behind the log's back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, text

from registry.audit import audit_log
from registry.errors import LogStateError
from registry.log import Draft, TransparencyLog
from registry.status import credential_pointers
from registry.store import SqlLogStore
from schemas.governance import CHANGE_KINDS
from schemas.log_entry import ISSUANCE, encode_entry, jws_digest
from schemas.merkle import leaf_hash
from schemas.note import Checkpoint, format_checkpoint, sign_note
from tests.registry.conftest import ORIGIN

SIZE = 40
Tamper = Callable[[Connection], None]


@pytest.fixture
def filled(log: TransparencyLog) -> TransparencyLog:
    for start in range(0, SIZE, 8):
        log.append([Draft("test", {"n": n}) for n in range(start, start + 8)])
    return log


def _row(connection: Connection, index: int) -> tuple[bytes, bytes]:
    leaf, data = connection.execute(
        text("SELECT leaf_hash, data FROM log_entries WHERE idx = :i"), {"i": index}
    ).one()
    return bytes(leaf), bytes(data)


def _set(connection: Connection, index: int, leaf: bytes, data: bytes) -> None:
    connection.execute(
        text("UPDATE log_entries SET leaf_hash = :l, data = :d WHERE idx = :i"),
        {"l": leaf, "d": data, "i": index},
    )


def _flip_a_byte(connection: Connection) -> None:
    leaf, data = _row(connection, 17)
    _set(connection, 17, leaf, data.replace(b'"n":17', b'"n":71'))


def _edit_entry_and_its_leaf_hash(connection: Connection) -> None:
    _, data = _row(connection, 17)
    forged = data.replace(b'"n":17', b'"n":71')
    _set(connection, 17, leaf_hash(forged), forged)


def _delete_a_row(connection: Connection) -> None:
    connection.execute(text("DELETE FROM log_entries WHERE idx = 23"))


def _swap_two_rows(connection: Connection) -> None:
    first, second = _row(connection, 10), _row(connection, 30)
    _set(connection, 10, *second)
    _set(connection, 30, *first)


def _truncate(connection: Connection) -> None:
    connection.execute(text("DELETE FROM log_entries WHERE idx >= 33"))


def _insert_in_the_middle(connection: Connection) -> None:
    """Shift entries 12.. up by one and slip a well-formed entry, chained to entry 11, in."""
    moved = connection.execute(
        text("SELECT idx, leaf_hash, data FROM log_entries WHERE idx >= 12 ORDER BY idx")
    ).all()
    connection.execute(text("DELETE FROM log_entries WHERE idx >= 12"))
    for index, leaf, data in moved:
        connection.execute(
            text("INSERT INTO log_entries (idx, leaf_hash, data) VALUES (:i, :l, :d)"),
            {"i": index + 1, "l": bytes(leaf), "d": bytes(data)},
        )
    before = _row(connection, 11)
    forged = encode_entry("test", before[0], json.loads(before[1])["ts"], {"n": "forged"})
    connection.execute(
        text("INSERT INTO log_entries (idx, leaf_hash, data) VALUES (12, :l, :d)"),
        {"l": leaf_hash(forged), "d": forged},
    )


def _checkpoint_by_another_key(connection: Connection) -> None:
    root = connection.execute(text("SELECT root_hash FROM log_checkpoints WHERE size = 24")).one()
    note = sign_note(
        format_checkpoint(Checkpoint(ORIGIN, 24, bytes(root[0]))),
        ORIGIN,
        Ed25519PrivateKey.generate(),
    )
    connection.execute(text("UPDATE log_checkpoints SET note = :n WHERE size = 24"), {"n": note})


def _alter_a_node(connection: Connection) -> None:
    connection.execute(
        text("UPDATE log_nodes SET hash = :h WHERE level = 2 AND idx = 3"), {"h": bytes(32)}
    )


def _delete_a_node(connection: Connection) -> None:
    connection.execute(text("DELETE FROM log_nodes WHERE level = 3 AND idx = 1"))


def _store_an_entry_at_a_negative_index(connection: Connection) -> None:
    connection.execute(
        text("INSERT INTO log_entries (idx, leaf_hash, data) VALUES (-1, :l, :d)"),
        {"l": leaf_hash(b"{}"), "d": b"{}"},
    )


def _store_a_node_below_the_tree(connection: Connection) -> None:
    connection.execute(
        text("INSERT INTO log_nodes (level, idx, hash) VALUES (0, -2, :h)"), {"h": bytes(32)}
    )


def _roll_back_the_head(connection: Connection) -> None:
    connection.execute(text("UPDATE log_head SET size = 32"))


DAMAGE: list[tuple[Tamper, str, int]] = [
    (_flip_a_byte, "audit.entry_altered", 17),
    (_edit_entry_and_its_leaf_hash, "audit.chain_broken", 18),
    (_delete_a_row, "audit.entry_missing", 23),
    (_swap_two_rows, "audit.chain_broken", 10),
    (_truncate, "audit.truncated", 33),
    (_insert_in_the_middle, "audit.chain_broken", 13),
    (_checkpoint_by_another_key, "audit.checkpoint_invalid", 23),
    (_alter_a_node, "audit.node_altered", 12),
    (_delete_a_node, "audit.node_missing", 8),
    (_roll_back_the_head, "audit.head_mismatch", 32),
    (_store_an_entry_at_a_negative_index, "audit.entry_unexpected", -1),
    (_store_a_node_below_the_tree, "audit.node_unexpected", -2),
]


def test_an_undamaged_log_audits_clean(store: SqlLogStore, filled: TransparencyLog) -> None:
    report = audit_log(store, filled.verifier_key, ORIGIN)
    assert report.damage is None
    assert (report.entries, report.checkpoints) == (SIZE, SIZE // 8)
    assert report.nodes == sum(SIZE >> level for level in range(1, SIZE.bit_length()))


@pytest.mark.parametrize(
    ("tamper", "kind", "index"), DAMAGE, ids=[t.__name__.strip("_") for t, _, _ in DAMAGE]
)
def test_damage_is_found_and_named(
    engine: Engine,
    store: SqlLogStore,
    filled: TransparencyLog,
    tamper: Tamper,
    kind: str,
    index: int,
) -> None:
    with engine.begin() as connection:
        tamper(connection)
    report = audit_log(SqlLogStore(engine), filled.verifier_key, ORIGIN)
    assert report.damage is not None
    assert (report.damage.kind, report.damage.index) == (kind, index), report.damage


def test_a_checkpoint_signed_over_a_wrong_root_is_found(
    engine: Engine, store: SqlLogStore, filled: TransparencyLog
) -> None:
    """Even the log's own key cannot vouch for a root the entries do not lead to."""
    note = filled.sign_checkpoint(16, bytes(32))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE log_checkpoints SET note = :n, root_hash = :r WHERE size = 16"),
            {"n": note, "r": bytes(32)},
        )
    report = audit_log(store, filled.verifier_key, ORIGIN)
    assert report.damage is not None
    assert (report.damage.kind, report.damage.index) == ("audit.checkpoint_mismatch", 15)


CHANGE = sorted(CHANGE_KINDS)[0]


def _jws(n: int) -> str:
    return f"eyJhbGciOiJFZERTQSJ9.eyJuIjo{n}fQ.c2lnbmF0dXJl"


@pytest.fixture
def indexed(log: TransparencyLog) -> TransparencyLog:
    """Entries the registry also indexes: governance changes (0, 3) and credentials (1, 2, 4),
    the last with status list slot 7 of list 2."""
    drafts = []
    for n in range(5):
        if n in (0, 3):
            drafts.append(Draft(CHANGE, {"n": n}))
            continue
        credential_id = f"urn:uuid:00000000-0000-4000-8000-00000000000{n}"
        body: dict[str, object] = {
            "credential_id": credential_id,
            "jws_sha256": jws_digest(_jws(n).encode()),
        }
        claims: tuple[tuple[int, int], ...] = ()
        if n == 4:
            body["status"] = [
                {"purpose": purpose, "list": f"https://r.test/v1/status/2-{purpose}", "index": 7}
                for purpose in ("revocation", "suspension")
            ]
            claims = ((2, 7),)
        credential = (credential_id, "urn:x:issuer", _jws(n), f"N{n}")
        drafts.append(Draft(ISSUANCE, body, credential=credential, status_claims=claims))
    log.append(drafts)
    log.append([Draft("test", {"n": 5})])
    return log


def _forget_a_change(connection: Connection) -> None:
    connection.execute(text("DELETE FROM governance_entries WHERE idx = 3"))


def _misname_a_change(connection: Connection) -> None:
    connection.execute(text("UPDATE governance_entries SET kind = 'test' WHERE idx = 0"))


def _index_an_issuance_as_a_change(connection: Connection) -> None:
    connection.execute(
        text("INSERT INTO governance_entries (idx, kind) VALUES (2, :k)"), {"k": CHANGE}
    )


def _swap_two_credentials_entries(connection: Connection) -> None:
    rows = dict(connection.execute(text("SELECT log_index, id FROM credentials")).all())
    connection.execute(text("UPDATE credentials SET log_index = 5 WHERE log_index = 1"))
    connection.execute(text("UPDATE credentials SET log_index = 1 WHERE log_index = 2"))
    connection.execute(text("UPDATE credentials SET log_index = 2 WHERE id = :i"), {"i": rows[1]})


def _replace_a_stored_jws(connection: Connection) -> None:
    connection.execute(text("UPDATE credentials SET jws = :j WHERE log_index = 4"), {"j": _jws(9)})


def _damage_the_heads_right_edge(connection: Connection) -> None:
    connection.execute(text("UPDATE log_head SET frontier = :f"), {"f": bytes(64)})


def _move_the_heads_clock(connection: Connection) -> None:
    connection.execute(text("UPDATE log_head SET last_ts = 4102444800000"))


def _free_a_taken_slot(connection: Connection) -> None:
    connection.execute(text("DELETE FROM status_allocations WHERE list_no = 2 AND idx = 7"))


def _delete_the_latest_checkpoint(connection: Connection) -> None:
    connection.execute(text("DELETE FROM log_checkpoints WHERE size = 6"))


INDEX_DAMAGE: list[tuple[Tamper, str, int]] = [
    (_forget_a_change, "audit.index_mismatch", 3),
    (_misname_a_change, "audit.index_mismatch", 0),
    (_index_an_issuance_as_a_change, "audit.index_mismatch", 2),
    (_swap_two_credentials_entries, "audit.credential_mismatch", 1),
    (_replace_a_stored_jws, "audit.credential_mismatch", 4),
    (_damage_the_heads_right_edge, "audit.head_mismatch", 6),
    (_move_the_heads_clock, "audit.head_mismatch", 6),
    (_delete_the_latest_checkpoint, "audit.checkpoint_missing", 5),
    (_free_a_taken_slot, "audit.status_slot_missing", 4),
]


def test_an_undamaged_indexed_log_audits_clean(
    store: SqlLogStore, indexed: TransparencyLog
) -> None:
    assert audit_log(store, indexed.verifier_key, ORIGIN).damage is None


@pytest.mark.parametrize(
    ("tamper", "kind", "index"),
    INDEX_DAMAGE,
    ids=[t.__name__.strip("_") for t, _, _ in INDEX_DAMAGE],
)
def test_an_index_that_disagrees_with_the_entries_is_found(
    engine: Engine,
    store: SqlLogStore,
    indexed: TransparencyLog,
    tamper: Tamper,
    kind: str,
    index: int,
) -> None:
    """The directory is folded from the governance index and revocations find their bits
    through the credential store: an index that lies would silently undo a signed change."""
    with engine.begin() as connection:
        tamper(connection)
    report = audit_log(SqlLogStore(engine), indexed.verifier_key, ORIGIN)
    assert report.damage is not None
    assert (report.damage.kind, report.damage.index) == (kind, index), report.damage


def test_an_append_on_a_damaged_right_edge_is_refused(
    engine: Engine, indexed: TransparencyLog
) -> None:
    """Signing on top of it would sign a tree no consistency proof joins to the last one."""
    with engine.begin() as connection:
        _damage_the_heads_right_edge(connection)
    with pytest.raises(LogStateError, match="right edge"):
        indexed.append([Draft("test", {"n": 6})])
    assert indexed.store.head().size == 6


def test_a_revocation_never_follows_a_misplaced_credential(
    engine: Engine, indexed: TransparencyLog
) -> None:
    with engine.begin() as connection:
        _swap_two_credentials_entries(connection)
    with pytest.raises(LogStateError, match="not its issuance"):
        credential_pointers(indexed.store, "urn:uuid:00000000-0000-4000-8000-000000000001")
