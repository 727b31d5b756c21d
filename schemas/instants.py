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
    return value


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
        return datetime.fromisoformat(value.removesuffix("Z") + "+00:00")
    except ValueError:
        raise error(f"{value!r} is not a real time", where) from None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def date_time_ms(ms: int) -> datetime:
    """The instant of a log timestamp (milliseconds since the Unix epoch)."""
    return _EPOCH + timedelta(milliseconds=ms)
