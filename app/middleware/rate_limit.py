"""The rate limit: each request charged to its caller's bucket (``app/rate_limit.py``) in points, 429 when it is
empty; every GraphQL response says what it cost and what is left (``X-RateLimit-*``)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import Credentials
from app.failures import error_response
from app.rate_limit import RateLimiter
from schema.codes import ErrorCode
from schema.cost import MUTATION_POINTS, Allowance, Cost

#: Points of the artifact routes and of a ``/graphql`` request that cannot be priced (GraphiQL's page, a
#: document that does not parse). An upload writes a blob, as a mutation writes rows.
READ_POINTS = 1
UPLOAD_POINTS = MUTATION_POINTS


class RateLimit:
    """Charge each request to its caller's bucket; refuse with 429 and ``Retry-After`` when it is empty.

    The caller is the authenticated token's name, else the client address (also for a token that failed
    to authenticate, so inventing tokens does not buy fresh buckets). A GraphQL operation costs the points of
    its price (``schema/cost.py``: list fetches / 100, at least 1; a mutation 5; a ``rateLimit(dryRun: true)``
    nothing; an operation over ``max_nodes``, refused before it runs, 1). Uploads cost 5, downloads 1. Paths in
    ``exempt`` (health probes) are free. Must run inside ``Authenticate`` and ``InspectOperation``.

    Every ``/graphql`` response carries ``X-RateLimit-Limit`` (the bucket's size), ``-Remaining`` (points left,
    rounded down), ``-Reset`` (Unix time when the bucket is full again) and ``-Cost`` (points charged).
    """

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, graphql_path: str, exempt: tuple[str, ...], max_nodes: int
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.graphql_path = graphql_path
        self.exempt = exempt
        self.max_nodes = max_nodes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        found: Credentials | None = state.get("credentials")
        client = scope.get("client")
        key, who = bucket(found.principal.name if found is not None and found.principal else None, client)
        graphql = scope["path"] == self.graphql_path
        points = points_of(state.get("cost"), self.max_nodes) if graphql else self._route_points(scope)
        wait = self.limiter.take(key, points) if points else 0.0
        allowance = allowance_of(self.limiter, key)
        level = self.limiter.level(key)[0]
        headers = {
            "x-ratelimit-limit": str(allowance.limit),
            "x-ratelimit-remaining": str(allowance.remaining),
            "x-ratelimit-reset": str(allowance.reset_at),
            "x-ratelimit-cost": str(points if wait <= 0 else 0),
        }
        if wait <= 0:
            state["allowance"] = allowance
            await self.app(scope, receive, _with_headers(send, headers) if graphql else send)
            return
        seconds = retry_after(wait)
        message = (
            f"rate limit exceeded for {who}: this request costs {points:g} points and the bucket holds "
            f"{level:.0f}; retry in {seconds} s (it refills {self.limiter.rate:g} points per second up to "
            f"{self.limiter.burst:g}; the rateLimit query field prices a document without running it)"
        )
        # GraphQL clients get the wait in the error too; the artifact routes' documented body has no such field.
        details = {"retryAfter": int(seconds)} if graphql else {}
        response = error_response(
            429,
            ErrorCode.RATE_LIMITED,
            message,
            graphql=graphql,
            headers={"retry-after": seconds, **(headers if graphql else {})},
            **details,
        )
        await response(scope, receive, send)

    @staticmethod
    def _route_points(scope: Scope) -> int:
        return UPLOAD_POINTS if scope["method"] not in ("GET", "HEAD") else READ_POINTS


def bucket(token: str | None, client: Sequence[Any] | None) -> tuple[str, str]:
    """The bucket a caller is charged to, and how a refusal names the caller: the authenticated token's name, else
    the client address (also for a token that failed to authenticate, so inventing tokens buys no fresh buckets).
    HTTP requests and a WebSocket's operations (app/websocket.py) share the buckets."""
    if token is not None:
        return f"token:{token}", f"token {token!r}"
    address = client[0] if client else "unknown"
    return f"address:{address}", f"client {address} (no valid token)"


def allowance_of(limiter: RateLimiter, key: str) -> Allowance:
    """What the bucket ``key`` holds now, as the ``X-RateLimit-*`` headers and the ``rateLimit`` field tell it."""
    level, full_in = limiter.level(key)
    return Allowance(limit=int(limiter.burst), remaining=int(level), reset_at=math.ceil(time.time() + full_in))


def points_of(cost: Cost | None, max_nodes: int) -> int:
    """What a GraphQL operation of this price is charged (over HTTP here, over a WebSocket in app/websocket.py)."""
    if cost is None:
        return READ_POINTS
    if cost.dry_run:
        return 0
    if cost.nodes > max_nodes:
        return READ_POINTS  # refused before it runs: it costs what a refusal costs
    return cost.points


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    encoded = [(name.encode(), value.encode()) for name, value in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *encoded]
        await send(message)

    return send_with_headers


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))
