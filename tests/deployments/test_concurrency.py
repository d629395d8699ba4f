"""Several processes change one model at once, on SQLite and on PostgreSQL (docs/api.md, "Promotion semantics").

Workers run in separate processes (``spawn``), each with its own connections, so the database's locking
is what keeps the registry consistent, not anything shared in Python.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import queue as queues
from collections.abc import Callable
from typing import Any

import pytest

from models.audit.chain import verify
from models.db.connection import connected
from models.entities import AuditAction, AuditEvent, Deployment, ModelVersion, RegisteredModel
from models.registry.operations import Registration, register_version
from tests.support import workers

PROCESSES = 4
PROMOTIONS_PER_PROCESS = 15
VERSIONS = 5
ENVIRONMENTS = ("production", "staging")
#: Seconds to wait for all workers to finish.
TIMEOUT = 90.0


def _run_workers(target: Callable[..., None], arguments: list[tuple[Any, ...]]) -> list[workers.Outcome]:
    """Run ``target(*arguments[i], barrier, queue)`` in one spawned process per entry; return their outcomes."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in arguments]
    for process in processes:
        process.start()
    outcomes: list[workers.Outcome] = []
    try:
        for _ in processes:
            outcomes.append(results.get(timeout=TIMEOUT))
    except queues.Empty:
        pytest.fail(f"only {len(outcomes)} of {len(processes)} workers finished within {TIMEOUT} s: {outcomes}")
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        results.close()
        results.join_thread()
    for outcome in outcomes:
        assert not outcome.errors, f"{outcome.worker} raised:\n" + "\n".join(outcome.errors)
    return sorted(outcomes, key=lambda outcome: outcome.worker)


async def _register(url: str, model: str, count: int) -> list[int]:
    async with connected(url):
        return [
            (
                await register_version(
                    model=model, registration=Registration(metrics=[("auc", 0.8 + n / 100)]), actor="setup"
                )
            ).version.number
            for n in range(count)
        ]


def _setup(url: str, model: str) -> list[int]:
    numbers = asyncio.run(_register(url, model, VERSIONS))
    assert numbers == list(range(1, VERSIONS + 1))
    return numbers


async def _history(url: str, model: str) -> tuple[list[Deployment], list[AuditEvent], dict[int, int]]:
    """Every deployment and PROMOTED event of ``model`` in creation order, and version id -> number."""
    async with connected(url):
        target = await RegisteredModel.get(name=model)
        deployments = await Deployment.filter(model_id=target.id).order_by("id")
        events = await AuditEvent.filter(model_id=target.id, action=AuditAction.PROMOTED).order_by("id")
        numbers = dict(await ModelVersion.filter(model_id=target.id).values_list("id", "number"))
        (chain,) = await verify(model=model)  # the racing writers appended to one unbroken hash chain
        assert chain.finding is None and chain.events == await AuditEvent.filter(model_id=target.id).count(), chain
    return deployments, events, {int(key): int(value) for key, value in numbers.items()}


def _check_chains(deployments: list[Deployment], events: list[AuditEvent]) -> None:
    """Per environment: one active deployment, the last; each new deployment retired the one before it."""
    for environment in ENVIRONMENTS:
        chain = [deployment for deployment in deployments if deployment.environment == environment]
        promoted = [event for event in events if event.environment == environment]
        assert chain, f"nothing was ever deployed to {environment}"
        active = [deployment for deployment in chain if deployment.retired_at is None]
        assert active == [chain[-1]], f"{environment}: active deployments {[d.id for d in active]}, expected the last"
        # One PROMOTED event per deployment, in the same order, each naming the version it replaced.
        assert len(promoted) == len(chain), f"{environment}: {len(promoted)} PROMOTED events, {len(chain)} deployments"
        previous: Deployment | None = None
        for deployment, event in zip(chain, promoted, strict=True):
            assert event.version_id == deployment.version_id
            assert event.actor == deployment.deployed_by
            assert event.previous_version_id == (previous.version_id if previous else None), (
                f"{environment}: event {event.id} names previous version id {event.previous_version_id}, "
                f"but deployment {previous.id if previous else None} was active before it"
            )
            if previous is not None:
                # The promote that created this deployment retired the one before, in the same transaction.
                assert previous.version_id != deployment.version_id, "re-promoting the active version wrote a row"
                assert previous.retired_at is not None
                assert previous.retired_at >= previous.deployed_at
                assert previous.retired_at <= deployment.deployed_at
                assert previous.retired_by == deployment.deployed_by
                assert previous.retired_reason == deployment.reason
            previous = deployment
    assert {deployment.environment for deployment in deployments} <= set(ENVIRONMENTS)


@pytest.mark.parametrize("compare_and_set", [False, True], ids=["plain", "expected-current-version"])
def test_concurrent_promotions_keep_one_active_deployment(database_url: str, compare_and_set: bool) -> None:
    model = "contended"
    versions = _setup(database_url, model)

    outcomes = _run_workers(
        workers.promote_randomly,
        [(database_url, index, model, versions, PROMOTIONS_PER_PROCESS, compare_and_set) for index in range(PROCESSES)],
    )

    for outcome in outcomes:
        assert outcome.changed + outcome.unchanged + outcome.conflicts == PROMOTIONS_PER_PROCESS, outcome
        if not compare_and_set:
            assert outcome.conflicts == 0, f"{outcome.worker}: a plain promote of a READY version got CONFLICT"
    changed = sum(outcome.changed for outcome in outcomes)
    deployments, events, numbers = asyncio.run(_history(database_url, model))
    print(
        f"\n{'CAS' if compare_and_set else 'plain'}: {changed} changed, "
        f"{sum(o.unchanged for o in outcomes)} unchanged, {sum(o.conflicts for o in outcomes)} conflicts"
    )

    assert len(events) == changed, f"{len(events)} PROMOTED events for {changed} changed results"
    assert len(deployments) == changed, f"{len(deployments)} deployments for {changed} changed results"
    active = [deployment for deployment in deployments if deployment.retired_at is None]
    assert sorted(deployment.environment for deployment in active) == sorted(ENVIRONMENTS)
    _check_chains(deployments, events)

    if compare_and_set:
        # A compare-and-set promote that went through replaced exactly the version it expected.
        by_id = {event.id: event for event in events}
        for outcome in outcomes:
            for event_id, expected in outcome.cas_events:
                event = by_id[event_id]
                replaced = numbers[event.previous_version_id] if event.previous_version_id else 0
                assert replaced == expected, f"event {event_id}: expected v{expected} active, replaced v{replaced}"


def test_concurrent_retries_with_one_idempotency_key_promote_once(database_url: str) -> None:
    model = "idempotent"
    _setup(database_url, model)
    # Each round, every process sends the same promote with the same key, as one retrying client would.
    rounds = [(f"release-{n}", version) for n, version in enumerate([2, 4, 1, 5, 3])]

    outcomes = _run_workers(
        workers.promote_with_keys, [(database_url, index, model, rounds, "release-bot") for index in range(PROCESSES)]
    )

    for outcome in outcomes:
        assert outcome.conflicts == 0, f"{outcome.worker}: same key and same input got CONFLICT"
        assert len(outcome.results) == len(rounds)
    deployments, events, numbers = asyncio.run(_history(database_url, model))
    assert len(events) == len(rounds), f"{len(events)} PROMOTED events for {len(rounds)} idempotency keys"
    assert len(deployments) == len(rounds)
    for position, (key, version) in enumerate(rounds):
        seen = {outcome.results[position] for outcome in outcomes}
        assert len(seen) == 1, f"{key}: workers got different results {seen}"
        ((deployment_id, changed, event_id),) = seen
        assert changed is True
        assert deployment_id == deployments[position].id
        assert numbers[deployments[position].version_id] == version
        assert event_id == events[position].id
        assert events[position].actor == "release-bot"
    _check_chains_production_only(deployments, events)


def _check_chains_production_only(deployments: list[Deployment], events: list[AuditEvent]) -> None:
    assert [deployment.retired_at is None for deployment in deployments] == [False] * (len(deployments) - 1) + [True]
    for previous, deployment in itertools.pairwise(deployments):
        assert previous.retired_at is not None and previous.retired_at <= deployment.deployed_at
    assert [event.version_id for event in events] == [deployment.version_id for deployment in deployments]


async def _registered(url: str, model: str) -> tuple[list[int], int, dict[str, int]]:
    async with connected(url):
        target = await RegisteredModel.get(name=model)
        numbers = [version.number for version in await ModelVersion.filter(model_id=target.id).order_by("number")]
        actions = {
            action: await AuditEvent.filter(model_id=target.id, action=action).count()
            for action in (AuditAction.MODEL_CREATED, AuditAction.VERSION_REGISTERED)
        }
        models = await RegisteredModel.filter(name=model).count()
        assert models == 1
        (chain,) = await verify(model=model)  # creating the model raced too: MODEL_CREATED is still position 1
        assert (chain.finding, chain.events) == (None, sum(actions.values())), chain
    return numbers, target.version_count, {str(k): v for k, v in actions.items()}


def test_concurrent_registrations_number_versions_densely(database_url: str) -> None:
    model = "raced"  # does not exist yet: the first registrations race to create it as well
    per_process = 10

    outcomes = _run_workers(workers.register_many, [(database_url, index, model, per_process) for index in range(4)])

    total = 4 * per_process
    for outcome in outcomes:
        assert len(outcome.numbers) == per_process
        assert outcome.numbers == sorted(outcome.numbers), f"{outcome.worker} got decreasing numbers {outcome.numbers}"
    returned = sorted(number for outcome in outcomes for number in outcome.numbers)
    assert returned == list(range(1, total + 1)), f"returned numbers have gaps or duplicates: {returned}"
    stored, version_count, actions = asyncio.run(_registered(database_url, model))
    assert stored == list(range(1, total + 1))
    assert version_count == total
    assert actions == {AuditAction.MODEL_CREATED.value: 1, AuditAction.VERSION_REGISTERED.value: total}
