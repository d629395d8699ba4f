"""The GraphQL endpoint: Strawberry's ASGI view with modelreg's context, an execution timeout and a faster
JSON encoder."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Mapping

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from app import __version__
from app.auth import Credentials, credentials
from app.event_stream import StreamLimiter
from schema.codes import ErrorCode
from schema.context import Context
from schema.document import Parsed

log = logging.getLogger("modelreg.graphql")


class _TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages are text frames; the view's JSON encoder returns bytes (faster for HTTP)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class RegistryGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = _TextFrames

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        allow_anonymous_read: bool,
        graphiql: bool,
        timeout_seconds: float,
        streams: StreamLimiter | None = None,
        subscriptions_per_connection: int = 10,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            max_subscriptions_per_connection=subscriptions_per_connection,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.allow_anonymous_read = allow_anonymous_read
        self.timeout_seconds = timeout_seconds
        self.streams = streams or StreamLimiter(per_principal=20)

    @property
    def graphql_ide_html(self) -> str:
        # Strawberry's page is titled "Strawberry GraphiQL"; a browser tab should name the server and its version.
        return re.sub("<title>.*?</title>", f"<title>modelreg {__version__} GraphiQL</title>", super().graphql_ide_html)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # The middleware has usually read the token and parsed the document already; do neither twice.
        state = request.scope.get("state", {})
        found: Credentials | None = state.get("credentials")
        if found is None:
            found = await credentials(request.headers.get("authorization"))
        document: Parsed | None = state.get("document")
        context = Context(
            principal=found.principal,
            auth_error=found.error,
            # A WebSocket passes no HTTP middleware: it has no request id until here.
            request_id=getattr(request.state, "request_id", None) or f"ws-{uuid.uuid4().hex[:16]}",
            allow_anonymous_read=self.allow_anonymous_read,
            document=document,
        )
        if isinstance(request, WebSocket):
            request.scope.setdefault("state", {})["ws_context"] = context
        return context

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate a WebSocket (the handshake's header, or ``authorization`` in ``connection_init``) and take
        one of its principal's live-stream slots; refused connections are closed with 4403."""
        given = (context.connection_params or {}).get("authorization")
        if isinstance(given, str):
            found = await credentials(given)
            context.principal, context.auth_error = found.principal, found.error
        if context.auth_error is not None or (context.principal is None and not self.allow_anonymous_read):
            raise ConnectionRejectionError({"reason": "authenticate with a valid token"})
        holder = context.principal.name if context.principal is not None else "anonymous"
        if not self.streams.acquire(holder):
            raise ConnectionRejectionError({"reason": f"at most {self.streams.per_principal} live streams per token"})
        context.stream_holder = holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).get("ws_context") if scope["type"] == "websocket" else None
            if context is not None and context.stream_holder is not None:
                self.streams.release(context.stream_holder)
                context.stream_holder = None

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """Run the operation, cancelled after ``timeout_seconds``.

        Cancelling unwinds the resolvers, and a transaction in progress rolls back on its way out; the client
        gets a ``TIMEOUT`` error and the server goes on serving. A mutation whose transaction had already
        committed (its payload was still resolving) stays done: retrying with its ``idempotencyKey`` is safe.
        """
        deadline = asyncio.timeout(self.timeout_seconds)
        try:
            async with deadline:
                return await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
        except TimeoutError:
            if not deadline.expired():
                raise  # a timeout of something inside (a socket, say), not ours: an unexpected error
        log.warning("operation cancelled after %g s (request %s)", self.timeout_seconds, context.request_id)
        message = (
            f"the operation did not finish within {self.timeout_seconds:g} s and was cancelled; a change whose "
            "transaction had not committed was rolled back (retry a mutation with the same idempotencyKey)"
        )
        return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": ErrorCode.TIMEOUT})])

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
