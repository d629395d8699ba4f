"""What monitoring's writes read inside their transaction, after the model's row lock."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from models.entities import (
    Deployment,
    Metric,
    MonitoringPolicy,
    MonitoringWindow,
    ReferenceProfile,
    RetrainingRequest,
    RetrainingState,
)
from models.monitoring.policy import Policy
from models.monitoring.profiles import FeatureProfile, Profile

OPEN_STATES = (RetrainingState.OPEN, RetrainingState.ACKNOWLEDGED)


def profile_of(row: ReferenceProfile) -> Profile:
    return Profile(
        row_count=row.row_count,
        features=tuple(FeatureProfile.from_stored(f) for f in row.features),
        predictions=FeatureProfile.from_stored(row.predictions),
    )


async def deployment_during(
    conn: BaseDBAsyncClient, model_id: int, environment: str, start: datetime, end: datetime
) -> Deployment | None:
    """The deployment active in ``environment`` during the window: of those active at some point between
    ``start`` and ``end``, the one deployed last (a window that spans a promotion belongs to the new version)."""
    return (
        await Deployment.filter(model_id=model_id, environment=environment, deployed_at__lt=end)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=start))
        .order_by("-deployed_at", "-id")
        .using_db(conn)
        .first()
    )


async def policy_for(conn: BaseDBAsyncClient, model_id: int, environment: str) -> Policy:
    row = await MonitoringPolicy.get_or_none(model_id=model_id, environment=environment, using_db=conn)
    return Policy.from_stored(row.thresholds if row else None)


async def registered_metrics(conn: BaseDBAsyncClient, version_id: int) -> dict[str, float]:
    return {m.name: m.value for m in await Metric.filter(version_id=version_id).using_db(conn)}


async def newest_window(conn: BaseDBAsyncClient, deployment_id: int) -> MonitoringWindow | None:
    return (
        await MonitoringWindow.filter(deployment_id=deployment_id).order_by("-window_end", "-id").using_db(conn).first()
    )


async def open_request(conn: BaseDBAsyncClient, model_id: int) -> RetrainingRequest | None:
    return await RetrainingRequest.filter(model_id=model_id, state__in=OPEN_STATES).using_db(conn).first()
