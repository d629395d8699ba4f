"""Reading the audit log: pages of events, a model's or the whole registry's, and events by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from models.db.paging import Cursor, Key, Nested, Ordering, Page, decode_cursor, windowed
from models.db.rows import builder, columns
from models.entities import AuditAction, AuditEvent
from models.tokens.scopes import model_name_filter


@dataclass(frozen=True)
class AuditQuery:
    model: str | None = None
    action: AuditAction | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


_EVENTS = Ordering("audit:ID:DESC", (Key("id", True),))


async def list_model_audit_events(
    *, model_ids: Sequence[int], first: int, after: str | None
) -> dict[int, Page[AuditEvent]]:
    cursor = decode_cursor(_EVENTS, after)
    events = Nested(
        select="SELECT e.id AS id, e.model_id AS model_id FROM audit_event e",
        params=[],
        partition="model_id",
        rows=columns(AuditEvent, "t", "e"),
        joins="JOIN audit_event t ON t.id = ranked.id",
    )
    return await windowed(
        events, _EVENTS, cursor, model_ids, first, build=lambda found: builder(AuditEvent, found, "e")
    )


async def list_audit_events(
    *, query: AuditQuery, first: int, after: str | None, within: tuple[str, ...] | None = None
) -> Page[AuditEvent]:
    """A page of audit events, newest first; ``within``: only events of models matching these name patterns."""
    cursor = decode_cursor(_EVENTS, after)
    rows = AuditEvent.all()
    if within is not None:
        rows = rows.filter(model_name_filter(within, column="model_name"))
    if query.model is not None:
        rows = rows.filter(model_name=query.model)
    if query.action is not None:
        rows = rows.filter(action=query.action)
    if query.actor is not None:
        rows = rows.filter(actor=query.actor)
    if query.since is not None:
        rows = rows.filter(at__gte=query.since)
    if query.until is not None:
        rows = rows.filter(at__lt=query.until)
    total = await rows.count()
    if cursor is not None:
        rows = rows.filter(id__lt=cursor[0])
    found = await rows.order_by("-id").limit(first + 1)
    return Page(
        edges=[(Cursor(_EVENTS, [e.id]), e) for e in found[:first]],
        total=total,
        has_next=len(found) > first,
        has_previous=cursor is not None,
    )


async def audit_events_by_id(ids: Sequence[int]) -> dict[int, AuditEvent]:
    return {e.id: e for e in await AuditEvent.filter(id__in=list(ids))}
