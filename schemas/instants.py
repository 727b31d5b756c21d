"""RFC 3339 instants as credentials and status lists write and read them.

Kept apart from ``schemas.credential`` so that modules the credential itself embeds (status list
entries) can use the same forms without importing the credential.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.errors import MalformedDocument, SchemaError

__all__ = [
    "LATEST_MS",
    "date_time_ms",
    "format_instant",
    "format_instant_ms",
    "parse_instant",
    "parse_instant_ms",
]

# RFC 3339 in UTC with exactly three fractional digits: one spelling per instant, the log's
# resolution. Governance documents (keys, changes) use this form and read nothing else.
_INSTANT_MS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def format_instant(instant: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, fractions dropped. ``isoformat`` rather than
    ``strftime``: a verification report formats several, and ``strftime`` costs three times as
    much."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_instant(
    text: Any, where: str, *, error: type[SchemaError] = MalformedDocument
) -> datetime:
    """An RFC 3339 date-time with a zone; raises ``error`` naming ``where``, so each document
    reports a bad instant as its own kind of malformation."""
    if not isinstance(text, str):
        raise error("expected an RFC 3339 date-time string", where)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise error(f"{text!r} is not an RFC 3339 date-time", where) from None
    if value.tzinfo is None or "T" not in text:
        raise error(f"{text!r} has no time zone", where)
    if not _EARLIEST <= value <= _LATEST:
        raise error(f"{text!r} is outside the years 0001 to 9999 in every time zone", where)
    return value


# A day inside either end of ``datetime``'s range: an instant between them can be seen in any
# zone (Beijing days, UTC) without overflow. ``9999-12-31T23:00:00Z`` parses, but it is already
# the year 10000 in Beijing, and a document that could name it would crash whoever reads it.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def format_instant_ms(instant: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC, the fraction truncated to milliseconds."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_instant_ms(
    value: Any, where: str, *, error: type[SchemaError] = MalformedDocument
) -> datetime:
    """``YYYY-MM-DDTHH:MM:SS.sssZ`` exactly; raises ``error`` naming ``where``."""
    if not isinstance(value, str) or not _INSTANT_MS.fullmatch(value):
        raise error(f"{value!r} is not a UTC time of the form YYYY-MM-DDTHH:MM:SS.sssZ", where)
    try:
        instant = datetime.fromisoformat(value.removesuffix("Z") + "+00:00")
    except ValueError:
        raise error(f"{value!r} is not a real time", where) from None
    if not _EARLIEST <= instant <= _LATEST:
        raise error(f"{value!r} is outside the years 0001 to 9999 in every time zone", where)
    return instant


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_MS = (_LATEST - _EPOCH) // timedelta(milliseconds=1)
"""The largest log timestamp ``date_time_ms`` reads: a reader refuses a larger one (and any
negative one) before asking, as it would any other malformed value."""


def date_time_ms(ms: int) -> datetime:
    """The instant of a log timestamp (milliseconds since the Unix epoch, 0..``LATEST_MS``)."""
    return _EPOCH + timedelta(milliseconds=ms)
