"""Token buckets, one per caller, kept in this process's memory.

Each caller (a token's name, or the client address of a request without a valid token) has a bucket
of ``burst`` units that refills at ``rate`` units per second; a request takes its cost from the bucket
or is refused with the time to wait. The buckets live in one process: with several server processes
or hosts, each enforces its own limit, so the effective limit is that many times higher.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import Credentials
from app.failures import error_response
from app.middleware import Operation
from schema.codes import ErrorCode

#: Costs in bucket units. A mutation takes write locks and writes an audit event; an upload writes a blob.
QUERY_COST = 1.0
MUTATION_COST = 5.0
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
        cost = min(cost, self.burst)  # a cost above the burst could never be paid
        if bucket.level >= cost:
            bucket.level -= cost
            return 0.0
        return (cost - bucket.level) / self.rate


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


class RateLimit:
    """Charge each request to its caller's bucket; refuse with 429 and ``Retry-After`` when it is empty.

    The caller is the authenticated token's name, else the client address (also for a token that failed
    to authenticate, so inventing tokens does not buy fresh buckets). Mutations and artifact uploads cost
    ``MUTATION_COST``; queries, downloads and GraphiQL cost ``QUERY_COST``. Paths in ``exempt`` (health
    probes) are free. Must run inside ``Authenticate`` and ``InspectOperation``.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, graphql_path: str, exempt: tuple[str, ...]) -> None:
        self.app = app
        self.limiter = limiter
        self.graphql_path = graphql_path
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        state = scope.get("state", {})
        found: Credentials | None = state.get("credentials")
        if found is not None and found.principal is not None:
            key, who = f"token:{found.principal.name}", f"token {found.principal.name!r}"
        else:
            client = scope.get("client")
            address = client[0] if client else "unknown"
            key, who = f"address:{address}", f"client {address} (no valid token)"
        cost = self._cost(scope, state.get("operation"))
        wait = self.limiter.take(key, cost)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = retry_after(wait)
        message = (
            f"rate limit exceeded for {who}: retry in {seconds} s (it refills {self.limiter.rate:g} units "
            f"per second up to {self.limiter.burst:g}; a query costs {QUERY_COST:g}, a mutation {MUTATION_COST:g})"
        )
        graphql = scope["path"] == self.graphql_path
        # GraphQL clients get the wait in the error too; the artifact routes' documented body has no such field.
        details = {"retryAfter": int(seconds)} if graphql else {}
        response = error_response(
            429, ErrorCode.RATE_LIMITED, message, graphql=graphql, headers={"retry-after": seconds}, **details
        )
        await response(scope, receive, send)

    def _cost(self, scope: Scope, operation: Operation | None) -> float:
        if scope["path"] == self.graphql_path:
            return MUTATION_COST if operation is not None and operation.type == "mutation" else QUERY_COST
        return MUTATION_COST if scope["method"] not in ("GET", "HEAD") else QUERY_COST
