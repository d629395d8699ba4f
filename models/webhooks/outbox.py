"""The transactional outbox: each audit event owes a delivery to every enabled webhook whose filter matches it.

``enqueue`` runs in the transaction that writes the event (``models.audit.record.record``), so a delivery row
exists exactly when its event committed: nothing is sent from inside a request, nothing is lost when the
process dies after the commit, and nothing is sent for a change that rolled back. It is one ``INSERT ...
SELECT`` whatever the number of webhooks; with none, it inserts nothing and costs one indexless scan of an
empty table. The filters are stored in the shape this statement matches (``models.entities.Webhook``):
``LIKE`` on comma-delimited lists, a regular expression for model names (``~`` on PostgreSQL, the ``REGEXP``
function ``models/db/_sqlite.py`` installs on SQLite).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db.connection import dialect, fetch
from models.entities import AuditEvent, DeliveryStatus


def stored_time(conn: BaseDBAsyncClient, value: datetime) -> datetime | str:
    """A timestamp bound to raw SQL as Tortoise stores it: text on SQLite (compared as text), a value on PostgreSQL."""
    return value if dialect(conn) == "postgres" else value.isoformat(" ")


def _matches(conn: BaseDBAsyncClient, column: str) -> str:
    """A model name (the bound value) matching the regex in ``column``; a null regex matches everything."""
    operator = "~" if dialect(conn) == "postgres" else "REGEXP"
    return f"({column} IS NULL OR ? {operator} {column})"


async def enqueue(conn: BaseDBAsyncClient, event: AuditEvent) -> None:
    """Insert a PENDING delivery, due now, of ``event`` for every enabled webhook that wants it."""
    action, model_name, environment = event.action.value, event.model_name or "", event.environment
    # An environment filter limits only the events that name an environment (not registrations, say).
    environment_filter = "" if environment is None else " AND (w.environments IS NULL OR w.environments LIKE ?)"
    sql = (
        "INSERT INTO webhook_delivery "  # noqa: S608 - constant SQL
        "(webhook_id, audit_event_id, event_type, status, attempts, next_attempt_at, created_at) "
        "SELECT w.id, ?, ?, ?, 0, ?, ? FROM webhook w "
        f"WHERE w.enabled AND w.event_types LIKE ? AND {_matches(conn, 'w.model_regex')} "
        f"AND {_matches(conn, 'w.scope_regex')}{environment_filter}"
    )
    params = [
        event.id,
        action,
        DeliveryStatus.PENDING.value,
        stored_time(conn, event.at),
        stored_time(conn, event.at),
        f"%,{action},%",
        model_name,
        model_name,
        *([] if environment is None else [f"%,{environment},%"]),
    ]
    await fetch(conn, sql, params)
