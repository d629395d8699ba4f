"""Work for the processes ``tests/deployments/test_concurrency.py`` spawns (not a test module).

Every function here is a process target: it connects to the database on its own, waits at a barrier so
all processes start together, does its share of the work, and puts one ``Outcome`` on the result queue.
Only ``models.errors.Conflict`` is an expected failure; anything else is reported in ``Outcome.errors``.
"""

from __future__ import annotations

import asyncio
import random
import traceback
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models.db.connection import connected
from models.deployments.operations import promote
from models.entities import Deployment
from models.errors import Conflict
from models.registry.operations import Registration, register_version

if TYPE_CHECKING:
    import multiprocessing.queues
    import multiprocessing.synchronize

#: Seconds a process waits at the start barrier for the others.
BARRIER_TIMEOUT = 60.0


@dataclass
class Outcome:
    """What one worker process saw."""

    worker: str
    #: Results with ``changed=True``.
    changed: int = 0
    #: Results with ``changed=False`` (the version was already active).
    unchanged: int = 0
    #: ``Conflict`` errors (expected only for compare-and-set).
    conflicts: int = 0
    #: Anything else that was raised: ``"TypeName: message"`` with the traceback.
    errors: list[str] = field(default_factory=list)
    #: For compare-and-set promotions that changed something: (audit event id, expected current version).
    cas_events: list[tuple[int, int]] = field(default_factory=list)
    #: One tuple per call, in order, for replays: (deployment id, changed, audit event id or None).
    results: list[tuple[int, bool, int | None]] = field(default_factory=list)
    #: Version numbers this worker registered, in order.
    numbers: list[int] = field(default_factory=list)


def _failure(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}\n{''.join(traceback.format_exception(error))}"


def _run(outcome: Outcome, queue: multiprocessing.queues.Queue[Outcome], work: Coroutine[Any, Any, None]) -> None:
    """Run the coroutine ``work`` and always put ``outcome`` on ``queue``, even when it crashes."""
    try:
        asyncio.run(work)
    except BaseException as error:  # reported to the parent, which fails the test with it
        outcome.errors.append(_failure(error))
    finally:
        queue.put(outcome)


async def _active_version(model: str, environment: str) -> int:
    """The number of the version active in ``environment`` (0 when nothing is), read outside any transaction."""
    active = await Deployment.filter(model__name=model, environment=environment, retired_at=None).select_related(
        "version"
    )
    return active[0].version.number if active else 0


def promote_randomly(
    url: str,
    index: int,
    model: str,
    versions: list[int],
    count: int,
    compare_and_set: bool,
    barrier: multiprocessing.synchronize.Barrier,
    queue: multiprocessing.queues.Queue[Outcome],
) -> None:
    """Promote ``count`` random versions of ``model``, mostly into production and some into staging."""
    outcome = Outcome(worker=f"worker-{index}")

    async def work() -> None:
        chooser = random.Random(index)
        async with connected(url):
            barrier.wait(BARRIER_TIMEOUT)
            for step in range(count):
                version = chooser.choice(versions)
                environment = "staging" if chooser.random() < 0.25 else "production"
                expected = await _active_version(model, environment) if compare_and_set else None
                try:
                    result = await promote(
                        model=model,
                        version=version,
                        actor=outcome.worker,
                        environment=environment,
                        reason=f"{outcome.worker} step {step}",
                        expected_current_version=expected,
                    )
                except Conflict:
                    outcome.conflicts += 1
                    continue
                except Exception as error:
                    outcome.errors.append(_failure(error))
                    continue
                if result.changed:
                    outcome.changed += 1
                    if expected is not None and result.event is not None:
                        outcome.cas_events.append((result.event.id, expected))
                else:
                    outcome.unchanged += 1

    _run(outcome, queue, work())


def promote_with_keys(
    url: str,
    index: int,
    model: str,
    rounds: list[tuple[str, int]],
    actor: str,
    barrier: multiprocessing.synchronize.Barrier,
    queue: multiprocessing.queues.Queue[Outcome],
) -> None:
    """For each (idempotency key, version) round, all workers promote the same input with the same key at once."""
    outcome = Outcome(worker=f"worker-{index}")

    async def work() -> None:
        async with connected(url):
            for key, version in rounds:
                barrier.wait(BARRIER_TIMEOUT)
                try:
                    result = await promote(
                        model=model,
                        version=version,
                        actor=actor,
                        environment="production",
                        reason=f"release with key {key}",
                        idempotency_key=key,
                    )
                except Conflict:
                    outcome.conflicts += 1
                    continue
                except Exception as error:
                    outcome.errors.append(_failure(error))
                    continue
                outcome.results.append(
                    (result.deployment.id, result.changed, result.event.id if result.event else None)
                )

    _run(outcome, queue, work())


def register_many(
    url: str,
    index: int,
    model: str,
    count: int,
    barrier: multiprocessing.synchronize.Barrier,
    queue: multiprocessing.queues.Queue[Outcome],
) -> None:
    """Register ``count`` versions of ``model`` (creating it if needed) as fast as possible."""
    outcome = Outcome(worker=f"worker-{index}")

    async def work() -> None:
        async with connected(url):
            barrier.wait(BARRIER_TIMEOUT)
            for step in range(count):
                try:
                    registered = await register_version(
                        model=model,
                        registration=Registration(
                            description=f"{outcome.worker} registration {step}",
                            metrics=[("accuracy", 0.5 + step / 100)],
                        ),
                        actor=outcome.worker,
                    )
                except Exception as error:
                    outcome.errors.append(_failure(error))
                    continue
                outcome.numbers.append(registered.version.number)

    _run(outcome, queue, work())
