"""Work for the processes ``tests/monitoring/test_concurrency.py`` spawns (not a test module).

Each function is a process target: it connects on its own, waits at the barrier so all start together, records its
windows (drifting ones make the policy open a retraining request when none is open), and now and then cancels the
open request or asks for one by hand, then puts one ``Outcome`` on the queue.
"""

from __future__ import annotations

import asyncio
import random
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models.clock import shifted
from models.db.connection import connected
from models.entities import RetrainingState
from models.errors import Conflict, NotFound
from models.monitoring.operations import change_retraining, record_window, request_retraining
from models.monitoring.profiles import BinCounts, WindowCounts

if TYPE_CHECKING:
    import multiprocessing.queues
    import multiprocessing.synchronize

BARRIER_TIMEOUT = 60.0
#: How far the workers' clock runs ahead of the real one.
AHEAD = timedelta(days=1)
#: Counts of the one numeric feature ``x`` (5 bins) and of the predictions (2 classes and "other").
CALM = WindowCounts(500, (BinCounts("x", (100, 100, 100, 100, 100)),), BinCounts("prediction", (250, 250, 0)))
DRIFTING = WindowCounts(500, (BinCounts("x", (10, 10, 30, 150, 300)),), BinCounts("prediction", (250, 250, 0)))


@dataclass
class Outcome:
    worker: str
    #: Keys of the windows this worker recorded (created, not replayed).
    recorded: list[str] = field(default_factory=list)
    #: Requests the policy opened in this worker's calls, and those it opened by hand.
    opened: int = 0
    #: Manual requests refused because one was open, and cancels that found none open.
    conflicts: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)


def record_and_request(
    url: str,
    index: int,
    model: str,
    start: datetime,
    windows: int,
    barrier: multiprocessing.synchronize.Barrier,
    queue: multiprocessing.queues.Queue[Outcome],
) -> None:
    outcome = Outcome(worker=f"worker-{index}")

    async def step(chooser: random.Random, number: int) -> None:
        key = f"{outcome.worker}-{number}"
        begin = start + timedelta(minutes=number * 10 + index)
        counts = DRIFTING if chooser.random() < 0.6 else CALM
        done = await record_window(
            model=model,
            environment=None,
            key=key,
            start=begin,
            end=begin + timedelta(hours=1),
            counts=counts,
            actor=outcome.worker,
        )
        if done.created:
            outcome.recorded.append(key)
        outcome.opened += done.opened is not None
        roll = chooser.random()
        try:
            if roll < 0.3:
                await change_retraining(model=model, to=RetrainingState.CANCELLED, actor=outcome.worker)
                outcome.cancelled += 1
            elif roll < 0.5:
                await request_retraining(model=model, actor=outcome.worker, reason="by hand")
                outcome.opened += 1
        except (Conflict, NotFound):
            outcome.conflicts += 1

    async def work() -> None:
        chooser = random.Random(index)
        async with connected(url):
            barrier.wait(BARRIER_TIMEOUT)
            for number in range(windows):
                try:
                    await step(chooser, number)
                except Exception as error:
                    outcome.errors.append(
                        f"{type(error).__name__}: {error}\n{''.join(traceback.format_exception(error))}"
                    )

    try:
        # The windows run on for hours after ``start``: the worker records them as if they were over (every worker
        # is ahead by the same day, so the order of its writes and the others' is kept).
        with shifted(AHEAD):
            asyncio.run(work())
    except BaseException as error:
        outcome.errors.append(f"{type(error).__name__}: {error}")
    finally:
        queue.put(outcome)
