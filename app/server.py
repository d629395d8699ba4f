"""The composition root: ``create_app(settings)`` builds the Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from tortoise import Tortoise

from app import graphiql, metrics
from app.artifact_store import clean_at_start, open_store
from app.event_stream import StreamLimiter, event_stream
from app.failures import DATABASE_ERRORS, database_failure_handler, error_response
from app.graphql_view import RegistryGraphQL
from app.logs import configure as configure_logging
from app.middleware.access_log import AccessLog
from app.middleware.authenticate import Authenticate
from app.middleware.body import BodyLimit
from app.middleware.json_only import JsonOnly
from app.middleware.metrics import RecordMetrics
from app.middleware.operation import InspectOperation
from app.middleware.rate_limit import RateLimit
from app.middleware.request_id import RequestId
from app.persisted_queries import PersistedQueries
from app.rate_limit import RateLimiter
from app.response_cache import ResponseCache
from app.routes import artifact_routes, healthz, readyz
from app.settings import Settings
from app.ui.routes import ui_routes
from models.db import retry
from models.db.connection import tortoise_config
from models.idempotency import purge_expired
from models.webhooks import policy as webhook_policy
from models.webhooks.delivery import Worker
from schema import subscriptions
from schema.build import build_schema, schema
from schema.codes import ErrorCode

GRAPHQL = "/graphql"
PROBES = ("/healthz", "/readyz", "/metrics")
#: Documents of automatic persisted queries each process remembers (app/persisted_queries.py).
PERSISTED_QUERIES = 512
log = logging.getLogger("modelreg.http")


def create_app(settings: Settings, *, graphql_schema: strawberry.Schema | None = None) -> Starlette:
    """The registry as an ASGI app. The database must already be migrated (``modelreg serve`` does it).

    ``graphql_schema`` replaces the registry's schema (built by ``schema.build.build_schema``, say with
    extra extensions); by default it is the registry's, without introspection if the settings say so.
    """
    store = open_store(settings.artifact_location, max_bytes=settings.max_artifact_bytes)
    upload, download = artifact_routes(store)
    if graphql_schema is None:
        graphql_schema = schema if settings.introspection else build_schema(introspection=False)
    streams = StreamLimiter(per_principal=settings.streams_per_token)
    # One set of buckets for the HTTP requests (the ``RateLimit`` middleware) and a WebSocket's operations.
    limiter = (
        RateLimiter(rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst)
        if settings.rate_limit_per_second > 0
        else None
    )
    subscriptions.POLL_SECONDS = settings.events_poll_seconds
    subscriptions.TOKEN_CHECK_SECONDS = settings.token_check_seconds
    graphql = RegistryGraphQL(
        graphql_schema,
        allow_anonymous_read=settings.allow_anonymous_read,
        graphiql=settings.graphiql,
        timeout_seconds=settings.execution_timeout_seconds,
        streams=streams,
        subscriptions_per_connection=settings.subscriptions_per_connection,
        max_nodes=settings.max_nodes,
        cache=ResponseCache(settings.response_cache_bytes) if settings.response_cache else None,
        validators=settings.response_cache,
        limiter=limiter,
    )
    events = event_stream(
        streams, allow_anonymous_read=settings.allow_anonymous_read, poll_seconds=settings.events_poll_seconds
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The global fallback lets request tasks see the connections opened in the lifespan task.
        retry.configure(settings.tuning.retry_policy)
        stack = contextlib.ExitStack()
        config = tortoise_config(settings.database_url, settings.tuning.postgres)
        await Tortoise.init(config=config, _enable_global_fallback=True)
        await clean_at_start(store)  # temporary files and staged uploads of uploads killed midway
        purging = asyncio.create_task(_purge_idempotency_keys(settings))
        webhook_policy.configure(settings.delivery)
        stack.enter_context(streams.closed_on_exit())
        background = [purging]
        if settings.delivery_worker:  # docs/events.md: a delivery worker in every server process
            background.append(asyncio.create_task(Worker(settings.delivery).run()))
        try:
            yield
        finally:
            stack.close()
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await Tortoise.close_connections()

    app = Starlette(
        routes=[
            Route(GRAPHQL, graphql, methods=["GET", "POST"]),
            WebSocketRoute(GRAPHQL, graphql),  # subscriptions (graphql-transport-ws)
            Route("/api/events", events, methods=["GET"]),  # the same events as server-sent events
            Route("/api/artifacts", upload, methods=["POST"]),
            Route("/api/artifacts/{sha256}", download, methods=["GET", "HEAD"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *([Route("/metrics", metrics.metrics, methods=["GET"])] if settings.metrics else []),
            # GraphiQL's scripts and styles, from this server (app/graphiql.py); none when GraphiQL is off.
            *([graphiql.assets_route()] if settings.graphiql else []),
            # The web UI (docs/ui.md): pages at / and below, through the same schema as the view.
            *ui_routes(
                graphql_schema,
                allow_anonymous_read=settings.allow_anonymous_read,
                graphiql=settings.graphiql,
                download=download,
            ),
        ],
        middleware=_middleware(settings, limiter),
        exception_handlers={
            Exception: _internal_error,
            HTTPException: _http_error,
            **{kind: database_failure_handler for kind in DATABASE_ERRORS},
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.artifact_store = store
    return app


def worker_app(settings: Settings) -> Starlette:
    """The app of one ``modelreg serve --workers N`` process: a spawned process sets up its own logging."""
    configure_logging()
    app = create_app(settings)
    tune_garbage_collector(settings.tuning.gc_threshold)
    return app


def tune_garbage_collector(threshold: int) -> None:
    """Fewer, cheaper garbage collections in a server process (docs/performance.md, "Garbage collection").

    A dashboard allocates about a million objects, nearly all freed by reference counting; with Python's default
    threshold (700 allocations) the collector ran dozens of times per dashboard, its older generations walking
    everything imported at start. ``gc.freeze()`` moves what exists now (modules, the schema, the app) out of the
    collector's sight, and the young generation is collected every ``threshold`` allocations (a larger one saves
    a little more time and costs memory: cyclic garbage waits longer). Only for the processes ``modelreg serve``
    runs (an embedding application or a test keeps Python's defaults); 0 leaves them as they are.
    """
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)


async def _purge_idempotency_keys(settings: Settings) -> None:
    """Every interval, delete one bounded batch of expired idempotency keys (every process does; that is fine)."""
    while True:
        await asyncio.sleep(settings.tuning.idempotency_purge_interval_seconds)
        try:
            purged = await purge_expired(limit=settings.tuning.idempotency_purge_batch)
        except Exception as error:  # a database outage must not end the loop; the next sweep tries again
            log.warning("purging expired idempotency keys failed: %r", error)
            continue
        if purged:
            log.info("purged %d expired idempotency keys", purged)


def _middleware(settings: Settings, limiter: RateLimiter | None) -> list[Middleware]:
    """Outermost first. Cheap refusals (CORS, content type, body size) come before the token lookup; the body is
    read (``BodyLimit``) before the document is parsed (``InspectOperation``), and the rate limit needs both
    the caller and the operation."""
    stack = [Middleware(RequestId), Middleware(AccessLog)]
    if settings.metrics:
        known = metrics.known_operations(settings.metrics_operations)
        stack.append(Middleware(RecordMetrics, graphql_path=GRAPHQL, known_operations=known))
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "HEAD"],
                # Bearer tokens, not cookies: browsers need no credentials mode, so none is allowed.
                # If-None-Match and ETag: a dashboard on another origin revalidates its answers (304).
                allow_headers=["authorization", "content-type", "x-request-id", "if-none-match"],
                expose_headers=[
                    "x-request-id",
                    "retry-after",
                    "etag",
                    "x-cache",
                    *(f"x-ratelimit-{name}" for name in ("limit", "remaining", "reset", "cost")),
                ],
                max_age=600,
            )
        )
    stack += [
        Middleware(JsonOnly, path=GRAPHQL),
        Middleware(
            BodyLimit,
            path=GRAPHQL,
            max_bytes=settings.max_graphql_body_bytes,
            timeout_seconds=settings.body_timeout_seconds,
        ),
        Middleware(Authenticate, prefixes=(GRAPHQL, "/api/")),
        Middleware(InspectOperation, path=GRAPHQL, persisted=PersistedQueries(PERSISTED_QUERIES)),
    ]
    if limiter is not None:
        stack.append(
            Middleware(RateLimit, limiter=limiter, graphql_path=GRAPHQL, exempt=PROBES, max_nodes=settings.max_nodes)
        )
    return stack


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's refusals (405 for a method a route does not take, 404): JSON errors on ``/graphql``."""
    if not isinstance(error, HTTPException):  # registered for HTTPException only
        raise error
    if request.url.path != GRAPHQL:
        return PlainTextResponse(error.detail, status_code=error.status_code, headers=error.headers)
    if error.status_code == 405:
        message = f"{request.method} is not allowed on {GRAPHQL}: use POST, or GET for queries"
        return error_response(405, ErrorCode.BAD_USER_INPUT, message, graphql=True, headers=error.headers)
    code = ErrorCode.NOT_FOUND if error.status_code == 404 else ErrorCode.BAD_USER_INPUT
    return error_response(error.status_code, code, error.detail, graphql=True, headers=error.headers)


async def _internal_error(request: Request, error: Exception) -> Response:
    """An exception that escaped every handler: 500 with the request id and nothing about internals."""
    request_id = getattr(request.state, "request_id", "-")
    log.error(
        "unhandled exception in %s %s (request %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=error,
        extra={"request_id": request_id},
    )
    return error_response(
        500,
        ErrorCode.INTERNAL_SERVER_ERROR,
        f"Internal server error; quote request id {request_id} to the operator",
        graphql=request.url.path == GRAPHQL,
        headers={"x-request-id": request_id},
        requestId=request_id,
    )
