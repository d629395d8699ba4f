"""The contract's object types. Each wraps a domain row; every relation goes through a DataLoader."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from models import entities, validation
from schema.context import Info
from schema.inputs import AuditAction, VersionFilter, VersionOrder, VersionStatus, version_query
from schema.relay import Connection, Node, connection, global_id
from schema.scalars import BigInt

if TYPE_CHECKING:
    from schema.environments import EnvironmentProtection


@strawberry.type
class Tag:
    key: str
    value: str


@strawberry.type
class Metric:
    name: str
    value: float


def _tags(pairs: list[tuple[str, str]]) -> list[Tag]:
    return [Tag(key=key, value=value) for key, value in pairs]


@strawberry.type(description="A named model: the unit that versions are registered under and deployed from.")
class Model(Node):
    row: strawberry.Private[entities.RegisteredModel]
    name: str
    description: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    version_count: int = strawberry.field(description="Number of versions ever registered (archived ones included).")

    @classmethod
    def of(cls, row: entities.RegisteredModel) -> Model:
        return cls(
            id=global_id("Model", row.id),
            row=row,
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
            version_count=row.version_count,
        )

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return _tags(await info.context.loaders.model_tags.load(self.row.id))

    @strawberry.field(description="The version with the highest number, or null when none is registered.")
    async def latest_version(self, info: Info) -> Version | None:
        if self.row.version_count == 0:
            return None
        return await _version_by_number(info, self.row.id, self.row.version_count)

    @strawberry.field
    async def version(self, info: Info, number: int) -> Version | None:
        return await _version_by_number(info, self.row.id, number)

    @strawberry.field(description="Newest first (number descending) unless orderBy says otherwise.")
    async def versions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: VersionFilter | None = None,
        order_by: VersionOrder | None = None,
    ) -> Connection[Version]:
        key = (self.row.id, version_query(filter, order_by), validation.page_size(first), after)
        return connection(await info.context.loaders.version_page.load(key), Version.of)

    @strawberry.field(description="The active deployment in the environment named production, if any.")
    async def production(self, info: Info) -> Deployment | None:
        return await self._active_in(info, validation.DEFAULT_ENVIRONMENT)

    @strawberry.field(description="The active deployment in the given environment, if any.")
    async def deployment(self, info: Info, environment: str) -> Deployment | None:
        return await self._active_in(info, validation.environment(environment))

    @strawberry.field(
        description="Every active deployment of this model, one per environment, ordered by environment name."
    )
    async def active_deployments(self, info: Info) -> list[Deployment]:
        return [Deployment.of(d) for d in await info.context.loaders.active_deployments.load(self.row.id)]

    @strawberry.field(description="Deployments of this model, active and retired, newest deployedAt first.")
    async def deployment_history(
        self, info: Info, environment: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Deployment]:
        env = validation.environment(environment) if environment is not None else None
        key = (self.row.id, env, validation.page_size(first), after)
        return connection(await info.context.loaders.history_page.load(key), Deployment.of)

    @strawberry.field(description="Audit events about this model, newest first.")
    async def audit_events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AuditEvent]:
        key = (self.row.id, validation.page_size(first), after)
        return connection(await info.context.loaders.event_page.load(key), AuditEvent.of)

    async def _active_in(self, info: Info, environment: str) -> Deployment | None:
        for active in await info.context.loaders.active_deployments.load(self.row.id):
            if active.environment == environment:
                return Deployment.of(active)
        return None


async def _version_by_number(info: Info, model_id: int, number: int) -> Version | None:
    row = await info.context.loaders.version_by_number.load((model_id, number))
    return Version.of(row) if row else None


@strawberry.type(description="A content-addressed artifact blob (the serialized model).")
class Artifact:
    sha256: str
    size_bytes: BigInt
    format: str = strawberry.field(description="Serialization format, e.g. joblib.")

    @strawberry.field(description="Path on this server to download the bytes: /api/artifacts/{sha256}.")
    def download_url(self) -> str:
        return f"/api/artifacts/{self.sha256}"


@strawberry.type(description="One immutable registered version of a model: its artifact and its training record.")
class Version(Node):
    row: strawberry.Private[entities.ModelVersion]
    number: int = strawberry.field(
        description="1, 2, 3, ... per model, assigned by the server in registration order, never reused."
    )
    status: VersionStatus
    description: str | None
    hyperparameters: JSON
    feature_names: list[str]
    model_type: str | None = strawberry.field(
        description="Fully qualified estimator class, e.g. sklearn.ensemble.RandomForestClassifier."
    )
    framework: str | None = strawberry.field(
        description="Library and version that produced the artifact, e.g. scikit-learn 1.9.1."
    )
    dataset_version: str | None
    training_duration_seconds: float | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: entities.ModelVersion) -> Version:
        return cls(
            id=global_id("Version", row.id),
            row=row,
            number=row.number,
            status=VersionStatus(row.status.value),
            description=row.description,
            hyperparameters=cast(JSON, row.hyperparameters),
            feature_names=row.feature_names,
            model_type=row.model_type,
            framework=row.framework,
            dataset_version=row.dataset_version,
            training_duration_seconds=row.training_duration_seconds,
            created_at=row.created_at,
            created_by=row.created_by,
        )

    @strawberry.field
    async def model(self, info: Info) -> Model:
        return Model.of(await _required(info.context.loaders.model.load(self.row.model_id)))

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return _tags(await info.context.loaders.version_tags.load(self.row.id))

    @strawberry.field(description="Ordered by metric name.")
    async def metrics(self, info: Info) -> list[Metric]:
        return [Metric(name=n, value=v) for n, v in await info.context.loaders.metrics.load(self.row.id)]

    @strawberry.field
    async def metric(self, info: Info, name: str) -> float | None:
        return dict(await info.context.loaders.metrics.load(self.row.id)).get(name)

    @strawberry.field
    async def artifact(self, info: Info) -> Artifact | None:
        if self.row.artifact_id is None:
            return None
        blob = await _required(info.context.loaders.artifact.load(self.row.artifact_id))
        return Artifact(
            sha256=blob.sha256, size_bytes=BigInt(blob.size_bytes), format=self.row.artifact_format or "joblib"
        )

    @strawberry.field(description="All deployments of this version, active and retired, newest deployedAt first.")
    async def deployments(self, info: Info) -> list[Deployment]:
        return [Deployment.of(d) for d in await info.context.loaders.version_deployments.load(self.row.id)]

    @strawberry.field(description="Names of the environments this version is actively deployed in, sorted.")
    async def active_environments(self, info: Info) -> list[str]:
        found = await info.context.loaders.version_deployments.load(self.row.id)
        return sorted(d.environment for d in found if d.retired_at is None)


@strawberry.type(
    description="A version placed into an environment. At most one deployment per (model, environment) is active."
)
class Deployment(Node):
    row: strawberry.Private[entities.Deployment]
    environment: str
    active: bool
    deployed_at: datetime
    deployed_by: str
    reason: str | None
    retired_at: datetime | None
    retired_by: str | None
    retired_reason: str | None

    @classmethod
    def of(cls, row: entities.Deployment) -> Deployment:
        return cls(
            id=global_id("Deployment", row.id),
            row=row,
            environment=row.environment,
            active=row.retired_at is None,
            deployed_at=row.deployed_at,
            deployed_by=row.deployed_by,
            reason=row.reason,
            retired_at=row.retired_at,
            retired_by=row.retired_by,
            retired_reason=row.retired_reason,
        )

    @strawberry.field
    async def model(self, info: Info) -> Model:
        return Model.of(await _required(info.context.loaders.model.load(self.row.model_id)))

    @strawberry.field
    async def version(self, info: Info) -> Version:
        return Version.of(await _required(info.context.loaders.version.load(self.row.version_id)))

    @strawberry.field(description="The rules of this deployment's environment; null when it is unprotected.")
    async def protection(
        self, info: Info
    ) -> Annotated[EnvironmentProtection, strawberry.lazy("schema.environments")] | None:
        from schema.environments import EnvironmentProtection

        found = await info.context.loaders.protection.load(self.row.environment)
        return EnvironmentProtection.of(found) if found else None


@strawberry.type(
    description="An append-only record of one state-changing operation, written in the same transaction as the change."
)
class AuditEvent(Node):
    row: strawberry.Private[entities.AuditEvent]
    action: AuditAction
    actor: str = strawberry.field(description="Name of the authenticated principal that performed the operation.")
    at: datetime
    model_name: str
    environment: str | None
    reason: str | None
    request_id: str | None = strawberry.field(
        description="The request's X-Request-ID header, or an id the server generated for it."
    )
    details: JSON = strawberry.field(description="Anything else worth keeping about the operation (never secrets).")

    @classmethod
    def of(cls, row: entities.AuditEvent) -> AuditEvent:
        return cls(
            id=global_id("AuditEvent", row.id),
            row=row,
            action=AuditAction(row.action.value),
            actor=row.actor,
            at=row.at,
            model_name=row.model_name,
            environment=row.environment,
            reason=row.reason,
            request_id=row.request_id,
            details=cast(JSON, row.details),
        )

    @strawberry.field
    async def model(self, info: Info) -> Model | None:
        row = await info.context.loaders.model.load(self.row.model_id) if self.row.model_id else None
        return Model.of(row) if row else None

    @strawberry.field
    async def version(self, info: Info) -> Version | None:
        return await _version(info, self.row.version_id)

    @strawberry.field(
        description="For PROMOTED, DEMOTED and ROLLED_BACK: the version that was active in the environment before."
    )
    async def previous_version(self, info: Info) -> Version | None:
        return await _version(info, self.row.previous_version_id)


async def _version(info: Info, version_id: int | None) -> Version | None:
    row = await info.context.loaders.version.load(version_id) if version_id else None
    return Version.of(row) if row else None


async def _required(pending: Any) -> Any:
    """A row that a foreign key guarantees (rows are never deleted)."""
    row = await pending
    if row is None:  # pragma: no cover - would mean a broken foreign key
        raise LookupError("dangling reference")
    return row
