"""Tokens in GraphQL: who the request is authenticated as. Tokens are created and revoked from the command
line (``modelreg tokens``), never through the API, so a leaked token cannot mint others.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.context import Info
from schema.enums import Role
from schema.permissions import require


@strawberry.type(description="Who the request is authenticated as.")
class Principal:
    name: str
    role: Role
    model_patterns: list[str] | None = strawberry.field(
        description="Model-name patterns (* and ? wildcards) this token is limited to; null: every model."
    )
    environments: list[str] | None = strawberry.field(
        description="Environments this token may promote, demote and roll back in; null: every environment."
    )
    expires_at: datetime | None = strawberry.field(description="When this token stops working; null: never.")


@strawberry.type
class TokenQueries:
    @strawberry.field(description="The authenticated principal, or null for an anonymous request.")
    def viewer(self, info: Info) -> Principal | None:
        principal = info.context.principal
        if principal is None:
            require(info, Role.READER, anonymous_ok=True)  # anonymous: allowed only with anonymous reads
            return None
        return Principal(
            name=principal.name,
            role=principal.role,
            model_patterns=list(principal.model_patterns) if principal.model_patterns is not None else None,
            environments=list(principal.environments) if principal.environments is not None else None,
            expires_at=principal.expires_at,
        )
