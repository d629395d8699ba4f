"""Who may call what (CONTRACT.md, "Auth"): one tiny class per role, on every root field."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from models.entities import Role
from models.errors import Forbidden, Unauthenticated
from schema.context import Info


def require(info: Info, role: Role, *, anonymous_ok: bool = False) -> None:
    """Raise unless the request's principal has ``role`` (or anonymous reads are allowed and welcome)."""
    context = info.context
    if context.auth_error is not None:
        raise Unauthenticated(f"the bearer token is {context.auth_error}")
    if context.principal is None:
        if anonymous_ok and context.allow_anonymous_read:
            return
        raise Unauthenticated(
            "this operation needs a token: send 'Authorization: Bearer mreg_...' "
            "(create one with modelreg tokens create)"
        )
    if not context.principal.can(role):
        raise Forbidden(
            f"this operation needs the {role.value} role; "
            f"token {context.principal.name!r} is {context.principal.role.value}"
        )


class _RolePermission(BasePermission):
    role = Role.ADMIN
    anonymous_ok = False

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        require(info, self.role, anonymous_ok=self.anonymous_ok)
        return True


class CanRead(_RolePermission):
    role = Role.READER
    anonymous_ok = True


class CanWrite(_RolePermission):
    role = Role.WRITER


class CanDeploy(_RolePermission):
    role = Role.DEPLOYER


class CanAdminister(_RolePermission):
    role = Role.ADMIN
