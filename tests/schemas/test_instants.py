"""Log timestamps (milliseconds since the Unix epoch) as instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from schemas.instants import date_time_ms, format_instant, format_instant_ms, parse_instant_ms

_LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


@given(st.integers(0, _LAST_MS))
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
