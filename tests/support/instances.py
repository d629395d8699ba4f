"""Helpers for multi-instance tests (not a test module): ``modelreg serve`` processes that can be killed and
restarted, a load of deployment mutations sent over HTTP, and a check of the registry's invariants.

The invariant check reads the database directly and replays the audit log: every deployment was created by
exactly one PROMOTED or ROLLED_BACK event, every retirement was written by exactly one event, and replaying
the events of each (model, environment) in order arrives at the deployments the database holds.
"""

from __future__ import annotations

import asyncio
import queue
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from models.db.connection import connected
from models.entities import AuditAction, AuditEvent, Deployment, Environment, Role
from models.environments.operations import declare_environment
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from tests.support.server import REPO, STARTUP_TIMEOUT, Output, environment, free_port

PROMOTE = "mutation($input: PromoteInput!) { promote(input: $input) { changed auditEvent { requestId action } } }"
DEMOTE = "mutation($input: DemoteInput!) { demote(input: $input) { auditEvent { requestId action } } }"
ROLLBACK = "mutation($input: RollbackInput!) { rollback(input: $input) { auditEvent { requestId action } } }"
DOCUMENTS = {"promote": PROMOTE, "demote": DEMOTE, "rollback": ROLLBACK}
ENVIRONMENTS = ["production", "staging", "canary"]
#: Versions ``seed`` registers per model and ``plan`` promotes.
VERSIONS = 5
DEPLOYMENT_ACTIONS = (AuditAction.PROMOTED, AuditAction.DEMOTED, AuditAction.ROLLED_BACK)


class _Output(Output):
    def wait_for_text(self, wanted: str, timeout: float) -> bool:
        """Wait for a line containing ``wanted`` (``Output.wait_for`` matches whole lines)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.lines.append(line)
            if wanted in line:
                return True
        return False


class Instance:
    """One ``modelreg serve`` process on a fixed port, which can be started again after it was killed."""

    def __init__(
        self, database_url: str, artifact_root: Path, *, args: Sequence[str] = (), env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(self.port),
            "--database-url",
            database_url,
            "--artifact-root",
            str(artifact_root),
            *args,
        ]
        # These tests storm the servers on purpose: the per-token rate limit (tests/app/test_abuse.py) is off.
        self.env = {**environment(), "MODELREG_RATE_LIMIT": "0", **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        self.output: _Output | None = None
        self.logs: list[str] = []

    def launch(self, *, migrate: bool = False) -> None:
        """Start the process without waiting (``wait_ready`` waits)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        command = self.command if migrate else [*self.command, "--no-migrate"]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output = _Output(self.process.stdout)

    def wait_ready(self) -> None:
        assert self.process is not None and self.output is not None
        if not self.output.wait_for(f"listening on {self.url}", STARTUP_TIMEOUT):
            raise AssertionError(
                f"{self.url} did not start within {STARTUP_TIMEOUT} s (exit code {self.process.poll()}):\n"
                + self.output.text()
            )

    def start(self, *, migrate: bool = False) -> None:
        self.launch(migrate=migrate)
        self.wait_ready()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or container dies."""
        self._end(signal.SIGKILL)

    def stop(self) -> int:
        """SIGTERM, then wait; returns the exit code."""
        return self._end(signal.SIGTERM)

    def wait_exit(self) -> int:
        """Wait for the process to end by itself (after a signal the test sent); returns the exit code."""
        return self._end(None)

    def _end(self, how: signal.Signals | None) -> int:
        assert self.process is not None and self.output is not None
        if how is not None and self.process.poll() is None:
            self.process.send_signal(how)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=15)
        self.output.finish()
        self.logs.append(self.output.text())
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    def wait_for_log(self, wanted: str, timeout: float = 30) -> None:
        assert self.output is not None
        if not self.output.wait_for_text(wanted, timeout):
            raise AssertionError(f"{self.url} did not log {wanted!r} within {timeout} s:\n{self.output.text()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        current = self.output.text() if self.output is not None and self.alive() else ""
        return "\n".join([*self.logs, current])


def start_all(instances: Iterable[Instance], *, migrate_first: bool = True) -> None:
    """Start instances side by side (the first one applies migrations if asked)."""
    pending = list(instances)
    if migrate_first and pending:
        pending[0].start(migrate=True)
        pending = pending[1:]
    for instance in pending:
        instance.launch()
    for instance in pending:
        instance.wait_ready()


def stop_all(instances: Iterable[Instance]) -> None:
    for instance in instances:
        if instance.alive():
            instance.stop()


# --- Data and load ---------------------------------------------------------------------------------------


async def seed(database_url: str, models: Sequence[str], versions: int, *, token_name: str = "deployer") -> str:
    """Register ``versions`` versions of each model and return a new deployer token."""
    async with connected(database_url):
        if not await Environment.filter(name="canary").exists():  # staging and production are always declared
            await declare_environment(name="canary", actor="setup")
        for model in models:
            for _ in range(versions):
                await register_version(model=model, registration=Registration(), actor="setup")
        _, secret = await create_token(name=token_name, role=Role.DEPLOYER)
    return secret


@dataclass
class Operation:
    """One deployment mutation with its own request id (the audit events record it)."""

    kind: str
    model: str
    environment: str
    version: int | None = None
    expected: int | None = None
    idempotency_key: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def variables(self) -> dict[str, Any]:
        values: dict[str, Any] = {"model": self.model, "environment": self.environment}
        if self.version is not None:
            values["version"] = self.version
        if self.expected is not None:
            values["expectedCurrentVersion"] = self.expected
        if self.idempotency_key is not None:
            values["idempotencyKey"] = self.idempotency_key
        return {"input": values}


@dataclass
class Outcome:
    operation: Operation
    #: "ok", "conflict", "lost" (no answer: the server died or was not there), or "error".
    status: str
    changed: bool = False
    #: The auditEvent.requestId of the answer (the first request's id for a replay).
    event_request_id: str | None = None
    detail: str = ""


async def send(client: httpx.AsyncClient, operation: Operation) -> Outcome:
    """Send one operation and classify the answer. Only CONFLICT is an expected failure."""
    try:
        response = await client.post(
            "/graphql",
            json={"query": DOCUMENTS[operation.kind], "variables": operation.variables()},
            headers={"x-request-id": operation.request_id},
        )
    except httpx.TransportError as error:
        return Outcome(operation, "lost", detail=repr(error))
    if response.status_code != 200:
        return Outcome(operation, "error", detail=f"HTTP {response.status_code}: {response.text[:500]}")
    body = response.json()
    if body.get("errors"):
        codes = [error.get("extensions", {}).get("code") for error in body["errors"]]
        status = "conflict" if codes == ["CONFLICT"] else "error"
        return Outcome(operation, status, detail=str(body["errors"])[:500])
    payload = body["data"][operation.kind]
    event = payload.get("auditEvent")
    changed = payload.get("changed", True)
    return Outcome(
        operation, "ok", changed=bool(changed), event_request_id=event["requestId"] if event is not None else None
    )


def plan(count: int, seed_value: int, *, models: Sequence[str], keys: float = 0.3) -> list[Operation]:
    """A seeded mix: plain and compare-and-set promotions, demotions, rollbacks, some with idempotency keys."""
    chooser = random.Random(seed_value)
    operations = []
    for _ in range(count):
        model, environment, draw = chooser.choice(models), chooser.choice(ENVIRONMENTS), chooser.random()
        key = uuid.uuid4().hex if chooser.random() < keys else None
        if draw < 0.55:
            operation = Operation("promote", model, environment, version=chooser.randint(1, VERSIONS))
        elif draw < 0.65:
            version, expected = chooser.randint(1, VERSIONS), chooser.randint(0, VERSIONS)
            operation = Operation("promote", model, environment, version=version, expected=expected)
        elif draw < 0.8:
            operation = Operation("demote", model, environment)
        else:
            operation = Operation("rollback", model, environment)
        operation.idempotency_key = key
        operations.append(operation)
    return operations


def clients(urls: Sequence[str], token: str) -> list[httpx.AsyncClient]:
    return [httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) for url in urls]


async def run_all(urls: Sequence[str], token: str, operations: Sequence[Operation], concurrency: int) -> list[Outcome]:
    """Send the operations (operation i to instance i mod len(urls)) with ``concurrency`` in flight at once."""
    pool = clients(urls, token)
    queue: asyncio.Queue[tuple[int, Operation]] = asyncio.Queue()
    for item in enumerate(operations):
        queue.put_nowait(item)
    outcomes: list[Outcome] = []

    async def worker() -> None:
        while not queue.empty():
            index, operation = queue.get_nowait()
            outcomes.append(await send(pool[index % len(pool)], operation))

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        for client in pool:
            await client.aclose()
    return outcomes


# --- Invariants ------------------------------------------------------------------------------------------


@dataclass
class Ledger:
    deployments: list[Deployment]
    events: list[AuditEvent]
    violations: list[str]

    def events_of(self, request_id: str) -> list[AuditEvent]:
        return [event for event in self.events if event.request_id == request_id]

    def count(self, action: AuditAction) -> int:
        return sum(1 for event in self.events if event.action == action)


async def ledger(database_url: str) -> Ledger:
    """Every deployment and deployment event, and every way they disagree (``violations``, empty if none)."""
    async with connected(database_url):
        deployments = await Deployment.all().order_by("id")
        events = await AuditEvent.filter(action__in=list(DEPLOYMENT_ACTIONS)).order_by("id")
    return Ledger(deployments, events, _violations(deployments, events))


def _violations(deployments: list[Deployment], events: list[AuditEvent]) -> list[str]:
    found: list[str] = []
    by_id = {deployment.id: deployment for deployment in deployments}
    active = Counter((d.model_id, d.environment) for d in deployments if d.retired_at is None)
    found += [f"{key}: {count} active deployments" for key, count in active.items() if count > 1]

    creators: dict[int, list[AuditEvent]] = defaultdict(list)
    retirers: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in events:
        details = event.details or {}
        if event.action != AuditAction.DEMOTED:
            creators[details.get("deploymentId", -1)].append(event)
        if details.get("retiredDeploymentId") is not None:
            retirers[details["retiredDeploymentId"]].append(event)
    found += [
        f"event(s) {[e.id for e in evs]} name unknown deployment {key}"
        for key, evs in creators.items()
        if key not in by_id
    ]
    found += [
        f"event(s) {[e.id for e in evs]} retire unknown deployment {key}"
        for key, evs in retirers.items()
        if key not in by_id
    ]

    for deployment in deployments:
        made = creators.get(deployment.id, [])
        if len(made) != 1:
            found.append(f"deployment {deployment.id} has {len(made)} creating events")
        else:
            event = made[0]
            if (event.model_id, event.environment, event.version_id) != (
                deployment.model_id,
                deployment.environment,
                deployment.version_id,
            ):
                found.append(f"deployment {deployment.id} and its event {event.id} differ in what they deployed")
            if (event.actor, event.at) != (deployment.deployed_by, deployment.deployed_at):
                found.append(f"deployment {deployment.id} and its event {event.id} differ in who or when")
        ended = retirers.get(deployment.id, [])
        if deployment.retired_at is None:
            if ended:
                found.append(f"active deployment {deployment.id} is retired by events {[e.id for e in ended]}")
        elif len(ended) != 1:
            found.append(f"retired deployment {deployment.id} has {len(ended)} retiring events")
        else:
            event = ended[0]
            if (event.actor, event.at) != (deployment.retired_by, deployment.retired_at):
                found.append(f"retirement of deployment {deployment.id} and event {event.id} differ in who or when")
            if event.previous_version_id != deployment.version_id:
                found.append(f"event {event.id} retired deployment {deployment.id} but names another previous version")
            if deployment.retired_at < deployment.deployed_at:
                found.append(f"deployment {deployment.id} retired before it was deployed")

    # Replaying each (model, environment)'s events in order ends at the database's active deployment.
    replayed: dict[tuple[int | None, str], int | None] = {}
    for event in events:
        key = (event.model_id, event.environment or "")
        current = replayed.get(key)
        details = event.details or {}
        if details.get("retiredDeploymentId") != current:
            found.append(f"event {event.id} retired {details.get('retiredDeploymentId')} while {current} was active")
        replayed[key] = None if event.action == AuditAction.DEMOTED else details.get("deploymentId")
    final: dict[tuple[int | None, str], int] = {
        (d.model_id, d.environment): d.id for d in deployments if d.retired_at is None
    }
    for key in set(replayed) | set(final):
        if replayed.get(key) != final.get(key):
            found.append(f"{key}: the audit log replays to {replayed.get(key)}, the database has {final.get(key)}")
    return found


def accounting(outcomes: Sequence[Outcome], book: Ledger) -> list[str]:
    """Each answered change has exactly one audit event with its request id; nothing else has any."""
    found: list[str] = []
    expected_action = {
        "promote": AuditAction.PROMOTED,
        "demote": AuditAction.DEMOTED,
        "rollback": AuditAction.ROLLED_BACK,
    }
    for outcome in outcomes:
        operation = outcome.operation
        events = book.events_of(operation.request_id)
        if outcome.status == "ok" and outcome.changed:
            if [e.action for e in events] != [expected_action[operation.kind]]:
                found.append(
                    f"{operation.kind} {operation.request_id} changed; its events: {[e.action for e in events]}"
                )
            if outcome.event_request_id != operation.request_id:
                found.append(f"{operation.request_id} answered with the event of request {outcome.event_request_id}")
        elif outcome.status in ("ok", "conflict") and events:
            found.append(f"{operation.kind} {operation.request_id} ({outcome.status}, no change) has events {events}")
    answered = {outcome.operation.request_id for outcome in outcomes}
    strays = [event.id for event in book.events if event.request_id not in answered]
    if strays:
        found.append(f"events {strays} belong to no request that was sent")
    changed = Counter(o.operation.kind for o in outcomes if o.status == "ok" and o.changed)
    for kind, action in expected_action.items():
        if changed[kind] != book.count(action):
            found.append(
                f"{changed[kind]} {kind} answers changed something, but there are {book.count(action)} {action} events"
            )
    return found
