"""The C2SP tlog-tiles read path, served from the store (DESIGN §3).

A tile at level ``L`` is 256 consecutive stored nodes of tree level ``8L``, so it is read, not
computed; an entry bundle is the entries behind a level-0 tile. Only what the tree of the given
size holds is served: a tile beyond it is ``TileNotFound``, never a guess.
"""

from __future__ import annotations

from registry.errors import LogStateError, TileNotFound
from registry.store import LogStore
from schemas.tiles import (
    TILE_WIDTH,
    EntryBundle,
    Tile,
    encode_entry_bundle,
    encode_tile,
)

__all__ = ["read_entry_bundle", "read_tile"]


def read_tile(store: LogStore, tile: Tile, tree_size: int) -> bytes:
    """The bytes of ``tile`` in the tree of ``tree_size`` (the latest checkpoint's size)."""
    if tile.min_tree_size > tree_size:
        raise TileNotFound(f"{tile.path} is beyond the tree of size {tree_size}")
    first = tile.index * TILE_WIDTH
    wanted = [(tile.tree_level, first + offset) for offset in range(tile.width)]
    found = store.nodes(wanted)
    if len(found) != len(wanted):
        raise LogStateError(f"{tile.path}: nodes missing from the store; run `skillcert log audit`")
    return encode_tile(found[coordinate] for coordinate in wanted)


def read_entry_bundle(store: LogStore, bundle: EntryBundle, tree_size: int) -> bytes:
    if bundle.min_tree_size > tree_size:
        raise TileNotFound(f"{bundle.path} is beyond the tree of size {tree_size}")
    first = bundle.index * TILE_WIDTH
    entries = store.entries(first, first + bundle.width)
    if len(entries) != bundle.width:
        raise LogStateError(f"{bundle.path}: entries missing from the store")
    return encode_entry_bundle(entries)
