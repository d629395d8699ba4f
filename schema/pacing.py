"""An execution's slices of work: it hands the event loop back between them (``schema/execution.py``).

A large result takes a long time to complete; in between its slices the loop answers other requests, a health
probe, and delivers the execution timeout's cancellation. ``Pacer`` keeps the slices and the queue of work that
waits for the next one; graphql-core's lists (``schema/execution.py``), the loaders' conversions
(``schema/loaders.py``) and the level-by-level completion (``schema/levels.py``) all ask it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

V = TypeVar("V")
R = TypeVar("R")
#: Longest run of completion between two pauses: a request waiting behind it waits at most about this long.
SLICE_SECONDS = 0.02


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
