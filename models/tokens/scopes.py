"""Token scopes, and the principals that tokens authenticate.

A token has a role and, optionally, scopes: model-name patterns (``churn-*``) limiting which models it may
read or change, and environments limiting where it may promote, demote and roll back. Every scope decision
is made here, by ``Principal`` (in memory) or by the filters below (in SQL, for lists and counts); the
transport layers only ask. The same pattern translation serves both, so Python and SQL always agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery

from models import validation
from models.db.connection import dialect
from models.entities import ApiToken, ModelVersion, RegisteredModel, Role
from models.errors import Forbidden, InvalidInput

#: A model-name pattern: the characters of model names plus the wildcards ``*`` (any run) and ``?`` (one).
MODEL_PATTERN = re.compile(r"[A-Za-z0-9._*?-]{1,128}")
MAX_SCOPE_ENTRIES = 50


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
    backslash, which both dialects read as the literal character. A pattern of only ``*`` becomes ``.+``:
    model names are never empty, and the empty ``model_name`` of registry-level audit events (environment
    rules, tokens), which belong to no model, must stay out of every model-scoped token's reach.
    """

    def translate(pattern: str) -> str:
        if not pattern.strip("*"):
            return ".+"
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
