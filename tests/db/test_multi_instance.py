"""Several ``modelreg serve`` processes on one database behave as one registry (docs/operations.md), on both backends.

Every test here checks the same invariants afterwards (``tests/support/instances.py``): one active deployment per
(model, environment); every deployment created and every retirement written by exactly one audit event;
the audit log replays to the database's state; each answered change has exactly one event carrying its
request id, and nothing unanswered or refused has any.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from models.db.connection import connected
from models.deployments.operations import promote
from models.entities import AuditAction, Deployment
from tests.support.instances import (
    VERSIONS,
    Instance,
    Operation,
    Outcome,
    accounting,
    clients,
    ledger,
    plan,
    run_all,
    seed,
    send,
    start_all,
    stop_all,
)

MODELS = ["alpha", "beta", "gamma", "delta"]
#: The multi-instance race: this many operations over three instances (``make soak`` runs more).
RACE_OPERATIONS = int(os.environ.get("MODELREG_SOAK_OPERATIONS", "300"))
RACE_INSTANCES = 3
RACE_CONCURRENCY = 24
#: The kill loop: this many SIGKILLs of one of two instances under load.
KILL_ROUNDS = int(os.environ.get("MODELREG_SOAK_KILL_ROUNDS", "20"))


def _summary(outcomes: list[Outcome]) -> str:
    counts = sorted(Counter((o.operation.kind, o.status, o.changed) for o in outcomes).items())
    return ", ".join(f"{kind} {status}{' changed' * changed}: {n}" for (kind, status, changed), n in counts)


def test_three_instances_act_as_one_registry(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(seed(database_url, MODELS, VERSIONS))
    instances = [Instance(database_url, tmp_path / "artifacts") for _ in range(RACE_INSTANCES)]
    operations = plan(RACE_OPERATIONS, 6, models=MODELS)
    try:
        start_all(instances, migrate_first=False)
        outcomes = asyncio.run(run_all([i.url for i in instances], token, operations, RACE_CONCURRENCY))
    finally:
        stop_all(instances)

    print(f"\n{len(outcomes)} operations over {RACE_INSTANCES} instances: {_summary(outcomes)}")
    assert len(outcomes) == RACE_OPERATIONS
    failures = [o for o in outcomes if o.status not in ("ok", "conflict")]
    assert not failures, [f"{o.operation.kind}: {o.status} {o.detail}" for o in failures[:5]]
    # Plain promotions of READY versions never conflict; the mix exercised every kind of change.
    plain = [o for o in outcomes if o.operation.kind == "promote" and o.operation.expected is None]
    assert all(o.status == "ok" for o in plain)
    changed = Counter(o.operation.kind for o in outcomes if o.status == "ok" and o.changed)
    assert set(changed) == {"promote", "demote", "rollback"}, changed
    book = asyncio.run(ledger(database_url))
    print(f"invariant violations: {len(book.violations)}; PROMOTED events: {book.count(AuditAction.PROMOTED)}")
    assert book.violations == []
    assert accounting(outcomes, book) == []


def test_one_idempotency_key_at_two_instances_applies_once(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(seed(database_url, ["keyed"], VERSIONS))
    instances = [Instance(database_url, tmp_path / "artifacts") for _ in range(2)]
    rounds: list[tuple[Operation, Operation]] = []
    for number in range(12):
        key = f"release-{number}"
        version = number % VERSIONS + 1
        first = Operation("promote", "keyed", "production", version=version, idempotency_key=key)
        if number % 4 == 3:  # the same key with a different input: one performs, the other is refused
            second = Operation("promote", "keyed", "production", version=version % VERSIONS + 1, idempotency_key=key)
        elif number % 4 == 2:
            first = Operation("rollback", "keyed", "production", idempotency_key=key)
            second = Operation("rollback", "keyed", "production", idempotency_key=key)
        else:
            second = Operation("promote", "keyed", "production", version=version, idempotency_key=key)
        rounds.append((first, second))

    async def race() -> list[tuple[Outcome, Outcome]]:
        pool = clients([i.url for i in instances], token)
        try:
            results = []
            for first, second in rounds:
                pair = await asyncio.gather(send(pool[0], first), send(pool[1], second))
                results.append((pair[0], pair[1]))
            return results
        finally:
            for client in pool:
                await client.aclose()

    try:
        start_all(instances, migrate_first=False)
        results = asyncio.run(race())
    finally:
        stop_all(instances)

    book = asyncio.run(ledger(database_url))
    assert book.violations == []
    for (first, second), (a, b) in zip(rounds, results, strict=True):
        assert {a.status, b.status} <= {"ok", "conflict"}, (a.detail, b.detail)
        events = book.events_of(first.request_id) + book.events_of(second.request_id)
        assert len(events) <= 1, f"key {first.idempotency_key}: two operations were performed: {events}"
        if (first.kind, first.variables()) == (second.kind, second.variables()):
            # Same input: both answers are the one result, whichever instance performed it.
            assert a.status == b.status == "ok", (a.detail, b.detail)
            assert (a.changed, a.event_request_id) == (b.changed, b.event_request_id)
            if a.changed:
                assert len(events) == 1 and events[0].request_id == a.event_request_id
        else:
            assert sorted([a.status, b.status]) == ["conflict", "ok"], (a.detail, b.detail)
            performed = a if a.status == "ok" else b
            assert [event.request_id for event in events] == [performed.operation.request_id]
    assert book.count(AuditAction.PROMOTED) + book.count(AuditAction.ROLLED_BACK) == len(book.events)


class _Load:
    """Deployment mutations sent continuously to two instances from a background thread.

    Every mutation carries an idempotency key, so one that got no answer (its server was killed) can be
    sent again later and either replays what had committed or performs now. The victim instance only gets
    traffic while the test says it is up; requests in flight when it is killed are the ones that matter.
    """

    def __init__(self, victim: Instance, survivor: Instance, token: str, models: list[str]) -> None:
        self.victim, self.survivor, self.token, self.models = victim, survivor, token, models
        self.outcomes: list[Outcome] = []
        self.victim_up = threading.Event()
        #: Set while the victim starts: the machine's cores go to starting it, not to the survivor's traffic.
        self.paused = threading.Event()
        self.stopping = threading.Event()
        self.answered_by_victim = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._chooser = random.Random(20)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=120)
        assert not self._thread.is_alive(), "the load did not stop"

    def wait_for_victim_answers(self, count: int, timeout: float = 60) -> None:
        with self._lock:
            target = self.answered_by_victim + count
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.answered_by_victim >= target:
                    return
            time.sleep(0.005)
        raise AssertionError(f"the victim did not answer {count} requests within {timeout} s")

    async def _run(self) -> None:
        victim, survivor = clients([self.victim.url, self.survivor.url], self.token)
        try:
            await asyncio.gather(*(self._worker(index, victim, survivor) for index in range(4)))
        finally:
            await victim.aclose()
            await survivor.aclose()

    async def _worker(self, index: int, victim: httpx.AsyncClient, survivor: httpx.AsyncClient) -> None:
        while not self.stopping.is_set():
            if self.paused.is_set():
                await asyncio.sleep(0.01)
                continue
            (operation,) = plan(1, self._chooser.randrange(10**9), models=self.models, keys=1.0)
            to_victim = index % 2 == 0 and self.victim_up.is_set()
            outcome = await send(victim if to_victim else survivor, operation)
            with self._lock:
                self.outcomes.append(outcome)
                if to_victim and outcome.status != "lost":
                    self.answered_by_victim += 1
            if outcome.status == "lost":
                await asyncio.sleep(0.01)


def test_sigkill_of_an_instance_under_load_loses_and_duplicates_nothing(database_url: str, tmp_path: Path) -> None:
    models = ["k0", "k1", "k2"]
    token = asyncio.run(seed(database_url, models, VERSIONS))
    victim, survivor = Instance(database_url, tmp_path / "a"), Instance(database_url, tmp_path / "a")
    load = _Load(victim, survivor, token, models)
    pauses = random.Random(7)
    try:
        survivor.start()
        load.start()
        for _ in range(KILL_ROUNDS):
            load.paused.set()
            victim.start()
            load.victim_up.set()
            load.paused.clear()
            load.wait_for_victim_answers(3)
            time.sleep(pauses.uniform(0, 0.05))  # kill at a random point in the stream of requests
            victim.kill()
            load.victim_up.clear()
        load.stop()
        outcomes = load.outcomes
        lost = [o for o in outcomes if o.status == "lost"]
        before = asyncio.run(ledger(database_url))
        committed_before_kill = sum(1 for o in lost if before.events_of(o.operation.request_id))

        async def resend() -> list[Outcome]:
            (client,) = clients([survivor.url], token)
            try:
                return [await send(client, o.operation) for o in lost]
            finally:
                await client.aclose()

        resent = asyncio.run(resend())
    finally:
        load.stopping.set()
        stop_all([victim, survivor])

    final = [o for o in outcomes if o.status != "lost"] + resent
    print(
        f"\n{KILL_ROUNDS} kill rounds, {len(outcomes)} requests; {len(lost)} unanswered (sent again with their "
        f"idempotency keys; {committed_before_kill} had committed before the kill): {_summary(final)}"
    )
    failures = [o for o in final if o.status not in ("ok", "conflict")]
    assert not failures, [f"{o.operation.kind}: {o.status} {o.detail}" for o in failures[:5]]
    book = asyncio.run(ledger(database_url))
    print(f"invariant violations: {len(book.violations)}")
    assert book.violations == []
    assert accounting(final, book) == []


async def _tamper(database_url: str) -> None:
    async with connected(database_url):
        for version in (1, 2, 3, 1):
            await promote(model="alpha", version=version, actor="setup")
        first = await Deployment.filter(retired_at=None).first()
        assert first is not None
        # A deployment row that no audit event created, and one whose deployer differs from its event's actor.
        await Deployment.create(
            model_id=first.model_id,
            version_id=first.version_id,
            environment="staging",
            deployed_at=first.deployed_at,
            deployed_by="intruder",
            retired_at=first.deployed_at,
            retired_by="intruder",
        )
        await Deployment.filter(id=first.id).update(deployed_by="someone-else")


def test_the_invariant_check_finds_a_tampered_history(database_url: str) -> None:
    """The checks above can fail: rows written behind the registry's back are reported."""
    asyncio.run(seed(database_url, ["alpha"], 3))
    asyncio.run(_tamper(database_url))
    violations = asyncio.run(ledger(database_url)).violations
    assert any("has 0 creating events" in violation for violation in violations), violations
    assert any("retiring events" in violation for violation in violations), violations
    assert any("differ in who or when" in violation for violation in violations), violations
