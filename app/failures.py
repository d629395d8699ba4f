"""Database failures outside GraphQL resolvers (the token lookup, artifact routes): 503 or 409, never a raw
driver message. Inside resolvers, ``schema/errors.py`` maps the same domain errors to codes."""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import BaseORMException

from models.db.failures import translate
from models.errors import Unavailable
from schema.errors import CODES

log = logging.getLogger("modelreg.server")

#: Exception classes a database failure can surface as. ``translate`` decides which instances are
#: database failures (an ``OSError`` from a full disk while writing an artifact is not).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    sqlite3.Error,
    BaseORMException,
)


def database_failure(path: str, error: Exception, *, graphql_path: str = "/graphql") -> JSONResponse | None:
    """The response for a transient database failure (unreachable, timed out, contended), or None."""
    translated = translate(error)
    if translated is None:
        return None
    log.warning("database failure on %s: %r", path, error)
    unavailable = isinstance(translated, Unavailable)
    code = CODES[type(translated)]  # the same codes resolvers report (schema/errors.py)
    status = 503 if unavailable else 409
    headers = {"retry-after": "1"} if unavailable else None
    if path == graphql_path:
        body: dict[str, object] = {"errors": [{"message": translated.message, "extensions": {"code": code}}]}
    else:
        body = {"error": {"code": code, "message": translated.message}}
    return JSONResponse(body, status_code=status, headers=headers)


async def database_failure_handler(request: Request, error: Exception) -> Response:
    """Starlette exception handler: a database failure in a route; anything else becomes a masked 500."""
    response = database_failure(request.url.path, error)
    if response is None:
        raise error
    return response
