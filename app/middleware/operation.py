"""The GraphQL operation a request asks for, told before it runs, from the one parse of its document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from graphql import GraphQLError, OperationDefinitionNode
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from schema.build import MAX_TOKENS, schema
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
    request's variables) goes to ``scope["state"]["cost"]``. Runs inside ``BodyLimit``, which has read a
    POST's body.
    """

    def __init__(self, app: ASGIApp, *, path: str) -> None:
        self.app = app
        self.path = path

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
        query, name = request.get("query"), request.get("operationName")
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
