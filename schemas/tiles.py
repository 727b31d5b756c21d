"""C2SP tlog-tiles read layout: tile and entry-bundle paths, tile contents, bundle encoding.

A tile at level ``L`` holds up to 256 consecutive hashes of tree level ``8 * L``; the levels in
between are rebuilt by hashing, so the tiles are the whole tree at 1/8 of its levels. Paths have
exactly one spelling each, so a cache or file system never holds the same tile twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.errors import DocumentTooLarge, MalformedTile, MalformedTilePath
from schemas.merkle import HASH_SIZE, NodeReader

__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "EntryBundle",
    "Tile",
    "decode_entry_bundle",
    "decode_tile",
    "encode_entry_bundle",
    "encode_tile",
    "parse_tile_path",
    "tile_hashes",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_BYTES = 0xFFFF

_PATH = re.compile(
    r"tile/(?P<level>0|[1-9][0-9]?|entries)"
    r"/(?P<index>(?:x[0-9]{3}/){0,6}[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def _check_width(width: int, where: str) -> None:
    if not 1 <= width <= TILE_WIDTH:
        raise MalformedTilePath(f"width {width} is outside 1..{TILE_WIDTH}", where)


def _encode_index(index: int) -> str:
    """``1234067`` -> ``x001/x234/067``: three-digit groups, all but the last prefixed ``x``."""
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + group for group in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


@dataclass(frozen=True, slots=True)
class Tile:
    """Tile ``index`` at ``level``; ``width`` below 256 makes it a partial tile."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise MalformedTilePath(f"level {self.level} is outside 0..{MAX_LEVEL}", "level")
        if self.index < 0:
            raise MalformedTilePath(f"index {self.index} is negative", "index")
        _check_width(self.width, "width")

    @property
    def path(self) -> str:
        return f"tile/{self.level}/{_encode_index(self.index)}{_suffix(self.width)}"

    @property
    def tree_level(self) -> int:
        return self.level * TILE_HEIGHT

    @property
    def min_tree_size(self) -> int:
        """The smallest tree that holds every hash of this tile; a log serves the tile only for
        trees at least this large."""
        return (self.index * TILE_WIDTH + self.width) << self.tree_level


@dataclass(frozen=True, slots=True)
class EntryBundle:
    """Entry bundle ``index``: the entries behind level-0 tile ``index`` of the same width."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.index < 0:
            raise MalformedTilePath(f"index {self.index} is negative", "index")
        _check_width(self.width, "width")

    @property
    def path(self) -> str:
        return f"tile/entries/{_encode_index(self.index)}{_suffix(self.width)}"

    @property
    def min_tree_size(self) -> int:
        return self.index * TILE_WIDTH + self.width


def parse_tile_path(path: str) -> Tile | EntryBundle:
    """Read ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (no leading slash).

    Only the canonical spelling is accepted: level 0..63 and width 1..255 without leading zeros,
    no leading ``x000`` group. Raises ``MalformedTilePath``.
    """
    match = _PATH.fullmatch(path)
    if match is None:
        raise MalformedTilePath("not tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]", path)
    index_text = match["index"]
    if index_text.startswith("x000"):
        raise MalformedTilePath("index has a leading zero group", path)
    index = int(index_text.replace("x", "").replace("/", ""))
    width = TILE_WIDTH if match["width"] is None else int(match["width"])
    if match["width"] is not None and width >= TILE_WIDTH:
        raise MalformedTilePath(f"partial width {width} is outside 1..{TILE_WIDTH - 1}", path)
    if match["level"] == "entries":
        return EntryBundle(index, width)
    return Tile(int(match["level"]), index, width)


def tile_hashes(tile: Tile, node_at: NodeReader) -> list[bytes]:
    """The hashes ``tile`` holds: tree level ``8 * L``, indexes ``N * 256`` to ``N * 256 + W``.

    ``node_at`` raises ``LookupError`` if the tree is smaller than ``tile.min_tree_size``.
    """
    first = tile.index * TILE_WIDTH
    return [node_at(tile.tree_level, first + offset) for offset in range(tile.width)]


def encode_tile(hashes: Iterable[bytes]) -> bytes:
    data = b"".join(hashes)
    if len(data) % HASH_SIZE or not 0 < len(data) <= TILE_WIDTH * HASH_SIZE:
        raise MalformedTile("a tile is 1 to 256 hashes of 32 bytes", "tile")
    return data


def decode_tile(data: bytes, tile: Tile) -> list[bytes]:
    """Split a fetched tile; raises ``MalformedTile`` unless it is exactly ``tile.width`` hashes."""
    if len(data) != tile.width * HASH_SIZE:
        raise MalformedTile(f"{len(data)} bytes, expected {tile.width} hashes", tile.path)
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Each entry as a big-endian uint16 length and its bytes. Raises ``DocumentTooLarge`` for an
    entry over 65535 bytes and ``MalformedTile`` for more than 256 entries or none."""
    parts = []
    for number, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_BYTES:
            raise DocumentTooLarge(f"entry is over {MAX_ENTRY_BYTES} bytes", f"entry {number}")
        parts.append(len(entry).to_bytes(2, "big") + entry)
    if not 0 < len(parts) <= TILE_WIDTH:
        raise MalformedTile(f"a bundle holds 1 to {TILE_WIDTH} entries", "entry bundle")
    return b"".join(parts)


def decode_entry_bundle(data: bytes, bundle: EntryBundle) -> list[bytes]:
    """Split a fetched bundle; raises ``MalformedTile`` if an entry is cut short or the count is
    not ``bundle.width``."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise MalformedTile(f"length cut short at byte {offset}", bundle.path)
        end = offset + 2 + int.from_bytes(data[offset : offset + 2], "big")
        if end > len(data):
            raise MalformedTile(f"entry {len(entries)} cut short", bundle.path)
        entries.append(data[offset + 2 : end])
        offset = end
        if len(entries) > bundle.width:
            raise MalformedTile(f"more than {bundle.width} entries", bundle.path)
    if len(entries) != bundle.width:
        raise MalformedTile(f"{len(entries)} entries, expected {bundle.width}", bundle.path)
    return entries
