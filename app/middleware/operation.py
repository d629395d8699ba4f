"""The GraphQL operation a request asks for, told before it runs, from the one parse of its document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from graphql import GraphQLError, OperationDefinitionNode
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from app.failures import error_response
from app.persisted_queries import PersistedQueries, PersistedQueryError
from schema.build import MAX_TOKENS, schema
from schema.codes import ErrorCode
from schema.cost import operation_cost
from schema.document import Parsed, parse_request


@dataclass(frozen=True)
class Operation:
    """What a ``/graphql`` request asks for, as far as can be told before executing it."""

    #: ``query``, ``mutation`` or ``subscription``; ``query`` when the document cannot be read.
    type: str = "query"
    #: The operation's name, ``-`` when it has none or cannot be told.
    name: str = "-"


class InspectOperation:
    """Parse the GraphQL document of a request to ``path`` and note the operation's type and name.

    The rate limit charges what the operation may cost, and the access log names the operation. The parse,
    within the schema's token limit, is the request's only one: it goes to ``scope["state"]["document"]``,
    and execution takes it from there (``schema/document.py``); its price (``schema/cost.py``, with the
    request's variables) goes to ``scope["state"]["cost"]``, the variables to ``scope["state"]["variables"]``
    for the response cache. A persisted query's hash (``extensions.persistedQuery``,
    ``app/persisted_queries.py``) is resolved here to its document, left in ``scope["state"]["persisted_query"]``
    for the view; an unknown hash is answered here with ``PERSISTED_QUERY_NOT_FOUND``. Runs inside
    ``BodyLimit``, which has read a POST's body.
    """

    def __init__(self, app: ASGIApp, *, path: str, persisted: PersistedQueries | None = None) -> None:
        self.app = app
        self.path = path
        self.persisted = persisted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request: Mapping[str, object]
        if scope["method"] == "POST":
            body: bytes | None = state.get("body")
            request = _json_object(body) if body is not None else {}
        else:
            request = dict(QueryParams(scope["query_string"]))  # the values the GraphQL view will read
            request["variables"] = _json_parameter(request.get("variables"))
            request["extensions"] = _json_parameter(request.get("extensions"))
        query, name = request.get("query"), request.get("operationName")
        state["variables"] = request.get("variables")
        extensions = request.get("extensions")
        if self.persisted is not None and isinstance(extensions, dict) and "persistedQuery" in extensions:
            resolved = self.persisted.resolve(query, extensions["persistedQuery"])
            if isinstance(resolved, PersistedQueryError):
                await _refuse(resolved, scope, receive, send)
                return
            query = state["persisted_query"] = resolved
        if isinstance(query, str):
            parsed = parse_request(query, max_tokens=MAX_TOKENS)
            state["document"] = parsed
            operation_name = name if isinstance(name, str) else None
            state["operation"] = operation_of(parsed, operation_name)
            if not isinstance(parsed.outcome, GraphQLError):
                variables = _variables(request.get("variables"))
                state["cost"] = operation_cost(
                    schema._schema, parsed.outcome, variables=variables, operation_name=operation_name
                )
        await self.app(scope, receive, send)


def _json_parameter(value: object) -> object:
    """A GET parameter's JSON value, or None (the view reports a parameter that is not JSON)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


async def _refuse(error: PersistedQueryError, scope: Scope, receive: Receive, send: Send) -> None:
    if error.not_found:
        # As Apollo Server answers: 200 with the code its clients look for, and never stored by a cache.
        headers = {"cache-control": "private, no-cache, must-revalidate"}
        code = ErrorCode.PERSISTED_QUERY_NOT_FOUND
        response = error_response(200, code, error.message, graphql=True, headers=headers)
    else:
        response = error_response(400, ErrorCode.BAD_USER_INPUT, error.message, graphql=True)
    await response(scope, receive, send)


def _json_object(body: bytes) -> dict[str, object]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _variables(value: object) -> dict[str, object]:
    """The request's variables: an object in a POST body, JSON text in a GET's query string."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def operation_of(parsed: Parsed, operation_name: str | None) -> Operation:
    """The operation ``operation_name`` selects in the document (or its only one)."""
    if isinstance(parsed.outcome, GraphQLError):
        return Operation()
    operations = [node for node in parsed.outcome.definitions if isinstance(node, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [node for node in operations if node.name is not None and node.name.value == operation_name]
    if len(operations) != 1:
        return Operation()
    node = operations[0]
    return Operation(type=node.operation.value, name=node.name.value if node.name else "-")
