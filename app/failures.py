"""Errors answered outside GraphQL execution, all built by ``error_response``.

The guards of ``/graphql`` (body size, content type, rate limit), the artifact routes, the JSON 500 handler
and database failures outside resolvers (the token lookup, artifact routes: 503 or 409, never a raw driver
message) answer through it. Inside resolvers, ``schema/errors.py`` maps the same domain errors to the same
codes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import BaseORMException

from models.db.failures import translate
from models.errors import Unavailable
from schema.codes import ErrorCode
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


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    graphql: bool,
    headers: Mapping[str, str] | None = None,
    **details: object,
) -> JSONResponse:
    """A request refused or failed outside GraphQL execution.

    With ``graphql`` (requests to ``/graphql``) the body has the shape of a GraphQL response, ``errors`` and
    no ``data``: ``{"errors": [{"message": ..., "extensions": {"code": ..., **details}}]}``, so a GraphQL
    client reads it as it reads any other error. Otherwise (the artifact routes) it is the documented
    ``{"error": {"code": ..., "message": ..., **details}}``.
    """
    body: dict[str, object]
    if graphql:
        body = {"errors": [{"message": message, "extensions": {"code": code.value, **details}}]}
    else:
        body = {"error": {"code": code.value, "message": message, **details}}
    return JSONResponse(body, status_code=status, headers=headers)


def database_failure(path: str, error: Exception, *, graphql_path: str = "/graphql") -> JSONResponse | None:
    """The response for a transient database failure (unreachable, timed out, contended), or None."""
    translated = translate(error)
    if translated is None:
        return None
    log.warning("database failure on %s: %r", path, error)
    unavailable = isinstance(translated, Unavailable)
    return error_response(
        503 if unavailable else 409,
        CODES[type(translated)],  # the same codes resolvers report
        translated.message,
        graphql=path == graphql_path,
        headers={"retry-after": "1"} if unavailable else None,
    )


async def database_failure_handler(request: Request, error: Exception) -> Response:
    """Starlette exception handler: a database failure in a route; anything else becomes a masked 500."""
    response = database_failure(request.url.path, error)
    if response is None:
        raise error
    return response
