"""Per-request DataLoaders: every relation a resolver follows is batched into one statement per level.

One loader per access pattern, each returning results in key order (Phoenix's habit). Loaders live in the
request's context, so their caches never outlive a request.

All the loaders of a request share one ``Batcher``, which makes batching deterministic. Strawberry's
DataLoader dispatches a batch on the next tick of the event loop, so loads issued by resolvers whose parents
arrived from different statements (a production version and a page of versions, both wanting metrics) went
out in as many batches as there were statements, and the count varied with I/O timing. The batcher instead
dispatches every queued load of every loader at once, in rounds, when nothing that could still queue a load
for the round is running: one round per level of the document. What can still queue one:

- a root query field that is running its own statement (a page of models, say): the rows it returns have
  children to load. ``RootField``, which ``batched_roots`` puts on every field of ``Query``, counts such a field
  from its start to its end, except while it waits on a load of its own;
- a resolver woken by the previous round. Those run before the batcher resumes from that round: results are set
  before the round's dispatches end, and the event loop runs callbacks in the order they were scheduled.
  graphql-core completes a resolved value in the step that receives it, so the children's resolvers run in that
  step too; they load synchronously, through ``then()`` (``tests/test_loaders.py`` keeps coroutine resolvers
  out of the nested types, whose loads would come a step late).

Mutations need no counting: they run one after the other, and load only below their payload, once they return.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, Generic, TypeAlias, TypeVar, cast

from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from models.artifacts.reads import artifacts_by_sha256
from models.audit.reads import audit_events_by_id, list_model_audit_events
from models.db.paging import Page
from models.deployments.reads import active_deployments, deployments_by_id, list_deployment_history, version_deployments
from models.entities import (
    Artifact,
    AuditEvent,
    Deployment,
    ModelVersion,
    MonitoringWindow,
    ReferenceProfile,
    RegisteredModel,
    RetrainingRequest,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from models.environments.reads import protections_by_environment
from models.environments.rules import Protection
from models.monitoring import reads as monitoring
from models.monitoring.policy import Policy
from models.registry import reads, statistics
from models.webhooks import reads as webhook_reads
from schema.pacing import current_pacer, paced

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
QueryType = TypeVar("QueryType", bound=type)

#: The columns of a version row to read (None: all of them; schema/types.py, ``version_columns``)
VersionColumns: TypeAlias = frozenset[str] | None
#: (model id, filter and order, first, after, the version columns read, whether to count the versions, whether to
#: read past the page for hasNextPage)
VersionPageKey = tuple[int, reads.VersionQuery, int, str | None, VersionColumns, bool, bool]
#: (model id, environment, first, after, the version columns read, whether to count the deployments, whether to
#: read past the page for hasNextPage)
HistoryPageKey = tuple[int, str | None, int, str | None, VersionColumns, bool, bool]
#: (model id, first, after)
EventPageKey = tuple[int, int, str | None]
#: (deployment id, first, after)
WindowPageKey = tuple[int, int, str | None]
#: (webhook id, filter, first, after)
DeliveryPageKey = tuple[int, "webhook_reads.DeliveryQuery", int, str | None]
#: A deployment with its version, read together.
Placed = tuple[Deployment, ModelVersion]


class Batcher:
    """Dispatches the queued loads of all of one request's loaders together, once no root field is running."""

    def __init__(self) -> None:
        self._waiting: dict[Loader[Any, Any], None] = {}
        self._task: asyncio.Task[None] | None = None
        #: Root fields running, less those waiting on loads.
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> bool:
        """Its task is dispatching rounds (one cancelled before it began never ran its ``finally``: done, not None)."""
        return self._task is not None and not self._task.done()

    def queued(self, loader: Loader[Any, Any]) -> None:
        self._waiting[loader] = None
        if not self.running:
            # The request's context (its id for the log, its statement count for the metrics), but not the root
            # field whose load started the task: the task must not count as that field.
            context = contextvars.copy_context()
            context.run(_ROOT_FIELD.set, None)
            self._task = asyncio.get_running_loop().create_task(self._run(), context=context)

    @contextmanager
    def root_field(self) -> Iterator[None]:
        """Count a root field as running for the duration (``RootField`` does this for every root field)."""
        field = _RootField(self)
        token = _ROOT_FIELD.set(field)
        try:
            yield
        finally:
            _ROOT_FIELD.reset(token)
            field.finish()

    def hold(self) -> None:
        """Count work the execution paused (schema/execution.py, ``Pacer``) as running until ``release``: the
        loads it will queue belong to the round that has not started yet."""
        self._started()

    def release(self) -> None:
        self._stopped()

    def _started(self) -> None:
        self._running += 1
        self._idle.clear()

    def _stopped(self) -> None:
        self._running -= 1
        if not self._running:
            self._idle.set()

    async def _run(self) -> None:
        try:
            # graphql-core calls every root field in one step and starts those that are coroutines in tasks
            # scheduled in that step, before this one resumes: let them begin (and count themselves).
            await asyncio.sleep(0)
            while self._waiting:
                if self._running:
                    await self._idle.wait()
                    continue  # look again: the field may have queued loads, or be waiting on one
                # Leaves (metrics, tags, counts: values that lead to no further loads) wait while any other loader
                # has work: rows those bring may want leaves too, and a subtree whose parent was cached runs a
                # level ahead of its peers. Every leaf key of a document then goes out in one statement.
                ready = [loader for loader in self._waiting if not loader.leaf] or list(self._waiting)
                for loader in ready:
                    del self._waiting[loader]
                # Loads queued while these run (children of rows that arrived first) wait for the next round.
                await asyncio.gather(*(loader.dispatch() for loader in ready))
        finally:
            self._task = None


class _RootField:
    """One root field in progress: running, except while it waits on loads (which only a round can bring)."""

    __slots__ = ("_batcher", "_done", "_loads")

    def __init__(self, batcher: Batcher) -> None:
        self._batcher = batcher
        self._loads = 0
        self._done = False
        batcher._started()

    def waits_on(self, pending: asyncio.Future[Any]) -> None:
        if not self._loads:
            self._batcher._stopped()
        self._loads += 1
        # Scheduled when the round sets the result, so it runs before the batcher resumes from that round.
        pending.add_done_callback(self._loaded)

    def _loaded(self, _: asyncio.Future[Any]) -> None:
        self._loads -= 1
        if not self._loads and not self._done:
            self._batcher._started()

    def finish(self) -> None:
        self._done = True
        if not self._loads:
            self._batcher._stopped()


#: The root field whose resolver is running in this task, if any.
_ROOT_FIELD: contextvars.ContextVar[_RootField | None] = contextvars.ContextVar("root_field", default=None)


class RootField(FieldExtension):
    """Counts a root query field as running until it returns (see ``Batcher``)."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any) -> Any:
        # A synchronous root field returns before the batcher's task can run: nothing to count.
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        batcher: Batcher = info.context.loaders.batcher
        with batcher.root_field():
            return await next_(source, info, **kwargs)


def batched_roots(query: QueryType) -> QueryType:
    """Put ``RootField`` on every field of the ``Query`` type, so that no resolver has to ask for it.

    Each field is copied first: the mixins ``Query`` is composed of share their field objects with it. A field
    gets one ``RootField`` only: of two, the inner one's loads would leave the outer one counted as running.
    """
    definition = get_object_definition(query, strict=True)
    fields = []
    for field in definition.fields:
        if not any(isinstance(extension, RootField) for extension in field.extensions):
            field = copy.copy(field)
            field.extensions.append(RootField())  # last: the outermost, around the permission check too
        fields.append(field)
    definition.fields = fields
    return query


class Pending(asyncio.Future[V]):
    """A key's value while it loads, and ``batch``: a future done once every key of its dispatch has its value (or
    its error), so whoever waits on many keys of one dispatch can be told once instead of once per key
    (``schema/levels.py``: the 10,000-version dashboard waits on 20,000 keys in a handful of dispatches)."""

    __slots__ = ("batch",)

    batch: asyncio.Future[None]


class Loader(Generic[K, V]):
    """Loads values by key through a batch function that returns them in key order; caches them per request."""

    def __init__(
        self, batcher: Batcher, fetch: Callable[[list[K]], Awaitable[Sequence[V]]], *, leaf: bool = False
    ) -> None:
        self._batcher = batcher
        self._fetch = fetch
        #: Its values never lead a resolver to load anything else (see ``Batcher``).
        self.leaf = leaf
        self._cache: dict[K, asyncio.Future[V]] = {}
        self._queue: list[K] = []
        #: Done when the queued keys' dispatch has set their values (``Pending.batch``).
        self._batch: asyncio.Future[None] | None = None

    def load(self, key: K) -> asyncio.Future[V]:
        found = self._cache.get(key)
        if found is None:
            loop = asyncio.get_running_loop()
            batch = self._batch
            if batch is None:  # the first key since the last dispatch: the batcher is told once per dispatch
                batch = self._batch = loop.create_future()
                self._batcher.queued(self)
            elif not self._batcher.running:  # its task ended (cancelled) with this loader's keys still queued
                self._batcher.queued(self)
            pending: Pending[V] = Pending(loop=loop)
            pending.batch = batch
            found = self._cache[key] = pending
            self._queue.append(key)
        if not found.done() and (root := _ROOT_FIELD.get()) is not None:
            root.waits_on(found)  # a root field that loads waits for a round: it must not hold the round back
        return found

    def clear(self) -> None:
        self._cache.clear()
        self._queue.clear()
        self._batch = None

    def prime(self, key: K, value: V) -> None:
        """Cache a value read by another statement, so loading it costs nothing."""
        if key not in self._cache:
            future = self._cache[key] = asyncio.get_running_loop().create_future()
            future.set_result(value)

    async def dispatch(self) -> None:
        keys, self._queue = self._queue, []
        batch, self._batch = self._batch, None
        futures = [self._cache[key] for key in keys]
        try:
            values = await self._fetch(keys)
            if len(values) != len(keys):
                raise LookupError(f"a batch function returned {len(values)} values for {len(keys)} keys")
        except Exception as error:  # every waiting resolver gets the error (and reports it on its field)
            for future in futures:
                if not future.done():
                    future.set_exception(error)
                    # Marked retrieved: once one field's error ends the request (a non-null field, a bad cursor
                    # on every parent), nobody awaits the other keys, and asyncio would log each of them as
                    # "exception was never retrieved" when it is collected. Whoever awaits one still gets the error.
                    future.exception()
        else:
            for future, value in zip(futures, values, strict=True):  # lengths checked above
                if not future.done():
                    future.set_result(value)
        # Not when the dispatch is cancelled (the request is): its keys have no values to hand over.
        if batch is not None:
            batch.set_result(None)


def then(pending: asyncio.Future[V], convert: Callable[[V], R]) -> R:
    """What a loader-backed resolver returns: ``convert`` of the loaded value.

    When the request has the value already, that is the result itself: the field costs no coroutine and no await
    in graphql-core. Otherwise the result is a ``Later`` of it, which graphql-core awaits as it awaits any
    awaitable a resolver returns (a ``Later`` is neither a coroutine nor a future: code that wraps resolvers must
    test with ``inspect.isawaitable``), and which schema/levels.py completes without awaiting it field by field. The
    field still resolves to an ``R``, so ``then`` is typed as returning one: resolvers then declare their real
    return type, which mypy checks and Strawberry reads as the GraphQL type. Only ever return it from a resolver.
    """
    if pending.done():
        return convert(pending.result())
    return cast(R, Later(pending, convert))


class Later(Generic[V, R]):
    """``convert`` of a load that has not answered yet: awaiting it gives the converted value."""

    __slots__ = ("convert", "pending")

    def __init__(self, pending: asyncio.Future[V], convert: Callable[[V], R]) -> None:
        self.pending, self.convert = pending, convert

    def __await__(self) -> Generator[Any, None, R]:
        return _later(self.pending, self.convert).__await__()


async def _later(pending: asyncio.Future[V], convert: Callable[[V], R]) -> R:
    # A round of loads wakes every resolver waiting on it in one step of the loop; converting thousands of rows
    # there would hold the loop, so past the execution's slice each conversion waits its turn.
    value = await pending
    pacer = current_pacer.get()
    if pacer is None or not pacer.due():  # paced() would convert at once: spare its coroutine
        return convert(value)
    return await paced(value, convert)


def _by_key(
    fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
) -> Callable[[list[K]], Awaitable[list[V | None]]]:
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


#: ("metrics" or "tags", version id)
FactKey = tuple[str, int]


async def _version_facts(keys: list[FactKey]) -> list[list[Any]]:
    """Metrics and tags of versions, whichever each resolver asked for, in one statement."""
    metrics, tags = await reads.version_metrics_and_tags(
        metrics_of=sorted({v for part, v in keys if part == "metrics"}),
        tags_of=sorted({v for part, v in keys if part == "tags"}),
    )
    found: dict[str, dict[int, list[Any]]] = {"metrics": metrics, "tags": tags}
    return [found[part].get(version_id, []) for part, version_id in keys]


async def _version_pages(
    ids: list[int],
    query: reads.VersionQuery,
    first: int,
    after: str | None,
    columns: VersionColumns,
    count: bool,
    peek: bool,
) -> dict[int, Page[ModelVersion]]:
    return await reads.list_versions(
        model_ids=ids, query=query, first=first, after=after, only=columns, count=count, peek=peek
    )


async def _history_pages(
    ids: list[int],
    environment: str | None,
    first: int,
    after: str | None,
    columns: VersionColumns,
    count: bool,
    peek: bool,
) -> dict[int, Page[Placed]]:
    return await list_deployment_history(
        model_ids=ids,
        environment=environment,
        first=first,
        after=after,
        version_columns=columns,
        count=count,
        peek=peek,
    )


async def _window_pages(ids: list[int], first: int, after: str | None) -> dict[int, Page[MonitoringWindow]]:
    return await monitoring.list_windows(deployment_ids=ids, first=first, after=after)


async def _policies(keys: list[tuple[int, str]]) -> list[Policy]:
    found = await monitoring.policies(keys)
    return [found[key] for key in keys]


async def _event_pages(ids: list[int], first: int, after: str | None) -> dict[int, Page[AuditEvent]]:
    return await list_model_audit_events(model_ids=ids, first=first, after=after)


async def _delivery_pages(
    ids: list[int], query: webhook_reads.DeliveryQuery, first: int, after: str | None
) -> dict[int, Page[WebhookDelivery]]:
    return await webhook_reads.list_deliveries(webhook_ids=ids, query=query, first=first, after=after)


def _statistics(within: Scope) -> Callable[[list[statistics.Count]], Awaitable[list[int]]]:
    async def load(keys: list[statistics.Count]) -> list[int]:
        found = await statistics.counts(keys, within=within)
        return [found[key] for key in keys]

    return load


def _average_production_metrics(within: Scope) -> Callable[[list[None]], Awaitable[list[list[tuple[str, float]]]]]:
    async def load(keys: list[None]) -> list[list[tuple[str, float]]]:
        averages = await statistics.average_production_metrics(within=within)
        return [averages for _ in keys]

    return load


#: The model-name patterns a scoped token is limited to (None: every model), for registry-wide numbers.
Scope: TypeAlias = tuple[str, ...] | None


class Loaders:
    """One request's loaders, each made when a resolver first uses it: a promotion's payload uses three of the
    two dozen, and making them all cost some 20 µs of every request."""

    def __init__(self, *, within: Scope = None) -> None:
        self.batcher = Batcher()
        #: The model-name patterns registry-wide numbers are computed over (a scoped token's).
        self._within = within

    def _loader(self, fetch: Callable[[list[K]], Awaitable[Sequence[V]]], *, leaf: bool = False) -> Loader[K, V]:
        return Loader(self.batcher, fetch, leaf=leaf)

    @cached_property
    def model(self) -> Loader[int, RegisteredModel | None]:
        return self._loader(_by_key(reads.models_by_id))

    @cached_property
    def model_by_name(self) -> Loader[str, RegisteredModel | None]:
        return self._loader(_by_key(reads.models_by_name))

    @cached_property
    def version(self) -> Loader[int, ModelVersion | None]:
        return self._loader(_by_key(reads.versions_by_id))

    @cached_property
    def version_by_number(self) -> Loader[tuple[int, int], ModelVersion | None]:
        return self._loader(_by_key(reads.versions_by_number))

    @cached_property
    def model_tags(self) -> Loader[int, list[tuple[str, str]]]:
        return self._loader(_lists(reads.model_tags), leaf=True)

    @cached_property
    def version_facts(self) -> Loader[FactKey, list[Any]]:
        """Metrics and tags of versions share a statement: ("metrics" | "tags", version id)."""
        return self._loader(_version_facts, leaf=True)

    @cached_property
    def artifact(self) -> Loader[str, Artifact | None]:
        return self._loader(_by_key(artifacts_by_sha256), leaf=True)

    @cached_property
    def active_deployments(self) -> Loader[int, list[Placed]]:
        return self._loader(_lists(active_deployments))

    @cached_property
    def version_deployments(self) -> Loader[int, list[Deployment]]:
        return self._loader(_lists(version_deployments))

    @cached_property
    def deployment(self) -> Loader[int, Deployment | None]:
        return self._loader(_by_key(deployments_by_id))

    @cached_property
    def audit_event(self) -> Loader[int, AuditEvent | None]:
        return self._loader(_by_key(audit_events_by_id))

    @cached_property
    def version_page(self) -> Loader[VersionPageKey, Page[ModelVersion]]:
        return self._loader(_pages(_version_pages))

    @cached_property
    def history_page(self) -> Loader[HistoryPageKey, Page[Placed]]:
        return self._loader(_pages(_history_pages))

    @cached_property
    def event_page(self) -> Loader[EventPageKey, Page[AuditEvent]]:
        return self._loader(_pages(_event_pages))

    @cached_property
    def statistic(self) -> Loader[statistics.Count, int]:
        return self._loader(_statistics(self._within), leaf=True)

    @cached_property
    def average_production_metrics(self) -> Loader[None, list[tuple[str, float]]]:
        return self._loader(_average_production_metrics(self._within), leaf=True)

    @cached_property
    def protection(self) -> Loader[str, Protection | None]:
        return self._loader(_by_key(protections_by_environment), leaf=True)

    @cached_property
    def webhook(self) -> Loader[int, Webhook | None]:
        return self._loader(_by_key(webhook_reads.webhooks_by_id))

    @cached_property
    def delivery_page(self) -> Loader[DeliveryPageKey, Page[WebhookDelivery]]:
        return self._loader(_pages(_delivery_pages))

    @cached_property
    def webhook_attempts(self) -> Loader[int, list[WebhookAttempt]]:
        return self._loader(_lists(webhook_reads.attempts_of), leaf=True)

    # Monitoring (schema/monitoring_types.py).

    @cached_property
    def reference_profile(self) -> Loader[int, ReferenceProfile | None]:
        return self._loader(_by_key(monitoring.profiles_by_version), leaf=True)

    @cached_property
    def window_page(self) -> Loader[WindowPageKey, Page[MonitoringWindow]]:
        return self._loader(_pages(_window_pages))

    @cached_property
    def window(self) -> Loader[int, MonitoringWindow | None]:
        return self._loader(_by_key(monitoring.windows_by_id))

    @cached_property
    def monitoring_policy(self) -> Loader[tuple[int, str], Policy]:
        """(model id, environment) -> the policy in force (the defaults where none is stored)."""
        return self._loader(_policies, leaf=True)

    @cached_property
    def retraining_request(self) -> Loader[int, RetrainingRequest | None]:
        return self._loader(_by_key(monitoring.retraining_requests_by_id))

    @cached_property
    def open_retraining(self) -> Loader[int, RetrainingRequest | None]:
        return self._loader(_by_key(monitoring.open_requests))

    def clear(self) -> None:
        """Drop every cached value once the request's result is built.

        A request's context, its loaders and the futures they cache end up in reference cycles (asyncio's
        futures and tasks, Strawberry's and graphql-core's objects), which only the cyclic collector frees, and
        ``PausedCollector`` (schema/execution.py) holds it off while any operation executes: under steady
        concurrent load each dashboard's thousands of rows then waited for a moment with nothing executing
        (measured: 4 clients for 20 s, the server's RSS peaked at 339 MB). Emptied caches free the rows by
        reference counting as soon as the result is encoded.
        """
        for loader in vars(self).values():  # the loaders made so far (``cached_property`` keeps them here)
            if isinstance(loader, Loader):
                loader.clear()

    def metrics(self, version_id: int) -> asyncio.Future[list[tuple[str, float]]]:
        return self.version_facts.load(("metrics", version_id))

    def version_tags(self, version_id: int) -> asyncio.Future[list[tuple[str, str]]]:
        return self.version_facts.load(("tags", version_id))
