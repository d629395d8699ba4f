"""Monitoring's object types (docs/monitoring.md). ``Version.referenceProfile``, the monitoring fields of
``Deployment`` and ``Model.openRetrainingRequest`` (schema/types.py) reach them lazily: they import that module.

Windows carry their verdicts, computed when they were recorded, so every field here is read from rows already
loaded; relations go through the loaders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models import entities
from models.monitoring.policy import Policy
from schema.context import Info
from schema.enums import DriftStatus, FeatureKind, PerformanceStatus, RetrainingState, RetrainingTrigger
from schema.loaders import then
from schema.relay import Node
from schema.types import Deployment, Model, Version, _required, _version


@strawberry.type
class Quantile:
    p: float
    value: float


@strawberry.type(description="One feature's (or the predictions') distribution in a reference profile.")
class FeatureProfile:
    name: str
    kind: FeatureKind
    counts: list[int] = strawberry.field(
        description="Rows per bin: for NUMERIC, len(edges) + 1 bins (-inf, e0], (e0, e1], ..., (eN, inf); "
        "for CATEGORICAL, one per category, then 'other'."
    )
    missing: int
    edges: list[float]
    categories: list[str]
    quantiles: list[Quantile]
    mean: float | None
    std: float | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> FeatureProfile:
        return cls(
            name=data["name"],
            kind=FeatureKind(data["kind"]),
            counts=data["counts"],
            missing=data["missing"],
            edges=data["edges"],
            categories=data["categories"],
            quantiles=[Quantile(p=p, value=v) for p, v in data["quantiles"]],
            mean=data["mean"],
            std=data["std"],
        )


@strawberry.type(description="The training-data summary a version's production windows are compared with.")
class ReferenceProfile:
    row: strawberry.Private[entities.ReferenceProfile]
    row_count: int
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: entities.ReferenceProfile) -> ReferenceProfile:
        return cls(row=row, row_count=row.row_count, created_at=row.created_at, created_by=row.created_by)

    @strawberry.field(description="In the order they were given.")
    def features(self) -> list[FeatureProfile]:
        return [FeatureProfile.of(f) for f in self.row.features]

    @strawberry.field
    def predictions(self) -> FeatureProfile:
        return FeatureProfile.of(self.row.predictions)


@strawberry.type(description="One feature's statistics in one window against the reference, and its status.")
class FeatureDrift:
    feature: str
    kind: FeatureKind
    status: DriftStatus
    psi: float | None = strawberry.field(description="Population stability index; null without data.")
    jensen_shannon: float | None = strawberry.field(description="Jensen-Shannon distance, base 2 (0 to 1).")
    wasserstein: float | None = strawberry.field(
        description="NUMERIC: Wasserstein distance on the bins, divided by the reference's standard deviation."
    )
    chi_squared: float | None = strawberry.field(description="CATEGORICAL: Pearson's chi-squared statistic.")
    p_value: float | None = strawberry.field(description="CATEGORICAL: the chi-squared test's p-value.")
    missing_share: float
    reference_missing_share: float
    counts: list[int] = strawberry.field(description="The window's rows per bin of the reference.")
    missing: int

    @classmethod
    def of(cls, name: str, verdict: dict[str, Any], counts: dict[str, Any]) -> FeatureDrift:
        return cls(
            feature=name,
            kind=FeatureKind(verdict["kind"]),
            status=DriftStatus(verdict["status"]),
            psi=verdict["psi"],
            jensen_shannon=verdict["jensenShannon"],
            wasserstein=verdict["wasserstein"],
            chi_squared=verdict["chiSquared"],
            p_value=verdict["pValue"],
            missing_share=verdict["missingShare"],
            reference_missing_share=verdict["referenceMissingShare"],
            counts=counts["counts"],
            missing=counts["missing"],
        )


@strawberry.type(description="A realized metric of a window against the value registered with the version.")
class MetricPerformance:
    metric: str
    realized: float
    registered: float | None
    delta: float | None = strawberry.field(description="realized - registered.")
    degraded: bool


@strawberry.type(description="A period of production traffic of a deployment, judged against the reference.")
class MonitoringWindow(Node):
    row: strawberry.Private[entities.MonitoringWindow]
    key: str
    start: datetime
    end: datetime
    environment: str
    row_count: int
    labeled_rows: int
    status: DriftStatus
    drifting_features: int = strawberry.field(description="Features whose status is DRIFT.")
    performance_status: PerformanceStatus
    created_at: datetime
    created_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: entities.MonitoringWindow) -> MonitoringWindow:
        return cls(
            row=row,
            key=row.key,
            start=row.window_start,
            end=row.window_end,
            environment=row.environment,
            row_count=row.row_count,
            labeled_rows=row.labeled_rows,
            status=row.status,
            drifting_features=row.drifting_features,
            performance_status=row.performance_status,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="labeledRows / rowCount (0 for an empty window).")
    def label_coverage(self) -> float:
        return self.row.labeled_rows / self.row.row_count if self.row.row_count else 0.0

    @strawberry.field(description="Per feature, in the reference profile's order; only those in `status` if given.")
    def features(self, status: list[DriftStatus] | None = None) -> list[FeatureDrift]:
        wanted = {s.value for s in status} if status else None
        verdicts = self.row.drift["features"]
        # The stored order, not the object's keys: PostgreSQL's jsonb does not keep them in order (verdicts.py).
        # Windows recorded before it was stored have none and keep their keys' order.
        order = self.row.drift.get("order") or list(verdicts)
        return [
            FeatureDrift.of(name, verdicts[name], self.row.features[name])
            for name in order
            if wanted is None or verdicts[name]["status"] in wanted
        ]

    @strawberry.field(description="The predictions' distribution against the reference's (not counted in status).")
    def prediction(self) -> FeatureDrift:
        return FeatureDrift.of("prediction", self.row.drift["prediction"], self.row.predictions)

    @strawberry.field
    def performance(self) -> list[MetricPerformance]:
        return [MetricPerformance(**item) for item in self.row.performance]

    @strawberry.field
    def deployment(self, info: Info) -> Deployment:
        return then(
            info.context.loaders.deployment.load(self.row.deployment_id), lambda row: Deployment.of(_required(row))
        )


@strawberry.type(description="One window's numbers for one feature, for charts.")
class FeatureTrendPoint:
    window_start: datetime
    window_end: datetime
    status: DriftStatus
    psi: float | None
    jensen_shannon: float | None
    wasserstein: float | None


@strawberry.type
class FeatureTrend:
    feature: str
    points: list[FeatureTrendPoint] = strawberry.field(description="Oldest window first.")


def trends(windows: list[entities.MonitoringWindow], features: list[str]) -> list[FeatureTrend]:
    ordered = sorted(windows, key=lambda w: (w.window_end, w.id))
    result = []
    for feature in features:
        points = []
        for window in ordered:
            verdict = window.drift["features"].get(feature) if feature != "prediction" else window.drift["prediction"]
            if verdict is not None:
                points.append(
                    FeatureTrendPoint(
                        window_start=window.window_start,
                        window_end=window.window_end,
                        status=DriftStatus(verdict["status"]),
                        psi=verdict["psi"],
                        jensen_shannon=verdict["jensenShannon"],
                        wasserstein=verdict["wasserstein"],
                    )
                )
        result.append(FeatureTrend(feature=feature, points=points))
    return result


@strawberry.type(description="The thresholds that turn a window's statistics into verdicts (docs/monitoring.md).")
class MonitoringPolicy:
    environment: str
    min_rows: int
    psi_warning: float
    psi_drift: float
    chi_squared_p_value: float
    drift_share: float
    metric_drop: float
    min_label_coverage: float
    auto_retrain: bool

    @classmethod
    def of(cls, environment: str, policy: Policy) -> MonitoringPolicy:
        return cls(environment=environment, **policy.stored())


@strawberry.type(description="A request to retrain a model; at most one per model is OPEN or ACKNOWLEDGED.")
class RetrainingRequest(Node):
    row: strawberry.Private[entities.RetrainingRequest]
    state: RetrainingState
    trigger: RetrainingTrigger
    environment: str | None
    reason: str | None
    requested_at: datetime
    requested_by: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None

    @classmethod
    def of(cls, row: entities.RetrainingRequest) -> RetrainingRequest:
        return cls(
            row=row,
            state=row.state,
            trigger=row.trigger,
            environment=row.environment,
            reason=row.reason,
            requested_at=row.requested_at,
            requested_by=row.requested_by,
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            close_reason=row.close_reason,
        )

    @strawberry.field
    def model(self, info: Info) -> Model:
        return then(info.context.loaders.model.load(self.row.model_id), lambda row: Model.of(_required(row)))

    @strawberry.field(description="The window whose verdict opened the request (policy-opened requests).")
    def window(self, info: Info) -> MonitoringWindow | None:
        if self.row.window_id is None:
            return None
        return then(
            info.context.loaders.window.load(self.row.window_id), lambda row: MonitoringWindow.of(_required(row))
        )

    @strawberry.field(description="COMPLETED: the version that answered the request.")
    def answered_by(self, info: Info) -> Version | None:
        return _version(info, self.row.answered_by_id)
