"""API tokens and the principals they authenticate. Only a hash of each secret is ever stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from models.audit import now
from models.entities import ApiToken, Role
from models.errors import Conflict, InvalidInput, NotFound
from models.retry import retried

PREFIX = "mreg_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
_SECRET = re.compile(r"mreg_[A-Za-z0-9_-]{43}")
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who a request is authenticated as. ``name`` is the audit actor."""

    name: str
    role: Role

    def can(self, role: Role) -> bool:
        return self.role.includes(role)


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is as good as a slow one and keeps auth cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


@retried
async def create_token(*, name: str, role: Role, replace: bool = False) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again.

    ``replace`` gives an existing name a new secret and role (the old secret stops working at once).
    """
    if not _NAME.fullmatch(name):
        raise InvalidInput("name", "token names are 1 to 128 characters of A-Z a-z 0-9 . _ @ -")
    secret = PREFIX + secrets.token_urlsafe(32)
    fields: dict[str, Any] = {
        "role": role,
        "secret_hash": hash_secret(secret),
        "created_at": now(),
        "last_used_at": None,
        "revoked_at": None,
    }
    existing = await ApiToken.get_or_none(name=name)
    if existing is not None:
        if not replace:
            raise Conflict(f"a token named {name!r} already exists (revoke it, or create it with --replace)")
        existing.update_from_dict(fields)
        await existing.save()
        return existing, secret
    try:
        token = await ApiToken.create(name=name, **fields)
    except IntegrityError as error:
        raise Conflict(f"a token named {name!r} already exists") from error
    return token, secret


async def list_tokens() -> list[ApiToken]:
    return await ApiToken.all().order_by("name")


@retried
async def revoke_token(*, name: str) -> ApiToken:
    token = await ApiToken.get_or_none(name=name)
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = now()
        await token.save(update_fields=["revoked_at"])
    return token


async def authenticate(secret: str) -> Principal | None:
    """The principal for a bearer secret, or None when it is malformed, unknown or revoked."""
    if not _SECRET.fullmatch(secret):
        return None
    token = await ApiToken.get_or_none(secret_hash=hash_secret(secret))
    if token is None or token.revoked_at is not None:
        return None
    stamp = now()
    if token.last_used_at is None or stamp - token.last_used_at > LAST_USED_RESOLUTION:
        await ApiToken.filter(id=token.id).update(last_used_at=stamp)
    return Principal(name=token.name, role=token.role)
