"""Environments: declaring and removing them, changing their protection rules, and enforcing the rules when a
version becomes active.

An admin declares environments (``declare_environment``; ``staging`` and ``production`` always exist) and
removes one nothing uses (``remove_environment``); every operation naming an environment checks that it is
declared (``models/environments/declared.py``).

An admin protects an environment with any of: a required role (for promote, rollback and demote there),
metric bounds (``roc_auc>=0.8``), required version tags (``approved=true``) and required prior deployments
of the same version elsewhere (``staging``: the version was deployed there at some point, active or since
retired). ``enforce_protection`` checks them inside promote's and rollback's transaction (demote checks the
role only), so a promotion that breaks a rule changes nothing, not even its idempotency record. The rules
themselves are in ``models.environments.rules``.

Rules take effect atomically. On SQLite every write transaction holds the database's write lock. On
PostgreSQL a promotion holds a shared advisory lock on its environment from reading the rules until it
commits, and protect and unprotect take it exclusively: a protection change waits for promotions already
checked under the old rules, and promotions after it read the new ones, so the audit trail never shows a
promotion that broke rules already in force.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import validation
from models.audit.record import record
from models.clock import now
from models.db.connection import dialect, fetch, write_transaction
from models.db.retry import retried
from models.entities import (
    AuditAction,
    AuditEvent,
    Deployment,
    Environment,
    EnvironmentProtection,
    Metric,
    ModelVersion,
    RegisteredModel,
    Role,
    VersionTag,
)
from models.environments.declared import require_declared, undeclared
from models.environments.locks import protection_lock_sql
from models.environments.rules import Protection, Rules, number, parse_rules
from models.errors import Conflict, Forbidden
from models.idempotency import Request, replay_or_run


@dataclass(frozen=True)
class ProtectionChange:
    protection: Protection
    #: The rules this change replaced; None when the environment was not protected before.
    previous: Protection | None
    event: AuditEvent

    def stored(self) -> dict[str, Any]:
        return {"event": self.event.id}

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> ProtectionChange:
        event, env = await _protection_event(conn, stored["event"])
        previous = event.details["previous"]
        return cls(
            protection=Protection.from_snapshot(env, event.details["protection"]),
            previous=Protection.from_snapshot(env, previous) if previous else None,
            event=event,
        )


@dataclass(frozen=True)
class ProtectionRemoval:
    previous: Protection
    event: AuditEvent

    def stored(self) -> dict[str, Any]:
        return {"event": self.event.id}

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> ProtectionRemoval:
        event, env = await _protection_event(conn, stored["event"])
        return cls(Protection.from_snapshot(env, event.details["previous"]), event)


async def _protection_event(conn: BaseDBAsyncClient, event_id: int) -> tuple[AuditEvent, str]:
    """The audit event of a protection change, and its environment: the event's details hold the rules."""
    event = await AuditEvent.get(id=event_id, using_db=conn)
    if event.environment is None:  # never: protect and unprotect always record their environment
        raise LookupError(f"audit event {event_id} names no environment")
    return event, event.environment


# Changing protection: admin operations, each one transaction with its audit event.


@retried
async def protect_environment(
    *,
    environment: str,
    actor: str,
    required_role: Role | None = None,
    metric_rules: Sequence[str] | None = None,
    tag_rules: Sequence[str] | None = None,
    prior_environments: Sequence[str] | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> ProtectionChange:
    """Set the rules of ``environment``, replacing any it had. Callers check that the actor is an admin."""
    env = validation.environment(environment, "environment")
    rules = parse_rules(
        environment=env,
        required_role=required_role,
        metric_rules=metric_rules,
        tag_rules=tag_rules,
        prior_environments=prior_environments,
    )
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    role = required_role.value if required_role else None
    arguments = {"environment": env, "requiredRole": role, **rules.stored(), "reason": reason}
    keyed = Request("protectEnvironment", principal=actor, key=key, arguments=arguments)
    async with write_transaction() as conn:
        return await replay_or_run(
            conn, keyed, ProtectionChange, lambda: _protect(conn, env, rules, actor, reason, request_id)
        )


@retried
async def unprotect_environment(
    *,
    environment: str,
    actor: str,
    reason: str | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> ProtectionRemoval:
    """Remove every rule of ``environment``. Callers check that the actor is an admin."""
    env = validation.environment(environment, "environment")
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    keyed = Request("unprotectEnvironment", principal=actor, key=key, arguments={"environment": env, "reason": reason})
    async with write_transaction() as conn:
        return await replay_or_run(
            conn, keyed, ProtectionRemoval, lambda: _unprotect(conn, env, actor, reason, request_id)
        )


async def _protect(
    conn: BaseDBAsyncClient, env: str, rules: Rules, actor: str, reason: str | None, request_id: str | None
) -> ProtectionChange:
    await _lock(conn, env, exclusive=True)
    named = [(env, "environment")]
    named += [(prior, f"prior_environments[{i}]") for i, prior in enumerate(rules.prior_environments)]
    await require_declared(conn, named)
    row = await EnvironmentProtection.get_or_none(environment=env, using_db=conn)
    previous = Protection.of(row) if row else None
    stamp = now()
    changes = {
        "required_role": rules.required_role,
        "rules": rules.stored(),
        "reason": reason,
        "updated_at": stamp,
        "updated_by": actor,
    }
    if row is None:
        row = await EnvironmentProtection.create(
            environment=env, created_at=stamp, created_by=actor, **changes, using_db=conn
        )
    else:
        row.update_from_dict(changes)
        await row.save(using_db=conn, update_fields=list(changes))
    protection = Protection.of(row)
    event = await record(
        conn,
        action=AuditAction.ENVIRONMENT_PROTECTED,
        actor=actor,
        model=None,
        environment=env,
        reason=reason,
        request_id=request_id,
        details={"protection": protection.snapshot(), "previous": previous.snapshot() if previous else None},
        at=stamp,
    )
    return ProtectionChange(protection=protection, previous=previous, event=event)


async def _unprotect(
    conn: BaseDBAsyncClient, env: str, actor: str, reason: str | None, request_id: str | None
) -> ProtectionRemoval:
    await _lock(conn, env, exclusive=True)
    await require_declared(conn, [(env, "environment")])
    row = await EnvironmentProtection.get_or_none(environment=env, using_db=conn)
    if row is None:
        raise Conflict(f"{env} is not protected; there is nothing to unprotect")
    previous = Protection.of(row)
    await row.delete(using_db=conn)
    event = await record(
        conn,
        action=AuditAction.ENVIRONMENT_UNPROTECTED,
        actor=actor,
        model=None,
        environment=env,
        reason=reason,
        request_id=request_id,
        details={"previous": previous.snapshot()},
    )
    return ProtectionRemoval(previous, event)


# Declaring and removing environments: admin operations, each one transaction with its audit event. The check
# that an environment is declared, and the defaults, are in models/environments/declared.py.


@dataclass(frozen=True)
class EnvironmentDeclaration:
    environment: Environment
    event: AuditEvent


@dataclass(frozen=True)
class EnvironmentRemoval:
    environment: Environment
    event: AuditEvent


@retried
async def declare_environment(
    *,
    name: str,
    actor: str,
    description: str | None = None,
    request_id: str | None = None,
) -> EnvironmentDeclaration:
    """Declare ``name`` so that versions can be promoted there. Callers check that the actor is an admin.

    Declaring a name already declared is ``Conflict``: nothing changes and no event is written.
    """
    env = validation.environment(name, "name")
    validation.text(description, "description", max_length=validation.MAX_REASON)
    async with write_transaction() as conn:
        # Two concurrent declarations: the unique index refuses the second insert, and its retry lands here.
        if await Environment.filter(name=env).using_db(conn).exists():
            raise Conflict(f"{env} is already declared")
        stamp = now()
        declared = await Environment.create(
            name=env, description=description, created_at=stamp, created_by=actor, using_db=conn
        )
        event = await record(
            conn,
            action=AuditAction.ENVIRONMENT_DECLARED,
            actor=actor,
            model=None,
            environment=env,
            reason=description,
            request_id=request_id,
            details={"description": description},
            at=stamp,
        )
        return EnvironmentDeclaration(declared, event)


@retried
async def remove_environment(
    *, name: str, actor: str, reason: str | None = None, request_id: str | None = None
) -> EnvironmentRemoval:
    """Remove a declared environment that nothing uses: no deployment (active or retired) was ever made there,
    it is not protected, and no protection requires a prior deployment there. Else ``Conflict`` naming the use.
    Callers check that the actor is an admin."""
    env = validation.environment(name, "name")
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    async with write_transaction() as conn:
        lock = " FOR UPDATE" if dialect(conn) == "postgres" else ""
        # The row lock first, the uses in later statements: they see every promotion that passed its check.
        found = await fetch(conn, f"SELECT id FROM environment WHERE name = ?{lock}", [env])  # noqa: S608
        if not found:
            raise await undeclared(conn, env, "name")
        uses = await fetch(
            conn,
            "SELECT (SELECT COUNT(*) FROM deployment WHERE environment = ?) AS deployments, "
            "(SELECT COUNT(*) FROM environment_protection WHERE environment = ?) AS protected",
            [env, env],
        )
        if int(uses[0]["deployments"]):
            raise Conflict(f"{env} has deployments in its history ({uses[0]['deployments']}); it cannot be removed")
        if int(uses[0]["protected"]):
            raise Conflict(f"{env} is protected; unprotect it before removing it")
        requiring = [
            row["environment"]
            for row in await fetch(conn, "SELECT environment, rules FROM environment_protection")
            if env in _prior(row["rules"])
        ]
        if requiring:
            raise Conflict(
                f"{', '.join(sorted(requiring))} require a prior deployment in {env}; change their rules first"
            )
        removed = await Environment.get(id=found[0]["id"], using_db=conn)
        await removed.delete(using_db=conn)
        event = await record(
            conn,
            action=AuditAction.ENVIRONMENT_REMOVED,
            actor=actor,
            model=None,
            environment=env,
            reason=reason,
            request_id=request_id,
            details={"description": removed.description},
        )
        return EnvironmentRemoval(removed, event)


def _prior(rules: object) -> list[str]:
    """The prior environments of a protection's stored rules (JSON text on SQLite, a dict on PostgreSQL)."""
    stored = json.loads(rules) if isinstance(rules, str) else rules
    return list(stored.get("prior", [])) if isinstance(stored, dict) else []


# Enforcing.


class NotRead:
    """``enforce_protection``'s ``known`` when the caller did not read the rules: it takes the lock and reads them."""


NOT_READ = NotRead()


async def enforce_protection(
    conn: BaseDBAsyncClient,
    *,
    environment: str,
    model: RegisteredModel,
    version: ModelVersion | None,
    role: Role,
    actor: str,
    known: EnvironmentProtection | NotRead | None = NOT_READ,
) -> dict[str, Any]:
    """Raise unless the environment's rules allow ``version`` to become active there, on ``conn``.

    ``known``: the environment's rules (None: unprotected) when the caller read them already, after taking the
    environment's lock (SQLite's ``BEGIN IMMEDIATE``; PostgreSQL's shared protection lock, see
    ``models/deployments/state.py``), which saves two round trips.

    ``version`` None (demote) checks the role rule only. Returns audit details naming the rules that were
    met (``{}`` for an unprotected environment). A role below the required one is ``Forbidden``; any other
    broken rule is ``Conflict``, and the message names every broken rule.
    """
    if isinstance(known, NotRead):
        await _lock(conn, environment, exclusive=False)
        row = await EnvironmentProtection.get_or_none(environment=environment, using_db=conn)
    else:
        row = known
    if row is None:
        return {}
    rules = Protection.of(row).rules
    if rules.required_role is not None and not role.includes(rules.required_role):
        raise Forbidden(
            f"{environment} requires role {rules.required_role.value} to promote, roll back or demote; "
            f"token {actor!r} is {role.value}"
        )
    if version is not None:
        broken = await _broken_rules(conn, environment, model, version, rules)
        if broken:
            raise Conflict("; ".join(broken))
    return {"protection": rules.describe()}


async def _broken_rules(
    conn: BaseDBAsyncClient, environment: str, model: RegisteredModel, version: ModelVersion, rules: Rules
) -> list[str]:
    subject = f"version {version.number} of {model.name!r}"
    broken: list[str] = []
    if rules.metrics:
        names = list({rule.metric for rule in rules.metrics})
        rows = await Metric.filter(version_id=version.id, name__in=names).using_db(conn).values_list("name", "value")
        values: dict[str, float] = {str(name): float(value) for name, value in rows}
        for metric_rule in rules.metrics:
            value = values.get(metric_rule.metric)
            if value is None:
                broken.append(f"{environment} requires {metric_rule}, but {subject} has no {metric_rule.metric} metric")
            elif not metric_rule.holds(value):
                broken.append(f"{environment} requires {metric_rule}, but {subject} has {number(value)}")
    if rules.tags:
        keys = [rule.key for rule in rules.tags]
        rows = await VersionTag.filter(version_id=version.id, key__in=keys).using_db(conn).values_list("key", "value")
        tags: dict[str, str] = {str(key): str(value) for key, value in rows}
        for tag_rule in rules.tags:
            actual = tags.get(tag_rule.key)
            if actual is None:
                broken.append(f"{environment} requires tag {tag_rule}, but {subject} has no {tag_rule.key} tag")
            elif actual != tag_rule.value:
                broken.append(f"{environment} requires tag {tag_rule}, but {subject} has {tag_rule.key}={actual}")
    if rules.prior_environments:
        found = Deployment.filter(version_id=version.id, environment__in=list(rules.prior_environments))
        deployed = {str(env) for env in await found.using_db(conn).values_list("environment", flat=True)}
        for prior in rules.prior_environments:
            if prior not in deployed:
                broken.append(f"{environment} requires a prior deployment in {prior}, but {subject} was never there")
    return broken


async def _lock(conn: BaseDBAsyncClient, environment: str, *, exclusive: bool) -> None:
    """Serialise protection changes with the promotions they govern (see the module's docstring).

    A statement of its own: in READ COMMITTED a statement's snapshot is taken before any lock it waits for,
    so the rules must be read by a later statement than the one that waited.
    """
    if dialect(conn) != "postgres":
        return  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
    await fetch(conn, f"SELECT {protection_lock_sql(exclusive=exclusive)}", [environment])
