"""What registering a version does for monitoring, in the registration's transaction: set the version's reference
profile, and complete the model's open retraining request with the new version (``registerVersion`` with
``referenceProfile`` and ``answersRetraining``). The caller holds the model's row lock."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.record import record
from models.clock import now
from models.entities import AuditAction, ModelVersion, ReferenceProfile, RegisteredModel, RetrainingState
from models.errors import NotFound
from models.monitoring.profiles import Profile
from models.monitoring.state import open_request


def stored_profile(profile: Profile | None) -> dict[str, Any] | None:
    """The profile as its idempotency hash covers it."""
    if profile is None:
        return None
    return {
        "rowCount": profile.row_count,
        "features": [f.stored() for f in profile.features],
        "predictions": profile.predictions.stored(),
    }


async def on_register(
    conn: BaseDBAsyncClient,
    *,
    model: RegisteredModel,
    version: ModelVersion,
    profile: Profile | None,
    answers_retraining: bool,
    actor: str,
    request_id: str | None,
) -> None:
    """``profile`` was checked against the version's feature names already."""
    if profile is not None:
        await ReferenceProfile.create(
            version_id=version.id,
            model_id=model.id,
            row_count=profile.row_count,
            features=[f.stored() for f in profile.features],
            predictions=profile.predictions.stored(),
            created_at=now(),
            created_by=actor,
            using_db=conn,
        )
        await record(
            conn,
            action=AuditAction.REFERENCE_PROFILE_SET,
            actor=actor,
            model=model,
            version=version,
            request_id=request_id,
            details={"rowCount": profile.row_count, "features": len(profile.features)},
        )
    if answers_retraining:
        await _complete(conn, model, version, actor, request_id)


async def _complete(
    conn: BaseDBAsyncClient, model: RegisteredModel, version: ModelVersion, actor: str, request_id: str | None
) -> None:
    request = await open_request(conn, model.id)
    if request is None:
        raise NotFound(f"{model.name!r} has no open retraining request for this version to answer")
    request.state = RetrainingState.COMPLETED
    request.closed_at, request.closed_by = now(), actor
    request.close_reason = f"answered by version {version.number}"
    request.answered_by_id = version.id
    await request.save(using_db=conn)
    await record(
        conn,
        action=AuditAction.RETRAINING_COMPLETED,
        actor=actor,
        model=model,
        version=version,
        environment=request.environment,
        reason=request.close_reason,
        request_id=request_id,
        details={"retrainingRequest": request.id},
    )
