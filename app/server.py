"""The composition root: ``create_app(settings)`` builds the Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import Tortoise
from tortoise.exceptions import BaseORMException

from app.artifact_store import ArtifactStore
from app.graphql_view import RegistryGraphQL
from app.logs import configure as configure_logging
from app.middleware import BodyLimit, RequestId
from app.routes import artifact_routes, healthz, readyz
from app.settings import Settings
from models import retry
from models.db import tortoise_config
from models.errors import Unavailable
from models.idempotency import purge_expired
from schema.build import schema

log = logging.getLogger("modelreg.server")


def create_app(settings: Settings) -> Starlette:
    """The registry as an ASGI app. The database must already be migrated (``modelreg serve`` does it)."""
    store = ArtifactStore(settings.artifact_root, max_bytes=settings.max_artifact_bytes)
    upload, download = artifact_routes(store)
    graphql = RegistryGraphQL(schema, allow_anonymous_read=settings.allow_anonymous_read, graphiql=settings.graphiql)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The global fallback lets request tasks see the connections opened in the lifespan task.
        retry.configure(settings.tuning.retry_policy)
        config = tortoise_config(settings.database_url, settings.tuning.postgres)
        await Tortoise.init(config=config, _enable_global_fallback=True)
        purging = asyncio.create_task(_purge_idempotency_keys(settings))
        try:
            yield
        finally:
            purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purging
            await Tortoise.close_connections()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/api/artifacts", upload, methods=["POST"]),
            Route("/api/artifacts/{sha256}", download, methods=["GET", "HEAD"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(BodyLimit, path="/graphql", max_bytes=settings.max_graphql_body_bytes),
        ],
        lifespan=lifespan,
        exception_handlers={kind: _database_failure for kind in _DATABASE_ERRORS},
    )
    app.state.settings = settings
    app.state.artifact_store = store
    return app


def worker_app(settings: Settings) -> Starlette:
    """The app of one ``modelreg serve --workers N`` process: a spawned process sets up its own logging."""
    configure_logging()
    return create_app(settings)


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


#: Exception classes a database failure can surface as outside GraphQL resolvers (authentication in the
#: GraphQL context, artifact routes). ``retry.translate`` decides which instances are database failures.
_DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    sqlite3.Error,
    BaseORMException,
)


async def _database_failure(request: Request, error: Exception) -> Response:
    """A request that failed on the database before reaching a resolver: 503 with a clear code, never a
    raw driver message. Anything else is re-raised and becomes a masked 500."""
    translated = retry.translate(error)
    if translated is None:
        raise error
    log.warning("database failure on %s: %r", request.url.path, error)
    code = "SERVICE_UNAVAILABLE" if isinstance(translated, Unavailable) else "CONFLICT"
    status = 503 if isinstance(translated, Unavailable) else 409
    headers = {"retry-after": "1"} if status == 503 else None
    if request.url.path == "/graphql":
        body: dict[str, object] = {"errors": [{"message": translated.message, "extensions": {"code": code}}]}
    else:
        body = {"error": {"code": code, "message": translated.message}}
    return JSONResponse(body, status_code=status, headers=headers)
