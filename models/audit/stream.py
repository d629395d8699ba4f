"""Following the audit log as it grows: what live subscriptions (GraphQL and server-sent events) read.

A follower polls the ``audit_event`` table, so every instance of the registry sees every event whichever
instance wrote it, after at most one poll interval (``MODELREG_EVENTS_POLL_SECONDS``, 0.5 s by default;
docs/events.md, "Live subscriptions"). Each poll is one indexed range read of the events after the last one
seen.

Event ids are allocated when an event is inserted, not when its transaction commits. On SQLite writers are
serialised, so ids become visible in order and "after the last id seen" misses nothing. On PostgreSQL two
transactions on different models can commit out of id order: a follower there keeps reading from a floor that
trails the newest id by ``SETTLE`` (by the events' time), remembers the ids it has sent above that floor, and so
still sends an event that becomes visible after a higher one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.queryset import QuerySet

from models.clock import now
from models.db.connection import dialect
from models.db.paging import as_datetime
from models.entities import AuditAction, AuditEvent
from models.tokens.scopes import model_name_filter

#: How long after its time an event is surely committed or rolled back (transactions last seconds at most:
#: the statement and lock timeouts of models/db/connection.py).
SETTLE = timedelta(seconds=60)
BATCH = 100


@dataclass(frozen=True)
class StreamFilter:
    model: str | None = None
    environment: str | None = None
    actions: Sequence[AuditAction] | None = None
    #: The token's model-name patterns; None: every model.
    within: tuple[str, ...] | None = None


@dataclass
class Follower:
    """The events after ``after`` (an event id) that match ``filter``, batch by batch, each once."""

    filter: StreamFilter
    after: int = 0
    _seen: set[int] = field(default_factory=set)

    async def start_at_head(self) -> None:
        """Follow only events written from now on."""
        last = await AuditEvent.all().order_by("-id").first()
        self.after = last.id if last is not None else 0

    async def start_at_last_match(self) -> None:
        """Begin with the newest event that matches the filter, then follow (NATS JetStream's "deliver last"):
        a client waiting for a condition sees at once the event that already meets it. Without a match: from now."""
        last = await self._matching(AuditEvent.all()).order_by("-id").first()
        if last is None:
            await self.start_at_head()
        else:
            self.after = last.id - 1

    async def poll(self) -> list[AuditEvent]:
        rows = self._matching(AuditEvent.filter(id__gt=self.after))
        # The version comes with the event (one join): streams show its number.
        found = await rows.order_by("id").limit(BATCH).select_related("version")
        fresh = [event for event in found if event.id not in self._seen]
        if dialect() != "postgres":
            if found:
                self.after = found[-1].id
            return fresh
        self._seen.update(event.id for event in fresh)
        self._advance(found)
        return fresh

    def _matching(self, rows: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        f = self.filter
        if f.within is not None:
            rows = rows.filter(model_name_filter(f.within, column="model_name"))
        if f.model is not None:
            rows = rows.filter(model_name=f.model)
        if f.environment is not None:
            rows = rows.filter(environment=f.environment)
        if f.actions:
            rows = rows.filter(action__in=list(f.actions))
        return rows

    def _advance(self, found: list[AuditEvent]) -> None:
        """Move the floor over the events old enough that nothing below them can still appear."""
        settled = now() - SETTLE
        for event in found:
            if as_datetime(event.at) > settled:
                break
            self.after = event.id
        if len(found) == BATCH and self.after < found[0].id:  # a full batch of recent events: keep moving
            self.after = found[-1].id
        self._seen = {event_id for event_id in self._seen if event_id > self.after}
