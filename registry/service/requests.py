"""Request bodies read as sent, for the routes whose media type decides how to read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

__all__ = ["RawBody", "media_type", "raw_body"]


async def raw_body(request: Request) -> bytes:
    """Route dependency: the body bytes (already bounded by ``BodySizeLimit``)."""
    return await request.body()


def media_type(request: Request) -> str:
    """The ``Content-Type`` without parameters, lowercased: ``application/json``."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


RawBody = Annotated[bytes, Depends(raw_body)]
