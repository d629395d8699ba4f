"""The rate limit: each request charged to its caller's bucket (``app/rate_limit.py``), 429 when it is empty."""

from __future__ import annotations

import math

from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import Credentials
from app.failures import error_response
from app.middleware.operation import Operation
from app.rate_limit import RateLimiter
from schema.codes import ErrorCode

#: Costs in bucket units. A mutation takes write locks and writes an audit event; an upload writes a blob.
QUERY_COST = 1.0
MUTATION_COST = 5.0


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


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))
