"""Protected environments: rules a version must meet before it becomes active in an environment.

An admin protects an environment with any of: a required role (for promote, rollback and demote there),
metric bounds (``roc_auc>=0.8``), required version tags (``approved=true``) and required prior deployments
of the same version elsewhere (``staging``: the version was deployed there at some point, active or since
retired). ``enforce_protection`` checks them inside promote's and rollback's transaction (demote checks the
role only), so a promotion that breaks a rule changes nothing, not even its idempotency record.

Rules take effect atomically. On SQLite every write transaction holds the database's write lock. On
PostgreSQL a promotion holds a shared advisory lock on its environment from reading the rules until it
commits, and protect and unprotect take it exclusively: a protection change waits for promotions already
checked under the old rules, and promotions after it read the new ones, so the audit trail never shows a
promotion that broke rules already in force.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import tokens, validation
from models.audit import now, record
from models.db import connection, dialect, fetch, write_transaction
from models.entities import (
    AuditAction,
    AuditEvent,
    Deployment,
    EnvironmentProtection,
    Metric,
    ModelVersion,
    RegisteredModel,
    Role,
    VersionTag,
)
from models.errors import Conflict, Forbidden, InvalidInput
from models.idempotency import claim

#: Most rules of each kind per environment.
MAX_RULES = 20
#: Arbitrary constant naming protection locks among PostgreSQL advisory locks. The two-key form used here
#: does not share a key space with the one-key migration lock (models/migrate.py).
_LOCK_CLASS = 0x6D726567  # "mreg"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: A metric name in a rule cannot contain <, > or =, so a typo such as ``roc_auc=>0.8`` is refused, not read as
#: the metric ``roc_auc=``.
_METRIC_RULE = re.compile(r"(?P<metric>[^<>=]+?)\s*(?P<comparison>>=|<=|>|<)\s*(?P<threshold>[^<>=\s]+)")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def number(value: float) -> str:
    """A float as people write it (``0.8``, ``250``), and as ``float()`` reads it back exactly."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


@dataclass(frozen=True)
class MetricRule:
    metric: str
    comparison: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.metric}{self.comparison}{number(self.threshold)}"

    def holds(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


@dataclass(frozen=True)
class TagRule:
    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


@dataclass(frozen=True)
class Rules:
    required_role: Role | None = None
    metrics: tuple[MetricRule, ...] = ()
    tags: tuple[TagRule, ...] = ()
    prior_environments: tuple[str, ...] = ()

    def describe(self) -> list[str]:
        """One phrase per rule, e.g. ``["role admin", "roc_auc>=0.8", "tag approved=true", "prior staging"]``."""
        role = [f"role {self.required_role.value}"] if self.required_role else []
        return [
            *role,
            *map(str, self.metrics),
            *(f"tag {tag}" for tag in self.tags),
            *(f"prior {env}" for env in self.prior_environments),
        ]

    def stored(self) -> dict[str, list[str]]:
        return {
            "metrics": [str(rule) for rule in self.metrics],
            "tags": [str(rule) for rule in self.tags],
            "prior": list(self.prior_environments),
        }


@dataclass(frozen=True)
class Protection:
    environment: str
    rules: Rules
    reason: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, row: EnvironmentProtection) -> Protection:
        return cls(
            environment=row.environment,
            rules=_stored_rules(row.required_role, row.rules),
            reason=row.reason,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def snapshot(self) -> dict[str, Any]:
        """The whole protection as audit details (JSON), enough to rebuild it for an idempotent replay."""
        return {
            "requiredRole": self.rules.required_role.value if self.rules.required_role else None,
            "rules": self.rules.stored(),
            "reason": self.reason,
            "createdAt": self.created_at.isoformat(),
            "createdBy": self.created_by,
            "updatedAt": self.updated_at.isoformat(),
            "updatedBy": self.updated_by,
        }

    @classmethod
    def from_snapshot(cls, environment: str, data: dict[str, Any]) -> Protection:
        return cls(
            environment=environment,
            rules=_stored_rules(Role(data["requiredRole"]) if data["requiredRole"] else None, data["rules"]),
            reason=data["reason"],
            created_at=datetime.fromisoformat(data["createdAt"]),
            created_by=data["createdBy"],
            updated_at=datetime.fromisoformat(data["updatedAt"]),
            updated_by=data["updatedBy"],
        )


@dataclass(frozen=True)
class ProtectionChange:
    protection: Protection
    #: The rules this change replaced; None when the environment was not protected before.
    previous: Protection | None
    event: AuditEvent


@dataclass(frozen=True)
class ProtectionRemoval:
    previous: Protection
    event: AuditEvent


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    active_deployments: int
    protection: Protection | None = None


# Parsing. Field names are input paths; every message shows the bad value and a correct example.


def parse_metric_rule(text: str, field: str) -> MetricRule:
    found = _METRIC_RULE.fullmatch(text.strip())
    threshold = _float(found["threshold"]) if found else None
    if found is None or threshold is None:
        raise InvalidInput(
            field,
            f"{text[:140]!r} is not a metric rule: write METRIC OP NUMBER with OP one of >=, >, <=, < "
            "(and no <, > or = in METRIC), e.g. roc_auc>=0.8",
        )
    metric = validation.metric_name(found["metric"], field)
    return MetricRule(metric, found["comparison"], threshold)


def parse_tag_rule(text: str, field: str) -> TagRule:
    key, sign, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sign or not key:
        raise InvalidInput(field, f"{text[:140]!r} is not a tag rule: write KEY=VALUE, e.g. approved=true")
    if len(key) > 128 or len(value) > 1024 or _CONTROL.search(key):
        raise InvalidInput(
            field, "tag keys are at most 128 characters without control characters, values at most 1,024"
        )
    return TagRule(key, value)


def parse_rules(
    *,
    environment: str,
    required_role: Role | None,
    metric_rules: Sequence[str] | None,
    tag_rules: Sequence[str] | None,
    prior_environments: Sequence[str] | None,
    field: str = "input",
) -> Rules:
    """Validate rule strings (``roc_auc>=0.8``, ``approved=true``, ``staging``) into ``Rules``."""
    if required_role is not None and not required_role.includes(Role.DEPLOYER):
        raise InvalidInput(
            f"{field}.requiredRole",
            f"promotions already need the deployer role; require deployer or admin, not {required_role.value}",
        )
    metrics = [
        parse_metric_rule(text, f"{field}.metricRules[{index}]")
        for index, text in enumerate(_bounded(metric_rules, f"{field}.metricRules"))
    ]
    _unique([(rule.metric, rule.comparison) for rule in metrics], f"{field}.metricRules", "a bound on this metric")
    tags = [
        parse_tag_rule(text, f"{field}.tagRules[{index}]")
        for index, text in enumerate(_bounded(tag_rules, f"{field}.tagRules"))
    ]
    _unique([rule.key for rule in tags], f"{field}.tagRules", "a rule on this tag key")
    prior = []
    for index, name in enumerate(_bounded(prior_environments, f"{field}.priorEnvironments")):
        where = f"{field}.priorEnvironments[{index}]"
        prior.append(validation.environment(name, where))
        if name == environment:
            raise InvalidInput(where, f"{environment} cannot require a prior deployment in itself; name another")
    _unique(prior, f"{field}.priorEnvironments", "this environment")
    rules = Rules(required_role, tuple(metrics), tuple(tags), tuple(prior))
    if not rules.describe():
        raise InvalidInput(
            field,
            "give at least one rule: requiredRole, metricRules (roc_auc>=0.8), tagRules (approved=true) "
            "or priorEnvironments (staging); to remove protection, unprotect the environment",
        )
    return rules


# Changing protection: admin operations, each one transaction with its audit event.


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
    env = validation.environment(environment, "input.environment")
    rules = parse_rules(
        environment=env,
        required_role=required_role,
        metric_rules=metric_rules,
        tag_rules=tag_rules,
        prior_environments=prior_environments,
    )
    validation.text(reason, "input.reason", max_length=validation.MAX_REASON)
    key = validation.idempotency_key(idempotency_key, "input.idempotencyKey")
    role = required_role.value if required_role else None
    arguments = {"environment": env, "requiredRole": role, **rules.stored(), "reason": reason}
    async with write_transaction() as conn:
        claimed = await claim(conn, principal=actor, key=key, operation="protectEnvironment", arguments=arguments)
        if claimed.replay is not None:
            event = await AuditEvent.get(id=claimed.replay["event"], using_db=conn)
            previous = event.details["previous"]
            return ProtectionChange(
                protection=Protection.from_snapshot(env, event.details["protection"]),
                previous=Protection.from_snapshot(env, previous) if previous else None,
                event=event,
            )
        await _lock(conn, env, exclusive=True)
        row = await EnvironmentProtection.get_or_none(environment=env, using_db=conn)
        previous_protection = Protection.of(row) if row else None
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
            details={
                "protection": protection.snapshot(),
                "previous": previous_protection.snapshot() if previous_protection else None,
            },
            at=stamp,
        )
        await claimed.complete(conn, {"event": event.id})
    return ProtectionChange(protection=protection, previous=previous_protection, event=event)


async def unprotect_environment(
    *,
    environment: str,
    actor: str,
    reason: str | None = None,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> ProtectionRemoval:
    """Remove every rule of ``environment``. Callers check that the actor is an admin."""
    env = validation.environment(environment, "input.environment")
    validation.text(reason, "input.reason", max_length=validation.MAX_REASON)
    key = validation.idempotency_key(idempotency_key, "input.idempotencyKey")
    async with write_transaction() as conn:
        arguments = {"environment": env, "reason": reason}
        claimed = await claim(conn, principal=actor, key=key, operation="unprotectEnvironment", arguments=arguments)
        if claimed.replay is not None:
            event = await AuditEvent.get(id=claimed.replay["event"], using_db=conn)
            return ProtectionRemoval(Protection.from_snapshot(env, event.details["previous"]), event)
        await _lock(conn, env, exclusive=True)
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
        await claimed.complete(conn, {"event": event.id})
    return ProtectionRemoval(previous, event)


# Reading.


async def get_protection(environment: str) -> Protection | None:
    row = await EnvironmentProtection.get_or_none(environment=validation.environment(environment))
    return Protection.of(row) if row else None


async def protections_by_environment(environments: Sequence[str]) -> dict[str, Protection]:
    rows = await EnvironmentProtection.filter(environment__in=list(environments))
    return {row.environment: Protection.of(row) for row in rows}


async def list_environments(*, within: tuple[str, ...] | None = None) -> list[EnvironmentSummary]:
    """Every environment that has had a deployment or has protection, by name. ``within``: only deployments of
    the models matching these name patterns are counted (or make an environment appear), as a scoped token's
    lists and statistics count only those; protection is registry-wide, so protected environments always appear."""
    conn = connection()
    sql = "SELECT environment, SUM(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END) AS active FROM deployment"
    params: list[str] = []
    if within is not None:  # the patterns are a bind parameter; only constant SQL is spliced in
        sql += f" WHERE model_id IN (SELECT id FROM model WHERE {tokens.model_name_sql(conn, 'name')})"  # noqa: S608
        params.append(tokens.pattern_regex(within))
    active = {
        row["environment"]: int(row["active"] or 0) for row in await fetch(conn, sql + " GROUP BY environment", params)
    }
    protected = {row.environment: Protection.of(row) for row in await EnvironmentProtection.all()}
    return [
        EnvironmentSummary(name, active.get(name, 0), protected.get(name))
        for name in sorted(active.keys() | protected.keys())
    ]


# Enforcing.


async def enforce_protection(
    conn: BaseDBAsyncClient,
    *,
    environment: str,
    model: RegisteredModel,
    version: ModelVersion | None,
    role: Role,
    actor: str,
    known: EnvironmentProtection | str | None = "not read",
) -> dict[str, Any]:
    """Raise unless the environment's rules allow ``version`` to become active there, on ``conn``.

    ``known``: the environment's row when the caller read it already under the same lock (SQLite's
    ``BEGIN IMMEDIATE``; see ``models/promotion_state.py``), which saves a round trip.

    ``version`` None (demote) checks the role rule only. Returns audit details naming the rules that were
    met (``{}`` for an unprotected environment). A role below the required one is ``Forbidden``; any other
    broken rule is ``Conflict``, and the message names every broken rule.
    """
    if isinstance(known, str):
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
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute_query(f"SELECT {function}($1, hashtext($2))", [_LOCK_CLASS, environment])


def _stored_rules(required_role: Role | None, stored: dict[str, list[str]]) -> Rules:
    return Rules(
        required_role=required_role,
        metrics=tuple(parse_metric_rule(text, "rules.metrics") for text in stored.get("metrics", [])),
        tags=tuple(parse_tag_rule(text, "rules.tags") for text in stored.get("tags", [])),
        prior_environments=tuple(stored.get("prior", [])),
    )


def _bounded(items: Sequence[str] | None, field: str) -> Sequence[str]:
    if items is not None and len(items) > MAX_RULES:
        raise InvalidInput(field, f"at most {MAX_RULES} rules of each kind (got {len(items)})")
    return items or ()


def _unique(keys: Sequence[Any], field: str, what: str) -> None:
    seen: set[Any] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise InvalidInput(f"{field}[{index}]", f"{what} is given twice; give it once")
        seen.add(key)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
