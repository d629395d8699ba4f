"""Reading protected environments: their protection, and every environment with its active deployments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models import validation
from models.db.connection import connection, fetch
from models.entities import EnvironmentProtection
from models.environments.rules import Protection
from models.tokens.scopes import model_name_sql, pattern_regex


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    active_deployments: int
    protection: Protection | None = None


# Reading.


async def get_protection(environment: str) -> Protection | None:
    row = await EnvironmentProtection.get_or_none(environment=validation.environment(environment))
    return Protection.of(row) if row else None


async def protections_by_environment(environments: Sequence[str]) -> dict[str, Protection]:
    rows = await EnvironmentProtection.filter(environment__in=list(environments))
    return {row.environment: Protection.of(row) for row in rows}


async def list_environments(*, within: tuple[str, ...] | None = None) -> list[EnvironmentSummary]:
    """Every environment that has had a deployment or has protection, by name (the first
    ``MAX_ENVIRONMENTS_LISTED``). ``within``: only deployments of
    the models matching these name patterns are counted (or make an environment appear), as a scoped token's
    lists and statistics count only those; protection is registry-wide, so protected environments always appear."""
    conn = connection()
    sql = "SELECT environment, SUM(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END) AS active FROM deployment"
    params: list[str] = []
    if within is not None:  # the patterns are a bind parameter; only constant SQL is spliced in
        sql += f" WHERE model_id IN (SELECT id FROM model WHERE {model_name_sql(conn, 'name')})"  # noqa: S608
        params.append(pattern_regex(within))
    active = {
        row["environment"]: int(row["active"] or 0) for row in await fetch(conn, sql + " GROUP BY environment", params)
    }
    protected = {row.environment: Protection.of(row) for row in await EnvironmentProtection.all()}
    return [
        EnvironmentSummary(name, active.get(name, 0), protected.get(name))
        for name in sorted(active.keys() | protected.keys())[: validation.MAX_ENVIRONMENTS_LISTED]
    ]
