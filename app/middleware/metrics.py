"""Each request counted and timed for ``GET /metrics`` (``app/metrics.py``), when metrics are on."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.middleware.operation import Operation
from models.db.statements import start_counting


class RecordMetrics:
    """Outside everything that may refuse a request, so refusals (429 included) are counted too.

    GraphQL requests are observed by operation (a bounded label, ``app/metrics.py``), type and outcome: ``ok``,
    ``errors`` (executed, with errors), ``cached`` (answered from the response cache), ``not_modified`` (304),
    ``refused`` (4xx before execution), ``rate_limited`` or ``failed`` (5xx).
    """

    def __init__(self, app: ASGIApp, *, graphql_path: str, known_operations: frozenset[str]) -> None:
        self.app = app
        self.graphql_path = graphql_path
        self.known = known_operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counted = start_counting()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._observe(scope, status, time.perf_counter() - started, counted[0])

    def _observe(self, scope: Scope, status: int, seconds: float, statements: int) -> None:
        path = scope["path"]
        route = "graphql" if path == self.graphql_path else "artifacts" if path.startswith("/api/") else "other"
        metrics.HTTP_REQUESTS.labels(route, f"{status // 100}xx").inc()
        if status == 429:
            metrics.RATE_LIMITED.inc()
        if route == "other":
            return
        metrics.STATEMENTS.observe(statements)
        metrics.observe_pool()
        if route != "graphql":
            return
        state = scope.get("state", {})
        operation: Operation = state.get("operation") or Operation()
        cache = state.get("cache")
        if cache is not None:
            metrics.CACHE.labels(cache).inc()
        label = metrics.operation_label(operation.name, self.known)
        metrics.REQUESTS.labels(label, operation.type, _outcome(status, cache, state)).observe(seconds)


def _outcome(status: int, cache: str | None, state: dict[str, object]) -> str:
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "failed"
    if status == 304:
        return "not_modified"
    if cache == "hit":
        return "cached"
    if status >= 400 or state.get("executed") is None:
        return "refused"
    return "ok" if state.get("executed") == "ok" else "errors"
