"""The GraphQL operation a request asks for, told before it runs."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from schema.build import MAX_TOKENS


@dataclass(frozen=True)
class Operation:
    """What a ``/graphql`` request asks for, as far as can be told before executing it."""

    #: ``query``, ``mutation`` or ``subscription``; ``query`` when the document cannot be read.
    type: str = "query"
    #: The operation's name, ``-`` when it has none or cannot be told.
    name: str = "-"


class InspectOperation:
    """Note the type and name of the GraphQL operation a request to ``path`` asks for, before it runs.

    The rate limit charges mutations more than queries, and the access log names the operation. Runs inside
    ``BodyLimit``, which has read a POST's body.
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
            state["operation"] = operation_of(query, name if isinstance(name, str) else None)
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
