"""Log timestamps (milliseconds since the Unix epoch) and RFC 3339 instants: read and written
one way, and never one that some time zone cannot show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.credential import date_from_instant
from schemas.errors import MalformedDocument
from schemas.instants import (
    LATEST_MS,
    date_time_ms,
    format_instant,
    format_instant_ms,
    parse_instant,
    parse_instant_ms,
)


@given(st.integers(0, LATEST_MS))
def test_a_log_timestamp_is_the_instant_that_many_milliseconds_after_the_epoch(ms: int) -> None:
    instant = date_time_ms(ms)
    assert instant.tzinfo is UTC
    assert (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1) == ms
    assert instant.microsecond % 1000 == 0
    assert parse_instant_ms(format_instant_ms(instant), "ts") == instant


def test_known_instants() -> None:
    assert date_time_ms(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert format_instant_ms(date_time_ms(1_700_000_000_123)) == "2023-11-14T22:13:20.123Z"


_AWARE = st.datetimes(
    min_value=datetime(1001, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    ),
)


@given(_AWARE)
def test_instants_are_written_as_strftime_writes_them_in_utc(instant: datetime) -> None:
    utc = instant.astimezone(UTC)
    assert format_instant(instant) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert format_instant_ms(instant) == (
        f"{utc.strftime('%Y-%m-%dT%H:%M:%S')}.{utc.microsecond // 1000:03d}Z"
    )


def test_the_latest_log_timestamp_is_the_last_day_but_one_of_year_9999() -> None:
    assert format_instant_ms(date_time_ms(LATEST_MS)) == "9999-12-30T00:00:00.000Z"
    with pytest.raises(MalformedDocument, match="outside the years"):
        parse_instant_ms("9999-12-30T00:00:00.001Z", "ts")


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:00:00Z",  # already the year 10000 in Beijing
        "9999-12-30T00:00:00.000001Z",
        "0001-01-01T00:00:00+01:00",  # the year 0 in UTC
        "0001-01-01T23:59:59Z",
    ],
)
def test_an_instant_some_zone_cannot_show_is_malformed(text: str) -> None:
    with pytest.raises(MalformedDocument, match="outside the years") as refused:
        parse_instant(text, "validFrom")
    assert refused.value.where == "validFrom"


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        # RFC 3339 offsets are whole minutes.
        timezones=st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m))),
    )
)
def test_every_instant_read_can_be_seen_in_utc_and_on_a_beijing_day(instant: datetime) -> None:
    text = instant.isoformat()
    try:
        value = parse_instant(text, "validFrom")
    except MalformedDocument:
        utc = instant.replace(tzinfo=None) - instant.utcoffset()  # type: ignore[operator]
        assert not datetime(1, 1, 2) <= utc <= datetime(9999, 12, 30)
        return
    assert value == instant
    value.astimezone(UTC)
    date_from_instant(value)
