"""Token buckets, one per caller, kept in this process's memory.

Each caller (a token's name, or the client address of a request without a valid token) has a bucket
of ``burst`` points that refills at ``rate`` points per second; a request takes its cost from the bucket
or is refused with the time to wait (``app/middleware/rate_limit.py`` charges requests and answers 429).
The buckets live in one process: with several server processes or hosts, each enforces its own limit,
so the effective limit is that many times higher.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: Buckets kept at most; the least recently used go first (an idle bucket is full, so forgetting it is free).
MAX_BUCKETS = 10_000


@dataclass
class _Bucket:
    level: float
    updated: float


class RateLimiter:
    """``take(key, cost)`` returns 0 when the request may go ahead, else the seconds to wait before retrying."""

    def __init__(
        self,
        *,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, cost: float) -> float:
        bucket = self._refilled(key)
        cost = min(cost, self.burst)  # a cost above the burst could never be paid
        if bucket.level >= cost:
            bucket.level -= cost
            return 0.0
        return (cost - bucket.level) / self.rate

    def level(self, key: str) -> tuple[float, float]:
        """What ``key``'s bucket holds now, and the seconds until it is full again (the rate-limit headers)."""
        bucket = self._refilled(key)
        return bucket.level, (self.burst - bucket.level) / self.rate

    def _refilled(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(level=self.burst, updated=now)
            while len(self._buckets) > self._max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.level = min(self.burst, bucket.level + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket
