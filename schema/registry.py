"""Models and versions in GraphQL: their inputs and payloads, the root queries that read them, and the mutations
that create, update, register and archive. ``schema/build.py`` composes the mixins into ``Query`` and ``Mutation``.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from models import validation
from models.clock import now
from models.errors import NotFound
from models.registry import comparison, operations, statistics
from models.registry.reads import ModelOrderField, ModelQuery, list_models
from schema.context import Info
from schema.enums import MetricDirection, SortDirection
from schema.input_paths import input_paths
from schema.inputs import MetricInput, TagInput, metric_pairs, pairs
from schema.loaders import then
from schema.monitoring import ReferenceProfileInput
from schema.permissions import (
    CanCompare,
    CanRead,
    CanReadModel,
    CanRegister,
    CanWrite,
    CanWriteByName,
    acting,
    model_scope,
)
from schema.relay import Connection, connection
from schema.types import AuditEvent, Metric, Model, Version


@strawberry.input
class ModelFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the model name."
    )
    tag: TagInput | None = strawberry.field(default=None, description="Models that carry this exact tag.")
    has_production: bool | None = strawberry.field(
        default=None, description="true: only models with an active production deployment; false: only those without."
    )


@strawberry.input
class ModelOrder:
    field: ModelOrderField
    direction: SortDirection


def model_query(filter: ModelFilter | None, order: ModelOrder | None) -> ModelQuery:
    f = filter or ModelFilter()
    if f.name_contains is not None:
        validation.text(f.name_contains, "filter.nameContains", max_length=128)
    tag = None
    if f.tag is not None:
        tag = next(iter(validation.tags([(f.tag.key, f.tag.value)], "filter.tag").items()))
    return ModelQuery(
        name_contains=f.name_contains or None,
        tag=tag,
        has_production=f.has_production,
        order=order.field if order else ModelOrderField.NAME,
        descending=order is not None and order.direction == SortDirection.DESC,
    )


@strawberry.type
class VersionComparisonRow:
    version: Version
    values: list[float | None] = strawberry.field(
        description="Aligned with VersionComparison.metricNames; null where the version lacks that metric."
    )
    deltas_from_production: list[float | None] = strawberry.field(
        description="Value minus the production version's value for the same metric; null where either lacks it or "
        "nothing is in production."
    )


@strawberry.type
class VersionComparison:
    model: Model
    metric_names: list[str] = strawberry.field(
        description="Union of the compared versions' metric names, sorted (the first 500)."
    )
    rows: list[VersionComparisonRow]


@strawberry.type
class RegistryStatistics:
    """Each field is computed only when the document selects it; the counts share one statement."""

    at: strawberry.Private[datetime]

    @strawberry.field
    def model_count(self, info: Info) -> int:
        return _count(info, statistics.Count.MODELS)

    @strawberry.field
    def version_count(self, info: Info) -> int:
        return _count(info, statistics.Count.VERSIONS)

    @strawberry.field(description="Models with an active production deployment.")
    def models_in_production(self, info: Info) -> int:
        return _count(info, statistics.Count.MODELS_IN_PRODUCTION)

    @strawberry.field
    def active_deployment_count(self, info: Info) -> int:
        return _count(info, statistics.Count.ACTIVE_DEPLOYMENTS)

    @strawberry.field(
        description=(
            "Deployments ever made, in every environment: PROMOTED plus ROLLED_BACK events (a rollback deploys "
            "an earlier version again), so more than the PROMOTED events by the number of rollbacks."
        )
    )
    def promotion_count(self, info: Info) -> int:
        return _count(info, statistics.Count.PROMOTIONS)

    @strawberry.field(description="Per metric name, the mean over production versions that report it, sorted by name.")
    def average_production_metrics(self, info: Info) -> list[Metric]:
        return then(
            info.context.loaders.average_production_metrics.load(None),
            lambda averages: [Metric(name=name, value=value) for name, value in averages],
        )

    @strawberry.field
    def generated_at(self) -> datetime:
        return self.at


def _count(info: Info, count: statistics.Count) -> int:
    return then(info.context.loaders.statistic.load(count), int)


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
class MetricDirectionInput:
    metric: str
    direction: MetricDirection


@strawberry.input
class UpdateModelInput:
    name: str
    description: str | None = strawberry.field(default=None, description="Replaces the description when given.")
    tags: list[TagInput] | None = strawberry.field(default=None, description="Replaces the whole tag set when given.")
    metric_directions: list[MetricDirectionInput] | None = strawberry.field(
        default=None,
        description="Replaces the declared metric directions when given ([] removes them; an undeclared metric "
        "goes by its name).",
    )


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
    reference_profile: ReferenceProfileInput | None = strawberry.field(
        default=None, description="The version's reference profile for monitoring (docs/monitoring.md)."
    )
    answers_retraining: bool | None = strawberry.field(
        default=None,
        description="true: the version answers the model's open retraining request, which becomes COMPLETED "
        "(NOT_FOUND when none is open).",
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


@strawberry.type
class RegistryQueries:
    @strawberry.field(
        permission_classes=[CanRead], description="Ordered by name ascending unless orderBy says otherwise."
    )
    async def models(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ModelFilter | None = None,
        order_by: ModelOrder | None = None,
    ) -> Connection[Model]:
        query, size = model_query(filter, order_by), validation.page_size(first)
        page = await list_models(query=query, first=size, after=after, within=model_scope(info))
        return connection(page, Model.of)

    @strawberry.field(permission_classes=[CanReadModel])
    async def model(self, info: Info, name: str) -> Model | None:
        row = await info.context.loaders.model_by_name.load(validation.model_name(name, "name"))
        if row is None:
            raise NotFound(f"no model named {name!r}")
        return Model.of(row)

    @strawberry.field(
        permission_classes=[CanCompare],
        description="Metrics of several versions side by side. numbers: the versions to compare (default: the newest "
        "`limit`).\nsortBy: a metric name to order rows by (default: version number); rows lacking it come last.",
    )
    async def compare_versions(
        self,
        info: Info,
        model: str,
        numbers: list[int] | None = None,
        sort_by: str | None = None,
        direction: SortDirection | None = None,
        limit: int | None = None,
    ) -> VersionComparison:
        result = await comparison.compare_versions(
            model=model, numbers=numbers, sort_by=sort_by, descending=direction != SortDirection.ASC, limit=limit
        )
        return VersionComparison(
            model=Model.of(result.model),
            metric_names=result.metric_names,
            rows=[
                VersionComparisonRow(
                    version=Version.of(row.version),
                    values=row.values,
                    deltas_from_production=row.deltas_from_production,
                )
                for row in result.rows
            ],
        )

    @strawberry.field(permission_classes=[CanRead])
    def registry_statistics(self) -> RegistryStatistics:
        return RegistryStatistics(at=now())


@strawberry.type
class RegistryMutations:
    @strawberry.mutation(permission_classes=[CanWriteByName])
    @input_paths
    async def create_model(self, info: Info, input: CreateModelInput) -> CreateModelPayload:
        done = await operations.create_model(
            name=input.name,
            description=input.description,
            tags=pairs(input.tags),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return CreateModelPayload(model=Model.of(done.model), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanWriteByName])
    @input_paths
    async def update_model(self, info: Info, input: UpdateModelInput) -> UpdateModelPayload:
        done = await operations.update_model(
            name=input.name,
            description=input.description,
            tags=pairs(input.tags),
            metric_directions=(
                [(item.metric, item.direction.value) for item in input.metric_directions]
                if input.metric_directions is not None
                else None
            ),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return UpdateModelPayload(model=Model.of(done.model), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanRegister])
    @input_paths
    async def register_version(self, info: Info, input: RegisterVersionInput) -> RegisterVersionPayload:
        registration = operations.Registration(
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
            reference_profile=input.reference_profile.domain() if input.reference_profile else None,
            answers_retraining=input.answers_retraining is True,
        )
        done = await operations.register_version(
            model=input.model,
            registration=registration,
            create_model=input.create_model is not False,
            idempotency_key=input.idempotency_key,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return RegisterVersionPayload(version=Version.of(done.version), audit_event=AuditEvent.of(done.event))

    @strawberry.mutation(permission_classes=[CanWrite])
    @input_paths
    async def archive_version(self, info: Info, input: ArchiveVersionInput) -> ArchiveVersionPayload:
        done = await operations.archive_version(
            model=input.model,
            version=input.version,
            reason=input.reason,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return ArchiveVersionPayload(version=Version.of(done.version), audit_event=AuditEvent.of(done.event))
