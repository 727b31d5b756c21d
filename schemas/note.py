"""C2SP signed notes, checkpoints and Ed25519 cosignatures.

Implements c2sp.org/signed-note (note format, Ed25519 signature type 0x01, verifier keys),
c2sp.org/tlog-checkpoint (the note text of a log's tree head) and c2sp.org/tlog-cosignature
(``cosignature/v1``, type 0x04). Parsing is strict: one accepted spelling for every note, key and
checkpoint, so the bytes that are signed are the bytes that are read.

A note's text means nothing until ``verify_note`` or ``verify_checkpoint`` has checked a signature
by a trusted key; only they make ``VerifiedNote`` and ``VerifiedCheckpoint``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas.errors import (
    CheckpointOriginMismatch,
    InvalidNoteSignature,
    MalformedCheckpoint,
    MalformedNote,
    MalformedVerifierKey,
    SchemaError,
    UnverifiedNote,
)

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Checkpoint",
    "Note",
    "NoteSignature",
    "VerifiedCheckpoint",
    "VerifiedNote",
    "VerifiedSignature",
    "VerifierKey",
    "cosignature",
    "cosignature_message",
    "format_checkpoint",
    "format_note",
    "format_vkey",
    "key_id",
    "note_signature",
    "parse_checkpoint",
    "parse_unverified_note",
    "parse_vkey",
    "sign_note",
    "verify_checkpoint",
    "verify_note",
]

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_MAX_TIMESTAMP = (1 << 63) - 1
_MAX_TREE_SIZE = (1 << 63) - 1

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_HEX_ID = re.compile(r"[0-9a-f]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_SIG_PREFIX = "— "
_SEAL = object()


def _check_name(name: str, error: type[MalformedNote] | type[MalformedVerifierKey]) -> None:
    """signed-note: key names are non-empty, without Unicode spaces or ``+``."""
    if not name or "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise error(f"{name!r} is not a key name (empty, or has a space, + or control)", "name")


def _b64decode(text: str, what: str, error: type[SchemaError]) -> bytes:
    """Standard base64 (RFC 4648 §4), padded and canonical: one spelling per byte string."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise error("not standard padded base64", what) from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise error("non-canonical base64 (stray bits in the last character)", what)
    return raw


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """signed-note: SHA-256(name || 0x0A || type || public key)[:4], big-endian uint32 bytes."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A trusted Ed25519 key: signature type ``ED25519`` signs note text, ``COSIGNATURE_V1``
    signs the cosignature/v1 message over a checkpoint."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name, MalformedVerifierKey)
        if self.sig_type not in (ED25519, COSIGNATURE_V1):
            raise MalformedVerifierKey(f"unsupported signature type {self.sig_type:#04x}", "type")
        if len(self.public_key) != 32:
            raise MalformedVerifierKey("an Ed25519 public key is 32 bytes", "key")

    @classmethod
    def from_public_key(
        cls, name: str, public_key: Ed25519PublicKey, sig_type: int = ED25519
    ) -> VerifierKey:
        return cls(name, sig_type, public_key.public_bytes_raw())

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public_key)


def parse_vkey(text: str) -> VerifierKey:
    """Read ``<name>+<8 lower-case hex key ID>+<base64(type || public key)>``.

    Raises ``MalformedVerifierKey`` if a part is missing or not canonical, the type is not 0x01 or
    0x04, or the key ID is not the one the name and key hash to.
    """
    name, _, rest = text.partition("+")
    hex_id, _, key_b64 = rest.partition("+")
    if _HEX_ID.fullmatch(hex_id) is None:
        raise MalformedVerifierKey("key ID is not 8 lower-case hex digits", "vkey")
    raw = _b64decode(key_b64, "vkey", MalformedVerifierKey)
    if not raw:
        raise MalformedVerifierKey("no key material", "vkey")
    key = VerifierKey(name, raw[0], raw[1:])
    if key.key_id.hex() != hex_id:
        raise MalformedVerifierKey(f"key ID {hex_id} does not match the key", name)
    return key


def format_vkey(key: VerifierKey) -> str:
    encoded = base64.b64encode(bytes([key.sig_type]) + key.public_key).decode("ascii")
    return f"{key.name}+{key.key_id.hex()}+{encoded}"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, and the signature bytes after the ID."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A note as written, signatures not checked."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that verified; ``timestamp`` is the cosignature time (POSIX seconds), or
    ``None`` for a plain note signature."""

    key: VerifierKey
    timestamp: int | None


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """Made only by ``verify_note``: ``text`` was signed by every key in ``signatures``."""

    text: str
    signatures: tuple[VerifiedSignature, ...]
    unverified: tuple[NoteSignature, ...]
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise TypeError("VerifiedNote is made only by verify_note")


def _check_text(text: str, error: type[MalformedNote] | type[MalformedCheckpoint]) -> None:
    if _CONTROL.search(text):
        raise error("control character other than newline", "text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error("not valid UTF-8 (lone surrogate)", "text") from exc


def _parse_signature(line: str, number: int) -> NoteSignature:
    where = f"signature line {number}"
    if not line.startswith(_SIG_PREFIX):
        raise MalformedNote("does not start with an em dash and a space", where)
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space:
        raise MalformedNote("no space between key name and signature", where)
    _check_name(name, MalformedNote)
    raw = _b64decode(encoded, where, MalformedNote)
    if len(raw) < 5:
        raise MalformedNote("signature is shorter than a key ID and one byte", where)
    return NoteSignature(name, raw[:4], raw[4:])


def parse_unverified_note(data: bytes | str) -> Note:
    """Split a signed note into text and signature lines, checking form only (signed-note
    §Format): UTF-8, no control characters but newline, text ending in a newline, a blank line,
    then 1 to ``MAX_SIGNATURES`` lines ``— <name> <base64>``. Raises ``MalformedNote``."""
    if len(data) > MAX_NOTE_BYTES:
        raise MalformedNote(f"note is over {MAX_NOTE_BYTES} bytes", "note")
    if isinstance(data, str):
        _check_text(data, MalformedNote)
        message, size = data, len(data.encode("utf-8"))
    else:
        try:
            message, size = data.decode("utf-8"), len(data)
        except UnicodeDecodeError as exc:
            raise MalformedNote(f"not valid UTF-8 at byte {exc.start}", "note") from exc
        _check_text(message, MalformedNote)
    if size > MAX_NOTE_BYTES:
        raise MalformedNote(f"note is over {MAX_NOTE_BYTES} bytes", "note")
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures", "note")
    body, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNote("no signature lines, or the last one has no newline", "note")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures", "note")
    return Note(body, tuple(_parse_signature(line, n) for n, line in enumerate(lines, 1)))


def format_note(text: str, signatures: Iterable[NoteSignature]) -> str:
    """Write a signed note; refuses text or signatures that ``parse_unverified_note`` would not
    read back as the same note."""
    if not text.endswith("\n"):
        raise MalformedNote("note text must end with a newline", "text")
    _check_text(text, MalformedNote)
    signatures = tuple(signatures)
    if not signatures:
        raise MalformedNote("a note needs at least one signature", "signatures")
    for signature in signatures:
        _check_name(signature.name, MalformedNote)
        if len(signature.key_id) != 4 or not signature.signature:
            raise MalformedNote("key ID must be 4 bytes and the signature non-empty", "signature")
    return text + "\n" + "".join(signature.line for signature in signatures)


def note_signature(text: str, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    """Sign note ``text`` with Ed25519 (signature type 0x01): the signature covers the text
    including its final newline, and nothing else."""
    key = VerifierKey.from_public_key(name, private_key.public_key())
    return NoteSignature(name, key.key_id, private_key.sign(text.encode("utf-8")))


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """A complete signed note with one Ed25519 signature."""
    return format_note(text, [note_signature(text, name, private_key)])


def cosignature_message(text: str, timestamp: int) -> bytes:
    """tlog-cosignature §Ed25519 signed message: header line, time line, then the note text."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise MalformedNote(f"timestamp {timestamp} is outside 0..2**63-1", "timestamp")
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosignature(
    text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> NoteSignature:
    """A ``cosignature/v1`` signature line over checkpoint ``text`` at ``timestamp`` (POSIX
    seconds): key ID with type 0x04, signature = 8-byte big-endian timestamp || Ed25519."""
    key = VerifierKey.from_public_key(name, private_key.public_key(), COSIGNATURE_V1)
    signed = private_key.sign(cosignature_message(text, timestamp))
    return NoteSignature(name, key.key_id, timestamp.to_bytes(8, "big") + signed)


def _verify(key: VerifierKey, text: str, signature: bytes) -> int | None:
    """Check one signature by a known key; returns the cosignature timestamp, if any."""
    timestamp = None
    message = text.encode("utf-8")
    if key.sig_type == COSIGNATURE_V1:
        if len(signature) != 72:
            raise InvalidNoteSignature("a cosignature is 72 bytes", _key_label(key))
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            raise InvalidNoteSignature("cosignature timestamp over 2**63-1", _key_label(key))
        message, signature = cosignature_message(text, timestamp), signature[8:]
    if len(signature) != 64:
        raise InvalidNoteSignature("an Ed25519 signature is 64 bytes", _key_label(key))
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, message)
    except InvalidSignature as exc:
        raise InvalidNoteSignature("signature does not verify", _key_label(key)) from exc
    return timestamp


def _key_label(key: VerifierKey) -> str:
    return f"{key.name}+{key.key_id.hex()}"


def _index_keys(keys: Iterable[VerifierKey]) -> dict[tuple[str, bytes], VerifierKey]:
    known: dict[tuple[str, bytes], VerifierKey] = {}
    for key in keys:
        other = known.setdefault((key.name, key.key_id), key)
        if other != key:
            raise MalformedVerifierKey("two trusted keys share a name and key ID", _key_label(key))
    return known


def verify_note(data: bytes | str, keys: Iterable[VerifierKey]) -> VerifiedNote:
    """Open a signed note with the trusted ``keys`` (signed-note §Signatures).

    A signature whose name and key ID (both) match no trusted key is ignored and listed in
    ``unverified``. Every signature that matches one is checked, and one that fails rejects the
    whole note (``InvalidNoteSignature``). With no signature from a trusted key the note is
    ``UnverifiedNote``. Repeated lines are reported once.
    """
    note = parse_unverified_note(data)
    known = _index_keys(keys)
    verified: dict[tuple[str, bytes], VerifiedSignature] = {}
    unverified: list[NoteSignature] = []
    for signature in note.signatures:
        key = known.get((signature.name, signature.key_id))
        if key is None:
            if signature not in unverified:
                unverified.append(signature)
            continue
        timestamp = _verify(key, note.text, signature.signature)
        verified.setdefault((key.name, key.key_id), VerifiedSignature(key, timestamp))
    if not verified:
        raise UnverifiedNote("no signature by a trusted key", "note")
    return VerifiedNote(note.text, tuple(verified.values()), tuple(unverified), _SEAL)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """tlog-checkpoint note text: origin, tree size, root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for number, line in enumerate((self.origin, *self.extensions), 1):
            if not line or "\n" in line:
                raise MalformedCheckpoint("empty, or holds a newline", f"checkpoint line {number}")
            _check_text(line, MalformedCheckpoint)
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise MalformedCheckpoint(f"tree size {self.size} is outside 0..2**63-1", "size")
        if len(self.root_hash) != 32:
            raise MalformedCheckpoint("root hash is not 32 bytes", "root hash")


def parse_checkpoint(text: str) -> Checkpoint:
    """Read checkpoint note text (tlog-checkpoint §Note text). Raises ``MalformedCheckpoint``
    unless it is three or more non-empty newline-terminated lines: origin, a decimal size with no
    leading zeros (at most 2**63-1), the canonical base64 of a 32-byte root, extension lines.

    This reads form only; the text is trustworthy when it comes from ``verify_checkpoint``.
    """
    if not text.endswith("\n"):
        raise MalformedCheckpoint("does not end with a newline", "checkpoint")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpoint("fewer than three lines", "checkpoint")
    origin, size, root, *extensions = lines
    if _DECIMAL.fullmatch(size) is None:
        raise MalformedCheckpoint("not a decimal without leading zeros", "checkpoint line 2")
    if len(size) > 19:
        raise MalformedCheckpoint("tree size over 2**63-1", "checkpoint line 2")
    root_hash = _b64decode(root, "checkpoint line 3", MalformedCheckpoint)
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def format_checkpoint(checkpoint: Checkpoint) -> str:
    root = base64.b64encode(checkpoint.root_hash).decode("ascii")
    lines = (checkpoint.origin, str(checkpoint.size), root, *checkpoint.extensions)
    return "".join(line + "\n" for line in lines)


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """Made only by ``verify_checkpoint``: a checkpoint signed by the log, with every signature
    (the log's and any trusted cosigners', with their timestamps) that verified."""

    checkpoint: Checkpoint
    signatures: tuple[VerifiedSignature, ...]
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise TypeError("VerifiedCheckpoint is made only by verify_checkpoint")

    @property
    def cosignatures(self) -> tuple[VerifiedSignature, ...]:
        return tuple(s for s in self.signatures if s.key.sig_type == COSIGNATURE_V1)


def verify_checkpoint(
    data: bytes | str,
    log_keys: Iterable[VerifierKey],
    *,
    origin: str,
    cosigners: Iterable[VerifierKey] = (),
) -> VerifiedCheckpoint:
    """Verify a checkpoint from the log named by ``origin``.

    At least one signature must be by one of ``log_keys`` (``UnverifiedNote`` otherwise: a
    witness alone does not make a tree head). Signatures by ``cosigners`` are checked too and
    reported; how many are needed is the caller's policy. The text is parsed only after a
    signature verified, and its origin line must equal ``origin``.
    """
    log_keys = tuple(log_keys)
    note = verify_note(data, (*log_keys, *cosigners))
    if not any(signature.key in log_keys for signature in note.signatures):
        raise UnverifiedNote("no signature by the log's key", "checkpoint")
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise CheckpointOriginMismatch(
            f"checkpoint is for {checkpoint.origin!r}, expected {origin!r}", "origin"
        )
    return VerifiedCheckpoint(checkpoint, note.signatures, _SEAL)
