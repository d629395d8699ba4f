"""The composition root: ``create_app(settings)`` builds the Starlette application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from tortoise import Tortoise

from app.artifact_store import clean_at_start, open_store
from app.graphql_view import RegistryGraphQL
from app.middleware import BodyLimit, RequestId
from app.routes import artifact_routes, healthz, readyz
from app.settings import Settings
from models.db import tortoise_config
from schema.build import schema


def create_app(settings: Settings) -> Starlette:
    """The registry as an ASGI app. The database must already be migrated (``modelreg serve`` does it)."""
    store = open_store(settings.artifact_location, max_bytes=settings.max_artifact_bytes)
    upload, download = artifact_routes(store)
    graphql = RegistryGraphQL(schema, allow_anonymous_read=settings.allow_anonymous_read, graphiql=settings.graphiql)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The global fallback lets request tasks see the connections opened in the lifespan task.
        await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
        await clean_at_start(store)  # temporary files and staged uploads of uploads killed midway
        try:
            yield
        finally:
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
    )
    app.state.settings = settings
    app.state.artifact_store = store
    return app
