"""Monitoring in GraphQL (docs/monitoring.md): reference profiles, windows and late labels, policies, retraining
requests. Each mutation takes one input and returns one payload; the object types are in schema/monitoring_types.py
and reached from ``Version``, ``Deployment`` and ``Model`` too.

Permissions (docs/api.md, "Roles and permissions"): profiles, windows and labels are a writer's (what a training or
serving pipeline sends), policies and retraining requests a deployer's (they decide what happens to production).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import validation
from models.db.paging import Page
from models.entities import RetrainingState
from models.monitoring import operations, reads
from models.monitoring.profiles import BinCounts, FeatureProfile, Profile, WindowCounts
from schema.context import Info
from schema.enums import FeatureKind
from schema.input_paths import input_paths
from schema.inputs import MetricInput, metric_pairs
from schema.monitoring_types import (
    MonitoringPolicy,
    MonitoringWindow,
    ReferenceProfile,
    RetrainingRequest,
)
from schema.permissions import (
    CanDeploy,
    CanDeployModel,
    CanReadModelArgument,
    CanWrite,
    acting,
    model_scope,
)
from schema.relay import Connection, connection
from schema.types import AuditEvent, Version

# Inputs.


@strawberry.input
class QuantileInput:
    p: float
    value: float


@strawberry.input(description="One feature's (or the predictions') distribution in the training data.")
class FeatureProfileInput:
    name: str
    kind: FeatureKind
    counts: list[int] = strawberry.field(
        description="NUMERIC: len(edges) + 1 counts (open tails); CATEGORICAL: one per category, then 'other'."
    )
    missing: int = 0
    edges: list[float] | None = strawberry.field(default=None, description="NUMERIC: increasing bin edges.")
    categories: list[str] | None = strawberry.field(default=None, description="CATEGORICAL: the top categories.")
    quantiles: list[QuantileInput] | None = None
    mean: float | None = None
    std: float | None = None

    def domain(self) -> FeatureProfile:
        return FeatureProfile(
            name=self.name,
            kind=self.kind,
            counts=tuple(self.counts),
            missing=self.missing,
            edges=tuple(self.edges or ()),
            categories=tuple(self.categories or ()),
            quantiles=tuple((q.p, q.value) for q in self.quantiles or ()),
            mean=self.mean,
            std=self.std,
        )


@strawberry.input
class ReferenceProfileInput:
    row_count: int
    features: list[FeatureProfileInput]
    predictions: FeatureProfileInput

    def domain(self) -> Profile:
        return Profile(
            row_count=self.row_count,
            features=tuple(f.domain() for f in self.features),
            predictions=self.predictions.domain(),
        )


@strawberry.input
class SetReferenceProfileInput:
    model: str
    version: int
    profile: ReferenceProfileInput


@strawberry.type
class SetReferenceProfilePayload:
    version: Version
    profile: ReferenceProfile
    audit_event: AuditEvent


@strawberry.input(description="A window's rows per bin of one reference feature.")
class FeatureCountsInput:
    name: str
    counts: list[int]
    missing: int = 0


@strawberry.input
class PredictionCountsInput:
    counts: list[int]
    missing: int = 0


@strawberry.input
class RecordWindowInput:
    model: str
    environment: str | None = strawberry.field(default=None, description="Default production.")
    key: str | None = strawberry.field(
        default=None, description="Recording the same key again changes nothing (default: start and end)."
    )
    start: datetime
    end: datetime
    row_count: int
    features: list[FeatureCountsInput] = strawberry.field(description="Every feature of the reference profile.")
    predictions: PredictionCountsInput
    metrics: list[MetricInput] | None = strawberry.field(
        default=None, description="Realized metrics on the labeled rows, if labels are known already."
    )
    labeled_rows: int = 0


@strawberry.type
class RecordWindowPayload:
    window: MonitoringWindow
    created: bool = strawberry.field(description="false: this key was recorded before with the same content.")
    audit_events: list[AuditEvent] = strawberry.field(description="Verdict changes and a request the policy opened.")
    retraining_request: RetrainingRequest | None = strawberry.field(
        description="The retraining request the policy opened because of this window, if it did."
    )


@strawberry.input
class AddWindowLabelsInput:
    model: str
    environment: str | None = strawberry.field(default=None, description="Default production.")
    key: str = strawberry.field(description="The window's key (MonitoringWindow.key).")
    labeled_rows: int = strawberry.field(description="Rows of the window whose labels the metrics were computed on.")
    metrics: list[MetricInput]


@strawberry.type
class AddWindowLabelsPayload:
    window: MonitoringWindow
    audit_events: list[AuditEvent]
    retraining_request: RetrainingRequest | None


@strawberry.input(description="Thresholds to change; those left out keep their current value (docs/monitoring.md).")
class SetMonitoringPolicyInput:
    model: str
    environment: str | None = strawberry.field(default=None, description="Default production.")
    min_rows: int | None = None
    psi_warning: float | None = None
    psi_drift: float | None = None
    chi_squared_p_value: float | None = None
    drift_share: float | None = None
    metric_drop: float | None = None
    min_label_coverage: float | None = None
    auto_retrain: bool | None = None


@strawberry.type
class SetMonitoringPolicyPayload:
    policy: MonitoringPolicy
    audit_event: AuditEvent


@strawberry.input
class RequestRetrainingInput:
    model: str
    reason: str | None = None
    environment: str | None = strawberry.field(default=None, description="Where the problem was seen, if anywhere.")


@strawberry.input
class AcknowledgeRetrainingInput:
    model: str
    reason: str | None = None


@strawberry.input
class CompleteRetrainingInput:
    model: str
    version: int = strawberry.field(description="The version registered in answer to the request.")
    reason: str | None = None


@strawberry.input
class CancelRetrainingInput:
    model: str
    reason: str | None = None


@strawberry.type
class RequestRetrainingPayload:
    retraining_request: RetrainingRequest
    audit_event: AuditEvent


@strawberry.type
class AcknowledgeRetrainingPayload:
    retraining_request: RetrainingRequest
    audit_event: AuditEvent


@strawberry.type
class CompleteRetrainingPayload:
    retraining_request: RetrainingRequest
    audit_event: AuditEvent


@strawberry.type
class CancelRetrainingPayload:
    retraining_request: RetrainingRequest
    audit_event: AuditEvent


def _window_counts(input: RecordWindowInput) -> WindowCounts:
    return WindowCounts(
        row_count=input.row_count,
        features=tuple(BinCounts(f.name, tuple(f.counts), f.missing) for f in input.features),
        predictions=BinCounts("prediction", tuple(input.predictions.counts), input.predictions.missing),
        labeled_rows=input.labeled_rows,
    )


@strawberry.type
class MonitoringQueries:
    @strawberry.field(
        permission_classes=[CanReadModelArgument],
        description="Retraining requests, newest first: by default the open ones (OPEN, ACKNOWLEDGED) of every "
        "model in the token's scope, or of `model`.",
    )
    async def retraining_requests(
        self,
        info: Info,
        states: list[RetrainingState] | None = None,
        model: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RetrainingRequest]:
        model_id = None
        if model is not None:
            found = await info.context.loaders.model_by_name.load(validation.model_name(model))
            if found is None:
                return connection(Page(), RetrainingRequest.of)
            model_id = found.id
        page = await reads.list_retraining_requests(
            states=states if states is not None else [RetrainingState.OPEN, RetrainingState.ACKNOWLEDGED],
            model_id=model_id,
            first=validation.page_size(first),
            after=after,
            within=model_scope(info),
        )
        return connection(page, RetrainingRequest.of)


@strawberry.type
class MonitoringMutations:
    @strawberry.mutation(permission_classes=[CanWrite])
    @input_paths
    async def set_reference_profile(self, info: Info, input: SetReferenceProfileInput) -> SetReferenceProfilePayload:
        done = await operations.set_reference_profile(
            model=input.model,
            version=input.version,
            profile=input.profile.domain(),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        info.context.loaders.reference_profile.prime(done.version.id, done.profile)
        return SetReferenceProfilePayload(
            version=Version.of(done.version),
            profile=ReferenceProfile.of(done.profile),
            audit_event=AuditEvent.of(done.event),
        )

    @strawberry.mutation(permission_classes=[CanWrite])
    @input_paths
    async def record_window(self, info: Info, input: RecordWindowInput) -> RecordWindowPayload:
        done = await operations.record_window(
            model=input.model,
            environment=input.environment,
            key=input.key,
            start=input.start,
            end=input.end,
            counts=_window_counts(input),
            metrics=metric_pairs(input.metrics),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return RecordWindowPayload(
            window=MonitoringWindow.of(done.window),
            created=done.created,
            audit_events=[AuditEvent.of(e) for e in done.events],
            retraining_request=RetrainingRequest.of(done.opened) if done.opened else None,
        )

    @strawberry.mutation(permission_classes=[CanWrite])
    @input_paths
    async def add_window_labels(self, info: Info, input: AddWindowLabelsInput) -> AddWindowLabelsPayload:
        done = await operations.add_window_labels(
            model=input.model,
            environment=input.environment,
            key=input.key,
            labeled_rows=input.labeled_rows,
            metrics=metric_pairs(input.metrics) or [],
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return AddWindowLabelsPayload(
            window=MonitoringWindow.of(done.window),
            audit_events=[AuditEvent.of(e) for e in done.events],
            retraining_request=RetrainingRequest.of(done.opened) if done.opened else None,
        )

    @strawberry.mutation(permission_classes=[CanDeploy])
    @input_paths
    async def set_monitoring_policy(self, info: Info, input: SetMonitoringPolicyInput) -> SetMonitoringPolicyPayload:
        done = await operations.set_monitoring_policy(
            model=input.model,
            environment=input.environment,
            actor=acting(info).name,
            request_id=info.context.request_id,
            min_rows=input.min_rows,
            psi_warning=input.psi_warning,
            psi_drift=input.psi_drift,
            chi_squared_p_value=input.chi_squared_p_value,
            drift_share=input.drift_share,
            metric_drop=input.metric_drop,
            min_label_coverage=input.min_label_coverage,
            auto_retrain=input.auto_retrain,
        )
        environment = validation.environment(input.environment)
        return SetMonitoringPolicyPayload(
            policy=MonitoringPolicy.of(environment, done.policy), audit_event=AuditEvent.of(done.event)
        )

    @strawberry.mutation(permission_classes=[CanDeployModel])
    @input_paths
    async def request_retraining(self, info: Info, input: RequestRetrainingInput) -> RequestRetrainingPayload:
        done = await operations.request_retraining(
            model=input.model,
            reason=input.reason,
            environment=input.environment,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return RequestRetrainingPayload(
            retraining_request=RetrainingRequest.of(done.request), audit_event=AuditEvent.of(done.event)
        )

    @strawberry.mutation(permission_classes=[CanDeployModel])
    @input_paths
    async def acknowledge_retraining(
        self, info: Info, input: AcknowledgeRetrainingInput
    ) -> AcknowledgeRetrainingPayload:
        done = await operations.change_retraining(
            model=input.model,
            to=RetrainingState.ACKNOWLEDGED,
            reason=input.reason,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return AcknowledgeRetrainingPayload(
            retraining_request=RetrainingRequest.of(done.request), audit_event=AuditEvent.of(done.event)
        )

    @strawberry.mutation(permission_classes=[CanDeployModel])
    @input_paths
    async def complete_retraining(self, info: Info, input: CompleteRetrainingInput) -> CompleteRetrainingPayload:
        done = await operations.change_retraining(
            model=input.model,
            to=RetrainingState.COMPLETED,
            version=input.version,
            reason=input.reason,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return CompleteRetrainingPayload(
            retraining_request=RetrainingRequest.of(done.request), audit_event=AuditEvent.of(done.event)
        )

    @strawberry.mutation(permission_classes=[CanDeployModel])
    @input_paths
    async def cancel_retraining(self, info: Info, input: CancelRetrainingInput) -> CancelRetrainingPayload:
        done = await operations.change_retraining(
            model=input.model,
            to=RetrainingState.CANCELLED,
            reason=input.reason,
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return CancelRetrainingPayload(
            retraining_request=RetrainingRequest.of(done.request), audit_event=AuditEvent.of(done.event)
        )
