"""Moving versions between environments in GraphQL: promote, demote and rollback, each with one input and one
payload. Deployments are read through the object types (``Model.production``, ``Model.deploymentHistory`` ...).
"""

from __future__ import annotations

import strawberry

from models.deployments import operations
from schema.context import Info
from schema.input_paths import input_paths
from schema.permissions import CanDeploy, acting
from schema.types import AuditEvent, Deployment


@strawberry.input
class PromoteInput:
    model: str
    version: int
    environment: str | None = strawberry.field(default=None, description="Default production.")
    reason: str | None = None
    expected_current_version: int | None = strawberry.field(
        default=None,
        description="Compare-and-set: fail with CONFLICT unless the active version in the environment has this number "
        "(0: nothing active).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retrying with the same key and the same input returns the first result and changes nothing.",
    )


@strawberry.type
class PromotePayload:
    deployment: Deployment = strawberry.field(description="The deployment now active for (model, environment).")
    previous: Deployment | None = strawberry.field(
        description="The deployment this one replaced (now retired), if any."
    )
    changed: bool = strawberry.field(
        description="false when the version was already the active one: nothing was written."
    )
    audit_event: AuditEvent | None = strawberry.field(description="null exactly when changed is false.")


@strawberry.input
class DemoteInput:
    model: str
    environment: str | None = strawberry.field(default=None, description="Default production.")
    reason: str | None = None
    expected_current_version: int | None = strawberry.field(
        default=None, description="Compare-and-set, as in PromoteInput."
    )
    idempotency_key: str | None = None


@strawberry.type
class DemotePayload:
    retired: Deployment = strawberry.field(description="The deployment that was active and is now retired.")
    audit_event: AuditEvent


@strawberry.input
class RollbackInput:
    model: str
    environment: str | None = strawberry.field(default=None, description="Default production.")
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class RollbackPayload:
    deployment: Deployment = strawberry.field(
        description="The new active deployment, of the version that was active before the current one."
    )
    previous: Deployment | None = strawberry.field(
        description="The deployment that was active and is now retired; null when nothing was active."
    )
    audit_event: AuditEvent


@strawberry.type
class DeploymentMutations:
    @strawberry.mutation(permission_classes=[CanDeploy])
    @input_paths
    async def promote(self, info: Info, input: PromoteInput) -> PromotePayload:
        principal = acting(info)
        done = await operations.promote(
            model=input.model,
            version=input.version,
            environment=input.environment,
            reason=input.reason,
            expected_current_version=input.expected_current_version,
            idempotency_key=input.idempotency_key,
            actor=principal.name,
            role=principal.role,
            request_id=info.context.request_id,
        )
        for version in (done.version, done.previous_version):  # read by the promotion: the payload needs no query
            if version is not None:
                info.context.loaders.version.prime(version.id, version)
        return PromotePayload(
            deployment=Deployment.of(done.deployment),
            previous=Deployment.of(done.previous) if done.previous else None,
            changed=done.changed,
            audit_event=AuditEvent.of(done.event) if done.event else None,
        )

    @strawberry.mutation(permission_classes=[CanDeploy])
    @input_paths
    async def demote(self, info: Info, input: DemoteInput) -> DemotePayload:
        principal = acting(info)
        done = await operations.demote(
            model=input.model,
            environment=input.environment,
            reason=input.reason,
            expected_current_version=input.expected_current_version,
            idempotency_key=input.idempotency_key,
            actor=principal.name,
            role=principal.role,
            request_id=info.context.request_id,
        )
        return DemotePayload(retired=Deployment.of(done.retired), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanDeploy])
    @input_paths
    async def rollback(self, info: Info, input: RollbackInput) -> RollbackPayload:
        principal = acting(info)
        done = await operations.rollback(
            model=input.model,
            environment=input.environment,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            actor=principal.name,
            role=principal.role,
            request_id=info.context.request_id,
        )
        return RollbackPayload(
            deployment=Deployment.of(done.deployment),
            previous=Deployment.of(done.previous) if done.previous else None,
            audit_event=AuditEvent.of(done.event),
        )
