"""Only JSON may be POSTed to ``/graphql``: no GraphQL request a browser can send without a CORS preflight."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.failures import error_response
from schema.codes import ErrorCode


class JsonOnly:
    """Refuse a ``POST`` to ``path`` unless its body is declared ``application/json`` (415).

    ``text/plain``, ``application/x-www-form-urlencoded`` and ``multipart/form-data`` (or no type at all)
    are what a page on another origin may POST without a CORS preflight: refusing them keeps such pages
    from making a browser send a GraphQL request the user did not mean to send.
    """

    def __init__(self, app: ASGIApp, *, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        content_type = Headers(scope=scope).get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type == "application/json":
            await self.app(scope, receive, send)
            return
        response = error_response(
            415,
            ErrorCode.BAD_USER_INPUT,
            f"POST {self.path} needs 'Content-Type: application/json' (got {media_type or 'none'!r})",
            graphql=True,
        )
        await response(scope, receive, send)
