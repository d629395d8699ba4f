"""The contract's object types. Each wraps a domain row; every relation goes through a DataLoader."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from models import entities, validation
from models.db.rows import is_null
from models.errors import InvalidInput
from models.monitoring.limits import MAX_TREND_FEATURES, MAX_TREND_WINDOWS
from schema.context import Info
from schema.enums import AuditAction, DriftStatus, MetricDirection, VersionStatus
from schema.inputs import VersionFilter, VersionOrder, version_query
from schema.loaders import Placed, VersionColumns, then
from schema.relay import Connection, Node, connection
from schema.scalars import BigInt
from schema.selection import node_fields, shape

if TYPE_CHECKING:
    from schema.environments import EnvironmentProtection
    from schema.monitoring_types import (
        FeatureTrend,
        MetricPerformance,
        MonitoringPolicy,
        MonitoringWindow,
        ReferenceProfile,
        RetrainingRequest,
    )

#: The monitoring types (schema/monitoring_types.py imports this module, so they are reached lazily).
_MONITORING = "schema.monitoring_types"

R = TypeVar("R")


# Tags and metrics are made by the thousand (110,000 in the 10,000-version dashboard, docs/performance.md): each
# takes its values by position, which costs about 0.33 µs where the dataclass's keyword-only __init__ costs 0.56.
@strawberry.type
class Tag:
    key: str
    value: str

    def __init__(self, key: str, value: str) -> None:
        self.key = key
        self.value = value


@strawberry.type
class Metric:
    name: str
    value: float

    def __init__(self, name: str, value: float) -> None:
        self.name = name
        self.value = value


@strawberry.type(description="Which way a metric is better for a model: compare and the --if-better gate read it.")
class DeclaredMetricDirection:
    metric: str
    direction: MetricDirection


def _tags(pairs: list[tuple[str, str]]) -> list[Tag]:
    return [Tag(key, value) for key, value in pairs]


@strawberry.type(description="A named model: the unit that versions are registered under and deployed from.")
class Model(Node):
    row: strawberry.Private[entities.RegisteredModel]
    name: str
    description: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    version_count: int = strawberry.field(description="Number of versions ever registered (archived ones included).")
    metric_directions: list[DeclaredMetricDirection] = strawberry.field(
        description="The directions this model declares, by metric name; a metric not listed goes by its name "
        "(lower is better for losses and errors such as log_loss, rmse, latency_ms; higher otherwise)."
    )

    @classmethod
    def of(cls, row: entities.RegisteredModel) -> Model:
        return cls(
            row=row,
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
            version_count=row.version_count,
            metric_directions=[
                DeclaredMetricDirection(metric=name, direction=entities.MetricDirection(direction))
                for name, direction in sorted(row.metric_directions.items())
            ],
        )

    @strawberry.field
    def tags(self, info: Info) -> list[Tag]:
        return then(info.context.loaders.model_tags.load(self.row.id), _tags)

    @strawberry.field(
        description="The version with the highest number, or null when none is registered.",
    )
    def latest_version(self, info: Info) -> Version | None:
        if self.row.version_count == 0:
            return None
        return _version_by_number(info, self.row.id, self.row.version_count)

    @strawberry.field
    def version(self, info: Info, number: int) -> Version | None:
        return _version_by_number(info, self.row.id, validation.positive_version(number, "number"))

    @strawberry.field(
        description="Newest first (number descending) unless orderBy says otherwise.",
    )
    def versions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: VersionFilter | None = None,
        order_by: VersionOrder | None = None,
    ) -> Connection[Version]:
        selected = shape(info)
        key = (
            self.row.id,
            version_query(filter, order_by),
            validation.page_size(first),
            after,
            version_columns(node_fields(selected)),
            "totalCount" in selected,
            "pageInfo" in selected,
        )
        return then(info.context.loaders.version_page.load(key), lambda page: connection(page, Version.of))

    @strawberry.field(
        description="The active deployment in the environment named production, if any.",
    )
    def production(self, info: Info) -> Deployment | None:
        return self._active_in(info, validation.DEFAULT_ENVIRONMENT)

    @strawberry.field(description="The active deployment in the given environment, if any.")
    def deployment(self, info: Info, environment: str) -> Deployment | None:
        return self._active_in(info, validation.environment(environment))

    @strawberry.field(
        description="Every active deployment of this model, one per environment, ordered by environment name.",
    )
    def active_deployments(self, info: Info) -> list[Deployment]:
        return then(
            info.context.loaders.active_deployments.load(self.row.id),
            lambda placed: [Deployment.of(d, version) for d, version in placed],
        )

    @strawberry.field(
        description="Deployments of this model, active and retired, newest deployedAt first.",
    )
    def deployment_history(
        self, info: Info, environment: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Deployment]:
        env = validation.environment(environment) if environment is not None else None
        selected = shape(info)
        key = (
            self.row.id,
            env,
            validation.page_size(first),
            after,
            version_columns(node_fields(selected, "version")),
            "totalCount" in selected,
            "pageInfo" in selected,
        )
        return then(
            info.context.loaders.history_page.load(key),
            lambda page: connection(page, lambda placed: Deployment.of(*placed)),
        )

    @strawberry.field(description="Audit events about this model, newest first.")
    def audit_events(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[AuditEvent]:
        key = (self.row.id, validation.page_size(first), after)
        return then(info.context.loaders.event_page.load(key), lambda page: connection(page, AuditEvent.of))

    @strawberry.field(description="The model's retraining request that is OPEN or ACKNOWLEDGED, if any.")
    def open_retraining_request(self, info: Info) -> Annotated[RetrainingRequest, strawberry.lazy(_MONITORING)] | None:
        from schema.monitoring_types import RetrainingRequest

        return then(
            info.context.loaders.open_retraining.load(self.row.id),
            lambda row: RetrainingRequest.of(row) if row else None,
        )

    @strawberry.field(description="The monitoring policy in the environment (default production): stored or defaults.")
    def monitoring_policy(
        self, info: Info, environment: str | None = None
    ) -> Annotated[MonitoringPolicy, strawberry.lazy(_MONITORING)]:
        return _policy(info, self.row.id, validation.environment(environment))

    def _active_in(self, info: Info, environment: str) -> Deployment | None:
        def pick(placed: list[Placed]) -> Deployment | None:
            for active, version in placed:
                if active.environment == environment:
                    return Deployment.of(active, version)
            return None

        return then(info.context.loaders.active_deployments.load(self.row.id), pick)


def _version_by_number(info: Info, model_id: int, number: int) -> Version | None:
    return then(info.context.loaders.version_by_number.load((model_id, number)), _version_or_none)


def _version_or_none(row: entities.ModelVersion | None) -> Version | None:
    return Version.of(row) if row else None


# A version's fields are read from its row when the document asks for them. A page of versions reads the columns
# its document selects (``VERSION_COLUMNS``), so its rows lack the others; and the fields its row converts when
# first read (models/db/rows.py, ``Converted``) cost nothing for the many documents that never ask for them.


def _version_status(self: Version) -> VersionStatus:
    return self.row.status


def _version_hyperparameters(self: Version) -> JSON:
    return cast(JSON, self.row.hyperparameters)


def _version_feature_names(self: Version) -> list[str]:
    return self.row.feature_names


def _version_created_at(self: Version) -> datetime:
    return self.row.created_at


def _version_description(self: Version) -> str | None:
    return self.row.description


def _version_model_type(self: Version) -> str | None:
    return self.row.model_type


def _version_framework(self: Version) -> str | None:
    return self.row.framework


def _version_dataset_version(self: Version) -> str | None:
    return self.row.dataset_version


def _version_training_duration_seconds(self: Version) -> float | None:
    return self.row.training_duration_seconds


def _version_created_by(self: Version) -> str:
    return self.row.created_by


#: The columns of a version's row that each field of Version reads, beyond those every row read carries (``_KEYS``:
#: the global id, the model, the number). A field not listed reads the whole row: ``deployments``, which hands the
#: row on to each deployment's ``version``, and any field added without a line here.
VERSION_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "__typename": (),
    "id": (),
    "number": (),
    "model": (),
    "tags": (),
    "metrics": (),
    "metric": (),
    "referenceProfile": (),
    "activeEnvironments": (),
    "status": ("status",),
    "description": ("description",),
    "hyperparameters": ("hyperparameters",),
    "featureNames": ("feature_names",),
    "modelType": ("model_type",),
    "framework": ("framework",),
    "datasetVersion": ("dataset_version",),
    "trainingDurationSeconds": ("training_duration_seconds",),
    "createdAt": ("created_at",),
    "createdBy": ("created_by",),
    "artifact": ("artifact_id", "artifact_format"),
}
_KEYS = frozenset({"id", "model_id", "number"})


@functools.lru_cache(maxsize=256)
def version_columns(fields: frozenset[str] | None) -> VersionColumns:
    """The version columns that the Version ``fields`` read (none selected: the keys alone), or None for all."""
    needed = set(_KEYS)
    for name in fields or ():
        columns = VERSION_COLUMNS.get(name)
        if columns is None:
            return None
        needed.update(columns)
    return frozenset(needed)


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
    status: VersionStatus = strawberry.field(resolver=_version_status)
    description: str | None = strawberry.field(resolver=_version_description)
    hyperparameters: JSON = strawberry.field(resolver=_version_hyperparameters)
    feature_names: list[str] = strawberry.field(resolver=_version_feature_names)
    model_type: str | None = strawberry.field(
        resolver=_version_model_type,
        description="Fully qualified estimator class, e.g. sklearn.ensemble.RandomForestClassifier.",
    )
    framework: str | None = strawberry.field(
        resolver=_version_framework,
        description="Library and version that produced the artifact, e.g. scikit-learn 1.9.1.",
    )
    dataset_version: str | None = strawberry.field(resolver=_version_dataset_version)
    training_duration_seconds: float | None = strawberry.field(resolver=_version_training_duration_seconds)
    created_at: datetime = strawberry.field(resolver=_version_created_at)
    created_by: str = strawberry.field(resolver=_version_created_by)

    @classmethod
    def of(cls, row: entities.ModelVersion) -> Version:
        return cls(row=row, number=row.number)

    @strawberry.field
    def model(self, info: Info) -> Model:
        return then(info.context.loaders.model.load(self.row.model_id), lambda row: Model.of(_required(row)))

    @strawberry.field
    def tags(self, info: Info) -> list[Tag]:
        return then(info.context.loaders.version_tags(self.row.id), _tags)

    @strawberry.field(description="Ordered by metric name.")
    def metrics(self, info: Info) -> list[Metric]:
        return then(info.context.loaders.metrics(self.row.id), lambda found: [Metric(n, v) for n, v in found])

    @strawberry.field
    def metric(self, info: Info, name: str) -> float | None:
        validation.metric_name(name, "name")  # as registerVersion and compareVersions(sortBy) refuse it
        return then(info.context.loaders.metrics(self.row.id), lambda found: dict(found).get(name))

    @strawberry.field
    def artifact(self, info: Info) -> Artifact | None:
        if self.row.artifact_id is None:
            return None
        row = self.row

        def blob(found: entities.Artifact | None) -> Artifact:
            stored = _required(found)
            return Artifact(
                sha256=stored.sha256, size_bytes=BigInt(stored.size_bytes), format=row.artifact_format or "joblib"
            )

        return then(info.context.loaders.artifact.load(self.row.artifact_id), blob)

    @strawberry.field(
        description=(
            "The newest 100 deployments of this version, active and retired, newest deployedAt first "
            "(Model.deploymentHistory pages through all)."
        ),
    )
    def deployments(self, info: Info) -> list[Deployment]:
        row = self.row
        return then(
            info.context.loaders.version_deployments.load(self.row.id),
            lambda found: [Deployment.of(d, row) for d in found],
        )

    @strawberry.field(description="The training-data summary its windows are compared with; null until set.")
    def reference_profile(self, info: Info) -> Annotated[ReferenceProfile, strawberry.lazy(_MONITORING)] | None:
        from schema.monitoring_types import ReferenceProfile

        return then(
            info.context.loaders.reference_profile.load(self.row.id),
            lambda row: ReferenceProfile.of(row) if row else None,
        )

    @strawberry.field(description="Names of the environments this version is actively deployed in, sorted.")
    def active_environments(self, info: Info) -> list[str]:
        # A version is only ever deployed within its own model, so the model's active deployments (which the
        # document has often loaded already, for `production`) answer this without a statement of its own.
        version_id = self.row.id
        return then(
            info.context.loaders.active_deployments.load(self.row.model_id),
            lambda placed: sorted(d.environment for d, _ in placed if d.version_id == version_id),
        )


# A deployment's fields are read from its row when the document asks for them, as a version's are: a dashboard
# builds 600 deployments, and copying every field converted both of each one's date-times (models/db/rows.py,
# ``Converted``) where the document reads one.


def _deployment_environment(self: Deployment) -> str:
    return self.row.environment


def _deployment_active(self: Deployment) -> bool:
    return is_null(self.row, "retired_at")


def _deployment_deployed_at(self: Deployment) -> datetime:
    return self.row.deployed_at


def _deployment_deployed_by(self: Deployment) -> str:
    return self.row.deployed_by


def _deployment_reason(self: Deployment) -> str | None:
    return self.row.reason


def _deployment_retired_at(self: Deployment) -> datetime | None:
    return self.row.retired_at


def _deployment_retired_by(self: Deployment) -> str | None:
    return self.row.retired_by


def _deployment_retired_reason(self: Deployment) -> str | None:
    return self.row.retired_reason


@strawberry.type(
    description="A version placed into an environment. At most one deployment per (model, environment) is active."
)
class Deployment(Node):
    row: strawberry.Private[entities.Deployment]
    #: The deployment's version when it was read in the same statement (else the version loader reads it).
    version_row: strawberry.Private[entities.ModelVersion | None]
    environment: str = strawberry.field(resolver=_deployment_environment)
    active: bool = strawberry.field(resolver=_deployment_active)
    deployed_at: datetime = strawberry.field(resolver=_deployment_deployed_at)
    deployed_by: str = strawberry.field(resolver=_deployment_deployed_by)
    reason: str | None = strawberry.field(resolver=_deployment_reason)
    retired_at: datetime | None = strawberry.field(resolver=_deployment_retired_at)
    retired_by: str | None = strawberry.field(resolver=_deployment_retired_by)
    retired_reason: str | None = strawberry.field(resolver=_deployment_retired_reason)

    @classmethod
    def of(cls, row: entities.Deployment, version: entities.ModelVersion | None = None) -> Deployment:
        return cls(row=row, version_row=version)

    @strawberry.field
    def model(self, info: Info) -> Model:
        return then(info.context.loaders.model.load(self.row.model_id), lambda row: Model.of(_required(row)))

    @strawberry.field
    def version(self, info: Info) -> Version:
        if self.version_row is not None:
            return Version.of(self.version_row)
        return then(info.context.loaders.version.load(self.row.version_id), lambda row: Version.of(_required(row)))

    @strawberry.field(description="The rules of this deployment's environment; null when it is unprotected.")
    def protection(self, info: Info) -> Annotated[EnvironmentProtection, strawberry.lazy("schema.environments")] | None:
        from schema.environments import EnvironmentProtection  # it imports this module

        return then(
            info.context.loaders.protection.load(self.row.environment),
            lambda found: EnvironmentProtection.of(found) if found else None,
        )

    @strawberry.field(description="Monitoring windows recorded against this deployment, newest end first.")
    def windows(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[MonitoringWindow, strawberry.lazy(_MONITORING)]]:
        from schema.monitoring_types import MonitoringWindow

        key = (self.row.id, validation.page_size(first, maximum=MAX_TREND_WINDOWS), after)
        return then(info.context.loaders.window_page.load(key), lambda page: connection(page, MonitoringWindow.of))

    @strawberry.field(description="The window with the latest end, if any: the current verdicts.")
    def latest_window(self, info: Info) -> Annotated[MonitoringWindow, strawberry.lazy(_MONITORING)] | None:
        from schema.monitoring_types import MonitoringWindow

        return then(
            info.context.loaders.window_page.load((self.row.id, 1, None)),
            lambda page: MonitoringWindow.of(page.edges[0][1]) if page.edges else None,
        )

    @strawberry.field(description="The latest window's drift status; null before the first window.")
    def drift_status(self, info: Info) -> DriftStatus | None:
        return then(
            info.context.loaders.window_page.load((self.row.id, 1, None)),
            lambda page: page.edges[0][1].status if page.edges else None,
        )

    @strawberry.field(description="The latest window's realized metrics against the version's registered ones.")
    def performance(self, info: Info) -> list[Annotated[MetricPerformance, strawberry.lazy(_MONITORING)]]:
        from schema.monitoring_types import MetricPerformance

        return then(
            info.context.loaders.window_page.load((self.row.id, 1, None)),
            lambda page: [MetricPerformance(**item) for item in page.edges[0][1].performance] if page.edges else [],
        )

    @strawberry.field(
        description="Per named feature (or 'prediction'), its numbers over the last `last` windows, oldest first."
    )
    def feature_trend(
        self, info: Info, features: list[str], last: int = 30
    ) -> list[Annotated[FeatureTrend, strawberry.lazy(_MONITORING)]]:
        from schema.monitoring_types import trends

        if len(features) > MAX_TREND_FEATURES:
            raise InvalidInput("features", f"at most {MAX_TREND_FEATURES} features per trend")
        size = validation.page_size(last, "last", maximum=MAX_TREND_WINDOWS)
        return then(
            info.context.loaders.window_page.load((self.row.id, size, None)),
            lambda page: trends([window for _, window in page.edges], features),
        )

    @strawberry.field(description="The monitoring policy of this deployment's model and environment.")
    def monitoring_policy(self, info: Info) -> Annotated[MonitoringPolicy, strawberry.lazy(_MONITORING)]:
        return _policy(info, self.row.model_id, self.row.environment)


def _policy(info: Info, model_id: int, environment: str) -> MonitoringPolicy:
    from schema.monitoring_types import MonitoringPolicy

    return then(
        info.context.loaders.monitoring_policy.load((model_id, environment)),
        lambda policy: MonitoringPolicy.of(environment, policy),
    )


@strawberry.type(
    description="An append-only record of one state-changing operation, written in the same transaction as the change."
)
class AuditEvent(Node):
    row: strawberry.Private[entities.AuditEvent]
    action: AuditAction
    actor: str = strawberry.field(
        description="Name of the authenticated principal that performed the operation; cli:USER for token changes "
        "made with the modelreg command."
    )
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
            row=row,
            action=row.action,
            actor=row.actor,
            at=row.at,
            model_name=row.model_name,
            environment=row.environment,
            reason=row.reason,
            request_id=row.request_id,
            details=cast(JSON, row.details),
        )

    @strawberry.field
    def model(self, info: Info) -> Model | None:
        if not self.row.model_id:
            return None
        return then(info.context.loaders.model.load(self.row.model_id), lambda row: Model.of(row) if row else None)

    @strawberry.field
    def version(self, info: Info) -> Version | None:
        return _version(info, self.row.version_id)

    @strawberry.field(
        description="For PROMOTED, DEMOTED and ROLLED_BACK: the version that was active in the environment before.",
    )
    def previous_version(self, info: Info) -> Version | None:
        return _version(info, self.row.previous_version_id)


def _version(info: Info, version_id: int | None) -> Version | None:
    if not version_id:
        return None
    return then(info.context.loaders.version.load(version_id), _version_or_none)


def _required(row: R | None) -> R:
    """A row that a foreign key guarantees (rows are never deleted)."""
    if row is None:  # pragma: no cover - would mean a broken foreign key
        raise LookupError("dangling reference")
    return row
