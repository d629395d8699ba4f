"""Root mutations: one ``input`` argument and one payload type each. Resolvers translate and delegate."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from models import deployments, registry
from models.entities import Role
from schema.context import Info
from schema.environments import EnvironmentMutations
from schema.inputs import MetricInput, TagInput, metric_pairs, pairs
from schema.permissions import CanDeploy, CanRegister, CanWrite, CanWriteByName
from schema.types import AuditEvent, Deployment, Model, Version


def _actor(info: Info) -> str:
    principal = info.context.principal
    assert principal is not None  # guaranteed by the permission class on every mutation
    return principal.name


def _role(info: Info) -> Role:
    principal = info.context.principal
    assert principal is not None  # guaranteed by the permission class on every mutation
    return principal.role


@strawberry.input
class CreateModelInput:
    name: str
    description: str | None = None
    tags: list[TagInput] | None = None


@strawberry.type
class CreateModelPayload:
    model: Model
    audit_event: AuditEvent


@strawberry.input
class UpdateModelInput:
    name: str
    description: str | None = strawberry.field(default=None, description="Replaces the description when given.")
    tags: list[TagInput] | None = strawberry.field(default=None, description="Replaces the whole tag set when given.")


@strawberry.type
class UpdateModelPayload:
    model: Model
    audit_event: AuditEvent


@strawberry.input
class RegisterVersionInput:
    model: str
    create_model: bool | None = strawberry.field(
        default=None, description="Create the model when it does not exist yet (default true)."
    )
    artifact_sha256: str | None = strawberry.field(
        default=None, description="sha256 of a blob already uploaded with POST /api/artifacts."
    )
    artifact_format: str | None = strawberry.field(
        default=None, description="Serialization format of the artifact (default joblib)."
    )
    description: str | None = None
    tags: list[TagInput] | None = None
    metrics: list[MetricInput] | None = None
    hyperparameters: JSON | None = None
    feature_names: list[str] | None = None
    model_type: str | None = None
    framework: str | None = None
    dataset_version: str | None = None
    training_duration_seconds: float | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retrying with the same key and the same input returns the first result and registers nothing new.",
    )


@strawberry.type
class RegisterVersionPayload:
    version: Version
    audit_event: AuditEvent


@strawberry.input
class ArchiveVersionInput:
    model: str
    version: int
    reason: str | None = None


@strawberry.type
class ArchiveVersionPayload:
    version: Version
    audit_event: AuditEvent


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
class Mutation(EnvironmentMutations):
    @strawberry.mutation(permission_classes=[CanWriteByName])
    async def create_model(self, info: Info, input: CreateModelInput) -> CreateModelPayload:
        done = await registry.create_model(
            name=input.name,
            description=input.description,
            tags=pairs(input.tags),
            actor=_actor(info),
            request_id=info.context.request_id,
        )
        return CreateModelPayload(model=Model.of(done.model), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanWriteByName])
    async def update_model(self, info: Info, input: UpdateModelInput) -> UpdateModelPayload:
        done = await registry.update_model(
            name=input.name,
            description=input.description,
            tags=pairs(input.tags),
            actor=_actor(info),
            request_id=info.context.request_id,
        )
        return UpdateModelPayload(model=Model.of(done.model), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanRegister])
    async def register_version(self, info: Info, input: RegisterVersionInput) -> RegisterVersionPayload:
        registration = registry.Registration(
            description=input.description,
            tags=pairs(input.tags),
            metrics=metric_pairs(input.metrics),
            hyperparameters=input.hyperparameters,  # type: ignore[arg-type]  # validated as an object in models
            feature_names=input.feature_names,
            model_type=input.model_type,
            framework=input.framework,
            dataset_version=input.dataset_version,
            training_duration_seconds=input.training_duration_seconds,
            artifact_sha256=input.artifact_sha256,
            artifact_format=input.artifact_format,
        )
        done = await registry.register_version(
            model=input.model,
            registration=registration,
            create_model=input.create_model is not False,
            idempotency_key=input.idempotency_key,
            actor=_actor(info),
            request_id=info.context.request_id,
        )
        return RegisterVersionPayload(version=Version.of(done.version), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanWrite])
    async def archive_version(self, info: Info, input: ArchiveVersionInput) -> ArchiveVersionPayload:
        done = await registry.archive_version(
            model=input.model,
            version=input.version,
            reason=input.reason,
            actor=_actor(info),
            request_id=info.context.request_id,
        )
        return ArchiveVersionPayload(version=Version.of(done.version), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanDeploy])
    async def promote(self, info: Info, input: PromoteInput) -> PromotePayload:
        done = await deployments.promote(
            model=input.model,
            version=input.version,
            environment=input.environment,
            reason=input.reason,
            expected_current_version=input.expected_current_version,
            idempotency_key=input.idempotency_key,
            actor=_actor(info),
            role=_role(info),
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
    async def demote(self, info: Info, input: DemoteInput) -> DemotePayload:
        done = await deployments.demote(
            model=input.model,
            environment=input.environment,
            reason=input.reason,
            expected_current_version=input.expected_current_version,
            idempotency_key=input.idempotency_key,
            actor=_actor(info),
            role=_role(info),
            request_id=info.context.request_id,
        )
        return DemotePayload(retired=Deployment.of(done.retired), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanDeploy])
    async def rollback(self, info: Info, input: RollbackInput) -> RollbackPayload:
        done = await deployments.rollback(
            model=input.model,
            environment=input.environment,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
            actor=_actor(info),
            role=_role(info),
            request_id=info.context.request_id,
        )
        return RollbackPayload(
            deployment=Deployment.of(done.deployment),
            previous=Deployment.of(done.previous) if done.previous else None,
            audit_event=AuditEvent.of(done.event),
        )
