"""Enums and input objects of the contract, and their translation to the domain's query objects."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from models import listing, validation
from models.entities import AuditAction as DomainAuditAction
from models.entities import VersionStatus as DomainVersionStatus
from models.errors import InvalidInput


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum
class VersionStatus(Enum):
    READY = "READY"
    ARCHIVED = "ARCHIVED"


@strawberry.enum
class AuditAction(Enum):
    MODEL_CREATED = "MODEL_CREATED"
    MODEL_UPDATED = "MODEL_UPDATED"
    VERSION_REGISTERED = "VERSION_REGISTERED"
    VERSION_ARCHIVED = "VERSION_ARCHIVED"
    PROMOTED = "PROMOTED"
    DEMOTED = "DEMOTED"
    ROLLED_BACK = "ROLLED_BACK"
    ENVIRONMENT_PROTECTED = "ENVIRONMENT_PROTECTED"
    ENVIRONMENT_UNPROTECTED = "ENVIRONMENT_UNPROTECTED"


@strawberry.enum
class Role(Enum):
    READER = "READER"
    WRITER = "WRITER"
    DEPLOYER = "DEPLOYER"
    ADMIN = "ADMIN"


@strawberry.enum
class ModelOrderField(Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.enum
class VersionOrderField(Enum):
    NUMBER = "NUMBER"
    CREATED_AT = "CREATED_AT"
    METRIC = strawberry.enum_value(
        "METRIC", description="Order by the metric named in VersionOrder.metric; versions lacking it come last."
    )


@strawberry.input
class TagInput:
    key: str
    value: str


@strawberry.input
class MetricInput:
    name: str
    value: float


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


@strawberry.input
class VersionFilter:
    status: VersionStatus | None = None
    metric_at_least: MetricInput | None = strawberry.field(
        default=None, description="Only versions whose metric of this name is >= this value."
    )
    dataset_version: str | None = None


@strawberry.input
class VersionOrder:
    field: VersionOrderField
    direction: SortDirection
    metric: str | None = None


@strawberry.input
class AuditEventFilter:
    model: str | None = None
    action: AuditAction | None = None
    actor: str | None = None
    since: datetime | None = strawberry.field(default=None, description="Events at or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Events strictly before this time.")


def pairs(tags: list[TagInput] | None) -> list[tuple[str, str]] | None:
    return None if tags is None else [(tag.key, tag.value) for tag in tags]


def metric_pairs(metrics: list[MetricInput] | None) -> list[tuple[str, float]] | None:
    return None if metrics is None else [(metric.name, metric.value) for metric in metrics]


def model_query(filter: ModelFilter | None, order: ModelOrder | None) -> listing.ModelQuery:
    f = filter or ModelFilter()
    if f.name_contains is not None:
        validation.text(f.name_contains, "filter.nameContains", max_length=128)
    tag = None
    if f.tag is not None:
        tag = next(iter(validation.tags([(f.tag.key, f.tag.value)], "filter.tag").items()))
    return listing.ModelQuery(
        name_contains=f.name_contains or None,
        tag=tag,
        has_production=f.has_production,
        order=listing.ModelOrderField(order.field.value) if order else listing.ModelOrderField.NAME,
        descending=order is not None and order.direction == SortDirection.DESC,
    )


def version_query(filter: VersionFilter | None, order: VersionOrder | None) -> listing.VersionQuery:
    f = filter or VersionFilter()
    at_least = None
    if f.metric_at_least is not None:
        at_least = (
            validation.metric_name(f.metric_at_least.name, "filter.metricAtLeast.name"),
            validation.metric_value(f.metric_at_least.value, "filter.metricAtLeast.value"),
        )
    if f.dataset_version is not None:
        validation.text(f.dataset_version, "filter.datasetVersion", max_length=validation.MAX_SHORT_TEXT)
    order_metric = None
    if order is not None:
        if order.field == VersionOrderField.METRIC:
            if order.metric is None:
                raise InvalidInput("orderBy.metric", "name the metric to order by when field is METRIC")
            order_metric = validation.metric_name(order.metric, "orderBy.metric")
        elif order.metric is not None:
            raise InvalidInput("orderBy.metric", "is only used with field METRIC")
    return listing.VersionQuery(
        status=DomainVersionStatus(f.status.value) if f.status else None,
        metric_at_least=at_least,
        dataset_version=f.dataset_version,
        order=listing.VersionOrderField(order.field.value) if order else listing.VersionOrderField.NUMBER,
        descending=order is None or order.direction == SortDirection.DESC,
        order_metric=order_metric,
    )


def audit_query(filter: AuditEventFilter | None) -> listing.AuditQuery:
    f = filter or AuditEventFilter()
    if f.model is not None:
        validation.model_name(f.model, "filter.model")
    if f.actor is not None:
        validation.text(f.actor, "filter.actor", max_length=128)
    return listing.AuditQuery(
        model=f.model,
        action=DomainAuditAction(f.action.value) if f.action else None,
        actor=f.actor,
        # Stored times are UTC; SQLite compares them as text, so bounds must be in UTC too.
        since=f.since.astimezone(UTC) if f.since else None,
        until=f.until.astimezone(UTC) if f.until else None,
    )
