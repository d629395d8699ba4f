"""Authentication: from an ``Authorization`` header to a principal. No GraphQL here."""

from __future__ import annotations

from dataclasses import dataclass

from models.tokens import Principal, authenticate


@dataclass(frozen=True)
class Credentials:
    """The outcome of reading a request's credentials."""

    principal: Principal | None
    #: Why a presented token was refused; None when it was accepted or none was presented.
    error: str | None = None


async def credentials(authorization: str | None) -> Credentials:
    if authorization is None:
        return Credentials(principal=None)
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return Credentials(principal=None, error="malformed: use 'Authorization: Bearer mreg_...'")
    principal = await authenticate(secret.strip())
    if principal is None:
        return Credentials(principal=None, error="not valid (malformed, unknown or revoked)")
    return Credentials(principal=principal)
