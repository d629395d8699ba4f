"""Batch reads by key, one statement each. The per-request DataLoaders in ``schema/loaders.py`` call these."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Sequence
from functools import reduce

from tortoise.expressions import Q

from models.entities import (
    Artifact,
    AuditEvent,
    Deployment,
    Metric,
    ModelTag,
    ModelVersion,
    RegisteredModel,
    VersionTag,
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


async def version_tags(version_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for tag in await VersionTag.filter(version_id__in=list(version_ids)).order_by("key"):
        tags[tag.version_id].append((tag.key, tag.value))
    return tags


async def version_metrics(version_ids: Sequence[int]) -> dict[int, list[tuple[str, float]]]:
    metrics: dict[int, list[tuple[str, float]]] = defaultdict(list)
    rows = (
        await Metric.filter(version_id__in=list(version_ids))
        .order_by("name")
        .values_list("version_id", "name", "value")
    )
    for version_id, name, value in rows:
        metrics[version_id].append((name, value))
    return metrics


async def artifacts_by_sha256(digests: Sequence[str]) -> dict[str, Artifact]:
    return {a.sha256: a for a in await Artifact.filter(sha256__in=list(digests))}


async def active_deployments(model_ids: Sequence[int]) -> dict[int, list[Deployment]]:
    """Each model's active deployments, ordered by environment name."""
    active: dict[int, list[Deployment]] = defaultdict(list)
    for d in await Deployment.filter(model_id__in=list(model_ids), retired_at__isnull=True).order_by("environment"):
        active[d.model_id].append(d)
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
