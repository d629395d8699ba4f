"""Protected environments in GraphQL: their types, the queries that read them, and the admin mutations.
``schema/build.py`` composes the mixins into ``Query`` and ``Mutation``.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import validation
from models.environments import operations
from models.environments.reads import list_environments
from models.environments.rules import Protection
from schema.context import Info
from schema.enums import Role
from schema.input_paths import input_paths
from schema.permissions import CanAdminister, CanRead, acting, model_scope
from schema.types import AuditEvent, Tag


@strawberry.type(description="A bound on one metric of the version, e.g. roc_auc>=0.8.")
class MetricRule:
    metric: str
    comparison: str = strawberry.field(description="One of >=, >, <=, <.")
    threshold: float
    rule: str = strawberry.field(description="The rule as written, e.g. roc_auc>=0.8.")


@strawberry.type(
    description="The rules a version must meet to become active in an environment, checked in the same transaction "
    "as promote and rollback (demote checks requiredRole only)."
)
class EnvironmentProtection:
    environment: str
    required_role: Role | None = strawberry.field(
        description="promote, rollback and demote in this environment need at least this role."
    )
    metric_rules: list[MetricRule] = strawberry.field(
        description="The version must have each metric, within the bound."
    )
    tag_rules: list[Tag] = strawberry.field(description="The version must carry each tag with exactly this value.")
    prior_environments: list[str] = strawberry.field(
        description="The version must have been deployed in each of these environments before (active or retired)."
    )
    rules: list[str] = strawberry.field(
        description='Every rule as a phrase, e.g. ["role admin", "roc_auc>=0.8", "tag approved=true", "prior staging"].'
    )
    reason: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, protection: Protection) -> EnvironmentProtection:
        rules = protection.rules
        return cls(
            environment=protection.environment,
            required_role=rules.required_role,
            metric_rules=[
                MetricRule(metric=r.metric, comparison=r.comparison, threshold=r.threshold, rule=str(r))
                for r in rules.metrics
            ],
            tag_rules=[Tag(key=r.key, value=r.value) for r in rules.tags],
            prior_environments=list(rules.prior_environments),
            rules=rules.describe(),
            reason=protection.reason,
            created_at=protection.created_at,
            created_by=protection.created_by,
            updated_at=protection.updated_at,
            updated_by=protection.updated_by,
        )


@strawberry.type(description="An environment that has had a deployment or is protected.")
class Environment:
    name: str
    active_deployment_count: int = strawberry.field(description="Models with an active deployment here.")
    protection: EnvironmentProtection | None = strawberry.field(description="null when the environment is unprotected.")


@strawberry.input
class ProtectEnvironmentInput:
    environment: str
    required_role: Role | None = strawberry.field(
        default=None, description="promote, rollback and demote here will need at least this role (DEPLOYER or ADMIN)."
    )
    metric_rules: list[str] | None = strawberry.field(
        default=None, description='Metric bounds, e.g. ["roc_auc>=0.8", "latency_ms<250"]; OP is one of >=, >, <=, <.'
    )
    tag_rules: list[str] | None = strawberry.field(
        default=None, description='Required version tags as KEY=VALUE, e.g. ["approved=true"].'
    )
    prior_environments: list[str] | None = strawberry.field(
        default=None, description='The version must have been deployed in each of these before, e.g. ["staging"].'
    )
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retrying with the same key and the same input returns the first result and changes nothing.",
    )


@strawberry.type
class ProtectEnvironmentPayload:
    protection: EnvironmentProtection = strawberry.field(description="The rules now in force; they replace any before.")
    previous: EnvironmentProtection | None = strawberry.field(
        description="The rules this change replaced; null when the environment was unprotected."
    )
    audit_event: AuditEvent


@strawberry.input
class UnprotectEnvironmentInput:
    environment: str
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class UnprotectEnvironmentPayload:
    previous: EnvironmentProtection = strawberry.field(description="The rules that were removed.")
    audit_event: AuditEvent


@strawberry.type
class EnvironmentQueries:
    @strawberry.field(
        permission_classes=[CanRead],
        description="Every environment that has had a deployment or is protected, ordered by name. For a token "
        "limited to some models, only their deployments are counted (or make an environment appear).",
    )
    async def environments(self, info: Info) -> list[Environment]:
        return [
            Environment(
                name=env.name,
                active_deployment_count=env.active_deployments,
                protection=EnvironmentProtection.of(env.protection) if env.protection else None,
            )
            for env in await list_environments(within=model_scope(info))
        ]

    @strawberry.field(
        permission_classes=[CanRead], description="The rules of an environment; null when it is unprotected."
    )
    async def environment_protection(self, info: Info, environment: str) -> EnvironmentProtection | None:
        found = await info.context.loaders.protection.load(validation.environment(environment))
        return EnvironmentProtection.of(found) if found else None


@strawberry.type
class EnvironmentMutations:
    @strawberry.mutation(
        permission_classes=[CanAdminister],
        description="Protect an environment with rules, replacing any it had (admin only). Audited as "
        "ENVIRONMENT_PROTECTED with the old and new rules in details.",
    )
    @input_paths
    async def protect_environment(self, info: Info, input: ProtectEnvironmentInput) -> ProtectEnvironmentPayload:
        done = await operations.protect_environment(
            environment=input.environment,
            required_role=input.required_role,
            metric_rules=input.metric_rules,
            tag_rules=input.tag_rules,
            prior_environments=input.prior_environments,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return ProtectEnvironmentPayload(
            protection=EnvironmentProtection.of(done.protection),
            previous=EnvironmentProtection.of(done.previous) if done.previous else None,
            audit_event=AuditEvent.of(done.event),
        )

    @strawberry.mutation(
        permission_classes=[CanAdminister],
        description="Remove every rule of a protected environment (admin only). Audited as ENVIRONMENT_UNPROTECTED.",
    )
    @input_paths
    async def unprotect_environment(self, info: Info, input: UnprotectEnvironmentInput) -> UnprotectEnvironmentPayload:
        done = await operations.unprotect_environment(
            environment=input.environment,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return UnprotectEnvironmentPayload(
            previous=EnvironmentProtection.of(done.previous), audit_event=AuditEvent.of(done.event)
        )
