"""What a promotion decides on, read in one statement at the start of its transaction.

``promote`` needs the model, the version to deploy, the active deployment in the environment and that
deployment's version. Read one at a time they cost four round trips inside the write transaction, and on
SQLite, where one writer holds the database at a time, round trips inside the transaction are what bounds
promotions per second. Here they are one statement.

Locking is unchanged (see ``models/db/locking.py``). On SQLite the transaction already holds the write lock
from ``BEGIN IMMEDIATE``, so the environment's protection rules come in the same statement too. On
PostgreSQL the model's row is locked by its own statement first: a single
``SELECT ... FOR UPDATE OF m`` joined to the deployments would read them from the snapshot it took before
waiting for the lock, so it could miss a deployment committed by the transaction it waited for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db.connection import dialect, fetch
from models.db.rows import columns, instance
from models.entities import Deployment, EnvironmentProtection, ModelVersion, RegisteredModel
from models.errors import NotFound


@cache  # built on first use: the tables' columns are only complete once Tortoise is initialised
def _read_sql(with_protection: bool) -> str:
    protection = f", {columns(EnvironmentProtection, 'ep', 'ep')}, e.id AS declared" if with_protection else ""
    return (
        f"SELECT {columns(RegisteredModel, 'm', 'm')}, {columns(ModelVersion, 'v', 'v')}, "
        f"{columns(Deployment, 'd', 'd')}, {columns(ModelVersion, 'av', 'av')}{protection}, "
        "(SELECT COUNT(*) FROM deployment ad WHERE ad.model_id = m.id AND ad.retired_at IS NULL) AS active_count "
        "FROM model m "
        "LEFT JOIN version v ON v.model_id = m.id AND v.number = ? "
        "LEFT JOIN deployment d ON d.model_id = m.id AND d.environment = ? AND d.retired_at IS NULL "
        "LEFT JOIN version av ON av.id = d.version_id "
        + ("LEFT JOIN environment_protection ep ON ep.environment = ? " if with_protection else "")
        + ("LEFT JOIN environment e ON e.name = ? " if with_protection else "")
        + "WHERE m.name = ?"
    )


#: ``PromotionState.protection`` when the rules were not read with the state (PostgreSQL reads them later,
#: after taking the environment's advisory lock; see ``models/environments/operations.py``).
NOT_READ = "not read"


@dataclass(frozen=True)
class PromotionState:
    model: RegisteredModel
    #: The version asked for; None when the model has no version of that number.
    version: ModelVersion | None
    #: The active deployment in the environment and its version, or None when nothing is active there.
    active: Deployment | None
    active_version: ModelVersion | None
    #: The environment's protection rules (None: unprotected), or ``NOT_READ``.
    protection: EnvironmentProtection | str | None = NOT_READ
    #: Environments the model is active in (``validation.MAX_ACTIVE_ENVIRONMENTS`` at most).
    active_count: int = 0
    #: Whether the environment is declared (on PostgreSQL its row is share-locked until commit).
    declared: bool = True


async def read_for_promotion(conn: BaseDBAsyncClient, *, model: str, version: int, environment: str) -> PromotionState:
    """Lock ``model`` and read what promoting its ``version`` in ``environment`` depends on."""
    sqlite = dialect(conn) != "postgres"
    declared = None
    if not sqlite:
        locked = await fetch(
            conn,
            "SELECT id, (SELECT id FROM environment WHERE name = ? FOR SHARE) AS declared "
            "FROM model WHERE name = ? FOR UPDATE",
            [environment, model],
        )
        declared = locked[0]["declared"] if locked else None
    params: list[object] = [version, environment, *([environment, environment] if sqlite else []), model]
    rows = await fetch(conn, _read_sql(sqlite), params)
    if not rows:
        raise NotFound(f"no model named {model!r}")
    row = rows[0]  # (model, environment) has at most one active deployment, (model, number) one version
    found = instance(RegisteredModel, row, "m")
    assert found is not None  # the WHERE clause matched this row
    return PromotionState(
        model=found,
        version=instance(ModelVersion, row, "v"),
        active=instance(Deployment, row, "d"),
        active_version=instance(ModelVersion, row, "av"),
        protection=instance(EnvironmentProtection, row, "ep") if sqlite else NOT_READ,
        active_count=int(row["active_count"]),
        declared=(row["declared"] if sqlite else declared) is not None,
    )
