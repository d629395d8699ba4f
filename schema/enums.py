"""The GraphQL enums. Each domain enum is exposed as it is, so a member added to it is a member here too.

``strawberry.enum`` marks the domain class in place (it gains a ``__strawberry_definition__``; ``models/`` itself
never imports Strawberry). Schema modules import the enums from here, which guarantees they are marked before
a field uses them. Only ``SortDirection`` is GraphQL's own: the domain says ``descending``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import strawberry

from models.entities import (
    AuditAction,
    DeliveryStatus,
    DriftStatus,
    MetricDirection,
    PerformanceStatus,
    RetrainingState,
    RetrainingTrigger,
    Role,
    VersionStatus,
)
from models.monitoring.profiles import FeatureKind
from models.registry.reads import ModelOrderField, VersionOrderField

__all__ = [
    "AuditAction",
    "DeliveryStatus",
    "DriftStatus",
    "FeatureKind",
    "MetricDirection",
    "ModelOrderField",
    "PerformanceStatus",
    "RetrainingState",
    "RetrainingTrigger",
    "Role",
    "SortDirection",
    "VersionOrderField",
    "VersionStatus",
]


def _expose(cls: type[Enum], descriptions: Mapping[str, str] | None = None) -> None:
    strawberry.enum(cls)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = (descriptions or {}).get(value.name)


_expose(VersionStatus)
_expose(AuditAction)
_expose(Role)
_expose(DeliveryStatus)
_expose(MetricDirection)
_expose(ModelOrderField)
_expose(DriftStatus)
_expose(PerformanceStatus)
_expose(RetrainingState)
_expose(RetrainingTrigger)
_expose(FeatureKind)
_expose(
    VersionOrderField,
    {"METRIC": "Order by the metric named in VersionOrder.metric; versions lacking it come last."},
)


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
