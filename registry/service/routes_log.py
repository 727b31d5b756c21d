"""The log's read side: checkpoint, proofs, entries, and the C2SP tlog-tiles layout.

Proofs are the documents ``skillcert log prove --json`` prints. Every size and index is
checked against the latest checkpoint before the log is asked, so a size the log has not
reached is the ``log-range-invalid`` problem naming the parameter, never a guess. Tiles are
served for the tree of the latest checkpoint; a full tile never changes and may be cached for
good, a partial one only until the tree grows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from registry.service.models import ConsistencyProofDocument, InclusionProofDocument
from registry.service.problems import Problem, problem_responses
from registry.service.state import Service, ServiceState
from registry.tiles import read_entry_bundle, read_tile
from registry.witnesses import served_checkpoint
from schemas.errors import MalformedTilePath
from schemas.tiles import TILE_WIDTH, Tile, parse_tile_path

__all__ = ["router"]

router = APIRouter(tags=["log"])
_NOTE_MEDIA_TYPE = "text/plain; charset=utf-8"
_MAX_SIZE = 2**63 - 1
_IMMUTABLE = "public, max-age=31536000, immutable"
_RANGE_PROBLEMS = problem_responses("log-range-invalid", "validation-error")


def _out_of_range(field: str, detail: str) -> Problem:
    return Problem(
        "log-range-invalid", f"{field}: {detail}", errors=[{"field": field, "detail": detail}]
    )


def _tree_size(state: ServiceState) -> int:
    return state.registry.log.checkpoint().size


_CHECKPOINT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "C2SP tlog-checkpoint signed note with every witness cosignature held",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/v1/log/checkpoint",
    response_class=Response,
    summary="The latest signed checkpoint",
    responses=_CHECKPOINT_RESPONSE,
)
async def checkpoint(state: Service) -> Response:
    """Exactly what `skillcert log checkpoint` prints."""
    # On the event loop and without the registry lock: two indexed reads of rows that never
    # change, which neither database makes wait for a writer (WAL, MVCC), and what the log
    # object remembers of them is only a hint (the largest checkpoint seen). Witnesses and
    # monitors poll this route; a hand-off to a worker thread cost more than the reads.
    note = served_checkpoint(state.registry.engine, state.registry.log)
    return Response(note, media_type=_NOTE_MEDIA_TYPE, headers={"Cache-Control": "no-cache"})


@router.get(
    "/checkpoint",
    response_class=Response,
    summary="The latest signed checkpoint (tlog-tiles path)",
    responses=_CHECKPOINT_RESPONSE,
)
async def tiles_checkpoint(state: Service) -> Response:
    return await checkpoint(state)


@router.get(
    "/v1/log/proof/inclusion",
    response_model=InclusionProofDocument,
    summary="Inclusion proof of an entry (RFC 9162 §2.1.3)",
    responses=_RANGE_PROBLEMS,
)
def inclusion_proof(
    state: Service,
    index: Annotated[int, Query(ge=0, le=_MAX_SIZE, description="Entry index")],
    size: Annotated[
        int | None, Query(ge=1, le=_MAX_SIZE, description="Tree size (default: latest)")
    ] = None,
) -> JSONResponse:
    """As `skillcert log prove --index N [--size M] --json`."""
    with state.lock:
        latest = _tree_size(state)
        tree = latest if size is None else size
        if tree > latest:
            raise _out_of_range("query.size", f"the log's latest checkpoint is of size {latest}")
        if index >= tree:
            raise _out_of_range("query.index", f"the tree of size {tree} ends at {tree - 1}")
        proof = state.registry.log.inclusion_proof(index, tree)
    return JSONResponse(proof.to_json())


@router.get(
    "/v1/log/proof/consistency",
    response_model=ConsistencyProofDocument,
    summary="Consistency proof between two tree sizes (RFC 9162 §2.1.4)",
    responses=_RANGE_PROBLEMS,
)
def consistency_proof(
    old: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="Older tree size")],
    new: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="Newer tree size")],
    state: Service,
) -> JSONResponse:
    """As `skillcert log prove --old A --new B --json`."""
    with state.lock:
        latest = _tree_size(state)
        if new > latest:
            raise _out_of_range("query.new", f"the log's latest checkpoint is of size {latest}")
        if old > new:
            raise _out_of_range("query.old", f"must not exceed new ({new})")
        proof = state.registry.log.consistency_proof(old, new)
    return JSONResponse(proof.to_json())


@router.get(
    "/v1/log/entries/{index}",
    response_class=Response,
    summary="One log entry, its exact bytes",
    responses={
        200: {
            "description": "The entry's RFC 8785 JSON bytes; SHA-256 of 0x00 and these bytes "
            "is its leaf hash",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **problem_responses("log-entry-not-found", "validation-error"),
    },
)
def log_entry(
    index: Annotated[int, PathParam(ge=0, le=_MAX_SIZE)],
    state: Service,
) -> Response:
    with state.lock:
        latest = _tree_size(state)
        if index >= latest:
            raise Problem(
                "log-entry-not-found", f"the log's latest checkpoint holds {latest} entries"
            )
        (entry,) = state.registry.log.store.entries(index, index + 1)
    return Response(entry, media_type="application/json", headers={"Cache-Control": _IMMUTABLE})


@router.get(
    "/tile/{tile_path:path}",
    response_class=Response,
    summary="C2SP tlog-tiles: a tile or an entry bundle",
    responses={
        200: {
            "description": "`tile/<L>/<N>[.p/<W>]`: the hashes; `tile/entries/<N>[.p/<W>]`: "
            "the entries, each with its 2-byte big-endian length",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses("tile-not-found"),
    },
)
def tile(
    tile_path: Annotated[str, PathParam(examples=["0/000", "entries/000.p/7"])],
    state: Service,
) -> Response:
    try:
        requested = parse_tile_path(f"tile/{tile_path}")
    except MalformedTilePath as exc:
        raise Problem("tile-not-found", f"tile/{tile_path} is not a tile path: {exc}") from None
    store = state.registry.log.store
    with state.lock:
        size = _tree_size(state)
        if isinstance(requested, Tile):
            data = read_tile(store, requested, size)
        else:
            data = read_entry_bundle(store, requested, size)
    cache = _IMMUTABLE if requested.width == TILE_WIDTH else "no-cache"
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})
