"""C2SP signed notes, checkpoints and cosignatures: upstream notes, sumdb/note known answers,
malformed input, and round trips."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.errors import (
    CheckpointOriginMismatch,
    InvalidNoteSignature,
    MalformedCheckpoint,
    MalformedNote,
    MalformedVerifierKey,
    NoteError,
    UnverifiedNote,
)
from schemas.note import (
    COSIGNATURE_V1,
    ED25519,
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Checkpoint,
    NoteSignature,
    VerifiedCheckpoint,
    VerifiedNote,
    VerifierKey,
    cosignature,
    cosignature_message,
    format_checkpoint,
    format_note,
    format_vkey,
    key_id,
    note_signature,
    parse_checkpoint,
    parse_unverified_note,
    parse_vkey,
    sign_note,
    verify_checkpoint,
    verify_note,
)
from tests.conftest import VECTORS

NOTES = json.loads((VECTORS / "log" / "note_vectors.json").read_text())["cases"]
SIGNING = json.loads((VECTORS / "log" / "note_signing.json").read_text())
PETER = next(c for c in NOTES if c["id"] == "gomod-note-peter")
# What each failing vector fails with; the vector file says only that it fails.
FAILS_WITH = {
    "gomod-note-no-known-key": UnverifiedNote,
    "gomod-note-corrupted-signature": InvalidNoteSignature,
    "sunlight-witness-cosig-wrong-size": InvalidNoteSignature,
}


def _peter_signer() -> Ed25519PrivateKey:
    skey = SIGNING["sign"]["skey"]
    private, key, name, hex_id, encoded = skey.split("+", 4)
    assert (private, key, name, hex_id) == ("PRIVATE", "KEY", "PeterNeumann", "c74f20a3")
    raw = base64.b64decode(encoded)
    assert raw[0] == ED25519
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


@pytest.fixture
def make_key() -> Callable[..., tuple[Ed25519PrivateKey, VerifierKey]]:
    def make(name: str, sig_type: int = ED25519) -> tuple[Ed25519PrivateKey, VerifierKey]:
        private = Ed25519PrivateKey.generate()
        return private, VerifierKey.from_public_key(name, private.public_key(), sig_type)

    return make


# --- upstream vectors --------------------------------------------------------------------------


@pytest.mark.parametrize("case", NOTES, ids=[c["id"] for c in NOTES])
def test_note_vectors(case: dict[str, Any]) -> None:
    keys = [parse_vkey(text) for text in case["vkeys"]]
    assert [format_vkey(key) for key in keys] == case["vkeys"]
    note = case["note"]
    if case["expected"] == "invalid":
        with pytest.raises(FAILS_WITH[case["id"]]):
            verify_note(note, keys)
        return
    for data in (note, note.encode()):
        verified = verify_note(data, keys)
        assert [s.key.name for s in verified.signatures] == case["expected_verified"]
        assert [s.name for s in verified.unverified] == case.get("expected_unverified", [])
        assert verified.text == parse_unverified_note(note).text
    parsed = parse_unverified_note(note)
    assert format_note(parsed.text, parsed.signatures) == note


def test_vector_outcomes_cover_both_results() -> None:
    assert {c["expected"] for c in NOTES} == {"valid", "invalid"}
    assert set(FAILS_WITH) == {c["id"] for c in NOTES if c["expected"] == "invalid"}


@pytest.mark.parametrize("case", NOTES, ids=[c["id"] for c in NOTES])
def test_checkpoint_vectors(case: dict[str, Any]) -> None:
    """Notes of three lines are checkpoints and read back exactly; shorter ones are refused."""
    text = parse_unverified_note(case["note"]).text
    if text.count("\n") < 3:
        with pytest.raises(MalformedCheckpoint, match="three"):
            parse_checkpoint(text)
        return
    checkpoint = parse_checkpoint(text)
    assert format_checkpoint(checkpoint) == text
    expected = case.get("checkpoint")
    if isinstance(expected, dict):
        assert checkpoint.origin == expected["origin"]
        assert checkpoint.size == expected["size"]
        assert base64.b64encode(checkpoint.root_hash).decode() == expected["root_b64"]


def test_cosignature_vectors_carry_their_timestamp() -> None:
    for case in NOTES:
        if case["signature_type"].startswith("0x04") and case["expected"] == "valid":
            keys = [parse_vkey(text) for text in case["vkeys"]]
            verified = verify_note(case["note"], keys)
            (signature,) = verified.signatures
            assert signature.key.sig_type == COSIGNATURE_V1
            raw = next(
                s.signature
                for s in parse_unverified_note(case["note"]).signatures
                if s.name == signature.key.name
            )
            assert signature.timestamp == int.from_bytes(raw[:8], "big")


def test_sumdb_signing_known_answer() -> None:
    private = _peter_signer()
    key = VerifierKey.from_public_key("PeterNeumann", private.public_key())
    assert format_vkey(key) == SIGNING["sign"]["vkey"]
    assert key.key_id.hex() == "c74f20a3"
    note = sign_note(SIGNING["sign"]["text"], "PeterNeumann", private)
    assert note == SIGNING["sign"]["note"] == PETER["note"]


@pytest.mark.parametrize("case", SIGNING["bad_vkeys"], ids=[c["why"] for c in SIGNING["bad_vkeys"]])
def test_sumdb_bad_vkeys(case: dict[str, str]) -> None:
    with pytest.raises(MalformedVerifierKey):
        parse_vkey(case["vkey"])


def test_every_mangled_vkey_is_refused() -> None:
    """Upstream's TestNewVerifier: no proper substring and no one-byte change is a key."""
    vkey = SIGNING["sign"]["vkey"]
    mangled = {vkey[i:j] for i in range(len(vkey) + 1) for j in range(i + 1, len(vkey) + 1)}
    mangled |= {vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :] for i in range(len(vkey))}
    mangled.discard(vkey)
    for text in mangled:
        with pytest.raises(MalformedVerifierKey):
            parse_vkey(text)


def test_sumdb_malformed_messages() -> None:
    """Upstream's TestOpen bad messages, rebuilt from the vector note."""
    parsed = parse_unverified_note(PETER["note"])
    text, line = parsed.text, parsed.signatures[0].line
    keys = [parse_vkey(PETER["vkeys"][0])]
    bad: list[str | bytes] = [
        text,
        text + "\n",
        text + "\n" + line[:-1],
        "\x01" + text + "\n" + line,
        b"\xff" + (text + "\n" + line).encode(),
        text + "\n" + line.replace("PeterNeumann", "Bad Name")[:-1],
        text + "\n" + line + "Unexpected line.\n",
        text + "\n" + line * (MAX_SIGNATURES + 1),
    ]
    for message in bad:
        with pytest.raises(MalformedNote):
            verify_note(message, keys)
    verify_note(text + "\n" + line * MAX_SIGNATURES, keys)


# --- signed-note rules -------------------------------------------------------------------------


def test_unknown_keys_are_ignored_known_ones_checked(
    make_key: Callable[..., tuple[Ed25519PrivateKey, VerifierKey]],
) -> None:
    log_private, log_key = make_key("log.example/a")
    other_private, other_key = make_key("log.example/a")
    text = "hello\n"
    mine = note_signature(text, log_key.name, log_private)
    theirs = note_signature(text, other_key.name, other_private)
    forged_id = NoteSignature(log_key.name, other_key.key_id, mine.signature)
    forged_name = NoteSignature("log.example/b", log_key.key_id, mine.signature)
    note = format_note(text, [theirs, forged_id, forged_name, mine, mine])
    verified = verify_note(note, [log_key])
    assert [s.key for s in verified.signatures] == [log_key]
    assert verified.unverified == (theirs, forged_id, forged_name)
    with pytest.raises(UnverifiedNote):
        verify_note(format_note(text, [theirs]), [log_key])
    bad = NoteSignature(log_key.name, log_key.key_id, theirs.signature)
    with pytest.raises(InvalidNoteSignature, match=log_key.key_id.hex()):
        verify_note(format_note(text, [mine, bad]), [log_key])


def test_ambiguous_trusted_keys_are_refused(
    make_key: Callable[..., tuple[Ed25519PrivateKey, VerifierKey]],
) -> None:
    private, key = make_key("a")
    twin = VerifierKey(key.name, key.sig_type, bytes(32))
    note = sign_note("x\n", "a", private)
    assert verify_note(note, [key, key]).signatures[0].key == key
    with pytest.raises(MalformedVerifierKey, match="share"):
        # Not a real collision: key IDs are only compared, so patch one in.
        verify_note(note, [key, _with_key_id(twin, key.key_id)])


def _with_key_id(key: VerifierKey, wanted: bytes) -> VerifierKey:
    class Colliding(VerifierKey):
        __slots__ = ()

        @property
        def key_id(self) -> bytes:
            return wanted

    return Colliding(key.name, key.sig_type, key.public_key)


@pytest.mark.parametrize(
    "note",
    [
        "text\n\n-- a AAAAAAA=\n",
        "text\n\n—a AAAAAAA=\n",
        "text\n\n— a\n",
        "text\n\n— a \n",
        "text\n\n— a+b AAAAAAA=\n",
        "text\n\n—  AAAAAAA=\n",
        "text\n\n— a AAAAAA==\n",
        "text\n\n— a AAAAAAB=\n",
        "text\n\n— a AAAAAAA\n",
        "text\n\n— a AAAA AAA=\n",
        "text\n\n",
        "text\r\n\n— a AAAAAAA=\n",
        "te\txt\n\n— a AAAAAAA=\n",
        "text\n\n— a AAAAAAA=",
        "\ud800\n\n— a AAAAAAA=\n",
        "text\n\n— a\u00a0b AAAAAAA=\n",
    ],
)
def test_malformed_notes(note: str) -> None:
    with pytest.raises(MalformedNote):
        parse_unverified_note(note)


def test_size_limit() -> None:
    line = "— a AAAAAAA=\n"
    text = "x" * (MAX_NOTE_BYTES - len(line.encode()) - 2) + "\n"
    assert len((text + "\n" + line).encode()) == MAX_NOTE_BYTES
    assert len(parse_unverified_note(text + "\n" + line).text) == len(text)
    with pytest.raises(MalformedNote, match="over"):
        parse_unverified_note("é" + text + "\n" + line)
    with pytest.raises(MalformedNote, match="over"):
        parse_unverified_note(("x" + text + "\n" + line).encode())


def test_format_note_refuses_what_it_could_not_read_back() -> None:
    sig = NoteSignature("a", b"\x00" * 4, b"\x01")
    for text in ("no newline", "tab\there\n", ""):
        with pytest.raises(MalformedNote):
            format_note(text, [sig])
    with pytest.raises(MalformedNote):
        format_note("ok\n", [])
    for bad in (NoteSignature("a b", b"\x00" * 4, b"\x01"), NoteSignature("a", b"\x00", b"\x01")):
        with pytest.raises(MalformedNote):
            format_note("ok\n", [bad])


def test_verified_objects_are_made_only_by_verification() -> None:
    with pytest.raises(TypeError):
        VerifiedNote("x\n", (), ())
    with pytest.raises(TypeError):
        VerifiedCheckpoint(Checkpoint("o", 0, bytes(32)), ())


note_texts = st.lists(
    st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters=[chr(i) for i in range(32)]),
        max_size=20,
    ),
    min_size=1,
    max_size=5,
).map(lambda lines: "".join(line + "\n" for line in lines))
key_names = st.text(
    st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), exclude_characters="+"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(note_texts, key_names, st.integers(0, 2**63 - 1))
def test_sign_parse_verify_round_trip(text: str, name: str, timestamp: int) -> None:
    private = Ed25519PrivateKey.generate()
    key = VerifierKey.from_public_key(name, private.public_key())
    witness = VerifierKey.from_public_key(name, private.public_key(), COSIGNATURE_V1)
    signatures = [note_signature(text, name, private), cosignature(text, name, private, timestamp)]
    note = format_note(text, signatures)
    assert parse_unverified_note(note).signatures == tuple(signatures)
    assert parse_unverified_note(note).text == text
    verified = verify_note(note.encode(), [witness, key])
    assert [(s.key, s.timestamp) for s in verified.signatures] == [
        (key, None),
        (witness, timestamp),
    ]
    assert parse_vkey(format_vkey(key)) == key
    assert key.key_id != witness.key_id == key_id(name, COSIGNATURE_V1, key.public_key)


# --- verifier keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_vkey_strictness(vkey: str) -> None:
    with pytest.raises(MalformedVerifierKey):
        parse_vkey(vkey)


def test_vkey_types(make_key: Callable[..., tuple[Ed25519PrivateKey, VerifierKey]]) -> None:
    _, plain = make_key("w.example")
    cosigner = VerifierKey(plain.name, COSIGNATURE_V1, plain.public_key)
    assert base64.b64decode(format_vkey(cosigner).split("+", 2)[2])[0] == COSIGNATURE_V1
    assert parse_vkey(format_vkey(cosigner)) == cosigner
    for sig_type in (0x00, 0x02, 0x05, 0xFF):
        with pytest.raises(MalformedVerifierKey, match="type"):
            VerifierKey(plain.name, sig_type, plain.public_key)
    with pytest.raises(MalformedVerifierKey):
        VerifierKey("a b", ED25519, plain.public_key)


# --- checkpoints and cosignatures --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "log\n007\n" + "A" * 43 + "=\n",
        "log\n-1\n" + "A" * 43 + "=\n",
        "log\n+1\n" + "A" * 43 + "=\n",
        "log\n 1\n" + "A" * 43 + "=\n",
        "log\n１\n" + "A" * 43 + "=\n",
        "log\n9223372036854775808\n" + "A" * 43 + "=\n",
        "log\n99999999999999999999999\n" + "A" * 43 + "=\n",
        "log\n1\n" + "A" * 42 + "==\n",
        "log\n1\n" + "A" * 42 + "B=\n",
        "log\n1\n" + "A" * 43 + "\n",
        "log\n1\n" + "A" * 43 + "=",
        "\n1\n" + "A" * 43 + "=\n",
        "log\n1\n" + "A" * 43 + "=\n\n",
        "log\n1\n" + "A" * 43 + "=\next\n\n",
        "log\n1\n",
        "lo\tg\n1\n" + "A" * 43 + "=\n",
    ],
)
def test_checkpoint_strictness(text: str) -> None:
    with pytest.raises(MalformedCheckpoint):
        parse_checkpoint(text)


def test_checkpoint_round_trip() -> None:
    for checkpoint in (
        Checkpoint("example.com/log", 0, bytes(32)),
        Checkpoint("any origin, even with spaces", 2**63 - 1, bytes(range(32)), ("ext 1", "x")),
    ):
        assert parse_checkpoint(format_checkpoint(checkpoint)) == checkpoint
    for bad in (
        lambda: Checkpoint("", 1, bytes(32)),
        lambda: Checkpoint("o", -1, bytes(32)),
        lambda: Checkpoint("o", 1, bytes(31)),
        lambda: Checkpoint("o", 1, bytes(32), ("",)),
        lambda: Checkpoint("o\nx", 1, bytes(32)),
    ):
        with pytest.raises(MalformedCheckpoint):
            bad()


def test_cosignature_message_layout() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    message = cosignature_message(body, 1679315147)
    assert message == b"cosignature/v1\ntime 1679315147\n" + body.encode()
    for bad in (-1, 2**63):
        with pytest.raises(MalformedNote):
            cosignature_message(body, bad)


def test_verify_checkpoint(make_key: Callable[..., tuple[Ed25519PrivateKey, VerifierKey]]) -> None:
    log_private, log_key = make_key("log.example")
    witness_private, witness_key = make_key("witness.example", COSIGNATURE_V1)
    body = format_checkpoint(Checkpoint("log.example", 300, bytes(range(32))))
    log_sig = note_signature(body, "log.example", log_private)
    cosig = cosignature(body, "witness.example", witness_private, 1767139200)
    note = format_note(body, [log_sig, cosig])

    verified = verify_checkpoint(note, [log_key], origin="log.example", cosigners=[witness_key])
    assert verified.checkpoint == parse_checkpoint(body)
    assert [(s.key, s.timestamp) for s in verified.cosignatures] == [(witness_key, 1767139200)]
    assert len(verify_checkpoint(note, [log_key], origin="log.example").signatures) == 1

    with pytest.raises(UnverifiedNote, match="log"):
        verify_checkpoint(
            format_note(body, [cosig]), [log_key], origin="log.example", cosigners=[witness_key]
        )
    with pytest.raises(CheckpointOriginMismatch):
        verify_checkpoint(note, [log_key], origin="other.example")
    later = (1767139201).to_bytes(8, "big") + cosig.signature[8:]
    shifted = NoteSignature(cosig.name, cosig.key_id, later)
    for bad in (shifted, NoteSignature(cosig.name, cosig.key_id, cosig.signature[:71])):
        with pytest.raises(InvalidNoteSignature, match=r"witness\.example"):
            verify_checkpoint(
                format_note(body, [log_sig, bad]),
                [log_key],
                origin="log.example",
                cosigners=[witness_key],
            )
    prose = "not a checkpoint\n"
    signed_prose = format_note(prose, [note_signature(prose, "log.example", log_private)])
    with pytest.raises(MalformedCheckpoint):
        verify_checkpoint(signed_prose, [log_key], origin="log.example")


def test_cosignature_with_impossible_timestamp_is_refused(
    make_key: Callable[..., tuple[Ed25519PrivateKey, VerifierKey]],
) -> None:
    private, key = make_key("w", COSIGNATURE_V1)
    body = "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n"
    good = cosignature(body, "w", private, 5)
    top = NoteSignature("w", key.key_id, (2**63).to_bytes(8, "big") + good.signature[8:])
    with pytest.raises(InvalidNoteSignature, match="2\\*\\*63"):
        verify_note(format_note(body, [top]), [key])
    assert isinstance(InvalidNoteSignature("x"), NoteError)
