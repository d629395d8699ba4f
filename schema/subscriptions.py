"""Live subscriptions: audit events as they are written, over graphql-transport-ws (``/graphql``).

Authenticated like queries (the token in the WebSocket handshake's ``Authorization`` header or in the
``connection_init`` payload as ``{"authorization": "Bearer mreg_..."}``), filtered to the token's model scope,
and resumable: pass the id of the last event received as ``after`` and nothing in between is missed. The
events are read by ``models.audit.stream.Follower``; the same stream is served as server-sent events on
``/api/events`` (app/event_stream.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from models import validation
from models.audit.stream import Follower, StreamFilter
from models.errors import InvalidInput
from models.tokens.operations import Refusal, identify
from schema.codes import ErrorCode
from schema.context import Info
from schema.enums import AuditAction
from schema.permissions import CanReadAudit, model_scope
from schema.relay import parse_global_id
from schema.types import AuditEvent

#: Seconds between polls of the audit table; set by the server from MODELREG_EVENTS_POLL_SECONDS.
POLL_SECONDS = 0.5
#: A running subscription looks its token up again this often: a revoked or expired token ends it within this.
#: Set by the server from MODELREG_TOKEN_CHECK_SECONDS; the event stream (app/event_stream.py) uses it too.
TOKEN_CHECK_SECONDS = 5.0


@strawberry.input
class AuditEventStreamFilter:
    model: str | None = None
    environment: str | None = None
    actions: list[AuditAction] | None = strawberry.field(default=None, description="Any of these; null: every action.")


def stream_filter(filter: AuditEventStreamFilter | None, within: tuple[str, ...] | None) -> StreamFilter:
    f = filter or AuditEventStreamFilter()
    return StreamFilter(
        model=validation.model_name(f.model, "filter.model") if f.model is not None else None,
        environment=validation.environment(f.environment, "filter.environment") if f.environment else None,
        actions=list(f.actions) if f.actions else None,
        within=within,
    )


def event_id(value: str | None, field: str = "after") -> int:
    if value is None:
        return 0
    kind, pk = parse_global_id(value, field)
    if kind != "AuditEvent":
        raise InvalidInput(field, "give the id of the last AuditEvent received")
    return pk


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[CanReadAudit],
        description="Audit events as they are written, oldest first. Pass the id of the last event received as "
        "`after` to resume without missing any; without it, only events written from now on.",
    )
    async def audit_events(
        self, info: Info, filter: AuditEventStreamFilter | None = None, after: strawberry.ID | None = None
    ) -> AsyncGenerator[AuditEvent, None]:
        follower = Follower(stream_filter(filter, model_scope(info)), after=event_id(after))
        if after is None:
            await follower.start_at_head()
        checked = time.monotonic()
        while True:
            for event in await follower.poll():
                yield AuditEvent.of(event)
            await asyncio.sleep(POLL_SECONDS)
            if time.monotonic() - checked >= TOKEN_CHECK_SECONDS:
                await _still_authenticated(info)
                checked = time.monotonic()


async def _still_authenticated(info: Info) -> None:
    """End the subscription with ``UNAUTHENTICATED`` once its connection's token is revoked or expires."""
    secret = info.context.presented
    if secret is None:
        return  # an anonymous connection
    found = await identify(secret)
    if isinstance(found, Refusal):
        raise GraphQLError(
            f"the bearer token is {found.reason}; the subscription has ended",
            extensions={"code": ErrorCode.UNAUTHENTICATED},
        )
