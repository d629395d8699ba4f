"""Registry-wide statistics for dashboards, in two statements whatever the registry's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


async def registry_statistics() -> RegistryStatistics:
    conn = connection()
    counts = (
        await fetch(
            conn,
            "SELECT (SELECT COUNT(*) FROM model) AS models, (SELECT COUNT(*) FROM version) AS versions, "
            "(SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL AND environment = ?) AS in_production, "
            "(SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL) AS active, "
            "(SELECT COUNT(*) FROM audit_event WHERE action IN ('PROMOTED', 'ROLLED_BACK')) AS promotions",
            [DEFAULT_ENVIRONMENT],
        )
    )[0]
    averages = await fetch(
        conn,
        "SELECT m.name AS name, AVG(m.value) AS mean FROM metric m "
        "JOIN deployment d ON d.version_id = m.version_id AND d.retired_at IS NULL AND d.environment = ? "
        "GROUP BY m.name ORDER BY m.name",
        [DEFAULT_ENVIRONMENT],
    )
    return RegistryStatistics(
        model_count=int(counts["models"]),
        version_count=int(counts["versions"]),
        models_in_production=int(counts["in_production"]),
        active_deployment_count=int(counts["active"]),
        promotion_count=int(counts["promotions"]),
        average_production_metrics=[(row["name"], float(row["mean"])) for row in averages],
    )
