"""``GET /metrics``: the server's counters in the Prometheus text format (docs/operations.md, "Metrics").

Off unless ``MODELREG_METRICS`` is on. Under ``modelreg serve --workers N`` every worker writes its samples to
files in ``PROMETHEUS_MULTIPROC_DIR`` (the CLI makes a fresh folder when the operator names none) and whichever
worker answers ``/metrics`` adds them all up: prometheus-client's multiprocess mode.

No label takes a value a caller chooses freely: the operation name is kept only when it is one the server
knows (the bundled client's and examples' operations, and ``MODELREG_METRICS_OPERATIONS``), else it is
``other``, or ``anonymous`` for an operation without a name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from modelreg_client import documents
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from tortoise.connection import connections

#: Operation names of the documents shipped with modelreg: the client's and ``examples/*.graphql``.
_EXAMPLES = ("Dashboard", "ProductionHistory", "CompareVersions", "Promote")
_NAMED = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)
ANONYMOUS = "anonymous"
OTHER = "other"

#: Milliseconds to tens of seconds: a cached answer, a dashboard, a timeout.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STATEMENT_BUCKETS = (0, 1, 2, 4, 8, 16, 32, 64, 128)

REQUESTS = Histogram(
    "modelreg_graphql_request_duration_seconds",
    "GraphQL requests by operation, type and outcome, and how long they took (the _count is the number of requests)",
    ["operation", "type", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "modelreg_http_requests_total", "HTTP requests by route group and status class", ["route", "status"]
)
CACHE = Counter(
    "modelreg_response_cache_requests_total",
    "Queries looked up in the response cache: hit, miss, or not_modified (answered 304 to If-None-Match)",
    ["result"],
)
STATEMENTS = Histogram(
    "modelreg_sql_statements_per_request",
    "SQL statements a request sent (the token lookup included; the cache's generation read not)",
    buckets=_STATEMENT_BUCKETS,
)
RATE_LIMITED = Counter("modelreg_rate_limited_total", "Requests refused by the rate limit (HTTP 429)")
POOL = Gauge(
    "modelreg_db_pool_connections",
    "Database connections of the server processes: in use and idle (PostgreSQL pools; SQLite keeps one)",
    ["state"],
    multiprocess_mode="livesum",
)


def known_operations(extra: Iterable[str] = ()) -> frozenset[str]:
    names = {match for value in vars(documents).values() if isinstance(value, str) for match in _NAMED.findall(value)}
    return frozenset({*names, *_EXAMPLES, *extra})


def operation_label(name: str, known: frozenset[str]) -> str:
    if name == "-":
        return ANONYMOUS
    return name if name in known else OTHER


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


async def metrics(request: Request) -> Response:
    """The route: every worker's samples (multiprocess mode), or this process's."""
    observe_pool()
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it untyped
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def observe_pool() -> None:
    """The pool's current use, for the gauge (read at the end of each request and at each scrape)."""
    try:
        client = connections.get("default")
    except Exception:  # not connected (yet, or any more): nothing to report
        return
    pool = getattr(client, "_pool", None)
    if pool is not None:
        size, idle = pool.get_size(), pool.get_idle_size()
        POOL.labels("in_use").set(size - idle)
        POOL.labels("idle").set(idle)
    else:
        lock = getattr(client, "_lock", None)
        busy = 1 if lock is not None and lock.locked() else 0
        POOL.labels("in_use").set(busy)
        POOL.labels("idle").set(1 - busy)
