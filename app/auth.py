"""Authentication: from an ``Authorization`` header to a principal. No GraphQL here.

The secret itself never leaves this path: it is not logged, not echoed in errors, and only its hash is
looked up (models/tokens/operations.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.tokens.operations import Refusal, identify
from models.tokens.scopes import Principal


@dataclass(frozen=True)
class Credentials:
    """The outcome of reading a request's credentials."""

    principal: Principal | None
    #: Why a presented token was refused, completing "the bearer token is ..."; None when it was accepted or
    #: none was presented.
    error: str | None = None


async def credentials(header: str | None) -> Credentials:
    """The credentials of an ``Authorization`` header (None: none was sent)."""
    if header is None:
        return Credentials(principal=None)
    secret = bearer_secret(header)
    if secret is None:
        return Credentials(principal=None, error="malformed: use 'Authorization: Bearer mreg_...'")
    found = await identify(secret)
    if isinstance(found, Refusal):
        return Credentials(principal=None, error=found.reason)
    return Credentials(principal=found)


def bearer_secret(header: str) -> str | None:
    """The secret of a ``Bearer`` header, to look up again later (a live stream's); None for another form."""
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None
