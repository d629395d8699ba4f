"""Client-side errors, one per GraphQL error code, so callers can ``except Conflict`` and retry."""

from __future__ import annotations


class RegistryError(Exception):
    """Any failure reported by (or reaching) the registry. ``code`` is the GraphQL ``extensions.code``."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id


class InvalidInput(RegistryError):
    code = "BAD_USER_INPUT"


class Unauthenticated(RegistryError):
    code = "UNAUTHENTICATED"


class Forbidden(RegistryError):
    code = "FORBIDDEN"


class NotFound(RegistryError):
    code = "NOT_FOUND"


class Conflict(RegistryError):
    code = "CONFLICT"


class Unavailable(RegistryError):
    """The registry could not be reached, or kept answering 502/503/504, after the retries."""

    code = "SERVICE_UNAVAILABLE"


class NotARegistry(Unavailable):
    """The address answered, but not as a modelreg registry (no /graphql endpoint, or not JSON)."""

    code = "NOT_A_REGISTRY"


class RateLimited(RegistryError):
    """The token's rate limit stayed used up through the retries (HTTP 429; the client waits ``Retry-After``)."""

    code = "RATE_LIMITED"


class Timeout(RegistryError):
    """The server cancelled the operation at its execution timeout; retry a mutation with the same key."""

    code = "TIMEOUT"


class QueryTooComplex(RegistryError):
    """The document could return more nodes than the server allows; ask for smaller pages or fewer nested lists."""

    code = "QUERY_TOO_COMPLEX"


class PersistedQueryNotFound(RegistryError):
    """The server does not know a persisted query's hash (this client always sends documents in full)."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class ArtifactIntegrityError(RegistryError):
    """Downloaded bytes do not hash to the sha256 the registry recorded: nothing was deserialized."""

    code = "ARTIFACT_INTEGRITY"


BY_CODE: dict[str, type[RegistryError]] = {
    cls.code: cls
    for cls in (
        InvalidInput,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        RateLimited,
        Timeout,
        Unavailable,
        QueryTooComplex,
        PersistedQueryNotFound,
    )
}
#: The server's database was unreachable or too busy; nothing was changed, retrying later may work.
