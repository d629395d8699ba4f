"""Moving versions between environments: promote, demote, rollback (CONTRACT.md, "Promotion semantics").

Each operation is one transaction: claim the idempotency key, lock the model's row, read the active
deployment, check compare-and-set, change, and write one audit event. The partial unique index on
``deployment`` guarantees one active deployment per (model, environment) even if this code were wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import validation
from models.audit.record import record
from models.clock import now
from models.db.connection import write_transaction
from models.db.locking import lock_existing_model
from models.db.retry import retried
from models.deployments.state import read_for_promotion
from models.entities import AuditAction, AuditEvent, Deployment, ModelVersion, RegisteredModel, Role, VersionStatus
from models.environments.operations import enforce_protection
from models.errors import Conflict, NotFound
from models.idempotency import claim


@dataclass(frozen=True)
class Promotion:
    deployment: Deployment
    previous: Deployment | None
    changed: bool
    event: AuditEvent | None
    #: The versions of ``deployment`` and ``previous`` when they were read (not on an idempotent replay).
    version: ModelVersion | None = None
    previous_version: ModelVersion | None = None


@dataclass(frozen=True)
class Demotion:
    retired: Deployment
    event: AuditEvent


@dataclass(frozen=True)
class Rollback:
    deployment: Deployment
    previous: Deployment | None
    event: AuditEvent


@retried
async def promote(
    *,
    model: str,
    version: int,
    actor: str,
    environment: str | None = None,
    role: Role = Role.ADMIN,
    reason: str | None = None,
    expected_current_version: int | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> Promotion:
    """Make ``version`` the active deployment of ``model`` in ``environment`` (default production).

    ``role`` is the caller's, for a protected environment's role rule (models/environments/rules.py); in-process
    callers without a token, such as the demo seed, act as admin.
    """
    validation.model_name(model, "input.model")
    validation.positive_version(version, "input.version")
    env = validation.environment(environment, "input.environment")
    validation.text(reason, "input.reason", max_length=validation.MAX_REASON)
    validation.expected_version(expected_current_version, "input.expectedCurrentVersion")
    key = validation.idempotency_key(idempotency_key, "input.idempotencyKey")
    arguments = {
        "model": model,
        "version": version,
        "environment": env,
        "reason": reason,
        "expectedCurrentVersion": expected_current_version,
    }
    async with write_transaction() as conn:
        claimed = await claim(conn, principal=actor, key=key, operation="promote", arguments=arguments)
        if claimed.replay is not None:
            return Promotion(
                deployment=await Deployment.get(id=claimed.replay["deployment"], using_db=conn),
                previous=await _deployment_or_none(conn, claimed.replay["previous"]),
                changed=claimed.replay["changed"],
                event=await _event_or_none(conn, claimed.replay["event"]),
            )
        state = await read_for_promotion(conn, model=model, version=version, environment=env)
        target, candidate, active = state.model, state.version, state.active
        if candidate is None:
            raise NotFound(f"model {model!r} has no version {version}")
        if candidate.status == VersionStatus.ARCHIVED:
            raise Conflict(f"version {version} of {model!r} is ARCHIVED and cannot be promoted")
        active_number = state.active_version.number if state.active_version else 0
        _compare_and_set(expected_current_version, active_number, model, env)
        if active is not None and active.version_id == candidate.id:
            result = Promotion(deployment=active, previous=None, changed=False, event=None, version=candidate)
        else:
            checked = await enforce_protection(
                conn,
                environment=env,
                model=target,
                version=candidate,
                role=role,
                actor=actor,
                known=state.protection,
            )
            stamp = now()
            if active is not None:
                await _retire(conn, active, actor=actor, reason=reason, at=stamp)
            deployment = await _deploy(conn, target, candidate, env, actor=actor, reason=reason, at=stamp)
            event = await record(
                conn,
                action=AuditAction.PROMOTED,
                actor=actor,
                model=target,
                version=candidate,
                environment=env,
                previous_version_id=active.version_id if active else None,
                reason=reason,
                request_id=request_id,
                details=_details(deployment, active, previous_number=active_number) | checked,
                at=stamp,
            )
            result = Promotion(
                deployment=deployment,
                previous=active,
                changed=True,
                event=event,
                version=candidate,
                previous_version=state.active_version,
            )
        await claimed.complete(
            conn,
            {
                "deployment": result.deployment.id,
                "previous": result.previous.id if result.previous else None,
                "changed": result.changed,
                "event": result.event.id if result.event else None,
            },
        )
    return result


@retried
async def demote(
    *,
    model: str,
    actor: str,
    environment: str | None = None,
    role: Role = Role.ADMIN,
    reason: str | None = None,
    expected_current_version: int | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> Demotion:
    """Retire the active deployment of ``model`` in ``environment``, leaving nothing active there."""
    validation.model_name(model, "input.model")
    env = validation.environment(environment, "input.environment")
    validation.text(reason, "input.reason", max_length=validation.MAX_REASON)
    validation.expected_version(expected_current_version, "input.expectedCurrentVersion")
    key = validation.idempotency_key(idempotency_key, "input.idempotencyKey")
    arguments = {
        "model": model,
        "environment": env,
        "reason": reason,
        "expectedCurrentVersion": expected_current_version,
    }
    async with write_transaction() as conn:
        claimed = await claim(conn, principal=actor, key=key, operation="demote", arguments=arguments)
        if claimed.replay is not None:
            return Demotion(
                retired=await Deployment.get(id=claimed.replay["retired"], using_db=conn),
                event=await AuditEvent.get(id=claimed.replay["event"], using_db=conn),
            )
        target = await lock_existing_model(conn, model)
        active, active_number = await _active(conn, target, env)
        _compare_and_set(expected_current_version, active_number, model, env)
        if active is None:
            raise Conflict(f"nothing is active for {model!r} in {env}; there is nothing to demote")
        checked = await enforce_protection(conn, environment=env, model=target, version=None, role=role, actor=actor)
        stamp = now()
        await _retire(conn, active, actor=actor, reason=reason, at=stamp)
        event = await record(
            conn,
            action=AuditAction.DEMOTED,
            actor=actor,
            model=target,
            version=await ModelVersion.get(id=active.version_id, using_db=conn),
            environment=env,
            previous_version_id=active.version_id,
            reason=reason,
            request_id=request_id,
            details={"retiredDeploymentId": active.id, "previousVersion": active_number} | checked,
            at=stamp,
        )
        await claimed.complete(conn, {"retired": active.id, "event": event.id})
    return Demotion(retired=active, event=event)


@retried
async def rollback(
    *,
    model: str,
    actor: str,
    environment: str | None = None,
    role: Role = Role.ADMIN,
    reason: str | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> Rollback:
    """Re-deploy the version that was active before the current one, as ``kubectl rollout undo`` does.

    The target is the newest deployment in the environment before the active one whose version differs
    from the active version (so two rollbacks in a row toggle), or, when nothing is active, the most
    recently retired deployment.
    """
    validation.model_name(model, "input.model")
    env = validation.environment(environment, "input.environment")
    validation.text(reason, "input.reason", max_length=validation.MAX_REASON)
    key = validation.idempotency_key(idempotency_key, "input.idempotencyKey")
    arguments = {"model": model, "environment": env, "reason": reason}
    async with write_transaction() as conn:
        claimed = await claim(conn, principal=actor, key=key, operation="rollback", arguments=arguments)
        if claimed.replay is not None:
            return Rollback(
                deployment=await Deployment.get(id=claimed.replay["deployment"], using_db=conn),
                previous=await _deployment_or_none(conn, claimed.replay["previous"]),
                event=await AuditEvent.get(id=claimed.replay["event"], using_db=conn),
            )
        target = await lock_existing_model(conn, model)
        active, active_number = await _active(conn, target, env)
        history = Deployment.filter(model_id=target.id, environment=env).using_db(conn)
        if active is not None:
            history = history.filter(id__lt=active.id).exclude(version_id=active.version_id)
        before = await history.order_by("-id").first()
        if before is None:
            raise Conflict(f"{model!r} has no earlier deployment in {env} to roll back to")
        restored = await ModelVersion.get(id=before.version_id, using_db=conn)
        if restored.status == VersionStatus.ARCHIVED:
            raise Conflict(
                f"the version to roll back to ({restored.number} of {model!r}) is ARCHIVED; promote a version instead"
            )
        checked = await enforce_protection(
            conn, environment=env, model=target, version=restored, role=role, actor=actor
        )
        stamp = now()
        if active is not None:
            await _retire(conn, active, actor=actor, reason=reason, at=stamp)
        deployment = await _deploy(conn, target, restored, env, actor=actor, reason=reason, at=stamp)
        event = await record(
            conn,
            action=AuditAction.ROLLED_BACK,
            actor=actor,
            model=target,
            version=restored,
            environment=env,
            previous_version_id=active.version_id if active else None,
            reason=reason,
            request_id=request_id,
            details={
                **_details(deployment, active, previous_number=active_number),
                "restoredFromDeploymentId": before.id,
                **checked,
            },
            at=stamp,
        )
        await claimed.complete(
            conn, {"deployment": deployment.id, "previous": active.id if active else None, "event": event.id}
        )
    return Rollback(deployment=deployment, previous=active, event=event)


async def _active(conn: BaseDBAsyncClient, model: RegisteredModel, env: str) -> tuple[Deployment | None, int]:
    """The active deployment in ``env`` and its version number (0 when nothing is active)."""
    active = await Deployment.get_or_none(model_id=model.id, environment=env, retired_at=None, using_db=conn)
    if active is None:
        return None, 0
    version = await ModelVersion.get(id=active.version_id, using_db=conn)
    return active, version.number


def _compare_and_set(expected: int | None, actual: int, model: str, env: str) -> None:
    if expected is not None and expected != actual:
        now_active = f"version {actual} is" if actual else "nothing is"
        raise Conflict(
            f"expectedCurrentVersion is {expected} but {now_active} active for {model!r} in {env}; "
            "re-read the registry and retry"
        )


async def _retire(conn: BaseDBAsyncClient, deployment: Deployment, *, actor: str, reason: str | None, at: Any) -> None:
    deployment.retired_at = at
    deployment.retired_by = actor
    deployment.retired_reason = reason  # type: ignore[assignment]  # a nullable TextField, typed as str
    await deployment.save(using_db=conn, update_fields=["retired_at", "retired_by", "retired_reason"])


async def _deploy(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    version: ModelVersion,
    env: str,
    *,
    actor: str,
    reason: str | None,
    at: Any,
) -> Deployment:
    return await Deployment.create(
        model_id=model.id,
        version_id=version.id,
        environment=env,
        deployed_at=at,
        deployed_by=actor,
        reason=reason,
        using_db=conn,
    )


def _details(deployment: Deployment, previous: Deployment | None, *, previous_number: int) -> dict[str, Any]:
    return {
        "deploymentId": deployment.id,
        "retiredDeploymentId": previous.id if previous else None,
        "previousVersion": previous_number or None,
    }


async def _deployment_or_none(conn: BaseDBAsyncClient, deployment_id: int | None) -> Deployment | None:
    return await Deployment.get(id=deployment_id, using_db=conn) if deployment_id else None


async def _event_or_none(conn: BaseDBAsyncClient, event_id: int | None) -> AuditEvent | None:
    return await AuditEvent.get(id=event_id, using_db=conn) if event_id else None
