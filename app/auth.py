"""Authentication: from an ``Authorization`` header to a principal. No GraphQL here.

The secret itself never leaves this path: it is not logged, not echoed in errors, and only its hash is
looked up (models/tokens/operations.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.tokens.operations import Refusal, bearer
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
    found = await bearer(header)
    if isinstance(found, Refusal):
        return Credentials(principal=None, error=found.reason)
    return Credentials(principal=found)
