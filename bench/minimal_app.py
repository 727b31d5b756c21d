"""The peer of bench/http.py: a FastAPI endpoint that returns a fixed 1 KB JSON document, the
least a FastAPI service under uvicorn can do per request. It is ``async``, as the verify route
is: a plain ``def`` would hand every request to the thread pool, which costs more than the
endpoint and would flatter whatever is compared with it."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import Response

SIZE = 1024


def _fixed_document(size: int) -> bytes:
    """A valid JSON document of exactly ``size`` bytes: items, then a string that pads it."""
    items = [{"n": n, "text": "x" * 40} for n in range(15)]
    bare = json.dumps({"items": items, "pad": ""}, separators=(",", ":")).encode("ascii")
    if len(bare) > size:
        raise ValueError(f"the items alone take {len(bare)} bytes")
    pad = "p" * (size - len(bare))
    return json.dumps({"items": items, "pad": pad}, separators=(",", ":")).encode("ascii")


FIXED = _fixed_document(SIZE)

app = FastAPI()


@app.get("/fixed")
async def fixed() -> Response:
    return Response(FIXED, media_type="application/json")
