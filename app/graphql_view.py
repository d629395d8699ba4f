"""The GraphQL endpoint: Strawberry's ASGI view with modelreg's context, an execution timeout and a faster
JSON encoder."""

from __future__ import annotations

import asyncio
import logging
import re

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from app import __version__
from app.auth import Credentials, credentials
from schema.codes import ErrorCode
from schema.context import Context
from schema.cost import DEFAULT_MAX_NODES
from schema.document import Parsed

log = logging.getLogger("modelreg.graphql")


class RegistryGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        allow_anonymous_read: bool,
        graphiql: bool,
        timeout_seconds: float,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.allow_anonymous_read = allow_anonymous_read
        self.timeout_seconds = timeout_seconds
        self.max_nodes = max_nodes

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
        return Context(
            principal=found.principal,
            auth_error=found.error,
            request_id=request.state.request_id,
            allow_anonymous_read=self.allow_anonymous_read,
            document=document,
            cost=state.get("cost"),  # the price the rate limit charged (schema/cost.py)
            max_nodes=self.max_nodes,
            allowance=state.get("allowance"),
        )

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
