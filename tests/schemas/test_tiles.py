"""C2SP tlog-tiles: the sunlight 300-entry tree, path spelling, tile and bundle encoding."""

from __future__ import annotations

import base64
import json
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import DocumentTooLarge, MalformedTile, MalformedTilePath
from schemas.merkle import MemoryTree, leaf_hash, node_hash, subtree_root
from schemas.tiles import (
    MAX_ENTRY_BYTES,
    MAX_LEVEL,
    TILE_WIDTH,
    EntryBundle,
    Tile,
    decode_entry_bundle,
    decode_tile,
    encode_entry_bundle,
    encode_tile,
    parse_tile_path,
    tile_hashes,
)
from tests.conftest import VECTORS

TILES = json.loads((VECTORS / "log" / "tlog_tiles_vectors.json").read_text())


def _entry(i: int) -> bytes:
    return str(TILES["entry_format"]).format(i=i).encode()


@cache
def _tree() -> MemoryTree:
    return MemoryTree(leaf_hash(_entry(i)) for i in range(TILES["tree_size"]))


def test_vector_root() -> None:
    assert base64.b64encode(_tree().root()).decode() == TILES["root_b64"]


@pytest.mark.parametrize("path", sorted(TILES["tiles"]))
def test_vector_tiles(path: str) -> None:
    tile = parse_tile_path(path)
    assert isinstance(tile, Tile)
    assert tile.path == path
    assert tile.min_tree_size <= TILES["tree_size"]
    hashes = tile_hashes(tile, _tree().node_at)
    assert [h.hex() for h in hashes] == TILES["tiles"][path]
    assert decode_tile(encode_tile(hashes), tile) == hashes


def test_vector_tiles_rebuild_the_tree() -> None:
    """A level-1 hash is the root of the full level-0 tile under it, and the tiles' hashes fold
    into the checkpoint root: tiles alone are enough for a client."""
    full = [bytes.fromhex(h) for h in TILES["tiles"]["tile/0/000"]]
    partial = [bytes.fromhex(h) for h in TILES["tiles"]["tile/0/001.p/44"]]
    (upper,) = [bytes.fromhex(h) for h in TILES["tiles"]["tile/1/000.p/1"]]
    level0 = full + partial

    def node_at(level: int, index: int) -> bytes:
        nodes = level0
        for _ in range(level):
            nodes = [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        return nodes[index]

    assert subtree_root(0, 256, node_at) == upper
    assert base64.b64encode(subtree_root(0, 300, node_at)).decode() == TILES["root_b64"]


def test_vector_entry_bundles_hash_to_level_0_tiles() -> None:
    for path, hashes in TILES["tiles"].items():
        tile = parse_tile_path(path)
        assert isinstance(tile, Tile)
        if tile.level != 0:
            continue
        bundle = EntryBundle(tile.index, tile.width)
        first = tile.index * TILE_WIDTH
        data = encode_entry_bundle(_entry(first + i) for i in range(tile.width))
        entries = decode_entry_bundle(data, bundle)
        assert [leaf_hash(e).hex() for e in entries] == hashes
        assert parse_tile_path(bundle.path) == bundle


def test_nodes_beyond_the_tree_are_not_served() -> None:
    tile = Tile(0, 1, 45)
    assert tile.min_tree_size == TILES["tree_size"] + 1
    with pytest.raises(LookupError):
        tile_hashes(tile, _tree().node_at)
    with pytest.raises(LookupError):
        tile_hashes(Tile(1, 0, 2), _tree().node_at)


# --- paths -------------------------------------------------------------------------------------


def test_spec_path_examples() -> None:
    """tlog-tiles §Merkle Tree: index 1234067 is ``x001/x234/067``."""
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert EntryBundle(1234067, 7).path == "tile/entries/x001/x234/067.p/7"
    assert Tile(63, 0, 1).path == "tile/63/000.p/1"
    assert Tile(2, 1000).path == "tile/2/x001/000"
    assert parse_tile_path("tile/entries/x001/x234/067.p/7") == EntryBundle(1234067, 7)


def test_spec_size_example() -> None:
    """tlog-tiles §Partial Tiles: a tree of 70,000 has 273 full level-0 tiles, then partial tiles
    of width 112 (level 0), 17 (level 1, after one full tile) and 1 (level 2)."""
    size = 70_000
    assert Tile(0, 272).min_tree_size <= size < Tile(0, 273).min_tree_size
    assert Tile(0, 273, 112).min_tree_size == size
    assert Tile(1, 0).min_tree_size <= size < Tile(1, 1).min_tree_size
    assert Tile(1, 1, 17).min_tree_size <= size < Tile(1, 1, 18).min_tree_size
    assert Tile(2, 0, 1).min_tree_size <= size < Tile(2, 0, 2).min_tree_size


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/-1/000",
        "tile/0/0",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/x001",
        "tile/0/X001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/000 ",
        "tile/entries/0",
        "tile/entry/000",
        "tile/0/０００",
        "tile/0/x001/x002/x003/x004/x005/x006/x007/008",
        "tile/0/" + "x999/" * 1500 + "999",
    ],
)
def test_non_canonical_paths(path: str) -> None:
    with pytest.raises(MalformedTilePath):
        parse_tile_path(path)


@given(st.integers(0, MAX_LEVEL), st.integers(0, 2**55), st.integers(1, TILE_WIDTH))
def test_tile_paths_round_trip(level: int, index: int, width: int) -> None:
    tile = Tile(level, index, width)
    assert parse_tile_path(tile.path) == tile
    bundle = EntryBundle(index, width)
    assert parse_tile_path(bundle.path) == bundle
    assert tile.path.endswith(f".p/{width}") == (width < TILE_WIDTH)


def test_tile_fields_are_checked() -> None:
    for bad in (
        lambda: Tile(MAX_LEVEL + 1, 0),
        lambda: Tile(-1, 0),
        lambda: Tile(0, -1),
        lambda: Tile(0, 0, 0),
        lambda: Tile(0, 0, TILE_WIDTH + 1),
        lambda: EntryBundle(-1),
        lambda: EntryBundle(0, 0),
    ):
        with pytest.raises(MalformedTilePath):
            bad()


# --- tile and bundle bytes ---------------------------------------------------------------------


def test_tile_bytes_must_match_width() -> None:
    hashes = tile_hashes(Tile(0, 0, 3), _tree().node_at)
    data = encode_tile(hashes)
    assert len(data) == 96
    for width in (2, 4):
        with pytest.raises(MalformedTile):
            decode_tile(data, Tile(0, 0, width))
    with pytest.raises(MalformedTile):
        decode_tile(data[:-1], Tile(0, 0, 3))
    for bad in ([], [b"\x00" * 31], [b"\x00" * 32] * (TILE_WIDTH + 1)):
        with pytest.raises(MalformedTile):
            encode_tile(bad)


def test_entry_bundle_layout() -> None:
    data = encode_entry_bundle([b"ab", b"", b"\xff" * 300])
    assert data[:4] == b"\x00\x02ab"
    assert data[4:6] == b"\x00\x00"
    assert data[6:8] == (300).to_bytes(2, "big")
    assert len(data) == 8 + 300
    bundle = EntryBundle(0, 3)
    assert decode_entry_bundle(data, bundle) == [b"ab", b"", b"\xff" * 300]
    for cut in (1, 2, 5, 7, len(data) - 1):
        with pytest.raises(MalformedTile):
            decode_entry_bundle(data[:cut], bundle)
    with pytest.raises(MalformedTile, match="expected 4"):
        decode_entry_bundle(data, EntryBundle(0, 4))
    with pytest.raises(MalformedTile, match="more than 2"):
        decode_entry_bundle(data, EntryBundle(0, 2))


def test_entry_bundle_limits() -> None:
    assert len(encode_entry_bundle([b"x" * MAX_ENTRY_BYTES])) == MAX_ENTRY_BYTES + 2
    with pytest.raises(DocumentTooLarge):
        encode_entry_bundle([b"x" * (MAX_ENTRY_BYTES + 1)])
    with pytest.raises(MalformedTile):
        encode_entry_bundle([])
    with pytest.raises(MalformedTile):
        encode_entry_bundle([b""] * (TILE_WIDTH + 1))


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=TILE_WIDTH))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    bundle = EntryBundle(7, len(entries))
    assert decode_entry_bundle(encode_entry_bundle(entries), bundle) == entries
