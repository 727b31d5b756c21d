"""The peer of bench/http.py: a FastAPI endpoint that returns a fixed 1 KB JSON document, the
least a FastAPI service under uvicorn can do per request."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import Response

FIXED = (
    '{"items":[' + ",".join(f'{{"n":{i},"text":"{"x" * 40}"}}' for i in range(19)) + "]}"
).encode("ascii")[:1024]

app = FastAPI()


@app.get("/fixed")
def fixed() -> Response:
    return Response(FIXED, media_type="application/json")
