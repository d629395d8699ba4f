"""The transactional outbox: each audit event owes a delivery to every enabled webhook whose filter matches it.

``enqueue`` is called for every event by ``models.audit.record.record``; the deliveries are inserted at the end
of the event's write transaction, before it commits (``models.db.connection.write_transaction``), so a delivery
row exists exactly when its event committed: nothing is sent from inside a request, nothing is lost when the
process dies after the commit, and nothing is sent for a change that rolled back. It is one ``INSERT ...
SELECT`` per write transaction, whatever the number of its events and of webhooks; with no webhook it inserts
nothing, after a scan of an empty table and a primary-key lookup of the events. The filters are stored in the
shape this statement matches (``models.entities.Webhook``): ``LIKE`` on comma-delimited lists, a regular
expression for model names (``~`` on PostgreSQL, the ``REGEXP`` function ``models/db/_sqlite.py`` installs on
SQLite).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db.connection import current_transaction, dialect, fetch, placeholders
from models.entities import AuditEvent, DeliveryStatus


def stored_time(conn: BaseDBAsyncClient, value: datetime) -> datetime | str:
    """A timestamp bound to raw SQL as Tortoise stores it: text on SQLite (compared as text), a value on PostgreSQL."""
    return value if dialect(conn) == "postgres" else value.isoformat(" ")


def _matches(conn: BaseDBAsyncClient, column: str) -> str:
    """The event's model name matching the regex in ``column``; a null regex matches everything."""
    operator = "~" if dialect(conn) == "postgres" else "REGEXP"
    return f"({column} IS NULL OR e.model_name {operator} {column})"


async def enqueue(conn: BaseDBAsyncClient, event: AuditEvent) -> None:
    """Owe ``event`` to every enabled webhook that wants it: at the end of the write transaction, with the
    transaction's other events, in one statement (outside a write transaction, at once)."""
    work = current_transaction()
    if work is None:
        await _insert(conn, [event.id])
        return
    pending: list[int] | None = work.scratch.get(_KEY)
    if pending is None:
        pending = work.scratch[_KEY] = []
        work.before_commit.append(lambda c: _insert(c, pending))
    pending.append(event.id)


_KEY = "webhook-outbox"


async def _insert(conn: BaseDBAsyncClient, event_ids: list[int]) -> None:
    """A PENDING delivery, due at the event's time, of each event for each enabled webhook whose filter matches.

    An environment filter limits only the events that name an environment (not registrations, say)."""
    sql = (
        "INSERT INTO webhook_delivery "  # noqa: S608 - constant SQL
        "(webhook_id, audit_event_id, event_type, status, attempts, next_attempt_at, created_at) "
        "SELECT w.id, e.id, e.action, ?, 0, e.at, e.at FROM audit_event e JOIN webhook w "
        "ON w.enabled AND w.event_types LIKE '%,' || e.action || ',%' "
        f"AND {_matches(conn, 'w.model_regex')} AND {_matches(conn, 'w.scope_regex')} "
        "AND (w.environments IS NULL OR e.environment IS NULL OR w.environments LIKE '%,' || e.environment || ',%') "
        f"WHERE e.id IN ({placeholders(event_ids)})"
    )
    await fetch(conn, sql, [DeliveryStatus.PENDING.value, *event_ids])
