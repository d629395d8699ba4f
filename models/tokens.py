"""API tokens, their scopes, and the principals they authenticate. Only a hash of each secret is stored.

A token has a role and, optionally, scopes: model-name patterns (``churn-*``) limiting which models it may
read or change, and environments limiting where it may promote, demote and roll back. Every scope decision
is made here, by ``Principal`` (in memory) or by the filters below (in SQL, for lists and counts); the
transport layers only ask. The same pattern translation serves both, so Python and SQL always agree.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery

from models import token_format, validation
from models.audit import now
from models.db import dialect
from models.entities import ApiToken, ModelVersion, RegisteredModel, Role
from models.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.retry import retried

PREFIX = token_format.PREFIX
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: A model-name pattern: the characters of model names plus the wildcards ``*`` (any run) and ``?`` (one).
MODEL_PATTERN = re.compile(r"[A-Za-z0-9._*?-]{1,128}")
MAX_SCOPE_ENTRIES = 50
_DURATION = re.compile(r"([0-9]{1,7})([mhdw])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_LIFETIME = timedelta(days=3650)

UNKNOWN_OR_REVOKED = "not valid (unknown or revoked)"


# --- scopes ---------------------------------------------------------------------------------------------------


def check_model_patterns(values: Sequence[str], field: str = "models") -> tuple[str, ...]:
    """Validate model-name patterns (fnmatch-style, ``*`` and ``?`` only); duplicates are dropped."""
    if not values:
        raise InvalidInput(field, "give at least one model-name pattern, e.g. 'churn-*' (or leave the scope out)")
    if len(values) > MAX_SCOPE_ENTRIES:
        raise InvalidInput(field, f"at most {MAX_SCOPE_ENTRIES} patterns (got {len(values)})")
    for value in values:
        if not MODEL_PATTERN.fullmatch(value):
            raise InvalidInput(
                field,
                f"{value[:140]!r} is not a valid model-name pattern: use 1 to 128 characters of A-Z a-z 0-9 . _ - "
                "and the wildcards * (any characters) and ? (one character)",
            )
    return tuple(dict.fromkeys(values))


def check_environments(values: Sequence[str], field: str = "environments") -> tuple[str, ...]:
    if not values:
        raise InvalidInput(field, "give at least one environment, e.g. 'staging' (or leave the scope out)")
    if len(values) > MAX_SCOPE_ENTRIES:
        raise InvalidInput(field, f"at most {MAX_SCOPE_ENTRIES} environments (got {len(values)})")
    return tuple(dict.fromkeys(validation.environment(value, field) for value in values))


@lru_cache(maxsize=256)
def pattern_regex(patterns: tuple[str, ...]) -> str:
    """One regular expression matching exactly the names some pattern matches, valid in Python and PostgreSQL.

    ``*`` becomes ``.*``, ``?`` becomes ``.``; every other non-alphanumeric character is escaped with a
    backslash, which both dialects read as the literal character.
    """

    def translate(pattern: str) -> str:
        return "".join(
            ".*" if c == "*" else "." if c == "?" else c if c.isascii() and c.isalnum() else "\\" + c for c in pattern
        )

    return "^(" + "|".join(translate(p) for p in patterns) + ")$"


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(pattern_regex(patterns))


def model_name_filter(patterns: tuple[str, ...], column: str = "name") -> Q:
    """A queryset filter: rows whose ``column`` (a model name) one of ``patterns`` matches."""
    return Q(**{f"{column}__posix_regex": pattern_regex(patterns)})


def model_name_sql(conn: BaseDBAsyncClient, column: str) -> str:
    """The SQL predicate for raw statements; bind ``pattern_regex(patterns)`` to its ``?``."""
    return f"{column} ~ ?" if dialect(conn) == "postgres" else f"{column} REGEXP ?"


def _in_scope_model_ids(patterns: tuple[str, ...]) -> Subquery:
    return Subquery(RegisteredModel.filter(model_name_filter(patterns)).values("id"))


@dataclass(frozen=True)
class Principal:
    """Who a request is authenticated as. ``name`` is the audit actor.

    ``model_patterns`` and ``environments`` are None when the token is not limited in that way.
    """

    name: str
    role: Role
    model_patterns: tuple[str, ...] | None = None
    environments: tuple[str, ...] | None = None
    expires_at: datetime | None = None

    def can(self, role: Role) -> bool:
        return self.role.includes(role)

    def may_access_model(self, name: str) -> bool:
        """Whether the token may read or (with its role) change the model named ``name``."""
        return self.model_patterns is None or _compiled(self.model_patterns).fullmatch(name) is not None

    def may_deploy_to(self, environment: str) -> bool:
        """Whether the token may (with its role) promote, demote or roll back in ``environment``."""
        return self.environments is None or environment in self.environments

    def require_model(self, name: str) -> None:
        if not self.may_access_model(name):
            raise Forbidden(
                f"token {self.name!r} is limited to models matching {', '.join(self.model_patterns or ())}; "
                f"{name!r} is outside its scope"
            )

    def require_environment(self, environment: str) -> None:
        if not self.may_deploy_to(environment):
            raise Forbidden(
                f"token {self.name!r} may deploy only to {', '.join(self.environments or ())}; "
                f"{environment!r} is outside its scope"
            )


def principal_of(token: ApiToken) -> Principal:
    return Principal(
        name=token.name,
        role=token.role,
        model_patterns=tuple(token.model_patterns) if token.model_patterns is not None else None,
        environments=tuple(token.environments) if token.environments is not None else None,
        expires_at=token.expires_at,
    )


async def artifact_visible(principal: Principal | None, sha256: str) -> bool:
    """Whether ``principal`` may download a blob: a model-scoped token only one that some version of a model in
    its scope references (so a blob's bytes never reach a token that could not see the version)."""
    if principal is None or principal.model_patterns is None:
        return True
    return await ModelVersion.filter(
        artifact_id=sha256, model_id__in=_in_scope_model_ids(principal.model_patterns)
    ).exists()


async def may_reference_artifact(principal: Principal, sha256: str) -> bool:
    """Whether ``principal`` may register a version pointing at a blob: one it may download, or one no version
    references yet. Otherwise a scoped writer knowing an out-of-scope blob's digest could register it into an
    in-scope model and then download it."""
    if principal.model_patterns is None:
        return True
    return not await ModelVersion.exists(artifact_id=sha256) or await artifact_visible(principal, sha256)


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


@retried
async def create_token(
    *,
    name: str,
    role: Role,
    model_patterns: Sequence[str] | None = None,
    environments: Sequence[str] | None = None,
    expires_in: timedelta | None = None,
    replace: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again.

    ``replace`` gives an existing name a new secret, role, scopes and expiry (the old secret stops working at
    once). Environment scopes only limit deployments, so they need a deployer or admin token.
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
    secret = token_format.generate()
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


# --- authenticating -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a presented secret authenticates nothing; ``reason`` completes "the bearer token is ..."."""

    reason: str


async def identify(secret: str) -> Principal | Refusal:
    """The principal for a bearer secret, or why there is none.

    A secret of the wrong shape or checksum is refused before the database is asked. Unknown and revoked
    secrets get the same answer; an expired one is told so (docs/security.md, "Expiry").
    """
    found = token_format.shape(secret)
    if not found.plausible:
        detail = "its checksum does not match" if found is token_format.Shape.BAD_CHECKSUM else "not a modelreg token"
        return Refusal(f"malformed ({detail}; check it with 'modelreg tokens check')")
    digest = hash_secret(secret)
    token = await ApiToken.get_or_none(secret_hash=digest)
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
