"""The log routes: what they serve must check out with ``schemas`` alone, as an auditor or a
witness checks it, against the checkpoint the service signs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.authority import Registry
from registry.settings import Settings
from schemas.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from schemas.note import verify_checkpoint
from schemas.tiles import EntryBundle, Tile, decode_entry_bundle, tile_hashes
from tests.service.conftest import Issuing, assert_problem, log_size


@pytest.fixture
def logged(client: TestClient, registry: Registry, issuing: Issuing) -> int:
    """A log of a few dozen entries over several checkpoints; its size."""
    for batch in (1, 5, 9, 20):
        response = client.post("/v1/credentials", json=[issuing.sign() for _ in range(batch)])
        assert response.status_code == 201
    return log_size(registry)


def _entries(client: TestClient, size: int) -> list[bytes]:
    entries = []
    for index in range(size):
        response = client.get(f"/v1/log/entries/{index}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        entries.append(response.content)
    return entries


def test_the_checkpoint_is_signed_by_the_log(
    client: TestClient, settings: Settings, registry: Registry, logged: int
) -> None:
    response = client.get("/v1/log/checkpoint")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    verified = verify_checkpoint(
        response.text, [registry.log.verifier_key], origin=settings.log_origin
    )
    assert verified.checkpoint.size == logged
    assert client.get("/checkpoint").text == response.text


def test_inclusion_proofs_verify_at_every_index_and_size(
    client: TestClient, registry: Registry, logged: int
) -> None:
    tree = MemoryTree(leaf_hash(entry) for entry in _entries(client, logged))
    for size in (1, 7, logged):
        for index in range(size):
            response = client.get(f"/v1/log/proof/inclusion?index={index}&size={size}")
            proof = response.json()
            assert proof["leaf_hash"] == tree.node_at(0, index).hex()
            assert proof["root"] == tree.root(size).hex()
            verify_inclusion(
                bytes.fromhex(proof["leaf_hash"]),
                index,
                size,
                [bytes.fromhex(node) for node in proof["proof"]],
                tree.root(size),
            )
    latest = client.get("/v1/log/proof/inclusion?index=0").json()
    assert latest["size"] == logged


def test_consistency_proofs_verify_between_every_pair_of_sizes(
    client: TestClient, logged: int
) -> None:
    tree = MemoryTree(leaf_hash(entry) for entry in _entries(client, logged))
    for new in (1, 2, 7, 8, 20, logged):
        for old in range(1, new + 1):
            proof = client.get(f"/v1/log/proof/consistency?old={old}&new={new}").json()
            assert (proof["old_root"], proof["new_root"]) == (
                tree.root(old).hex(),
                tree.root(new).hex(),
            )
            verify_consistency(
                old,
                new,
                tree.root(old),
                tree.root(new),
                [bytes.fromhex(node) for node in proof["proof"]],
            )


OUT_OF_RANGE = [
    ("inclusion?index={size}", "query.index"),
    ("inclusion?index=0&size={size_after}", "query.size"),
    ("inclusion?index=5&size=5", "query.index"),
    ("consistency?old=3&new={size_after}", "query.new"),
    ("consistency?old=9&new=8", "query.old"),
]


def test_a_proof_outside_the_tree_names_the_parameter(client: TestClient, logged: int) -> None:
    for query, field in OUT_OF_RANGE:
        url = "/v1/log/proof/" + query.format(size=logged, size_after=logged + 1)
        problem = assert_problem(client.get(url), "log-range-invalid")
        assert [error["field"] for error in problem["errors"]] == [field], url


def test_an_entry_beyond_the_tree_is_not_found(client: TestClient, logged: int) -> None:
    assert_problem(client.get(f"/v1/log/entries/{logged}"), "log-entry-not-found")


def test_tiles_hold_the_tree_and_its_entries(client: TestClient, logged: int) -> None:
    entries = _entries(client, logged)
    tree = MemoryTree(leaf_hash(entry) for entry in entries)
    tile = Tile(0, 0, logged)
    response = client.get(f"/{tile.path}")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == b"".join(tile_hashes(tile, tree.node_at))
    bundle = EntryBundle(0, logged)
    served = client.get(f"/{bundle.path}").content
    assert decode_entry_bundle(served, bundle) == entries
    smaller = Tile(0, 0, 3)
    assert client.get(f"/{smaller.path}").content == b"".join(tile_hashes(smaller, tree.node_at))


def test_a_tile_outside_the_tree_or_misspelt_is_not_found(client: TestClient, logged: int) -> None:
    for path in ("0/001", f"0/000.p/{logged + 1}", "1/000.p/1", "0/0", "x", "0/000", "entries/001"):
        assert_problem(client.get(f"/tile/{path}"), "tile-not-found")
