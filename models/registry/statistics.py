"""Registry-wide statistics for dashboards: the counts asked for in one statement, the averages in another.

Only what a request asks for is computed, so a dashboard that shows four counts pays for those four. A token
limited to some models (``within``, name patterns) sees numbers over those models only, so they agree with
the lists it sees.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any

from models.db.connection import connection, fetch
from models.tokens.scopes import model_name_sql, pattern_regex
from models.validation import DEFAULT_ENVIRONMENT

#: ``average_production_metrics`` returns the first this many metric names (production versions carry at most
#: ``MAX_METRICS`` each, but different versions may name different metrics).
MAX_AVERAGED_METRICS = 1_000


class Count(StrEnum):
    MODELS = "models"
    VERSIONS = "versions"
    MODELS_IN_PRODUCTION = "models_in_production"
    ACTIVE_DEPLOYMENTS = "active_deployments"
    PROMOTIONS = "promotions"


#: One scalar subquery per count: (SQL, parameters, whether it reads the model table itself). Versions are
#: never deleted and ``version_count`` is each model's version allocator, so its sum is the number of
#: versions, read from the (small) model table instead of the (large) version table.
_COUNTS: dict[Count, tuple[str, list[str], bool]] = {
    Count.MODELS: ("SELECT COUNT(*) FROM model WHERE 1 = 1", [], True),
    Count.VERSIONS: ("SELECT COALESCE(SUM(version_count), 0) FROM model WHERE 1 = 1", [], True),
    Count.MODELS_IN_PRODUCTION: (
        "SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL AND environment = ?",
        [DEFAULT_ENVIRONMENT],
        False,
    ),
    Count.ACTIVE_DEPLOYMENTS: ("SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL", [], False),
    Count.PROMOTIONS: ("SELECT COUNT(*) FROM audit_event WHERE action IN ('PROMOTED', 'ROLLED_BACK')", [], False),
}


async def counts(wanted: Collection[Count], *, within: tuple[str, ...] | None = None) -> dict[Count, int]:
    """The ``wanted`` counts, in one statement."""
    chosen = sorted(set(wanted))
    if not chosen:
        return {}
    conn = connection()
    parts: list[str] = []
    params: list[Any] = []
    for count in chosen:
        sql, count_params, on_model = _COUNTS[count]
        if within is not None:
            name_matches = model_name_sql(conn, "name")
            sql += (
                f" AND {name_matches}" if on_model else f" AND model_id IN (SELECT id FROM model WHERE {name_matches})"
            )
            count_params = [*count_params, pattern_regex(within)]
        parts.append(f"({sql}) AS {count.value}")
        params.extend(count_params)
    row = (await fetch(conn, "SELECT " + ", ".join(parts), params))[0]
    return {count: int(row[count.value]) for count in chosen}


async def average_production_metrics(*, within: tuple[str, ...] | None = None) -> list[tuple[str, float]]:
    """Per metric name, the mean over production versions that report it, sorted by name; the first
    ``MAX_AVERAGED_METRICS`` names."""
    conn = connection()
    scoped, params = "", [DEFAULT_ENVIRONMENT]
    if within is not None:
        scoped = f" WHERE d.model_id IN (SELECT id FROM model WHERE {model_name_sql(conn, 'name')})"
        params.append(pattern_regex(within))
    rows = await fetch(
        conn,
        "SELECT m.name AS name, AVG(m.value) AS mean FROM metric m "
        "JOIN deployment d ON d.version_id = m.version_id AND d.retired_at IS NULL AND d.environment = ?"
        f"{scoped} GROUP BY m.name ORDER BY m.name LIMIT {MAX_AVERAGED_METRICS:d}",
        params,
    )
    return [(row["name"], float(row["mean"])) for row in rows]
