"""Protected environments in GraphQL: their types, the queries that read them, and the admin mutations.
``schema/build.py`` composes the mixins into ``Query`` and ``Mutation``.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import validation
from models.environments import operations
from models.environments.reads import EnvironmentSummary, list_environments
from models.environments.rules import Protection
from schema.context import Info
from schema.enums import Role
from schema.input_paths import input_paths
from schema.permissions import CanAdminister, CanDeclareEnvironment, CanRead, acting, model_scope
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


@strawberry.type(
    description="A declared environment: promote, demote, rollback, protection rules and token scopes may only name "
    "declared environments (staging and production are declared in every registry; an admin declares more)."
)
class Environment:
    name: str
    active_deployment_count: int = strawberry.field(description="Models with an active deployment here.")
    protection: EnvironmentProtection | None = strawberry.field(description="null when the environment is unprotected.")
    description: str | None = strawberry.field(default=None, description="What the environment is for.")
    declared_at: datetime | None = strawberry.field(
        default=None,
        description="When it was declared; for environments a registry used before declarations existed, when the "
        "migration declared them. null only for a name used without a declaration (none since that migration).",
    )
    declared_by: str | None = strawberry.field(
        default=None, description="Who declared it (the admin token's name; 'migration' for the defaults)."
    )

    @classmethod
    def of(cls, summary: EnvironmentSummary) -> Environment:
        declaration = summary.declaration
        return cls(
            name=summary.name,
            active_deployment_count=summary.active_deployments,
            protection=EnvironmentProtection.of(summary.protection) if summary.protection else None,
            description=declaration.description if declaration else None,
            declared_at=declaration.created_at if declaration else None,
            declared_by=declaration.created_by if declaration else None,
        )


@strawberry.input
class CreateEnvironmentInput:
    name: str = strawberry.field(description="1 to 64 characters of a-z 0-9 -, starting with a letter.")
    description: str | None = strawberry.field(default=None, description="What it is for; kept in the audit trail.")


@strawberry.type
class CreateEnvironmentPayload:
    environment: Environment
    audit_event: AuditEvent


@strawberry.input
class RemoveEnvironmentInput:
    name: str
    reason: str | None = None


@strawberry.type
class RemoveEnvironmentPayload:
    name: str = strawberry.field(description="The environment that is no longer declared.")
    audit_event: AuditEvent


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
        description="Every declared environment, ordered by name. For a token limited to some models, only their "
        "deployments are counted.",
    )
    async def environments(self, info: Info) -> list[Environment]:
        return [Environment.of(env) for env in await list_environments(within=model_scope(info))]

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

    @strawberry.mutation(
        permission_classes=[CanDeclareEnvironment],
        description="Declare an environment so versions can be promoted there (admin only); declaring one that "
        "exists is CONFLICT. Audited as ENVIRONMENT_DECLARED.",
    )
    @input_paths
    async def create_environment(self, info: Info, input: CreateEnvironmentInput) -> CreateEnvironmentPayload:
        done = await operations.declare_environment(
            name=input.name,
            description=input.description,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        summary = EnvironmentSummary(done.environment.name, 0, None, done.environment)
        return CreateEnvironmentPayload(environment=Environment.of(summary), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(
        permission_classes=[CanDeclareEnvironment],
        description="Remove a declared environment that nothing uses (admin only): one with deployments in its "
        "history, protection, or named as another's prior environment is CONFLICT. Audited as ENVIRONMENT_REMOVED.",
    )
    @input_paths
    async def remove_environment(self, info: Info, input: RemoveEnvironmentInput) -> RemoveEnvironmentPayload:
        done = await operations.remove_environment(
            name=input.name, reason=input.reason, actor=acting(info).name, request_id=info.context.request_id
        )
        return RemoveEnvironmentPayload(name=done.environment.name, audit_event=AuditEvent.of(done.event))
