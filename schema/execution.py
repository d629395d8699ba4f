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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import GraphQLOutputType, OperationType
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

V = TypeVar("V")
R = TypeVar("R")
#: Longest run of completion between two pauses: a request waiting behind it waits at most about this long.
SLICE_SECONDS = 0.02


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


class Pacer:
    """One execution's slices of work, and the queue of what waits for the next one.

    Once a slice has run out, each piece of work that asks (a list with the items it has left, a loaded value
    still to convert) waits its turn in a queue, first come first served. A callback scheduled on the loop
    starts a new slice and wakes the first; each, when the slice runs out or its work is done, wakes the next
    while the slice lasts, or schedules the next slice. So the loop comes round (polls its sockets, answers a
    health probe, delivers the timeout) about every slice, and each waiter is woken once per turn: waking all
    of them at each slice would cost time quadratic in their number.
    """

    def __init__(self, hold: Callable[[], None] = lambda: None, release: Callable[[], None] = lambda: None) -> None:
        self.pause_at = time.perf_counter() + SLICE_SECONDS
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._slice_scheduled = False
        #: Told when a turn is taken and when its work is done: the loaders' rounds wait for paused work.
        self._hold, self._release = hold, release
        self.closed = False

    def due(self) -> bool:
        """The slice has run out: the caller should wait its ``turn()``."""
        return time.perf_counter() >= self.pause_at

    def turn(self) -> asyncio.Future[None]:
        """Resolved when the caller may work again; call ``pass_on()`` when that work is done."""
        turn = asyncio.get_running_loop().create_future()
        if self.closed:
            turn.cancel()
            return turn
        self._hold()
        self._waiting.append(turn)
        self._schedule_slice()
        return turn

    def pass_on(self) -> None:
        self._release()
        if not self.due():
            self._wake_next()
        elif self._waiting:
            self._schedule_slice()

    def close(self) -> None:
        """The execution is over (done, failed or cancelled): cancel the turns still waiting, so no paused work
        goes on after it."""
        self.closed = True
        while self._waiting:
            self._waiting.popleft().cancel()

    def _schedule_slice(self) -> None:
        if not self._slice_scheduled:
            self._slice_scheduled = True
            asyncio.get_running_loop().call_soon(self._next_slice)

    def _next_slice(self) -> None:
        self._slice_scheduled = False
        self.pause_at = time.perf_counter() + SLICE_SECONDS
        self._wake_next()

    def _wake_next(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():  # a cancelled execution leaves cancelled turns behind
                turn.set_result(None)
                return


#: True while ``schema.execute_sync`` runs (introspection, say): that execution must never pause.
synchronous: ContextVar[bool] = ContextVar("synchronous", default=False)
#: The pacer of the execution running in this task (and the tasks it starts), for the loaders' conversions.
current_pacer: ContextVar[Pacer | None] = ContextVar("current_pacer", default=None)


async def paced(value: V, convert: Callable[[V], R]) -> R:
    """``convert(value)``, after waiting for a turn if the execution's slice has run out."""
    pacer = current_pacer.get()
    if pacer is None or not pacer.due():
        return convert(value)
    await pacer.turn()
    try:
        return convert(value)
    finally:
        pacer.pass_on()


class YieldingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, completing lists a slice (``SLICE_SECONDS``) at a time (see ``Pacer``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
        while index < len(items) and time.perf_counter() < pause_at:
            item, item_path = items[index], path.add_key(index, None)
            if is_awaitable(item):
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
    only cycles wait, and the node limit bounds how much an operation allocates. The collector is switched back
    on when no operation is executing, and it was on before.
    """

    _executing = 0
    _was_enabled = True

    def on_execute(self) -> Iterator[None]:
        cls = PausedCollector
        if cls._executing == 0:
            cls._was_enabled = gc.isenabled()
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
                gc.enable()
