"""Every error code the server sends, in one enumeration.

GraphQL errors carry one in ``extensions.code``; errors answered before execution (body size, content type,
rate limit, an unexpected failure) carry one too, in the same place on ``/graphql`` and in ``error.code`` on
the artifact routes. Which domain error gets which code is decided in ``schema/errors.py``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    #: Malformed or out-of-range input; also a body too large or not declared as JSON.
    BAD_USER_INPUT = "BAD_USER_INPUT"
    #: No token where one is needed, or a token that is malformed, unknown, revoked or expired.
    UNAUTHENTICATED = "UNAUTHENTICATED"
    #: The token's role or scopes do not allow the operation.
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    #: Valid, but contradicts the registry's state (or a write lost to concurrent changes).
    CONFLICT = "CONFLICT"
    #: The database or the artifact store cannot serve the request now; nothing is wrong with it.
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    #: The operation ran past the execution timeout and was cancelled.
    TIMEOUT = "TIMEOUT"
    #: The operation could return more nodes than the limit (``MODELREG_MAX_NODES``); refused before it ran.
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    #: The caller's rate limit is used up (HTTP 429 with ``Retry-After``).
    RATE_LIMITED = "RATE_LIMITED"
    #: A persisted query's hash (``extensions.persistedQuery.sha256Hash``) this server does not know: send the
    #: document with the hash (Apollo's automatic persisted queries).
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    #: Anything unexpected; the details are in the server's log under the request id.
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
