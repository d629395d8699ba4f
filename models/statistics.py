"""Registry-wide statistics for dashboards: the counts asked for in one statement, the averages in another.

Only what a request asks for is computed, so a dashboard that shows four counts pays for those four.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from models.db import connection, fetch
from models.validation import DEFAULT_ENVIRONMENT


class Count(StrEnum):
    MODELS = "models"
    VERSIONS = "versions"
    MODELS_IN_PRODUCTION = "models_in_production"
    ACTIVE_DEPLOYMENTS = "active_deployments"
    PROMOTIONS = "promotions"


#: One scalar subquery per count. Versions are never deleted and ``version_count`` is each model's version
#: allocator, so its sum is the number of versions, read from the (small) model table instead of the
#: (large) version table.
_COUNTS: dict[Count, tuple[str, list[str]]] = {
    Count.MODELS: ("SELECT COUNT(*) FROM model", []),
    Count.VERSIONS: ("SELECT COALESCE(SUM(version_count), 0) FROM model", []),
    Count.MODELS_IN_PRODUCTION: (
        "SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL AND environment = ?",
        [DEFAULT_ENVIRONMENT],
    ),
    Count.ACTIVE_DEPLOYMENTS: ("SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL", []),
    Count.PROMOTIONS: ("SELECT COUNT(*) FROM audit_event WHERE action IN ('PROMOTED', 'ROLLED_BACK')", []),
}


async def counts(wanted: Collection[Count]) -> dict[Count, int]:
    """The ``wanted`` counts, in one statement."""
    chosen = sorted(set(wanted))
    if not chosen:
        return {}
    sql = "SELECT " + ", ".join(f"({_COUNTS[count][0]}) AS {count.value}" for count in chosen)
    params = [param for count in chosen for param in _COUNTS[count][1]]
    row = (await fetch(connection(), sql, params))[0]
    return {count: int(row[count.value]) for count in chosen}


async def average_production_metrics() -> list[tuple[str, float]]:
    """Per metric name, the mean over production versions that report it, sorted by name."""
    rows = await fetch(
        connection(),
        "SELECT m.name AS name, AVG(m.value) AS mean FROM metric m "
        "JOIN deployment d ON d.version_id = m.version_id AND d.retired_at IS NULL AND d.environment = ? "
        "GROUP BY m.name ORDER BY m.name",
        [DEFAULT_ENVIRONMENT],
    )
    return [(row["name"], float(row["mean"])) for row in rows]
