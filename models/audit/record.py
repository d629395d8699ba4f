"""Writing audit events: always inside the transaction of the change they record, chained by hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.chain import Content, chain_head, event_hash, lock_registry_chain
from models.clock import now
from models.entities import AuditAction, AuditEvent, ModelVersion, RegisteredModel


async def record(
    conn: BaseDBAsyncClient,
    *,
    action: AuditAction,
    actor: str,
    model: RegisteredModel | None,
    request_id: str | None,
    version: ModelVersion | None = None,
    environment: str | None = None,
    previous_version_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    head: tuple[int, str] | None = None,
) -> AuditEvent:
    """Append an event to its chain: ``model``'s, or the registry's when ``model`` is None.

    The caller must hold the model's row lock (``models.db.locking``), or have inserted the model in this
    transaction, so that the chain's head cannot move until commit; the registry chain is locked here.
    The unique index on (model_id, chain_seq) turns a forgotten lock into a failed write, not a fork. ``head``:
    the chain's head when the caller read it after taking that lock (``models/deployments/state.py``).
    Inserting the event inserts its webhook deliveries too, in the same statement: the database's outbox trigger
    (docs/events.md, "The outbox").
    """
    said = content(
        action=action,
        actor=actor,
        model=model,
        request_id=request_id,
        version=version,
        environment=environment,
        previous_version_id=previous_version_id,
        reason=reason,
        details=details,
        at=at,
    )
    return await append(conn, said, head=head)


async def append(conn: BaseDBAsyncClient, said: Content, *, head: tuple[int, str] | None = None) -> AuditEvent:
    """``record`` for an event's content already built (``content``)."""
    if said.model_id is None:
        await lock_registry_chain(conn)
    chained = head if head is not None else await chain_head(conn, said.model_id)
    return await AuditEvent.create(**sealed(said, chained), using_db=conn)


def content(
    *,
    action: AuditAction,
    actor: str,
    model: RegisteredModel | None,
    request_id: str | None,
    version: ModelVersion | None = None,
    environment: str | None = None,
    previous_version_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Content:
    """What an event about ``model`` (None: the registry) says, as ``record`` takes it."""
    return Content(
        action=action.value,
        actor=actor,
        at=at or now(),
        model_id=model.id if model else None,
        # Events about no model (an environment's protection) keep "" here: the column and the contract's
        # AuditEvent.modelName are both non-null.
        model_name=model.name if model else "",
        version_id=version.id if version else None,
        environment=environment,
        previous_version_id=previous_version_id,
        reason=reason,
        request_id=request_id,
        details=details or {},
    )


def sealed(said: Content, head: tuple[int, str]) -> dict[str, Any]:
    """The ``AuditEvent`` fields of an event saying ``said`` appended after ``head`` (position and hash of the
    chain's last event): its content, its place in the chain and its hash. For whoever inserts the event: ``record``,
    or a statement that writes the change and its event at once (``models/deployments/switch.py``)."""
    position, previous_hash = head
    return {
        "action": AuditAction(said.action),
        "actor": said.actor,
        "at": said.at,
        "model_id": said.model_id,
        "model_name": said.model_name,
        "version_id": said.version_id,
        "environment": said.environment,
        "previous_version_id": said.previous_version_id,
        "reason": said.reason,
        "request_id": said.request_id,
        "details": said.details,
        "chain_seq": position + 1,
        "previous_hash": previous_hash,
        "hash": event_hash(said, position=position + 1, previous_hash=previous_hash),
    }
