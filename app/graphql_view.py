"""The GraphQL endpoint: Strawberry's ASGI view with modelreg's context, an execution timeout, orjson, and
GraphQL-over-HTTP behaviour (``app/graphql_http.py``): every refusal in the JSON error shape, no ``data`` on a
request error, ``application/graphql-response+json`` for clients that ask for it."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.types import QueryParams
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from app import __version__, graphiql
from app.auth import Credentials, bearer_secret, credentials
from app.event_stream import StreamLimiter
from app.failures import error_response
from app.graphql_http import GRAPHQL_RESPONSE, Cancelled, is_request_error, media_type_of, preferred_media_type
from app.middleware.operation import Operation
from app.rate_limit import RateLimiter
from app.response_cache import CacheKey, ResponseCache, request_digest
from app.websocket import OperationsAsRequests
from models.db import generation
from models.db.connection import connection
from schema.codes import ErrorCode
from schema.context import Context
from schema.cost_limit import DEFAULT_MAX_NODES
from schema.document import Parsed

log = logging.getLogger("modelreg.graphql")

#: Strawberry's reasons for refusing a request, said in full (the others are clear as they are).
_REASONS = {
    "Batching is not enabled": "batched requests (a JSON array) are not supported: send one operation per request",
    "Unsupported content type": "POST /graphql needs 'Content-Type: application/json'",
}


class _RequestAdapter(StarletteRequestAdapter):
    """Strawberry compares the content type as written; media types are case-insensitive (RFC 9110)."""

    @property
    def content_type(self) -> str | None:
        media_type = media_type_of(self.headers)
        return media_type or None

    @property
    def persisted_query(self) -> str | None:
        """The document of a persisted query's hash, found in InspectOperation (app/persisted_queries.py)."""
        document: str | None = self._request.scope.get("state", {}).get("persisted_query")
        return document


class _TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages are text frames; the view's JSON encoder returns bytes (faster for HTTP)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class RegistryGraphQL(GraphQL[Context, None]):
    request_adapter_class = _RequestAdapter
    websocket_adapter_class = _TextFrames
    graphql_transport_ws_handler_class = OperationsAsRequests

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        allow_anonymous_read: bool,
        graphiql: bool,
        timeout_seconds: float,
        streams: StreamLimiter | None = None,
        subscriptions_per_connection: int = 10,
        max_nodes: int = DEFAULT_MAX_NODES,
        cache: ResponseCache | None = None,
        validators: bool = True,
        limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            max_subscriptions_per_connection=subscriptions_per_connection,
            keep_alive=True,
            keep_alive_interval=15,
            # graphql-transport-ws only: its operations are admitted one by one (app/websocket.py); the legacy
            # graphql-ws protocol would run them all with the connection's credentials and loaders.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.allow_anonymous_read = allow_anonymous_read
        self.timeout_seconds = timeout_seconds
        self.streams = streams or StreamLimiter(per_principal=20)
        self.max_nodes = max_nodes
        #: Answers of queries by request and generation (app/response_cache.py); None: nothing stored.
        self.cache = cache
        #: ETags and If-None-Match on query answers (they need the generation, as the cache does).
        self.validators = validators
        #: The rate limit's buckets, which a WebSocket's operations are charged to as well; None when it is off.
        self.limiter = limiter
        # What a client's ETag must also depend on: another server version or schema answers differently.
        self.server_identity = hashlib.sha256(f"{__version__}\x00{schema}".encode()).hexdigest()

    @property
    def graphql_ide_html(self) -> str:
        # Strawberry's page loads its scripts from a CDN; ours loads the same pinned files from this server.
        return graphiql.page()

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            self.graphql_ide_html, headers={"content-security-policy": graphiql.CONTENT_SECURITY_POLICY}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            # HEAD is GET without the body (RFC 9110, 9.3.2), which the server leaves out: the same status and
            # headers, whether the answer is cached or not.
            scope = {**scope, "method": "GET"}
        try:
            await self._respond(scope, receive, send)
        finally:
            _release(scope)

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        media_type = preferred_media_type(request.headers.get("accept"))
        operation: Operation | None = scope.get("state", {}).get("operation")
        response: Response
        if operation is not None and operation.type == "subscription":
            # Served over a WebSocket only: over HTTP it would run as a query whose root field cannot resolve.
            message = (
                "a subscription needs a WebSocket: graphql-transport-ws on /graphql (ws:// or wss://), or the "
                "same events as server-sent events on GET /api/events"
            )
            response = error_response(400, ErrorCode.BAD_USER_INPUT, message, graphql=True)
        elif request.method == "GET" and operation is not None and operation.type != "query":
            # GraphQL-over-HTTP: GET may only read, and says so with 405 and the method that would do.
            message = f"a {operation.type} needs POST /graphql; GET runs queries only"
            response = error_response(405, ErrorCode.BAD_USER_INPUT, message, graphql=True, headers={"allow": "POST"})
        else:
            try:
                response = await self._answer(request, operation, media_type)
            except HTTPException as refused:
                code = ErrorCode.NOT_FOUND if refused.status_code == 404 else ErrorCode.BAD_USER_INPUT
                reason = _REASONS.get(refused.reason, refused.reason)
                allow = {"allow": "GET, POST"} if refused.status_code == 405 else None  # HEAD, say
                response = error_response(refused.status_code, code, reason, graphql=True, headers=allow)
        if response.media_type != "text/html":
            response.headers["content-type"] = media_type
            nothing_executed = getattr(request.state, "request_error", False)
            if media_type == GRAPHQL_RESPONSE and response.status_code == 200 and nothing_executed:
                response.status_code = 400  # that media type's status for a response without data
        # Freed at the loop's next turn: after the answer is handed to the transport, and while a slow reader
        # still downloads it rather than after (``_release``).
        asyncio.get_running_loop().call_soon(_release, scope)
        await response(scope, receive, send)

    async def _answer(self, request: Request, operation: Operation | None, media_type: str) -> Response:
        """The query's answer from the cache, 304 when the client's copy is current, else executed (and stored
        when it is a query's answer without errors)."""
        key = await self._cache_key(request, operation)
        if key is None:
            return await self.run(request)
        anonymous = request.scope["state"]["credentials"].principal is None
        headers = {
            "etag": key.etag(media_type),
            # Shared caches may keep an anonymous answer; each must ask again (and gets 304 while it is current).
            "cache-control": "no-cache" if anonymous else "private, no-cache",
            "vary": "Accept, Authorization",
        }
        # "*" matches when a current answer is stored (RFC 9110, 13.1.2: "a current representation"); an ETag
        # was only ever given with an answer that executed without errors.
        stored = self.cache is not None and key in self.cache
        if _matches(request.headers.get("if-none-match"), headers["etag"], any_matches=stored):
            request.state.cache = "not_modified"
            return Response(status_code=304, headers=headers)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            request.state.cache = "hit"
            return Response(cached, status_code=200, media_type=media_type, headers={**headers, "x-cache": "hit"})
        if self.cache is not None:
            request.state.cache = "miss"
        response = await self.run(request)
        if response.status_code == 200 and getattr(request.state, "cacheable", False):
            if self.cache is not None:
                self.cache.put(key, bytes(response.body))
                headers["x-cache"] = "miss"
            response.headers.update(headers)
        return response

    async def _cache_key(self, request: Request, operation: Operation | None) -> CacheKey | None:
        """The key of a query that may be answered from the cache (or with 304), read with the generation
        before anything executes; None for anything else."""
        if (self.cache is None and not self.validators) or operation is None or operation.type != "query":
            return None
        state = request.scope.get("state", {})
        found: Credentials | None = state.get("credentials")
        parsed: Parsed | None = state.get("document")
        if found is None or found.error is not None or parsed is None or state.get("malformed"):
            return None  # a refused token's answer is an error, as is a malformed request's: never stored
        if found.principal is None and not self.allow_anonymous_read:
            return None  # UNAUTHENTICATED, whatever the document
        name = operation.name if operation.name != "-" else None
        digest = request_digest(
            server=self.server_identity,
            parsed=parsed,
            operation_name=name,
            variables=state.get("variables"),
            principal=found.principal,
        )
        if digest is None:
            return None
        return CacheKey(digest, await generation.current(connection()))

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        document = request.persisted_query if isinstance(request, _RequestAdapter) else None
        if isinstance(data, GraphQLRequestData) and data.query is None and document is not None:
            data = dataclasses.replace(data, query=document)
        return data

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET that names a persisted query asks for its answer, not for GraphiQL.
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        request.state.result = result  # freed once the answer is sent (``_release``)
        # Only complete answers are stored: no errors (a timeout, a refusal, a failed field), and data present.
        request.state.cacheable = not result.errors and result.data is not None and not isinstance(result, Cancelled)
        request.state.executed = "errors" if result.errors else "ok"  # for the metrics (app/middleware/metrics.py)
        request.state.request_error = is_request_error(result)
        if request.state.request_error:
            # Nothing was executed, so there is no data, not even null (GraphQL-over-HTTP, "Request errors").
            processed.pop("data", None)
        return processed

    def parse_json(self, data: str | bytes) -> Any:
        # orjson, which refuses nesting past 1,024 levels with a JSONDecodeError (a 400, one log line), where
        # json.loads would recurse 100,000 levels deep into a 500; the reason names the line and column.
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, f"the request body is not valid JSON: {error}") from None

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        # Say which parameter of a GET is not JSON; parse_json would blame the body, which a GET has not.
        for name in ("variables", "extensions"):
            value = params.get(name)
            if value:
                try:
                    orjson.loads(value)
                except orjson.JSONDecodeError as error:
                    raise HTTPException(400, f"the query parameter {name!r} is not valid JSON: {error}") from None
        return super().parse_query_params(params)

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
            cost=state.get("cost"),  # the price the rate limit charged (schema/cost.py)
            max_nodes=self.max_nodes,
            allowance=state.get("allowance"),
        )
        if isinstance(request, WebSocket):
            header = request.headers.get("authorization")
            context.presented = bearer_secret(header) if header is not None else None
            request.scope.setdefault("state", {})["ws_context"] = context
        return context

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate a WebSocket (the handshake's header, or ``authorization`` in ``connection_init``) and take
        one of its principal's live-stream slots; refused connections are closed with 4403."""
        given = (context.connection_params or {}).get("authorization")
        if isinstance(given, str):
            found = await credentials(given)
            context.principal, context.auth_error = found.principal, found.error
            context.presented = bearer_secret(given)
        if context.auth_error is not None or (context.principal is None and not self.allow_anonymous_read):
            raise ConnectionRejectionError({"reason": "authenticate with a valid token"})
        holder = context.principal.name if context.principal is not None else "anonymous"
        if not self.streams.acquire(holder):
            raise ConnectionRejectionError({"reason": f"at most {self.streams.per_principal} live streams per token"})
        context.stream_holder = holder

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket (subscriptions) or the lifespan: Strawberry's, then the stream's place given back."""
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
                result = await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
            if not isinstance(result, SubscriptionExecutionResult):  # a subscription still reads through them
                request.state.loaders = context.loaders  # emptied once the answer is sent (``_release``)
            return result
        except TimeoutError:
            if not deadline.expired():
                raise  # a timeout of something inside (a socket, say), not ours: an unexpected error
        log.warning("operation cancelled after %g s (request %s)", self.timeout_seconds, context.request_id)
        message = (
            f"the operation did not finish within {self.timeout_seconds:g} s and was cancelled; a change whose "
            "transaction had not committed was rolled back (retry a mutation with the same idempotencyKey)"
        )
        return Cancelled(data=None, errors=[GraphQLError(message, extensions={"code": ErrorCode.TIMEOUT})])

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _release(scope: Scope) -> None:
    """Free what a request's execution built, once its answer is on its way: the rows its loaders cached (emptied
    here, not left to the next collection: ``Loaders.clear``) and the result, some 16,000 fields for a dashboard.
    Freeing them took 2 to 3 ms of a dashboard's time before its answer went out. Runs at most once per request
    (the first call takes both), and on every path: an error or a disconnect frees them on the way out."""
    state = scope.get("state", {})
    loaders = state.pop("loaders", None)
    if loaders is not None:
        loaders.clear()
    state.pop("result", None)


def _matches(if_none_match: str | None, etag: str, *, any_matches: bool) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks for this header), or
    is ``*`` when ``any_matches`` (a current answer exists)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return any_matches
    return any(candidate.strip().removeprefix("W/") == etag for candidate in if_none_match.split(","))
