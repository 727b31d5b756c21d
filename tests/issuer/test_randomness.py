import uuid

import pytest

from issuer.randomness import BlockRandom


def test_credential_ids_are_version_4_uuids() -> None:
    random = BlockRandom()
    ids = [random.credential_id() for _ in range(500)]
    assert len(set(ids)) == len(ids)
    for credential_id in ids:
        prefix, _, text = credential_id.rpartition(":")
        assert prefix == "urn:uuid"
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_salts_are_hex_of_sixteen_fresh_bytes() -> None:
    random = BlockRandom()
    salts = [random.salt() for _ in range(500)]
    assert all(len(bytes.fromhex(salt)) == 16 for salt in salts)
    assert len(set(salts)) == len(salts)


@pytest.mark.parametrize("count", [1, 7, 16, 33])
def test_every_byte_drawn_is_served_at_most_once(count: int) -> None:
    """Block ``k`` of the source is all byte ``k``: a chunk spanning two blocks, or more bytes
    served from a block than it holds, would show up in the counts."""
    drawn: list[int] = []

    def source(size: int) -> bytes:
        drawn.append(size)
        return bytes([len(drawn) - 1]) * size

    random = BlockRandom(block=32, source=source)
    served = [0] * 256
    for _ in range(150):
        chunk = random.take(count)
        assert len(chunk) == count
        assert len(set(chunk)) == 1
        served[chunk[0]] += count
    assert all(served[k] <= size for k, size in enumerate(drawn))
    assert sum(served) == 150 * count
