"""Who is asking: the ``Authorization`` header resolved once per request."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import credentials
from app.failures import DATABASE_ERRORS, database_failure


class Authenticate:
    """Resolve the ``Authorization`` header once, into ``scope["state"]["credentials"]``.

    Refuses nothing itself: the GraphQL context and the routes decide what a principal may do.
    """

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            header = Headers(scope=scope).get("authorization")
            try:
                found = await credentials(header)
            except DATABASE_ERRORS as error:
                # The database is down or contended: a clear 503 (with Retry-After), not a masked 500.
                refusal = database_failure(scope["path"], error)
                if refusal is None:
                    raise
                await refusal(scope, receive, send)
                return
            scope.setdefault("state", {})["credentials"] = found
        await self.app(scope, receive, send)
