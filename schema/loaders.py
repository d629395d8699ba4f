"""Per-request DataLoaders: every relation a resolver follows is batched into one statement per level.

One loader per access pattern, each returning results in key order (Phoenix's habit). Loaders live in the
request's context, so their caches never outlive a request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from models import environments, listing, lookups
from models.entities import Artifact, AuditEvent, Deployment, ModelVersion, RegisteredModel
from models.paging import Page

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: (model id, filter and order, first, after)
VersionPageKey = tuple[int, listing.VersionQuery, int, str | None]
#: (model id, environment, first, after)
HistoryPageKey = tuple[int, str | None, int, str | None]
#: (model id, first, after)
EventPageKey = tuple[int, int, str | None]


def _by_key(fetch: Callable[[Sequence[K]], Awaitable[dict[K, V]]]) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return load


def _lists(
    fetch: Callable[[Sequence[K]], Awaitable[dict[K, list[V]]]],
) -> Callable[[list[K]], Awaitable[list[list[V]]]]:
    async def load(keys: list[K]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(key, []) for key in keys]

    return load


def _pages(
    fetch: Callable[..., Awaitable[dict[int, Page[Any]]]],
) -> Callable[[list[tuple[Any, ...]]], Awaitable[list[Page[Any]]]]:
    """Batch page requests: parents that ask for the same page shape share one statement."""

    async def load(keys: list[tuple[Any, ...]]) -> list[Page[Any]]:
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for key in keys:
            groups[key[1:]].append(key[0])
        results: dict[tuple[Any, ...], Page[Any]] = {}
        for shape, parents in groups.items():
            pages = await fetch(list(dict.fromkeys(parents)), *shape)
            results.update({(parent, *shape): page for parent, page in pages.items()})
        return [results[key] for key in keys]

    return load


async def _version_pages(
    ids: list[int], query: listing.VersionQuery, first: int, after: str | None
) -> dict[int, Page[ModelVersion]]:
    return await listing.list_versions(model_ids=ids, query=query, first=first, after=after)


async def _history_pages(
    ids: list[int], environment: str | None, first: int, after: str | None
) -> dict[int, Page[Deployment]]:
    return await listing.list_deployment_history(model_ids=ids, environment=environment, first=first, after=after)


async def _event_pages(ids: list[int], first: int, after: str | None) -> dict[int, Page[AuditEvent]]:
    return await listing.list_model_audit_events(model_ids=ids, first=first, after=after)


class Loaders:
    def __init__(self) -> None:
        self.model = DataLoader[int, RegisteredModel | None](load_fn=_by_key(lookups.models_by_id))
        self.model_by_name = DataLoader[str, RegisteredModel | None](load_fn=_by_key(lookups.models_by_name))
        self.version = DataLoader[int, ModelVersion | None](load_fn=_by_key(lookups.versions_by_id))
        self.version_by_number = DataLoader[tuple[int, int], ModelVersion | None](
            load_fn=_by_key(lookups.versions_by_number)
        )
        self.model_tags = DataLoader[int, list[tuple[str, str]]](load_fn=_lists(lookups.model_tags))
        self.version_tags = DataLoader[int, list[tuple[str, str]]](load_fn=_lists(lookups.version_tags))
        self.metrics = DataLoader[int, list[tuple[str, float]]](load_fn=_lists(lookups.version_metrics))
        self.artifact = DataLoader[str, Artifact | None](load_fn=_by_key(lookups.artifacts_by_sha256))
        self.active_deployments = DataLoader[int, list[Deployment]](load_fn=_lists(lookups.active_deployments))
        self.version_deployments = DataLoader[int, list[Deployment]](load_fn=_lists(lookups.version_deployments))
        self.deployment = DataLoader[int, Deployment | None](load_fn=_by_key(lookups.deployments_by_id))
        self.audit_event = DataLoader[int, AuditEvent | None](load_fn=_by_key(lookups.audit_events_by_id))
        self.version_page = DataLoader[VersionPageKey, Page[ModelVersion]](load_fn=_pages(_version_pages))
        self.history_page = DataLoader[HistoryPageKey, Page[Deployment]](load_fn=_pages(_history_pages))
        self.event_page = DataLoader[EventPageKey, Page[AuditEvent]](load_fn=_pages(_event_pages))
        self.protection = DataLoader[str, environments.Protection | None](
            load_fn=_by_key(environments.protections_by_environment)
        )
