"""The access log: one line per HTTP request, with who asked and which GraphQL operation."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import Credentials
from app.middleware.operation import Operation

access_log = logging.getLogger("modelreg.access")


class AccessLog:
    """One line per HTTP request: request id, method, path, status, duration, principal, GraphQL operation.

    Never the query string, headers or body: they may carry secrets or personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped and the error handler answers 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            state = scope.get("state", {})
            found: Credentials | None = state.get("credentials")
            operation: Operation | None = state.get("operation")
            access_log.info(
                "%s %s %d %.1fms principal=%s operation=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                principal_label(found),
                f"{operation.type}:{operation.name}" if operation else "-",
                extra={"request_id": state.get("request_id", "-")},
            )


def principal_label(found: Credentials | None) -> str:
    """The token's name (never its secret), ``anonymous``, or ``invalid-token``."""
    if found is None or (found.principal is None and found.error is None):
        return "anonymous"
    return found.principal.name if found.principal is not None else "invalid-token"
