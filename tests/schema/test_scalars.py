"""The DateTime scalar writes what ``isoformat()`` writes for the value in UTC (``schema/scalars.py``), through
orjson: checked on the range's ends, on a spread of instants, and on values in other time zones."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from schema.scalars import _serialize_datetime


def _instants() -> list[datetime]:
    spread = random.Random(12)
    first, last = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
    span = int((last - first).total_seconds() * 1_000_000)
    found = [first, last, datetime(999, 5, 4, 3, 2, 1, 10, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]
    found += [first + timedelta(microseconds=spread.randrange(span)) for _ in range(20_000)]
    found += [datetime(2026, 12, 7, tzinfo=UTC) + timedelta(seconds=spread.randrange(10**8)) for _ in range(5_000)]
    return found


def test_a_utc_date_time_is_written_as_isoformat_writes_it() -> None:
    for instant in _instants():
        assert _serialize_datetime(instant) == instant.isoformat()


def test_a_date_time_elsewhere_is_written_in_utc() -> None:
    zones = [ZoneInfo("UTC"), ZoneInfo("Europe/Paris"), ZoneInfo("America/St_Johns"), timezone(timedelta(hours=14))]
    for instant in _instants()[4:2_000]:
        for zone in zones:
            moved = instant.astimezone(zone)
            assert _serialize_datetime(moved) == instant.isoformat(), (moved, zone)


def test_a_subclass_of_datetime_is_written_the_same() -> None:
    class Stamp(datetime):
        pass

    stamp = Stamp(2026, 12, 7, 5, 30, 0, 250, tzinfo=ZoneInfo("Europe/Paris"))
    assert _serialize_datetime(stamp) == stamp.astimezone(UTC).isoformat() == "2026-12-07T04:30:00.000250+00:00"
