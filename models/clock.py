"""One clock for every timestamp the registry writes."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

#: Added to the real time by ``now()``; only ``shifted`` changes it (the demo seeds a history weeks old).
_offset: contextvars.ContextVar[timedelta] = contextvars.ContextVar("clock_offset", default=timedelta(0))


def now() -> datetime:
    return datetime.now(UTC) + _offset.get()


@contextmanager
def shifted(by: timedelta) -> Iterator[None]:
    """Within the block (and the tasks it starts), ``now()`` is off by ``by``: the demo seeder records its history as
    having happened weeks ago, so monitoring windows have a past deployment to belong to. Never used by a server."""
    token = _offset.set(by)
    try:
        yield
    finally:
        _offset.reset(token)
