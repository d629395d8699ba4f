"""Domain errors become GraphQL errors with ``extensions.code``, in this one place; the rest is masked.

Expected failures (``models.errors``) keep their message and get their code. Anything unexpected is logged
with its traceback and the request id, and reaches the client as ``INTERNAL_SERVER_ERROR`` with the
request id only: no stack trace, SQL or paths. Query-document errors (syntax, validation, limits) pass
through untouched, as the framework reports them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from models.db.failures import translate
from models.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable
from schema.codes import ErrorCode

log = logging.getLogger("modelreg.graphql")

CODES: dict[type[DomainError], ErrorCode] = {
    InvalidInput: ErrorCode.BAD_USER_INPUT,
    Unauthenticated: ErrorCode.UNAUTHENTICATED,
    Forbidden: ErrorCode.FORBIDDEN,
    NotFound: ErrorCode.NOT_FOUND,
    Conflict: ErrorCode.CONFLICT,
    Unavailable: ErrorCode.SERVICE_UNAVAILABLE,
}


def is_unexpected(error: GraphQLError) -> bool:
    """Raised by our code for a reason we did not plan for (as opposed to a domain or document error)."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, DomainError | GraphQLError)
        and error.path is not None
        and translate(original) is None  # a database outage or timeout is reported, not masked
    )


def code_error(error: GraphQLError, request_id: str, *, executing: bool = False) -> GraphQLError:
    """``error`` with its ``extensions.code``. ``executing``: it arose once execution began (after validation)."""
    original = error.original_error
    if original is not None and not isinstance(original, DomainError | GraphQLError):
        original = translate(original) or original  # a read that met a database outage: SERVICE_UNAVAILABLE
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": CODES[type(original)]}
        if isinstance(original, InvalidInput):
            extensions["field"] = original.field
        return GraphQLError(original.message, error.nodes, path=error.path, extensions=extensions)
    if is_unexpected(error):
        return GraphQLError(
            f"Internal server error; quote request id {request_id} to the operator",
            error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR, "requestId": request_id},
        )
    if error.path is None and (original is not None or executing) and not (error.extensions or {}).get("code"):
        # A variable's value was refused while it was coerced (a malformed DateTime, say), or graphql-core gave up
        # on the variables (past its error limit, or nested too deeply): a user input error. Outside execution a
        # path-less error is about the document (syntax, validation, limits), which keeps the framework's shape.
        return GraphQLError(error.message, error.nodes, extensions={"code": ErrorCode.BAD_USER_INPUT})
    return error


class ErrorCodes(SchemaExtension):
    #: Whether execution began: graphql-core coerces the variables there, after the document validated.
    _executing = False
    #: Whether the results were coded one by one as they were streamed (over a WebSocket: ``on_stream_result``).
    _streamed = False

    def on_operation(self) -> Iterator[None]:
        self._executing = False
        self._streamed = False
        yield
        if not self._streamed:
            self._code(self.execution_context.result)

    def on_execute(self) -> Iterator[None]:
        self._executing = True
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Over a WebSocket (``Schema.stream``) each result is sent before ``on_operation`` ends: coded (and an
        unexpected error masked) here, as Strawberry's ``MaskErrors`` does."""
        self._streamed = True
        self._code(result)
        yield

    def _code(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            request_id = getattr(self.execution_context.context, "request_id", "-")
            result.errors = [code_error(error, request_id, executing=self._executing) for error in errors]


def log_unexpected(errors: list[GraphQLError], request_id: str) -> None:
    for error in errors:
        original = error.original_error
        if original is not None and not isinstance(original, DomainError) and translate(original) is not None:
            log.warning(
                "database failure in %s (request %s): %r", ".".join(map(str, error.path or [])), request_id, original
            )
        elif is_unexpected(error):
            log.error(
                "unexpected error in %s (request %s)",
                ".".join(map(str, error.path or [])),
                request_id,
                exc_info=error.original_error,
            )
