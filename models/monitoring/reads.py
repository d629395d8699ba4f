"""Monitoring's reads: one statement per batch, for the DataLoaders and root queries.

A page of windows for several deployments comes from one windowed statement, and a window carries its verdicts,
so reading 30 windows of 100 features costs the same statements as reading one.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q, Subquery

from models.db.paging import Cursor, Key, Nested, Ordering, Page, decode_cursor, windowed
from models.db.rows import builder, columns
from models.entities import (
    MonitoringPolicy,
    MonitoringWindow,
    ReferenceProfile,
    RegisteredModel,
    RetrainingRequest,
    RetrainingState,
)
from models.monitoring.policy import Policy
from models.monitoring.state import OPEN_STATES
from models.tokens.scopes import model_name_filter

_WINDOWS = Ordering("window:END:DESC", (Key("window_end", True, kind="datetime"), Key("id", True)))
_REQUESTS = Ordering("retraining:REQUESTED_AT:DESC", (Key("requested_at", True, kind="datetime"), Key("id", True)))


async def profiles_by_version(version_ids: Sequence[int]) -> dict[int, ReferenceProfile]:
    return {p.version_id: p for p in await ReferenceProfile.filter(version_id__in=list(version_ids))}


async def windows_by_id(ids: Sequence[int]) -> dict[int, MonitoringWindow]:
    return {w.id: w for w in await MonitoringWindow.filter(id__in=list(ids))}


async def list_windows(
    *, deployment_ids: Sequence[int], first: int, after: str | None
) -> dict[int, Page[MonitoringWindow]]:
    """A page of windows per deployment, newest end first, from one statement."""
    cursor = decode_cursor(_WINDOWS, after)
    windows = Nested(
        select="SELECT w.id AS id, w.deployment_id, w.window_end AS window_end FROM monitoring_window w",
        params=[],
        partition="deployment_id",
        rows=columns(MonitoringWindow, "t", "w"),
        joins="JOIN monitoring_window t ON t.id = ranked.id",
    )
    return await windowed(
        windows, _WINDOWS, cursor, deployment_ids, first, build=lambda found: builder(MonitoringWindow, found, "w")
    )


async def policies(keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Policy]:
    """The policy of each (model id, environment); the defaults where none is stored."""
    found: dict[tuple[int, str], Policy] = dict.fromkeys(keys, Policy())
    if not keys:
        return found
    condition = Q(*(Q(model_id=model_id, environment=env) for model_id, env in keys), join_type="OR")
    for row in await MonitoringPolicy.filter(condition):
        found[(row.model_id, row.environment)] = Policy.from_stored(row.thresholds)
    return found


async def retraining_requests_by_id(ids: Sequence[int]) -> dict[int, RetrainingRequest]:
    return {r.id: r for r in await RetrainingRequest.filter(id__in=list(ids))}


async def open_requests(model_ids: Sequence[int]) -> dict[int, RetrainingRequest]:
    return {r.model_id: r for r in await RetrainingRequest.filter(model_id__in=list(model_ids), state__in=OPEN_STATES)}


async def list_retraining_requests(
    *,
    states: Sequence[RetrainingState] | None,
    model_id: int | None = None,
    first: int,
    after: str | None,
    within: tuple[str, ...] | None = None,
) -> Page[RetrainingRequest]:
    """Retraining requests, newest first: those in ``states`` (all when None), of one model or every model
    (``within``: only models a token scoped to these name patterns may see)."""
    cursor = decode_cursor(_REQUESTS, after)
    rows = RetrainingRequest.all()
    if states:
        rows = rows.filter(state__in=list(states))
    if model_id is not None:
        rows = rows.filter(model_id=model_id)
    if within is not None:
        rows = rows.filter(model_id__in=_scoped_models(within))
    total = await rows.count()
    if cursor is not None:
        at, last = cursor
        rows = rows.filter(Q(requested_at__lt=at) | Q(requested_at=at, id__lt=last))
    found = await rows.order_by("-requested_at", "-id").limit(first + 1)
    page: Page[RetrainingRequest] = Page(total=total, has_next=len(found) > first, has_previous=cursor is not None)
    page.edges = [(Cursor(_REQUESTS, [r.requested_at, r.id]), r) for r in found[:first]]
    return page


def _scoped_models(within: tuple[str, ...]) -> Subquery:
    return Subquery(RegisteredModel.filter(model_name_filter(within)).values("id"))
