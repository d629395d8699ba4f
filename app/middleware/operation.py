"""The GraphQL operation a request asks for, told before it runs, from the one parse of its document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
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
    for the view; an unknown hash is answered here with ``PERSISTED_QUERY_NOT_FOUND``, and a document sent with its
    hash is remembered once it has run (``_ran``). Refused here with 400, as graphql-core would refuse them but
    Strawberry does not: a body that is JSON but not an object (Strawberry failed on it with a 500), an
    ``operationName`` that is not a string, and a request that selects no operation of its document (several
    and no name: Strawberry ran the first, charged as one it could not price). Requests the view refuses (bad
    JSON, bad ``variables``) are marked ``malformed``, so that no cached answer is given for them. Runs inside
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
            decoded = _json_body(body) if body is not None else {}
            if not isinstance(decoded, (dict, list, _Unreadable)):
                refusal = 'the request body must be a JSON object such as {"query": "{ models { totalCount } }"}'
                await _bad_request(refusal, scope, receive, send)
                return
            request = decoded if isinstance(decoded, dict) else {}
            # The view refuses a body that is not JSON, or a batch; no answer may come from the cache meanwhile.
            state["malformed"] = not isinstance(decoded, dict)
        else:
            request = dict(QueryParams(scope["query_string"]))  # the values the GraphQL view will read
            blank = [name for name in ("variables", "extensions") if request.get(name) == ""]  # Strawberry: 400
            request["variables"] = _json_parameter(request.get("variables"))
            request["extensions"] = _json_parameter(request.get("extensions"))
            unreadable = any(isinstance(request[name], _Unreadable) for name in ("variables", "extensions"))
            state["malformed"] = unreadable or bool(blank)
        query, name = request.get("query"), request.get("operationName")
        if not isinstance(name, (str, type(None))):
            await _bad_request("operationName must be a string, or null", scope, receive, send)
            return
        if not isinstance(query, (str, type(None))) or not all(
            isinstance(request.get(part), (dict, type(None), _Unreadable)) for part in ("variables", "extensions")
        ):
            state["malformed"] = True  # the view says which (a query is a string; variables, extensions objects)
        state["variables"] = request.get("variables")
        extensions = request.get("extensions")
        if self.persisted is not None and isinstance(extensions, dict) and "persistedQuery" in extensions:
            resolved = self.persisted.resolve(query, extensions["persistedQuery"])
            if isinstance(resolved, PersistedQueryError):
                await _refuse(resolved, scope, receive, send)
                return
            if isinstance(query, str):
                state["persisting"] = query  # remembered once it has run (``_remember``)
            query = state["persisted_query"] = resolved
        if isinstance(query, str):
            parsed = parse_request(query, max_tokens=MAX_TOKENS)
            state["document"] = parsed
            operation_name = name if isinstance(name, str) else None
            if not isinstance(parsed.outcome, GraphQLError):
                unselected = _unselected(parsed.outcome, operation_name)
                if unselected is not None:
                    await _bad_request(unselected, scope, receive, send)
                    return
            state["operation"] = operation_of(parsed, operation_name)
            if not isinstance(parsed.outcome, GraphQLError):
                variables = _variables(request.get("variables"))
                state["cost"] = operation_cost(
                    schema._schema, parsed.outcome, variables=variables, operation_name=operation_name
                )
        await self.app(scope, receive, send)
        if self.persisted is not None and "persisting" in state and _ran(state):
            self.persisted.remember(state["persisting"])


class _Unreadable:
    """A JSON value that did not parse (the view reports it, with where)."""


_UNREADABLE = _Unreadable()


def _json_body(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _UNREADABLE


def _unselected(document: DocumentNode, operation_name: str | None) -> str | None:
    """Why the request selects no operation of its document (graphql-core's words), or None when it selects one.

    graphql-core refuses both, but Strawberry picks the first of several operations when none is named, after
    the rate limit charged the request as one it could not price."""
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if operation_name is None:
        return "Must provide operation name if query contains multiple operations." if len(operations) > 1 else None
    if not any(node.name is not None and node.name.value == operation_name for node in operations):
        return f'Unknown operation named "{operation_name[:100]}".'
    return None


def _ran(state: Mapping[str, object]) -> bool:
    """Whether a request whose document a persisted-query hash came with ran as an accepted caller's: only such a
    document is remembered, so that a refused or anonymous caller, or one the rate limit stopped, cannot fill the
    store (and evict the documents of those that may run them) with documents nobody ran."""
    if state.get("cache") in ("hit", "not_modified"):
        return True  # the same document, run before by a caller of the same rights
    if "executed" not in state or state.get("request_error"):
        return False  # refused before running (429, 401, 400), or did not parse or validate
    credentials = state.get("credentials")
    accepted = getattr(credentials, "principal", None) is not None
    return accepted or state.get("executed") == "ok"


def _json_parameter(value: object) -> object:
    """A GET parameter's JSON value, None when absent, ``_UNREADABLE`` when it is not JSON (the view reports it)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return _UNREADABLE


async def _refuse(error: PersistedQueryError, scope: Scope, receive: Receive, send: Send) -> None:
    if error.not_found:
        # As Apollo Server answers: 200 with the code its clients look for, and never stored by a cache.
        headers = {"cache-control": "private, no-cache, must-revalidate"}
        code = ErrorCode.PERSISTED_QUERY_NOT_FOUND
        response = error_response(200, code, error.message, graphql=True, headers=headers)
        await response(scope, receive, send)
    else:
        await _bad_request(error.message, scope, receive, send)


async def _bad_request(message: str, scope: Scope, receive: Receive, send: Send) -> None:
    """A request refused before it runs: 400, in the JSON error shape, with no data."""
    await error_response(400, ErrorCode.BAD_USER_INPUT, message, graphql=True)(scope, receive, send)


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
