"""The body of ``POST /graphql``: refused past its limit or when it arrives too slowly, else read here once and
replayed to the rest."""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.failures import error_response
from schema.codes import ErrorCode


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` on one path with 413, before anything parses them.

    A body within the limit is read here, the only place that reads it, and left in ``scope["state"]["body"]``
    for the middleware inside (the operation's inspection); the handler receives it replayed. A body that has
    not arrived whole within ``timeout_seconds`` of the request's start is answered 408 and its connection
    closed, so a client trickling a byte at a time cannot hold a connection (and its memory) for long.
    """

    def __init__(self, app: ASGIApp, *, path: str, max_bytes: int, timeout_seconds: float = 30.0) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_seconds):
                body = await self._read(receive)
        except TimeoutError:
            message = f"the request body did not arrive within {self.timeout_seconds:g} s; send it in one go"
            response = error_response(408, ErrorCode.TIMEOUT, message, graphql=True, headers={"connection": "close"})
            await response(scope, receive, send)
            return
        if body is None:  # the client went away
            return
        if len(body) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        scope.setdefault("state", {})["body"] = body
        await self.app(scope, _replaying(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body; None when the client disconnected. Past ``max_bytes`` it stops reading, counting, so a
        chunked upload cannot exceed the limit either (the caller sees the length)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if size > self.max_bytes or not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, ErrorCode.BAD_USER_INPUT, f"request body exceeds {self.max_bytes} bytes", graphql=True
        )
        await response(scope, receive, send)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app once, then defers to the real one."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
