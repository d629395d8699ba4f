"""ASGI middleware: request ids, the access log, the guards of ``/graphql``, and who is asking.

Each class does one thing and leaves what it learnt in ``scope["state"]`` (``request_id``,
``credentials``, ``operation``) for the ones inside it, the handlers and the access log.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import Credentials, credentials
from app.failures import DATABASE_ERRORS, database_failure, error_response
from schema.build import MAX_TOKENS
from schema.codes import ErrorCode

#: The current request's id, for log records (see ``app/logs.py``).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("modelreg.access")


class RequestId:
    """Take ``X-Request-ID`` when it is sane, else make one; expose it to handlers, logs and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _ACCEPTABLE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


@dataclass(frozen=True)
class Operation:
    """What a ``/graphql`` request asks for, as far as can be told before executing it."""

    #: ``query``, ``mutation`` or ``subscription``; ``query`` when the document cannot be read.
    type: str = "query"
    #: The operation's name, ``-`` when it has none or cannot be told.
    name: str = "-"


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


def _media_type(scope: Scope) -> str:
    content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
    return content_type.decode("latin-1").split(";", 1)[0].strip().lower()


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
        media_type = _media_type(scope)
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


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


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


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` on one path with 413, before the handler parses them."""

    def __init__(self, app: ASGIApp, *, path: str, max_bytes: int) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        # Read the (small) body here so a chunked upload cannot exceed the limit either, then replay it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replaying(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, ErrorCode.BAD_USER_INPUT, f"request body exceeds {self.max_bytes} bytes", graphql=True
        )
        await response(scope, receive, send)


class Authenticate:
    """Resolve the ``Authorization`` header once, into ``scope["state"]["credentials"]``.

    Refuses nothing itself: the GraphQL context and the routes decide what a principal may do.
    """

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            header = dict(scope["headers"]).get(b"authorization")
            try:
                found = await credentials(header.decode("latin-1") if header is not None else None)
            except DATABASE_ERRORS as error:
                # The database is down or contended: a clear 503 (with Retry-After), not a masked 500.
                refusal = database_failure(scope["path"], error)
                if refusal is None:
                    raise
                await refusal(scope, receive, send)
                return
            scope.setdefault("state", {})["credentials"] = found
        await self.app(scope, receive, send)


class InspectOperation:
    """Note the type and name of the GraphQL operation a request to ``path`` asks for, before it runs.

    The rate limit charges mutations more than queries, and the access log names the operation.
    """

    def __init__(self, app: ASGIApp, *, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST":
            body = await _read_body(receive)
            if body is None:
                return
            receive = _replaying(body, receive)
            request = _json_object(body)
        else:
            request = {key: values[0] for key, values in parse_qs(scope["query_string"].decode("latin-1")).items()}
        query, name = request.get("query"), request.get("operationName")
        if isinstance(query, str):
            scope.setdefault("state", {})["operation"] = operation_of(query, name if isinstance(name, str) else None)
        await self.app(scope, receive, send)


def _json_object(body: bytes) -> dict[str, object]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


#: Documents up to this size are remembered (clients repeat the same few); larger ones are parsed each time.
_CACHED_DOCUMENT_CHARS = 16 * 1024


def operation_of(query: str, operation_name: str | None) -> Operation:
    """The operation ``operation_name`` selects in ``query`` (or its only one), parsed within the token limit."""
    if len(query) <= _CACHED_DOCUMENT_CHARS:
        return _cached_operation_of(query, operation_name)
    return _operation_of(query, operation_name)


def _operation_of(query: str, operation_name: str | None) -> Operation:
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return Operation()
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [node for node in operations if node.name is not None and node.name.value == operation_name]
    if len(operations) != 1:
        return Operation()
    node = operations[0]
    return Operation(type=node.operation.value, name=node.name.value if node.name else "-")


_cached_operation_of = functools.lru_cache(maxsize=256)(_operation_of)
