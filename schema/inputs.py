"""Input objects that more than one domain uses, or that the object types take as arguments, and their
translation to the domain's query objects. A domain's own inputs live in its module (``schema/registry.py`` ...).
"""

from __future__ import annotations

import strawberry

from models import validation
from models.errors import InvalidInput
from models.registry.reads import VersionQuery
from schema.enums import SortDirection, VersionOrderField, VersionStatus


@strawberry.input
class TagInput:
    key: str
    value: str


@strawberry.input
class MetricInput:
    name: str
    value: float


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


def pairs(tags: list[TagInput] | None) -> list[tuple[str, str]] | None:
    return None if tags is None else [(tag.key, tag.value) for tag in tags]


def metric_pairs(metrics: list[MetricInput] | None) -> list[tuple[str, float]] | None:
    return None if metrics is None else [(metric.name, metric.value) for metric in metrics]


def version_query(filter: VersionFilter | None, order: VersionOrder | None) -> VersionQuery:
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
    return VersionQuery(
        status=f.status,
        metric_at_least=at_least,
        dataset_version=f.dataset_version,
        order=order.field if order else VersionOrderField.NUMBER,
        descending=order is None or order.direction == SortDirection.DESC,
        order_metric=order_metric,
    )
