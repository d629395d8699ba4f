"""Scalars of the contract: DateTime (with an explicit offset) and BigInt. JSON is Strawberry's own.

Python types map to them through ``SCALARS`` (``StrawberryConfig.scalar_map``): ``datetime`` is DateTime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NewType

import orjson
import strawberry
from strawberry.types.scalar import ScalarDefinition


def _serialize_datetime(value: datetime) -> str:
    """``value.astimezone(UTC).isoformat()``, written by orjson: the same text (``tests/schema/test_scalars.py``)
    in a fifth of the time. A dashboard serializes some 1,100 date-times."""
    if type(value) is not datetime:  # a subclass: orjson's support for it is not part of its contract
        return value.astimezone(UTC).isoformat()
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return orjson.dumps(value)[1:-1].decode()


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string such as 2026-11-28T09:30:00+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date-time such as 2026-11-28T09:30:00+00:00") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset; add one, e.g. +00:00 or Z")
    try:
        parsed.astimezone(UTC)  # 0001-01-01T00:00:00+01:00 is valid ISO-8601 but before year 1 in UTC
    except OverflowError:
        raise ValueError(f"{value!r} is out of range once converted to UTC (years 1 to 9999)") from None
    return parsed


DateTimeDefinition = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 date-time with an explicit UTC offset, e.g. 2026-11-28T09:30:00+00:00.",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("BigInt must be a whole number")
    return int(value)


BigInt = NewType("BigInt", int)

BigIntDefinition = strawberry.scalar(
    name="BigInt",
    description="A whole number that may exceed 32 bits (artifact sizes in bytes).",
    serialize=int,
    parse_value=_parse_big_int,
)


SCALARS: dict[object, ScalarDefinition] = {datetime: DateTimeDefinition, BigInt: BigIntDefinition}
