"""Execution that hands the event loop back while it completes large results.

graphql-core completes a list of values that are already loaded synchronously: resolving 100,000 objects
holds the event loop for as long as it takes, so ``/healthz`` on the same process waits, and the execution
timeout (``asyncio.timeout``) fires only when completion ends. ``YieldingExecutionContext`` checks the clock as
it completes each value; once it has run ``SLICE_SECONDS`` without a pause, the values still to complete wait
their turn in coroutines while the loop comes round. graphql-core awaits what ``complete_value`` returns as it
awaits an async resolver, so the result is the same; in between, the loop answers other requests and delivers
the timeout's cancellation, which unwinds the execution at that pause.

Small operations never reach a slice and complete exactly as before. A pause can let the loaders' ``Batcher``
start a round before every key of a level is queued: a huge operation may then cost a few more statements,
never a different answer (schema/loaders.py).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import GraphQLObjectType, GraphQLOutputType, OperationType, Undefined
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import field_plans, levels
from schema.pacing import Pacer, current_pacer


@dataclass
class _Progress:
    """A list being completed: its values so far (awaitables where an item is still resolving) and their places."""

    completed: list[Any]
    awaited: list[int]

    async def result(self) -> list[Any]:
        values = await gather_with_cancel(*(self.completed[index] for index in self.awaited))
        for index, value in zip(self.awaited, values, strict=True):
            self.completed[index] = value
        return self.completed


#: True while ``schema.execute_sync`` runs (introspection, say): that execution must never pause.
synchronous: ContextVar[bool] = ContextVar("synchronous", default=False)


def _probe(source: Any, info: Any) -> None:
    """A resolver to ask the middleware manager whether it wraps resolvers at all."""


class YieldingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, completing lists a slice (``SLICE_SECONDS``) at a time (see ``Pacer``), and plain
    leaf fields without its per-field machinery (``execute_fields``, ``schema/field_plans.py``)."""

    #: Complete plain leaf fields directly; off, every field takes graphql-core's path (tests compare the two).
    plain_leaves: ClassVar[bool] = True
    #: Complete a query's root fields level by level (schema/levels.py) when the plain path is on too.
    by_levels: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: id(grouped field set) -> (that set, its parent type, its plan). graphql-core memoizes each object's
        #: grouped field set, so the items of a list share one, and one plan. Shared with sub-executors (copies).
        self._plans: dict[int, tuple[GroupedFieldSet, GraphQLObjectType, field_plans.Plan, bool]] = {}
        # Strawberry always passes a middleware manager; it wraps resolvers only when an extension implements
        # ``resolve`` (none of ours does). With a wrapper, every field must run through it: no shortcut.
        manager = self.middleware_manager
        self._unwrapped = manager is None or manager.get_field_resolver(_probe) is _probe
        batcher = getattr(getattr(self.context_value, "loaders", None), "batcher", None)
        operation = getattr(self, "operation", None)
        if synchronous.get() or (operation is not None and operation.operation == OperationType.SUBSCRIPTION):
            # A subscription's execution outlives its setup, after which its pacer is closed; each event it sends
            # is one small result, which needs no slices.
            self.pacer: Pacer | None = None
        elif batcher is not None:
            self.pacer = Pacer(hold=batcher.hold, release=batcher.release)
        else:
            self.pacer = Pacer()
        current_pacer.set(self.pacer)
        self._levels = operation is not None and operation.operation == OperationType.QUERY and self.pacer is not None

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, except that a plain leaf field is completed by its ``Leaf`` without a
        ``Path``, an info object or ``complete_value``; when the leaf cannot tell (``FALLBACK``, or it raised), that
        field runs through ``execute_field`` as every other field does, so errors are exactly graphql-core's.

        Deferred fragments (a position context) and field middleware keep graphql-core's own method throughout.
        """
        if not (self.plain_leaves and self._unwrapped) or position_context is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        planned = self._plan(parent_type, grouped_field_set)[0]
        fallback = field_plans.FALLBACK
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        # From here on, graphql-core's execute_fields (3.3.2) but for the leaf's shortcut.
        try:
            for response_name, field_details_list, leaf in planned:
                if leaf is not None:
                    try:
                        completed = leaf.complete(source_value)
                    except Exception:
                        completed = fallback
                    if completed is not fallback:
                        results[response_name] = completed
                        continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(parent_type, source_value, field_details_list, field_path, None)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's ``complete_value``, going straight to the sub-fields of an object typed ``T`` or ``T!``.

        graphql-core walks the type's wrappers (non-null, list, leaf, abstract, object) for every object it
        completes, then ``complete_object_value``, ``collect_and_execute_subfields`` and the incremental executor's
        ``execute_collected_subfields`` in turn. For a value that is there (not None, not an exception) of an object
        type that checks its values by class only, all of that comes to ``is_type_of`` and ``execute_fields`` with
        the memoized sub-fields. Anything else (None, errors, abstract types, lists, leaves, deferred fragments)
        takes graphql-core's method.
        """
        if (
            path.prev is None
            and self._levels
            and self.by_levels
            and self.plain_leaves
            and self._unwrapped
            and position_context is None
            and result is not None
            and not isinstance(result, Exception)
        ):
            shape = levels.Planner(self).shape(return_type, field_details_list, path)
            if shape is not None:
                return self._by_levels(shape, return_type, field_details_list, info, path, result)
        target = field_plans.object_type_of(return_type)
        if (
            target is None
            or result is None
            or result is Undefined
            or isinstance(result, Exception)
            or position_context is not None
            or not self.plain_leaves
        ):
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        is_type_of = target.is_type_of
        if is_type_of is not None and not is_type_of(result, info):
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(target, field_details_list)
        if new_defer_usages:
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        return self.execute_fields(target, result, path, grouped_field_set, None)

    async def _by_levels(
        self,
        shape: levels.Shape,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
    ) -> Any:
        """A root field's value completed level by level; by graphql-core's path when anything is unusual (which
        then gives the errors, their paths and the nulls: schema/levels.py)."""
        try:
            return await levels.Completion(self.pacer).run(shape, result)
        except Exception:
            completed = super().complete_value(return_type, field_details_list, info, path, result, None)
            return await completed if self.is_awaitable(completed) else completed

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[field_plans.Plan, bool]:
        """The set's plan, and whether every field of it is a plain leaf."""
        known = self._plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set and known[1] is parent_type:
            return known[2], known[3]
        planned = field_plans.plan(parent_type, grouped_field_set)
        only_leaves = all(leaf is not None for _, _, leaf in planned)
        self._plans[id(grouped_field_set)] = (grouped_field_set, parent_type, planned, only_leaves)
        return planned, only_leaves

    def _leaves_only(self, item_type: GraphQLOutputType, field_details_list: Any) -> field_plans.Plan | None:
        """The plan of a list's items when they are of an object type (``T`` or ``T!``) and every field selected on
        them is a plain leaf (a metric's name and value); None otherwise."""
        target = field_plans.object_type_of(item_type)
        if target is None or not (self.plain_leaves and self._unwrapped):
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(target, field_details_list)
        if new_defer_usages:
            return None
        planned, only_leaves = self._plan(target, grouped_field_set)
        return planned if only_leaves else None

    @staticmethod
    def _complete_leaves(item_type: GraphQLOutputType, planned: field_plans.Plan, info: Any, item: Any) -> Any:
        """An item of a ``_leaves_only`` list as ``complete_value`` would complete it, without the item's ``Path``;
        ``FALLBACK`` when any part is unsure, and the item then takes the ordinary way (which builds its path and
        reports any error there)."""
        fallback = field_plans.FALLBACK
        if item is None or isinstance(item, Exception):
            return fallback
        is_type_of = field_plans.object_type_of(item_type).is_type_of  # type: ignore[union-attr]  # _leaves_only
        if is_type_of is not None and not is_type_of(item, info):
            return fallback
        completed: dict[str, Any] = {}
        try:
            for response_name, _, leaf in planned:
                value = leaf.complete(item)  # type: ignore[union-attr]  # only leaves: _leaves_only checked
                if value is fallback:
                    return fallback
                completed[response_name] = value
        except Exception:
            return fallback
        return completed

    async def complete_awaitable_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, awaiting the resolver's value directly when there is no abort signal (Strawberry passes
        none): ``with_abort_signal`` then only awaits it, in one more coroutine per awaited field."""
        if self.abort_signal is not None:
            return await super().complete_awaitable_value(
                return_type, field_details_list, info, path, result, position_context
            )
        try:
            completed = self.complete_value(return_type, field_details_list, info, path, await result, position_context)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            completed = None
        return completed

    @staticmethod
    async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """Complete a list's items until the slice runs out, then the rest from one coroutine, a slice at a time.

        Only lists are paused: everything else completes a bounded amount of work, and a list paused part-way
        costs one coroutine however many items are left (not one per item).
        """
        if self.pacer is None:
            return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)
        items = items if isinstance(items, list) else list(items)
        done = _Progress(completed=[], awaited=[])
        index = self._complete_some(item_type, field_details_list, info, path, items, 0, done, position_context)
        if index < len(items):
            # The turn is taken now, not when graphql-core first runs the coroutine: until then the loaders'
            # next round must wait for the loads the rest of this list will queue.
            # A task, not a bare coroutine: graphql-core may await it only after a sibling field's loads, and
            # the round that brings those waits for this turn.
            turn = self.pacer.turn()
            rest = self._complete_rest(
                item_type, field_details_list, info, path, items, index, done, position_context, turn
            )
            return asyncio.ensure_future(rest)
        return done.result() if done.awaited else done.completed

    def _complete_some(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: list[Any],
        index: int,
        done: _Progress,
        position_context: Any,
    ) -> int:
        """Complete items from ``index`` while the slice lasts; the index of the first item left."""
        assert self.pacer is not None  # complete_iterable_value paces only with a pacer
        is_awaitable, pause_at = self.is_awaitable, self.pacer.pause_at
        fallback, leaves = field_plans.FALLBACK, self._leaves_only(item_type, field_details_list)
        while index < len(items) and time.perf_counter() < pause_at:
            item = items[index]
            awaitable = is_awaitable(item)
            if leaves is not None and not awaitable:
                completed = self._complete_leaves(item_type, leaves, info, item)
                if completed is not fallback:
                    done.completed.append(completed)
                    index += 1
                    continue
            item_path = path.add_key(index, None)
            if awaitable:
                done.completed.append(
                    self.complete_awaitable_list_item_value(
                        item, item_type, field_details_list, info, item_path, position_context
                    )
                )
                done.awaited.append(index)
            elif self.complete_list_item_value(
                item, done.completed, item_type, field_details_list, info, item_path, position_context
            ):
                done.awaited.append(index)
            index += 1
        return index

    async def _complete_rest(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: list[Any],
        index: int,
        done: _Progress,
        position_context: Any,
        turn: asyncio.Future[None],
    ) -> list[Any]:
        assert self.pacer is not None
        while index < len(items):
            await turn
            try:
                index = self._complete_some(
                    item_type, field_details_list, info, path, items, index, done, position_context
                )
                if index < len(items):
                    turn = self.pacer.turn()  # before passing this one on, so the loaders' round keeps waiting
            finally:
                self.pacer.pass_on()
        return await done.result() if done.awaited else done.completed


class PausedCollector(SchemaExtension):
    """Hold CPython's cyclic garbage collector off while operations execute, and let it run between them; when
    an execution ends (or is cancelled by the timeout), cancel the work its pacer still holds.

    A large result allocates millions of objects; every so often the collector then walks all of them at once
    (measured: pauses of 100 to 500 ms on the most expensive allowed document, which slices cannot break up,
    and 5.1 s against 2.2 s for the whole document). Objects are still freed by reference counting as they go;
    only cycles wait, and the node limit bounds how much an operation allocates.

    The collector is switched back on once no operation is executing (and it was on before), at the event loop's
    next turn rather than as the execution ends. Its first young collection walks every container allocated since
    the last one that is still alive: as the execution ends, that is the whole result (a dashboard's, some
    100,000 objects: 5 to 6 ms, in process); a turn later the response has been encoded and the result freed by
    reference counting (0.3 to 0.4 ms).
    """

    _executing: ClassVar[int] = 0
    _was_enabled: ClassVar[bool] = True
    #: The loop whose next turn is to switch the collector back on (only set when it was on before).
    _resume_on: ClassVar[asyncio.AbstractEventLoop | None] = None

    def on_execute(self) -> Iterator[None]:
        cls = PausedCollector
        if cls._executing == 0:
            if cls._resume_on is None:
                cls._was_enabled = gc.isenabled()
            elif cls._resume_on.is_closed():  # its turn never came (a test's loop): the collector was on before
                cls._resume_on = None
            gc.disable()
        cls._executing += 1
        try:
            yield
        finally:
            pacer = current_pacer.get()
            if pacer is not None:
                pacer.close()
            cls._executing -= 1
            if cls._executing == 0 and cls._was_enabled:
                cls._resume_soon()

    @staticmethod
    def _resume_soon() -> None:
        cls = PausedCollector
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # executed synchronously (schema.execute_sync): no turn to wait for
            cls._resume_on = None
            gc.enable()
            return
        if cls._resume_on is not loop:
            cls._resume_on = loop
            loop.call_soon(cls._resume)

    @staticmethod
    def _resume() -> None:
        cls = PausedCollector
        cls._resume_on = None
        # An operation that began in the meantime switches it back on when it ends (the last one to end does).
        if cls._executing == 0 and cls._was_enabled:
            gc.enable()
