"""The GraphQL endpoint: Strawberry's ASGI view with modelreg's context and a faster JSON encoder."""

from __future__ import annotations

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from app.auth import credentials
from schema.context import Context


class RegistryGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, *, allow_anonymous_read: bool, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.allow_anonymous_read = allow_anonymous_read

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        found = await credentials(request.headers.get("authorization"))
        return Context(
            principal=found.principal,
            auth_error=found.error,
            request_id=request.state.request_id,
            allow_anonymous_read=self.allow_anonymous_read,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
