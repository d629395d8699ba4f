"""The audit log in GraphQL: the registry-wide, filtered list of events (a model's own events are
``Model.auditEvents``). Events are written by the operations themselves, never through this module.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from models import validation
from models.audit.reads import AuditQuery, list_audit_events
from schema.context import Info
from schema.enums import AuditAction
from schema.permissions import CanReadAudit, model_scope
from schema.relay import Connection, connection
from schema.types import AuditEvent


@strawberry.input
class AuditEventFilter:
    model: str | None = None
    action: AuditAction | None = None
    actor: str | None = None
    since: datetime | None = strawberry.field(default=None, description="Events at or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Events strictly before this time.")


def audit_query(filter: AuditEventFilter | None) -> AuditQuery:
    f = filter or AuditEventFilter()
    if f.model is not None:
        validation.model_name(f.model, "filter.model")
    if f.actor is not None:
        validation.text(f.actor, "filter.actor", max_length=128)
    return AuditQuery(
        model=f.model,
        action=f.action,
        actor=f.actor,
        # Stored times are UTC; SQLite compares them as text, so bounds must be in UTC too.
        since=f.since.astimezone(UTC) if f.since else None,
        until=f.until.astimezone(UTC) if f.until else None,
    )


@strawberry.type
class AuditQueries:
    @strawberry.field(permission_classes=[CanReadAudit], description="Newest first.")
    async def audit_events(
        self, info: Info, first: int | None = None, after: str | None = None, filter: AuditEventFilter | None = None
    ) -> Connection[AuditEvent]:
        query, size = audit_query(filter), validation.page_size(first)
        page = await list_audit_events(query=query, first=size, after=after, within=model_scope(info))
        return connection(page, AuditEvent.of)
