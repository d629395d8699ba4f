"""Who may call what: one tiny class per kind of root field.

The rules are in docs/api.md, "Roles and permissions", and docs/security.md, "Tokens". Each class checks the role,
then the token's scopes against the model and environment the operation names (``model_at``, ``environment_at``:
where in the arguments they are). The decisions themselves are ``Principal`` methods (models/tokens/scopes.py); this
module only finds the names in the arguments. Fields reached by id or through lists are filtered by ``model_scope``
and ``node_visible`` instead.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from models import validation
from models.entities import AuditEvent, RegisteredModel, Role
from models.errors import Forbidden, Unauthenticated
from models.tokens.scopes import Principal, may_reference_artifact
from schema.context import Info

_MISSING = object()


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


def acting(info: Info) -> Principal:
    """The principal of a field whose permission class requires a token (every mutation)."""
    principal = info.context.principal
    if principal is None:  # unreachable behind the permission class; a clear error rather than an assert
        raise Unauthenticated("this operation needs a token")
    return principal


def _argument(kwargs: dict[str, Any], path: str) -> Any:
    """The value at ``input.model``-style ``path`` in a resolver's arguments; _MISSING when it is not there."""
    first, *rest = path.split(".")
    value = kwargs.get(first, _MISSING)
    for name in rest:
        if value is _MISSING or value is None:
            return _MISSING
        value = getattr(value, name, _MISSING)
    return value


def check_scope(
    principal: Principal, kwargs: dict[str, Any], *, model_at: str | None, environment_at: str | None
) -> None:
    """Raise FORBIDDEN when the arguments name a model or environment outside the token's scopes.

    The decision depends on the name alone, never on whether such a model exists, so it reveals nothing.
    A name that is not even valid is reported as such first, with the same field path the operation uses.
    """
    if model_at is not None and principal.model_patterns is not None:
        name = _argument(kwargs, model_at)
        if isinstance(name, str):
            principal.require_model(validation.model_name(name, model_at))
    if environment_at is not None and principal.environments is not None:
        environment = _argument(kwargs, environment_at)
        if environment is None or isinstance(environment, str):  # None: the default, production
            principal.require_environment(validation.environment(environment, environment_at))


class _RolePermission(BasePermission):
    role = Role.ADMIN
    anonymous_ok = False
    #: Where the operation names the model it reads or changes, e.g. ``input.model`` (Python attribute names,
    #: which for these one-word fields are also the GraphQL field path errors report).
    model_at: str | None = None
    #: Where it names the environment it changes (absent or null meaning production).
    environment_at: str | None = None

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        require(info, self.role, anonymous_ok=self.anonymous_ok)
        principal = info.context.principal
        if principal is not None:
            check_scope(principal, kwargs, model_at=self.model_at, environment_at=self.environment_at)
        return True


class CanRead(_RolePermission):
    """Queries that name no model: lists and node lookups filter to the token's scope instead."""

    role = Role.READER
    anonymous_ok = True


class CanReadModel(CanRead):
    model_at = "name"


class CanCompare(CanRead):
    model_at = "model"


class CanReadAudit(CanRead):
    model_at = "filter.model"


class CanWrite(_RolePermission):
    role = Role.WRITER
    model_at = "input.model"


class CanWriteByName(CanWrite):
    """createModel and updateModel name their model ``input.name``."""

    model_at = "input.name"


class CanRegister(CanWrite):
    """registerVersion: also, a model-scoped token may point only at a blob it could download (or an unused one)."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:  # type: ignore[override]
        super().has_permission(source, info, **kwargs)
        principal = info.context.principal
        sha256 = _argument(kwargs, "input.artifact_sha256")
        if (
            principal is not None
            and isinstance(sha256, str)
            and validation.SHA256.fullmatch(sha256)
            and not await may_reference_artifact(principal, sha256)
        ):
            raise Forbidden(
                f"token {principal.name!r} is limited to models matching {', '.join(principal.model_patterns or ())}; "
                "input.artifactSha256 is a blob used only by models outside that scope (upload your own artifact)"
            )
        return True


class CanDeployModel(_RolePermission):
    """Retraining requests: deployer, within the token's models; they name no environment to deploy to."""

    role = Role.DEPLOYER
    model_at = "input.model"


class CanReadModelArgument(CanRead):
    """Queries with an optional ``model`` argument (``retrainingRequests``)."""

    model_at = "model"


class CanDeploy(_RolePermission):
    role = Role.DEPLOYER
    model_at = "input.model"
    environment_at = "input.environment"


def model_scope(info: Info) -> tuple[str, ...] | None:
    """The model-name patterns lists must be filtered to; None when the request may see every model."""
    principal = info.context.principal
    return principal.model_patterns if principal is not None else None


async def node_visible(info: Info, node: Any) -> bool:
    """Whether a node reached by global id belongs to a model in the token's scope (out of scope reads as absent)."""
    principal = info.context.principal
    if principal is None or principal.model_patterns is None:
        return True
    row = node.row  # every Node type wraps its domain row
    if isinstance(row, RegisteredModel):
        return principal.may_access_model(row.name)
    if isinstance(row, AuditEvent):
        return principal.may_access_model(row.model_name)
    model = await info.context.loaders.model.load(row.model_id)  # a version or a deployment
    return model is not None and principal.may_access_model(model.name)


class CanAdminister(_RolePermission):
    """Registry-wide policy (environment protection): admin, and not limited to some models or other environments."""

    role = Role.ADMIN
    environment_at = "input.environment"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        super().has_permission(source, info, **kwargs)
        principal = info.context.principal
        if principal is not None and principal.model_patterns is not None:
            raise Forbidden(
                f"token {principal.name!r} is limited to models matching {', '.join(principal.model_patterns)}; "
                "environment rules apply to every model, so they need a token without a model scope"
            )
        return True


class CanManageWebhooks(_RolePermission):
    """Webhooks: admin. A model-scoped admin manages only the webhooks of its scope, which the operations decide
    (``models.webhooks.reads.visible``): a webhook names no model, so there is nothing to check here."""

    role = Role.ADMIN


class CanDeclareEnvironment(CanAdminister):
    """createEnvironment and removeEnvironment name their environment ``input.name``."""

    environment_at = "input.name"
