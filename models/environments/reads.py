"""Reading environments: every declared one with its active deployments, and their protection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models import validation
from models.db.connection import connection, fetch, fetch_table
from models.db.rows import builder, columns, optional_builder
from models.entities import Environment, EnvironmentProtection
from models.environments.rules import Protection
from models.tokens.scopes import model_name_sql, pattern_regex


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    active_deployments: int
    protection: Protection | None = None
    #: Its declaration; None only for a name some deployment or protection used without one, which the
    #: migration that introduced declarations leaves impossible.
    declaration: Environment | None = None


# Reading.


async def get_protection(environment: str) -> Protection | None:
    row = await EnvironmentProtection.get_or_none(environment=validation.environment(environment))
    return Protection.of(row) if row else None


async def protections_by_environment(environments: Sequence[str]) -> dict[str, Protection]:
    rows = await EnvironmentProtection.filter(environment__in=list(environments))
    return {row.environment: Protection.of(row) for row in rows}


async def list_environments(*, within: tuple[str, ...] | None = None) -> list[EnvironmentSummary]:
    """Every declared environment, by name (the first ``MAX_ENVIRONMENTS_LISTED``), with its active deployments.
    ``within``: only deployments of the models matching these name patterns are counted, as a scoped token's
    lists and statistics count only those; declarations and protection are registry-wide, so every declared
    environment appears."""
    conn = connection()
    sql = "SELECT environment, SUM(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END) AS active FROM deployment"
    params: list[str] = []
    if within is not None:  # the patterns are a bind parameter; only constant SQL is spliced in
        sql += f" WHERE model_id IN (SELECT id FROM model WHERE {model_name_sql(conn, 'name')})"
        params.append(pattern_regex(within))
    active = {
        row["environment"]: int(row["active"] or 0) for row in await fetch(conn, sql + " GROUP BY environment", params)
    }
    # Declarations and their protection in one statement: protecting needs a declared environment, and a
    # protected one cannot be removed, so every protection has its declaration.
    declared_sql = (
        f"SELECT {columns(Environment, 'e', 'e')}, {columns(EnvironmentProtection, 'ep', 'ep')} FROM environment e "
        "LEFT JOIN environment_protection ep ON ep.environment = e.name"
    )
    declared: dict[str, Environment] = {}
    protected: dict[str, Protection] = {}
    found = await fetch_table(conn, declared_sql)
    if found.rows:
        declaration_of = builder(Environment, found, "e")
        protection_of = optional_builder(EnvironmentProtection, found, "ep")
        for row in found.rows:
            declaration = declaration_of(row)
            declared[declaration.name] = declaration
            if (protection := protection_of(row)) is not None:
                protected[declaration.name] = Protection.of(protection)
    return [
        EnvironmentSummary(name, active.get(name, 0), protected.get(name), declared.get(name))
        for name in sorted(active.keys() | declared.keys())[: validation.MAX_ENVIRONMENTS_LISTED]
    ]
