"""Tiles served from the store equal the C2SP tlog-tiles known answers (tests/vectors/log)."""

from __future__ import annotations

import base64
import json

import pytest

from registry.errors import TileNotFound
from registry.log import TransparencyLog
from registry.store import Batch, Head, SqlLogStore
from registry.tiles import read_entry_bundle, read_tile
from schemas.tiles import EntryBundle, Tile, decode_entry_bundle, parse_tile_path
from tests.conftest import VECTORS

VECTOR = json.loads((VECTORS / "log" / "tlog_tiles_vectors.json").read_text())
RECORDS = [f"record {i}".encode() for i in range(VECTOR["tree_size"])]


@pytest.fixture
def records(store: SqlLogStore, log: TransparencyLog) -> SqlLogStore:
    """The vector's 300 raw entries, appended through the store in uneven batches."""
    position = 0
    for size in (1, 100, 99, 56, 44):

        def build(head: Head, chunk: list[bytes] = RECORDS[position : position + size]) -> Batch:
            return Batch(chunk, head.last_ts)

        store.append(build, log.sign_checkpoint)
        position += size
    assert position == VECTOR["tree_size"]
    return store


def test_root_matches(records: SqlLogStore) -> None:
    assert records.head().root_hash == base64.b64decode(VECTOR["root_b64"])


@pytest.mark.parametrize("path", sorted(VECTOR["tiles"]))
def test_tiles_match(records: SqlLogStore, path: str) -> None:
    tile = parse_tile_path(path)
    assert isinstance(tile, Tile)
    data = read_tile(records, tile, VECTOR["tree_size"])
    assert data == b"".join(bytes.fromhex(h) for h in VECTOR["tiles"][path])


def test_entry_bundles_hold_the_entries(records: SqlLogStore) -> None:
    full = read_entry_bundle(records, EntryBundle(0), 300)
    assert decode_entry_bundle(full, EntryBundle(0)) == RECORDS[:256]
    partial = read_entry_bundle(records, EntryBundle(1, 44), 300)
    assert decode_entry_bundle(partial, EntryBundle(1, 44)) == RECORDS[256:]


@pytest.mark.parametrize(
    "request_",
    [Tile(0, 1), Tile(0, 1, 45), Tile(1, 0), Tile(1, 0, 2), Tile(2, 0, 1), EntryBundle(1)],
    ids=lambda r: r.path,
)
def test_nothing_beyond_the_tree_is_served(
    records: SqlLogStore, request_: Tile | EntryBundle
) -> None:
    read = read_tile if isinstance(request_, Tile) else read_entry_bundle
    with pytest.raises(TileNotFound):
        read(records, request_, 300)  # type: ignore[operator]
