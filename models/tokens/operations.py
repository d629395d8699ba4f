"""API tokens: creating, listing and revoking them, and authenticating a secret. Only a hash of each secret is stored.

Creating, replacing and revoking a token change who may do what, so each is one write transaction that changes
the token's row and appends its audit events (TOKEN_CREATED, TOKEN_REVOKED) to the registry's chain. Tokens are
managed from an operator's shell (``modelreg tokens``), never through the API, so no token is the actor: the
events name the operator (``operator_actor``).

What a token may do is decided in ``models.tokens.scopes``; the shape of its secret is ``models.tokens.secrets``.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.record import record
from models.clock import now
from models.db.connection import connection, fetch_table, write_transaction
from models.db.retry import retried
from models.db.rows import builder, columns
from models.entities import ApiToken, AuditAction, Role
from models.environments.declared import require_declared
from models.errors import Conflict, InvalidInput, NotFound
from models.tokens import secrets
from models.tokens.scopes import Principal, check_environments, check_model_patterns, principal_of

PREFIX = secrets.PREFIX
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_DURATION = re.compile(r"([0-9]{1,7})([mhdw])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_LIFETIME = timedelta(days=3650)

UNKNOWN_OR_REVOKED = "not valid (unknown or revoked)"
#: The audit actor of a token change made from a shell is this prefix and the OS user name. Token names cannot
#: contain ``:`` (``_NAME``), so an operator is never mistaken for a token.
OPERATOR_PREFIX = "cli:"
_ACTOR_LENGTH = 128  # audit_event.actor


# --- managing tokens ------------------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is as good as a slow one and keeps auth cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_duration(text: str, field: str = "expires-in") -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w``: a token's lifetime."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(field, f"{text[:40]!r} is not a duration: use a whole number and m, h, d or w, e.g. 30d")
    duration = int(match[1]) * _UNITS[match[2]]
    if not timedelta(minutes=1) <= duration <= MAX_LIFETIME:
        raise InvalidInput(field, f"must be between 1m and {MAX_LIFETIME.days}d (got {text.strip()})")
    return duration


def operator_actor(user: str | None = None) -> str:
    """``cli:`` and the OS user running this process (or ``user``): who changed a token, for its audit events.

    The name is what ``getpass.getuser()`` finds ($LOGNAME, $USER, $LNAME, $USERNAME, then the password database):
    a label for the record, not a proof, since whoever runs ``modelreg tokens`` on the database could set it.
    """
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no such variable and no password entry (an arbitrary uid in a container)
            user = f"uid-{os.getuid()}"
    # Printable and without spaces, so the actor reads as one word wherever it is shown.
    shown = "".join(c if c.isprintable() and not c.isspace() else "_" for c in user) or "unknown"
    return OPERATOR_PREFIX + shown[: _ACTOR_LENGTH - len(OPERATOR_PREFIX)]


@retried
async def create_token(
    *,
    name: str,
    role: Role,
    model_patterns: Sequence[str] | None = None,
    environments: Sequence[str] | None = None,
    expires_in: timedelta | None = None,
    replace: bool = False,
    actor: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again.

    ``replace`` gives an existing name a new secret, role, scopes and expiry (the old secret stops working at
    once). Environment scopes only limit deployments, so they need a deployer or admin token. ``actor`` (default:
    ``operator_actor()``) is recorded on the TOKEN_CREATED event, and on the TOKEN_REVOKED event of a replaced
    secret that was still valid.
    """
    if not _NAME.fullmatch(name):
        raise InvalidInput("name", "token names are 1 to 128 characters of A-Z a-z 0-9 . _ @ -")
    patterns = check_model_patterns(model_patterns) if model_patterns is not None else None
    envs = check_environments(environments) if environments is not None else None
    if envs is not None and not role.includes(Role.DEPLOYER):
        raise InvalidInput(
            "environments",
            f"environment scopes limit promote, demote and rollback, which a {role.value} token cannot do; "
            "leave them out or use the deployer or admin role",
        )
    if expires_in is not None and not timedelta(0) < expires_in <= MAX_LIFETIME:
        raise InvalidInput("expires-in", f"must be positive and at most {MAX_LIFETIME.days} days")
    who = actor or operator_actor()
    secret = secrets.generate()
    stamp = now()
    fields: dict[str, Any] = {
        "role": role,
        "secret_hash": hash_secret(secret),
        "model_patterns": list(patterns) if patterns is not None else None,
        "environments": list(envs) if envs is not None else None,
        "expires_at": stamp + expires_in if expires_in is not None else None,
        "created_at": stamp,
        "last_used_at": None,
        "revoked_at": None,
    }
    async with write_transaction() as conn:
        await require_declared(conn, [(env, f"environments[{i}]") for i, env in enumerate(envs or ())])
        token = await _lock_token(conn, name)
        replaced = token is not None
        if token is None:
            # Two creators of one name: the second insert fails on the unique name, and its retry (``retried``)
            # finds the winner's row and answers with the Conflict below.
            token = await ApiToken.create(name=name, **fields, using_db=conn)
        elif not replace:
            raise Conflict(f"a token named {name!r} already exists (revoke it, or create it with --replace)")
        else:
            if token.revoked_at is None:  # the old secret stops working now: that is a revocation
                await _record(conn, AuditAction.TOKEN_REVOKED, token, actor=who, replaced=True, at=stamp)
            token.update_from_dict(fields)
            await token.save(using_db=conn)
        await _record(conn, AuditAction.TOKEN_CREATED, token, actor=who, replaced=replaced, at=stamp)
    return token, secret


@retried
async def revoke_token(*, name: str, actor: str | None = None) -> ApiToken:
    """Revoke a token at once, with a TOKEN_REVOKED event by ``actor`` (default: ``operator_actor()``).

    Revoking a token that is already revoked changes nothing and records nothing.
    """
    async with write_transaction() as conn:
        token = await _lock_token(conn, name)
        if token is None:
            raise NotFound(f"no token named {name!r}")
        if token.revoked_at is None:
            token.revoked_at = now()
            await token.save(update_fields=["revoked_at"], using_db=conn)
            await _record(
                conn,
                AuditAction.TOKEN_REVOKED,
                token,
                actor=actor or operator_actor(),
                replaced=False,
                at=token.revoked_at,
            )
    return token


async def _lock_token(conn: BaseDBAsyncClient, name: str) -> ApiToken | None:
    # PostgreSQL: concurrent changes of one token wait here. SQLite: BEGIN IMMEDIATE already serialises writers.
    return await ApiToken.filter(name=name).select_for_update().using_db(conn).first()


async def _record(
    conn: BaseDBAsyncClient, action: AuditAction, token: ApiToken, *, actor: str, replaced: bool, at: datetime
) -> None:
    """Append a token event to the registry's chain. Its details describe the token as it stands (for
    TOKEN_REVOKED: the secret being revoked) and never contain the secret or its hash."""
    await record(
        conn,
        action=action,
        actor=actor,
        model=None,
        request_id=None,
        details={
            "token": token.name,
            "role": token.role.value,
            "modelPatterns": token.model_patterns,
            "environments": token.environments,
            "expiresAt": token.expires_at.isoformat() if token.expires_at else None,
            "createdAt": token.created_at.isoformat(),
            "replaced": replaced,
        },
        at=at,
    )


# --- authenticating -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a presented secret authenticates nothing; ``reason`` completes "the bearer token is ..."."""

    reason: str


@cache  # built on first use, once Tortoise is initialised
def _by_hash_sql() -> str:
    return f"SELECT {columns(ApiToken, 't', 't')} FROM api_token t WHERE t.secret_hash = ?"  # noqa: S608


async def identify(secret: str) -> Principal | Refusal:
    """The principal for a bearer secret, or why there is none.

    A secret of the wrong shape or checksum is refused before the database is asked. Unknown and revoked
    secrets get the same answer; an expired one is told so (docs/security.md, "Expiry").
    """
    found = secrets.shape(secret)
    if not found.plausible:
        detail = "its checksum does not match" if found is secrets.Shape.BAD_CHECKSUM else "not a modelreg token"
        return Refusal(f"malformed ({detail}; check it with 'modelreg tokens check')")
    digest = hash_secret(secret)
    # Raw SQL built once, as every request runs this: the ORM would build the same query anew each time.
    stored = await fetch_table(connection(), _by_hash_sql(), [digest])
    token = builder(ApiToken, stored, "t")(stored.rows[0]) if stored.rows else None
    # The lookup is by hash, so its timing says nothing about the secret; compare_digest keeps the final
    # comparison constant-time in case the database ever matched loosely (collation, truncation).
    if token is None or not hmac.compare_digest(token.secret_hash, digest) or token.revoked_at is not None:
        return Refusal(UNKNOWN_OR_REVOKED)
    stamp = now()
    if token.expires_at is not None and token.expires_at <= stamp:
        expired = token.expires_at.isoformat(timespec="seconds")
        return Refusal(f"expired (at {expired}); ask an administrator for a new token")
    if token.last_used_at is None or stamp - token.last_used_at > LAST_USED_RESOLUTION:
        await ApiToken.filter(id=token.id).update(last_used_at=stamp)
    return principal_of(token)


async def authenticate(secret: str) -> Principal | None:
    """The principal for a bearer secret, or None when it is malformed, unknown, revoked or expired."""
    found = await identify(secret)
    return found if isinstance(found, Principal) else None
