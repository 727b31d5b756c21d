"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/, REC 2025-05-15).

A status list is one bit per credential: set means revoked (or suspended), in a bitstring of at
least 131,072 entries so that fetching the list does not say which credential is being checked
(§6.1 herd privacy). Bit 0 is the most significant bit of the first byte (§2.2, §7.1); reading
it the other way round checks the wrong credential, which is why it is tested bit by bit.

``encodedList`` is ``u`` (multibase base64url) + unpadded base64url of one GZIP member (§2.2,
§3.3). Encoding is deterministic (mtime 0, zlib level 6), so an unchanged list republishes as the
same bytes; level 6 also writes the header the spec's own example has, byte for byte. Decoding is
strict: canonical base64url, exactly one GZIP member with nothing after it, and a bound on the
expanded size, because ``encodedList`` arrives from whoever serves the list and a few kilobytes
of GZIP can expand to gigabytes.

Only 1-bit ``revocation`` and ``suspension`` lists are read or written; ``message`` and
``refresh`` purposes, ``statusSize`` other than 1 and status messages are refused, not guessed at.
"""

from __future__ import annotations

import gzip
import random
import re
import secrets
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from schemas.b64 import b64url_decode, b64url_encode
from schemas.errors import (
    MalformedDocument,
    MalformedStatusEntry,
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListError,
    StatusListFull,
    StatusListTooLarge,
    StatusListTooShort,
)
from schemas.instants import format_instant, parse_instant
from schemas.strict_json import require_members

__all__ = [
    "ENTRY_TYPE",
    "MAX_LIST_BYTES",
    "MIN_ENTRIES",
    "REVOCATION",
    "STATUS_PURPOSES",
    "SUSPENSION",
    "StatusBits",
    "StatusEntry",
    "allocate_indexes",
    "parse_status_entry",
    "parse_status_list_credential",
    "status_list_credential",
]

MIN_ENTRIES = 131_072
MAX_LIST_BYTES = 16 * 1024 * 1024
REVOCATION = "revocation"
SUSPENSION = "suspension"
STATUS_PURPOSES = frozenset({REVOCATION, SUSPENSION})
ENTRY_TYPE = "BitstringStatusListEntry"

_VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_CREDENTIAL_TYPES = ("VerifiableCredential", "BitstringStatusListCredential")
_LIST_TYPE = "BitstringStatusList"
_MULTIBASE_BASE64URL = "u"
_GZIP_LEVEL = 6
_GZIP_ONLY = 16 + zlib.MAX_WBITS
_ENTRY_REQUIRED = frozenset(
    {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"}
)
_ENTRY_MEMBERS = _ENTRY_REQUIRED | {"statusSize"}
# Decimal, no sign or leading zeros (§2.1), and small enough for a signed 64-bit column.
_INDEX = re.compile(r"0|[1-9][0-9]{0,17}")
_MAX_INDEX = 10**18 - 1
_MAX_URL = 2048
_URL = re.compile(r"https?://[!-~]+")
# Random draws stop paying once most land on taken indexes. Scanning the whole list costs
# about as much as size/4 draws, so that is the budget before scanning: a single pick scans, in
# practice, only once fewer than ~20 indexes are left, and a batch once it takes most of them.
_DRAWS_PER_INDEX = 4
_SCAN_COST_IN_DRAWS = 4
_FIRST_RANDOM_BLOCK = 64
_LAST_RANDOM_BLOCK = 4096


def _max_encoded_chars(max_bytes: int) -> int:
    """Longest ``encodedList`` that can expand to ``max_bytes``: GZIP stored blocks grow data by
    well under 0.1%, and 1 KiB covers the header's optional name and comment fields."""
    compressed = max_bytes + max_bytes // 1024 + 1024
    return len(_MULTIBASE_BASE64URL) + -(-4 * compressed // 3)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Expand one GZIP member (RFC 1952) to at most ``max_bytes``, never holding more."""
    inflater = zlib.decompressobj(wbits=_GZIP_ONLY)
    try:
        expanded = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise MalformedStatusList(f"not GZIP data ({exc})", "encodedList") from exc
    if len(expanded) > max_bytes:
        raise StatusListTooLarge(
            f"expands to more than the limit of {max_bytes} bytes", "encodedList"
        )
    if not inflater.eof:
        raise MalformedStatusList("GZIP data is empty or cut short", "encodedList")
    if inflater.unused_data:
        raise MalformedStatusList("data after the GZIP member", "encodedList")
    return expanded


class StatusBits:
    """A status list's bitstring, fixed in length; ``==`` compares the bits."""

    __slots__ = ("_bytes", "_size")

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        if size < MIN_ENTRIES:
            raise StatusListTooShort(
                f"{size} entries is fewer than the minimum of {MIN_ENTRIES}", "size"
            )
        if size % 8:
            raise MalformedStatusList(f"{size} entries is not a whole number of bytes", "size")
        if size > MAX_LIST_BYTES * 8:
            raise StatusListTooLarge(
                f"{size} entries is more than the limit of {MAX_LIST_BYTES * 8}", "size"
            )
        self._size = size
        self._bytes = bytearray(size // 8)

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusBits):
            return NotImplemented
        return self._bytes == other._bytes

    def _check(self, index: int) -> None:
        if not 0 <= index < self._size:
            raise StatusIndexOutOfRange(index, self._size)

    def get(self, index: int) -> bool:
        """Whether the status at ``index`` is set; raises ``StatusIndexOutOfRange`` (the
        spec's ``RANGE_ERROR``, §3.2 step 10) past the end."""
        self._check(index)
        return bool(self._bytes[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool) -> None:
        self._check(index)
        mask = 0x80 >> (index & 7)
        if value:
            self._bytes[index >> 3] |= mask
        else:
            self._bytes[index >> 3] &= ~mask & 0xFF

    def encode(self) -> str:
        """The ``encodedList`` value (§3.3 Bitstring Generation Algorithm, step 3)."""
        compressed = gzip.compress(self._bytes, compresslevel=_GZIP_LEVEL, mtime=0)
        return _MULTIBASE_BASE64URL + b64url_encode(compressed)

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = MAX_LIST_BYTES) -> StatusBits:
        """Read an ``encodedList`` (§3.4 Bitstring Expansion Algorithm).

        Raises ``MalformedStatusList`` (no ``u`` prefix, not strict base64url, not exactly one
        GZIP member), ``StatusListTooLarge`` (longer than ``max_bytes`` could encode to, or
        expanding past it) or ``StatusListTooShort`` (under ``MIN_ENTRIES``, §3.2 step 9).
        """
        if not isinstance(encoded, str) or not encoded.startswith(_MULTIBASE_BASE64URL):
            raise MalformedStatusList(
                "expected multibase base64url: 'u' and then unpadded base64url", "encodedList"
            )
        limit = _max_encoded_chars(max_bytes)
        if len(encoded) > limit:
            raise StatusListTooLarge(
                f"{len(encoded)} characters is more than {limit}, the most a list of "
                f"{max_bytes} bytes encodes to",
                "encodedList",
            )
        try:
            compressed = b64url_decode(encoded[len(_MULTIBASE_BASE64URL) :], "encodedList")
        except MalformedDocument as exc:
            raise MalformedStatusList(exc.message, "encodedList") from exc
        expanded = _gunzip(compressed, max_bytes)
        if len(expanded) * 8 < MIN_ENTRIES:
            raise StatusListTooShort(
                f"{len(expanded) * 8} entries is fewer than the minimum of {MIN_ENTRIES}",
                "encodedList",
            )
        bits = cls(len(expanded) * 8)
        bits._bytes[:] = expanded
        return bits


@lru_cache(maxsize=1024)
def _url_problem(value: str) -> str | None:
    """Why ``value`` is not a list URL, or ``None``. Cached: a registry has few lists, and every
    credential of a batch, or every one a verifier reads, names one of them."""
    if len(value) > _MAX_URL or not _URL.fullmatch(value):
        return f"expected an http(s) URL of at most {_MAX_URL} characters"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "expected an http(s) URL"
    if not parts.hostname or "#" in value:
        return "expected an http(s) URL with a host and no fragment"
    return None


def _list_url(value: Any, where: str, error: type[StatusListError]) -> str:
    """An http(s) URL without a fragment: entry ids are ``<list URL>#<index>``, so a fragment
    in the list URL would make them ambiguous."""
    if not isinstance(value, str):
        raise error(f"expected an http(s) URL of at most {_MAX_URL} characters", where)
    problem = _url_problem(value)
    if problem is not None:
        raise error(problem, where)
    return value


def _purpose(value: Any, where: str, error: type[StatusListError]) -> str:
    if not isinstance(value, str) or value not in STATUS_PURPOSES:
        raise error(f"expected one of {sorted(STATUS_PURPOSES)}", where)
    return value


def _single_bit(document: Mapping[str, Any], where: str, error: type[StatusListError]) -> None:
    """``statusSize`` absent means 1 (§2.1); any other size changes which bits an index names."""
    if "statusSize" in document and not (
        type(document["statusSize"]) is int and document["statusSize"] == 1
    ):
        raise error("only statusSize 1 is supported", where)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A credential's ``credentialStatus`` (§2.1), pointing at one bit of one list.

    ``id`` is derived as ``<status_list_credential>#<status_list_index>``, so it cannot disagree
    with the list and index it names.
    """

    status_purpose: str
    status_list_index: int
    status_list_credential: str

    def __post_init__(self) -> None:
        _purpose(self.status_purpose, "credentialStatus.statusPurpose", MalformedStatusEntry)
        index = self.status_list_index
        if type(index) is not int or not 0 <= index <= _MAX_INDEX:
            raise MalformedStatusEntry(
                f"expected an integer in 0..{_MAX_INDEX}", "credentialStatus.statusListIndex"
            )
        _list_url(
            self.status_list_credential,
            "credentialStatus.statusListCredential",
            MalformedStatusEntry,
        )

    @property
    def id(self) -> str:
        return f"{self.status_list_credential}#{self.status_list_index}"

    def to_json(self) -> dict[str, str]:
        # §2.1: an arbitrary-size integer "expressed as a string in base 10".
        return self.json_with_index(str(self.status_list_index))

    def json_with_index(self, index: str) -> dict[str, str]:
        """``to_json`` with ``index`` standing for the index's decimal text, so that a writer
        can lay an entry out once per list and put each credential's index in."""
        return {
            "id": f"{self.status_list_credential}#{index}",
            "type": ENTRY_TYPE,
            "statusPurpose": self.status_purpose,
            "statusListIndex": index,
            "statusListCredential": self.status_list_credential,
        }


def parse_status_entry(document: Any) -> StatusEntry:
    """Read one ``BitstringStatusListEntry``; raises ``MalformedStatusEntry`` naming the member.

    Strict: the ``id`` must be the one ``StatusEntry`` derives, the index canonical decimal text,
    and no member beyond the five ``to_json`` writes (and ``statusSize`` 1) may appear.
    """
    document = require_members(
        document,
        allowed=_ENTRY_MEMBERS,
        required=_ENTRY_REQUIRED,
        error=MalformedStatusEntry,
        where="credentialStatus",
        what="a status entry",
        unknown_because="only 1-bit revocation and suspension entries are read",
    )
    if document["type"] != ENTRY_TYPE:
        raise MalformedStatusEntry(f"expected {ENTRY_TYPE!r}", "credentialStatus.type")
    _single_bit(document, "credentialStatus.statusSize", MalformedStatusEntry)
    index = document["statusListIndex"]
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise MalformedStatusEntry(
            "expected a string of 1 to 18 decimal digits without leading zeros",
            "credentialStatus.statusListIndex",
        )
    entry = StatusEntry(
        status_purpose=document["statusPurpose"],
        status_list_index=int(index),
        status_list_credential=document["statusListCredential"],
    )
    if document["id"] != entry.id:
        raise MalformedStatusEntry(f"expected {entry.id!r}", "credentialStatus.id")
    return entry


def status_list_credential(
    *, list_id: str, issuer: str, purpose: str, bits: StatusBits, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` (§2.2) publishing ``bits`` at ``list_id``.

    Raises ``MalformedStatusList`` for a ``list_id`` that is not an http(s) URL without a
    fragment, an empty ``issuer`` or an unknown ``purpose``; ``StatusListError`` for a naive
    ``valid_from``, which would otherwise be read in the machine's local zone.
    """
    _list_url(list_id, "id", MalformedStatusList)
    if not isinstance(issuer, str) or not issuer:
        raise MalformedStatusList("expected a non-empty issuer id", "issuer")
    _purpose(purpose, "credentialSubject.statusPurpose", MalformedStatusList)
    if valid_from.utcoffset() is None:
        raise StatusListError("valid_from must be timezone-aware", "validFrom")
    return {
        "@context": [_VC_V2_CONTEXT],
        "id": list_id,
        "type": list(_CREDENTIAL_TYPES),
        "issuer": issuer,
        "validFrom": format_instant(valid_from),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": _LIST_TYPE,
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }


def _check_issuer(issuer: Any) -> None:
    """VC Data Model 2.0 ``issuer``: a URL string, or an object whose ``id`` is one."""
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise MalformedStatusList("expected an issuer id, or an object with one", "issuer")


def parse_status_list_credential(
    document: Any, *, max_bytes: int = MAX_LIST_BYTES
) -> tuple[str, StatusBits, str]:
    """Read an unsigned ``BitstringStatusListCredential``: ``(purpose, bits, list id)``.

    The caller verifies the signature and that the list id is the ``statusListCredential`` it
    dereferenced. Raises ``MalformedStatusList`` (or ``StatusListTooShort`` /
    ``StatusListTooLarge`` from ``StatusBits.decode``) naming the member that is wrong. A list
    with several purposes (§2.2 allows an array) is refused: this module reads one per list.
    """
    if not isinstance(document, dict):
        raise MalformedStatusList("expected a JSON object", "status list credential")
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != _VC_V2_CONTEXT:
        raise MalformedStatusList(f"expected a list starting with {_VC_V2_CONTEXT!r}", "@context")
    types = document.get("type")
    if (
        not isinstance(types, list)
        or not all(isinstance(name, str) for name in types)
        or not set(_CREDENTIAL_TYPES) <= set(types)
    ):
        raise MalformedStatusList(f"expected a list including {list(_CREDENTIAL_TYPES)}", "type")
    list_id = _list_url(document.get("id"), "id", MalformedStatusList)
    _check_issuer(document.get("issuer"))
    for member in ("validFrom", "validUntil"):
        if member in document:
            try:
                parse_instant(document[member], member)
            except MalformedDocument as exc:
                raise MalformedStatusList(exc.message, member) from exc
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise MalformedStatusList("expected a JSON object", "credentialSubject")
    if subject.get("type") != _LIST_TYPE:
        raise MalformedStatusList(f"expected {_LIST_TYPE!r}", "credentialSubject.type")
    if "id" in subject and not isinstance(subject["id"], str):
        raise MalformedStatusList("expected a string", "credentialSubject.id")
    purpose = _purpose(
        subject.get("statusPurpose"), "credentialSubject.statusPurpose", MalformedStatusList
    )
    _single_bit(subject, "credentialSubject.statusSize", MalformedStatusList)
    if "encodedList" not in subject:
        raise MalformedStatusList("missing", "credentialSubject.encodedList")
    bits = StatusBits.decode(subject["encodedList"], max_bytes=max_bytes)
    return purpose, bits, list_id


class _Below:
    """Uniform integers below a bound, cut from ``randbytes`` blocks.

    ``SystemRandom.randrange`` makes an ``os.urandom`` call (a system call that releases the GIL)
    per draw, twice on average; filling one list that way is half a million calls. Blocks start
    small, since most allocations want one index, and double while more are drawn.
    """

    def __init__(self, source: random.Random) -> None:
        self._source = source
        self._block = _FIRST_RANDOM_BLOCK
        self._words: Iterator[tuple[int]] = iter(())

    def __call__(self, bound: int) -> int:
        mask = (1 << (bound - 1).bit_length()) - 1
        while True:
            for (word,) in self._words:
                # Masking to the bound's bit length and redrawing above it keeps every value
                # equally likely (no modulo bias).
                if word & mask < bound:
                    return word & mask
            self._words = struct.iter_unpack("<I", self._source.randbytes(self._block))
            self._block = min(2 * self._block, _LAST_RANDOM_BLOCK)


def allocate_indexes(
    taken: AbstractSet[int] | Callable[[int], bool],
    count: int,
    *,
    size: int = MIN_ENTRIES,
    rng: random.Random | None = None,
) -> list[int]:
    """``count`` distinct free indexes of a list of ``size`` entries, in random order.

    §2.1 asks for random assignment so an index says nothing about when a credential was issued
    or how many share the list; the default source is the OS CSPRNG, so indexes cannot be
    predicted from earlier ones. ``taken`` is the set of used indexes or a predicate (e.g. a
    database lookup). Each pick is uniform over the indexes still free: random draws while they
    mostly land on free indexes, then one scan of the list and a partial shuffle of what is free.

    Raises ``StatusListFull`` with ``free`` (how many could be had here) when fewer than
    ``count`` are free; nothing is allocated then.
    """
    if count < 0:
        raise StatusListError(f"cannot allocate {count} indexes", "count")
    if not 0 < size <= MAX_LIST_BYTES * 8:
        raise StatusListError(f"expected a list size in 1..{MAX_LIST_BYTES * 8}", "size")
    below = _Below(secrets.SystemRandom() if rng is None else rng)
    is_taken = taken.__contains__ if isinstance(taken, AbstractSet) else taken
    chosen: dict[int, None] = {}
    draws = _DRAWS_PER_INDEX * count + size // _SCAN_COST_IN_DRAWS
    while len(chosen) < count and draws:
        draws -= 1
        index = below(size)
        if not is_taken(index):
            chosen[index] = None
    missing = count - len(chosen)
    if missing:
        free = [index for index in range(size) if index not in chosen and not is_taken(index)]
        if len(free) < missing:
            raise StatusListFull(count, len(free) + len(chosen), size)
        for position in range(missing):
            other = position + below(len(free) - position)
            free[position], free[other] = free[other], free[position]
        chosen.update(dict.fromkeys(free[:missing]))
    return list(chosen)
