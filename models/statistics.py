"""Registry-wide statistics for dashboards, in two statements whatever the registry's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models import tokens
from models.audit import now
from models.db import connection, fetch
from models.validation import DEFAULT_ENVIRONMENT


@dataclass(frozen=True)
class RegistryStatistics:
    model_count: int
    version_count: int
    models_in_production: int
    active_deployment_count: int
    promotion_count: int
    #: Per metric name, the mean over production versions that report it, sorted by name.
    average_production_metrics: list[tuple[str, float]] = field(default_factory=list)
    generated_at: datetime = field(default_factory=now)


async def registry_statistics(*, within: tuple[str, ...] | None = None) -> RegistryStatistics:
    """Counts and production averages; ``within``: over the models matching these name patterns only, so a
    scoped token's numbers agree with the lists it sees."""
    conn = connection()
    models_where, scoped, params = "", "", []
    if within is not None:
        name_matches = tokens.model_name_sql(conn, "name")
        models_where = f" WHERE {name_matches}"
        scoped = f" AND model_id IN (SELECT id FROM model WHERE {name_matches})"
        params = [tokens.pattern_regex(within)]
    counts = (
        await fetch(
            conn,
            f"SELECT (SELECT COUNT(*) FROM model{models_where}) AS models, "
            f"(SELECT COUNT(*) FROM version WHERE 1 = 1{scoped}) AS versions, "
            f"(SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL AND environment = ?{scoped}) AS in_production, "
            f"(SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL{scoped}) AS active, "
            f"(SELECT COUNT(*) FROM audit_event WHERE action IN ('PROMOTED', 'ROLLED_BACK'){scoped}) AS promotions",
            [*params, *params, DEFAULT_ENVIRONMENT, *params, *params, *params],
        )
    )[0]
    averages = await fetch(
        conn,
        "SELECT m.name AS name, AVG(m.value) AS mean FROM metric m "
        "JOIN deployment d ON d.version_id = m.version_id AND d.retired_at IS NULL AND d.environment = ? "
        f"WHERE 1 = 1{scoped.replace('model_id', 'd.model_id')} GROUP BY m.name ORDER BY m.name",
        [DEFAULT_ENVIRONMENT, *params],
    )
    return RegistryStatistics(
        model_count=int(counts["models"]),
        version_count=int(counts["versions"]),
        models_in_production=int(counts["in_production"]),
        active_deployment_count=int(counts["active"]),
        promotion_count=int(counts["promotions"]),
        average_production_metrics=[(row["name"], float(row["mean"])) for row in averages],
    )
