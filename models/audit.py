"""Writing audit events: always inside the transaction of the change they record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.entities import AuditAction, AuditEvent, ModelVersion, RegisteredModel


def now() -> datetime:
    return datetime.now(UTC)


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
) -> AuditEvent:
    return await AuditEvent.create(
        action=action,
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
        using_db=conn,
    )
