"""Moving versions between environments: promote, demote, rollback (docs/api.md, "Promotion semantics").

Each operation is one transaction: claim the idempotency key, lock the model's row, read the active
deployment, check compare-and-set, change, and write one audit event. The partial unique index on
``deployment`` guarantees one active deployment per (model, environment) even if this code were wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import validation
from models.audit.chain import Content
from models.audit.record import content, record
from models.clock import now
from models.db.connection import write_transaction
from models.db.locking import lock_existing_model
from models.db.retry import retried
from models.deployments import switch
from models.deployments.state import promotion_locks, read_for_promotion
from models.entities import AuditAction, AuditEvent, Deployment, ModelVersion, RegisteredModel, Role, VersionStatus
from models.environments.declared import require_declared, undeclared
from models.environments.operations import enforce_protection
from models.errors import Conflict, NotFound
from models.idempotency import Request, replay_or_run


@dataclass(frozen=True)
class Promotion:
    deployment: Deployment
    previous: Deployment | None
    changed: bool
    event: AuditEvent | None
    #: The versions of ``deployment`` and ``previous`` when they were read (not on an idempotent replay).
    version: ModelVersion | None = None
    previous_version: ModelVersion | None = None

    def stored(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment.id,
            "previous": self.previous.id if self.previous else None,
            "changed": self.changed,
            "event": self.event.id if self.event else None,
        }

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> Promotion:
        return cls(
            deployment=await Deployment.get(id=stored["deployment"], using_db=conn),
            previous=await _deployment_or_none(conn, stored["previous"]),
            changed=stored["changed"],
            event=await _event_or_none(conn, stored["event"]),
        )


@dataclass(frozen=True)
class Demotion:
    retired: Deployment
    event: AuditEvent

    def stored(self) -> dict[str, Any]:
        return {"retired": self.retired.id, "event": self.event.id}

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> Demotion:
        return cls(
            retired=await Deployment.get(id=stored["retired"], using_db=conn),
            event=await AuditEvent.get(id=stored["event"], using_db=conn),
        )


@dataclass(frozen=True)
class Rollback:
    deployment: Deployment
    previous: Deployment | None
    event: AuditEvent

    def stored(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment.id,
            "previous": self.previous.id if self.previous else None,
            "event": self.event.id,
        }

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> Rollback:
        return cls(
            deployment=await Deployment.get(id=stored["deployment"], using_db=conn),
            previous=await _deployment_or_none(conn, stored["previous"]),
            event=await AuditEvent.get(id=stored["event"], using_db=conn),
        )


@dataclass(frozen=True)
class _Move:
    """A validated request to move versions in one environment of one model: what every step below needs."""

    model: str
    environment: str
    actor: str
    role: Role
    reason: str | None
    request_id: str | None


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
    env = _checked(model, environment, reason, version=version)
    validation.expected_version(expected_current_version, "expected_current_version")
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    move = _Move(model, env, actor, role, reason, request_id)
    arguments = {
        "model": model,
        "version": version,
        "environment": env,
        "reason": reason,
        "expectedCurrentVersion": expected_current_version,
    }
    keyed = Request("promote", principal=actor, key=key, arguments=arguments)
    locks = promotion_locks(model=model, environment=env)
    # Without a key the locks come first and travel with BEGIN. With one, the key is claimed first, as every keyed
    # operation does (one order for all: no deadlock between two of them reusing a key), and a replay locks nothing.
    first, later = ("", locks) if key else (locks, "")
    async with write_transaction(begin_with=first) as conn:
        return await replay_or_run(
            conn, keyed, Promotion, lambda: _promote(conn, move, version, expected_current_version, locks=later)
        )


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
    env = _checked(model, environment, reason)
    validation.expected_version(expected_current_version, "expected_current_version")
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    move = _Move(model, env, actor, role, reason, request_id)
    arguments = {
        "model": model,
        "environment": env,
        "reason": reason,
        "expectedCurrentVersion": expected_current_version,
    }
    keyed = Request("demote", principal=actor, key=key, arguments=arguments)
    async with write_transaction() as conn:
        return await replay_or_run(conn, keyed, Demotion, lambda: _demote(conn, move, expected_current_version))


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
    env = _checked(model, environment, reason)
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    move = _Move(model, env, actor, role, reason, request_id)
    arguments = {"model": model, "environment": env, "reason": reason}
    keyed = Request("rollback", principal=actor, key=key, arguments=arguments)
    async with write_transaction() as conn:
        return await replay_or_run(conn, keyed, Rollback, lambda: _rollback(conn, move))


def _checked(model: str, environment: str | None, reason: str | None, *, version: int | None = None) -> str:
    """Check the arguments every move shares, before any SQL; return the environment, defaulted."""
    validation.model_name(model, "model")
    if version is not None:
        validation.positive_version(version, "version")
    env = validation.environment(environment, "environment")
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    return env


async def _promote(
    conn: BaseDBAsyncClient, move: _Move, number: int, expected: int | None, *, locks: str = ""
) -> Promotion:
    """``locks``: the locks' statement when BEGIN did not carry it (PostgreSQL, with an idempotency key)."""
    model, env = move.model, move.environment
    if locks:
        await conn.execute_script(locks)
    state = await read_for_promotion(conn, model=model, version=number, environment=env)
    if not state.declared:
        raise await undeclared(conn, env, "environment")
    candidate, active = state.version, state.active
    if candidate is None:
        raise NotFound(f"model {model!r} has no version {number}")
    if candidate.status == VersionStatus.ARCHIVED:
        raise Conflict(f"version {number} of {model!r} is ARCHIVED and cannot be promoted")
    active_number = state.active_version.number if state.active_version else 0
    _compare_and_set(expected, active_number, model, env)
    if active is not None and active.version_id == candidate.id:
        return Promotion(deployment=active, previous=None, changed=False, event=None, version=candidate)
    if active is None:
        _room_for_environment(state.active_count, model, env)
    checked = await enforce_protection(
        conn,
        environment=env,
        model=state.model,
        version=candidate,
        role=move.role,
        actor=move.actor,
        known=state.protection,
    )
    deployment, event = await _replace(
        conn,
        move,
        state.model,
        candidate,
        active,
        AuditAction.PROMOTED,
        active_number=active_number,
        more=checked,
        head=state.chain_head,
        deployment_id=state.deployment_id,
        event_id=state.event_id,
    )
    return Promotion(
        deployment=deployment,
        previous=active,
        changed=True,
        event=event,
        version=candidate,
        previous_version=state.active_version,
    )


async def _demote(conn: BaseDBAsyncClient, move: _Move, expected: int | None) -> Demotion:
    model, env = move.model, move.environment
    target = await lock_existing_model(conn, model)
    await require_declared(conn, [(env, "environment")])
    active, active_number = await _active(conn, target, env)
    _compare_and_set(expected, active_number, model, env)
    if active is None:
        raise Conflict(f"nothing is active for {model!r} in {env}; there is nothing to demote")
    checked = await enforce_protection(
        conn, environment=env, model=target, version=None, role=move.role, actor=move.actor
    )
    stamp = now()
    await switch.retire(conn, active, actor=move.actor, reason=move.reason, at=stamp)
    event = await record(
        conn,
        action=AuditAction.DEMOTED,
        actor=move.actor,
        model=target,
        version=await ModelVersion.get(id=active.version_id, using_db=conn),
        environment=env,
        previous_version_id=active.version_id,
        reason=move.reason,
        request_id=move.request_id,
        details={"retiredDeploymentId": active.id, "previousVersion": active_number} | checked,
        at=stamp,
    )
    return Demotion(retired=active, event=event)


async def _rollback(conn: BaseDBAsyncClient, move: _Move) -> Rollback:
    target = await lock_existing_model(conn, move.model)
    await require_declared(conn, [(move.environment, "environment")])
    active, active_number = await _active(conn, target, move.environment)
    before, restored = await _to_restore(conn, move, target, active)
    if active is None:
        count = await Deployment.filter(model_id=target.id, retired_at__isnull=True).using_db(conn).count()
        _room_for_environment(count, move.model, move.environment)
    checked = await enforce_protection(
        conn, environment=move.environment, model=target, version=restored, role=move.role, actor=move.actor
    )
    deployment, event = await _replace(
        conn,
        move,
        target,
        restored,
        active,
        AuditAction.ROLLED_BACK,
        active_number=active_number,
        more={"restoredFromDeploymentId": before.id, **checked},
    )
    return Rollback(deployment=deployment, previous=active, event=event)


def _room_for_environment(active_count: int, model: str, environment: str) -> None:
    """Refuse making ``model`` active in one more environment when it is active in the most it may be (a bound
    the query cost counts on: ``Model.activeDeployments``, ``Version.activeEnvironments``)."""
    if active_count >= validation.MAX_ACTIVE_ENVIRONMENTS:
        raise Conflict(
            f"{model!r} is active in {active_count} environments, the most a model may be; demote it somewhere "
            f"before making it active in {environment}"
        )


async def _to_restore(
    conn: BaseDBAsyncClient, move: _Move, model: RegisteredModel, active: Deployment | None
) -> tuple[Deployment, ModelVersion]:
    """The deployment a rollback restores and its version: see ``rollback``."""
    history = Deployment.filter(model_id=model.id, environment=move.environment).using_db(conn)
    if active is not None:
        history = history.filter(id__lt=active.id).exclude(version_id=active.version_id)
    before = await history.order_by("-id").first()
    if before is None:
        raise Conflict(f"{move.model!r} has no earlier deployment in {move.environment} to roll back to")
    restored = await ModelVersion.get(id=before.version_id, using_db=conn)
    if restored.status == VersionStatus.ARCHIVED:
        raise Conflict(
            f"the version to roll back to ({restored.number} of {move.model!r}) is ARCHIVED; promote a version instead"
        )
    return before, restored


async def _replace(
    conn: BaseDBAsyncClient,
    move: _Move,
    model: RegisteredModel,
    version: ModelVersion,
    active: Deployment | None,
    action: AuditAction,
    *,
    active_number: int,
    more: dict[str, Any],
    head: tuple[int, str] | None = None,
    deployment_id: int | None = None,
    event_id: int | None = None,
) -> tuple[Deployment, AuditEvent]:
    """Retire ``active`` (if any), deploy ``version`` and record ``action``, with one timestamp for all three.

    ``deployment_id``, ``event_id``: the ids allocated for the new deployment and its event (PostgreSQL's
    promotion), which let the three writes go in one statement, with the commit (``models/deployments/switch.py``).
    """
    stamp = now()
    deploying: dict[str, Any] = {
        "model_id": model.id,
        "version_id": version.id,
        "environment": move.environment,
        "deployed_at": stamp,
        "deployed_by": move.actor,
        "reason": move.reason,
    }
    if deployment_id is not None:
        deploying["id"] = deployment_id

    def event(new_deployment_id: int) -> Content:
        return content(
            action=action,
            actor=move.actor,
            model=model,
            version=version,
            environment=move.environment,
            previous_version_id=active.version_id if active else None,
            reason=move.reason,
            request_id=move.request_id,
            details=_details(new_deployment_id, active, previous_number=active_number) | more,
            at=stamp,
        )

    return await switch.replace(conn, active=active, deploying=deploying, event=event, head=head, event_id=event_id)


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


def _details(deployment_id: int, previous: Deployment | None, *, previous_number: int) -> dict[str, Any]:
    return {
        "deploymentId": deployment_id,
        "retiredDeploymentId": previous.id if previous else None,
        "previousVersion": previous_number or None,
    }


async def _deployment_or_none(conn: BaseDBAsyncClient, deployment_id: int | None) -> Deployment | None:
    return await Deployment.get(id=deployment_id, using_db=conn) if deployment_id else None


async def _event_or_none(conn: BaseDBAsyncClient, event_id: int | None) -> AuditEvent | None:
    return await AuditEvent.get(id=event_id, using_db=conn) if event_id else None
