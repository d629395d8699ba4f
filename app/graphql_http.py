"""GraphQL over HTTP: which media type a client gets, and which responses are request errors.

modelreg follows the GraphQL-over-HTTP specification: a client that accepts
``application/graphql-response+json`` gets it, and with it the status codes that media type defines (400 for a
request error: a document that does not parse or validate, an operation that cannot be chosen, variables that
cannot be coerced); others get ``application/json``, where such errors come with 200, as before. A request
error's body has ``errors`` and no ``data``: nothing was executed.
"""

from __future__ import annotations

from collections.abc import Mapping

from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def preferred_media_type(accept: str | None) -> str:
    """``GRAPHQL_RESPONSE`` when the ``Accept`` header asks for it at least as much as for JSON, else ``JSON``.

    No header, ``*/*`` or anything else means JSON, as the specification says for clients that predate it.
    """
    weights: dict[str, float] = {}
    for media_range in (accept or "").split(","):
        media_type, *parameters = media_range.split(";")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        key = media_type.strip().lower()
        weights[key] = max(weights.get(key, 0.0), quality)
    wanted = weights.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if wanted > 0 and wanted >= weights.get(JSON, 0.0) else JSON


def media_type_of(headers: Mapping[str, str]) -> str:
    """A request's ``Content-Type`` without parameters, lower-cased (media types are case-insensitive)."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Cancelled(ExecutionResult):
    """The result of an operation cancelled by the execution timeout: it ran, so it is not a request error."""


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: the document did not parse or validate, or the variables could not be coerced.

    Strawberry marks the first two (``PreExecutionError``); graphql-core answers a variable it cannot coerce
    with ``data`` null and errors that point at no field, which no executed operation does (field errors
    have a ``path``), except a cancelled one.
    """
    if isinstance(result, PreExecutionError):
        return True
    if isinstance(result, Cancelled) or result.data is not None or not result.errors:
        return False
    return all(error.path is None for error in result.errors)
