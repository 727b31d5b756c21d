"""Cursor pagination for the list routes (``?cursor=&limit=``).

A cursor names the last item of the page it came from by that item's sort key, so a page
starts right after it however the list grew or shrank in between: an issuer registered since,
or a mapping published, never shifts a page and makes a client see an item twice or miss one.
The cursor is opaque to clients (base64url of a small JSON object), and one the service did not
issue is a validation error naming ``query.cursor``.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import URL

from registry.service.problems import Problem
from schemas.b64 import b64url_decode, b64url_encode
from schemas.errors import MalformedDocument
from schemas.strict_json import parse_strict_json

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "PageRequest", "page_request", "paginate"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_MAX_CURSOR = 1024
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    after: str | None
    limit: int


class Page(BaseModel):
    """One page of a list; ``next`` is the URL of the following page, ``null`` on the last."""

    items: list[dict[str, Any]]
    next: str | None = Field(description="Path and query of the next page; null on the last")


def _decode(cursor: str) -> str:
    try:
        document = parse_strict_json(b64url_decode(cursor, "cursor"), limit=_MAX_CURSOR)
    except MalformedDocument:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("after"), str):
        raise Problem(
            "validation-error",
            "invalid: query.cursor",
            errors=[
                {"field": "query.cursor", "detail": "not a cursor of the form the service writes"}
            ],
        )
    after: str = document["after"]
    return after


def _encode(after: str) -> str:
    return b64url_encode(json.dumps({"after": after}, separators=(",", ":")).encode())


def page_request(
    cursor: Annotated[
        str | None,
        Query(max_length=_MAX_CURSOR, description="From the `next` of the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(_decode(cursor) if cursor is not None else None, limit)


def paginate(
    items: Sequence[_T],
    key: Callable[[_T], str],
    render: Callable[[_T], dict[str, Any]],
    request: PageRequest,
    url: URL,
) -> JSONResponse:
    """The page of ``items`` (in ``key`` order) after the cursor, as ``{"items", "next"}``
    with the next page also in a ``Link: <…>; rel="next"`` header."""
    ordered = sorted(items, key=key)
    keys = [key(item) for item in ordered]
    start = 0 if request.after is None else bisect_right(keys, request.after)
    chunk = ordered[start : start + request.limit]
    headers = {}
    next_url = None
    if start + request.limit < len(ordered):
        following = url.include_query_params(cursor=_encode(keys[start + request.limit - 1]))
        next_url = f"{following.path}?{following.query}"
        headers["Link"] = f'<{next_url}>; rel="next"'
    return JSONResponse(
        {"items": [render(item) for item in chunk], "next": next_url}, headers=headers
    )
