"""Batch reads by key, one statement each. The per-request DataLoaders in ``schema/loaders.py`` call these."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Sequence
from functools import reduce

from tortoise.expressions import Q

from models.db import connection, fetch
from models.entities import (
    Artifact,
    AuditEvent,
    Deployment,
    ModelTag,
    ModelVersion,
    RegisteredModel,
)


async def models_by_id(ids: Sequence[int]) -> dict[int, RegisteredModel]:
    return {m.id: m for m in await RegisteredModel.filter(id__in=list(ids))}


async def models_by_name(names: Sequence[str]) -> dict[str, RegisteredModel]:
    return {m.name: m for m in await RegisteredModel.filter(name__in=list(names))}


async def versions_by_id(ids: Sequence[int]) -> dict[int, ModelVersion]:
    return {v.id: v for v in await ModelVersion.filter(id__in=list(ids))}


async def versions_by_number(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], ModelVersion]:
    """Versions by (model id, number)."""
    if not keys:
        return {}
    wanted = reduce(operator.or_, (Q(model_id=model_id, number=number) for model_id, number in set(keys)))
    return {(v.model_id, v.number): v for v in await ModelVersion.filter(wanted)}


async def model_tags(model_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for tag in await ModelTag.filter(model_id__in=list(model_ids)).order_by("key"):
        tags[tag.model_id].append((tag.key, tag.value))  # type: ignore[attr-defined]
    return tags


async def version_metrics(version_ids: Sequence[int]) -> dict[int, list[tuple[str, float]]]:
    return (await version_metrics_and_tags(metrics_of=version_ids, tags_of=[]))[0]


#: The two halves of one UNION: metrics and version tags in the same columns (``part`` tells them apart).
_METRICS = (
    'SELECT version_id, 0 AS part, "name" AS name, "value" AS metric_value, CAST(NULL AS TEXT) AS tag_value FROM metric'
)
_VERSION_TAGS = (
    'SELECT version_id, 1 AS part, "key" AS name, CAST(NULL AS DOUBLE PRECISION) AS metric_value, "value" AS tag_value '
    "FROM version_tag"
)


async def version_metrics_and_tags(
    *, metrics_of: Sequence[int], tags_of: Sequence[int]
) -> tuple[dict[int, list[tuple[str, float]]], dict[int, list[tuple[str, str]]]]:
    """The metrics (by name) of some versions and the tags (by key) of some versions, in one statement."""
    metrics: dict[int, list[tuple[str, float]]] = defaultdict(list)
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    parts: list[str] = []
    params: list[int] = []
    if metrics_of:
        parts.append(f"{_METRICS} WHERE version_id IN ({_marks(metrics_of)})")
        params.extend(metrics_of)
    if tags_of:
        parts.append(f"{_VERSION_TAGS} WHERE version_id IN ({_marks(tags_of)})")
        params.extend(tags_of)
    if not parts:
        return metrics, tags
    for row in await fetch(connection(), f"{' UNION ALL '.join(parts)} ORDER BY part, version_id, name", params):
        if row["part"] == 0:
            metrics[row["version_id"]].append((row["name"], row["metric_value"]))
        else:
            tags[row["version_id"]].append((row["name"], row["tag_value"]))
    return metrics, tags


async def artifacts_by_sha256(digests: Sequence[str]) -> dict[str, Artifact]:
    return {a.sha256: a for a in await Artifact.filter(sha256__in=list(digests))}


async def active_deployments(model_ids: Sequence[int]) -> dict[int, list[tuple[Deployment, ModelVersion]]]:
    """Each model's active deployments with their versions, ordered by environment name, in one statement."""
    active: dict[int, list[tuple[Deployment, ModelVersion]]] = defaultdict(list)
    found = (
        await Deployment.filter(model_id__in=list(model_ids), retired_at__isnull=True)
        .select_related("version")
        .order_by("environment")
    )
    for d in found:
        active[d.model_id].append((d, d.version))
    return active


async def version_deployments(version_ids: Sequence[int]) -> dict[int, list[Deployment]]:
    """Each version's deployments, active and retired, newest first."""
    found: dict[int, list[Deployment]] = defaultdict(list)
    for d in await Deployment.filter(version_id__in=list(version_ids)).order_by("-deployed_at", "-id"):
        found[d.version_id].append(d)
    return found


async def deployments_by_id(ids: Sequence[int]) -> dict[int, Deployment]:
    return {d.id: d for d in await Deployment.filter(id__in=list(ids))}


async def audit_events_by_id(ids: Sequence[int]) -> dict[int, AuditEvent]:
    return {e.id: e for e in await AuditEvent.filter(id__in=list(ids))}


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)
