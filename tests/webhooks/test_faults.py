"""Webhook delivery under faults, with real ``modelreg serve`` processes and a real receiver, on both backends.

Deliveries are counted by ``webhook-id`` against the outbox: every event is owed one delivery (its row), every
delivery must arrive at least once (lost = 0), and the duplicates are reported. The figures are printed (run
with ``-s``) and quoted in docs/events.md.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from models.db.connection import connected
from models.entities import AuditAction, AuditEvent, Role, WebhookDelivery
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from tests.support.artifacts import wait_until
from tests.support.instances import Instance, start_all, stop_all
from tests.support.receiver import Receiver, duplicates, verified, wait_blocking

#: Fast retries, short leases and polls, and the loopback receiver allowed.
ENV = {
    "MODELREG_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    "MODELREG_WEBHOOK_RETRY_SCHEDULE": "0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1",
    "MODELREG_WEBHOOK_POLL_SECONDS": "0.05",
    "MODELREG_WEBHOOK_LEASE_SECONDS": "2",
}
MODELS = ["alpha", "beta", "gamma", "delta"]
PROMOTE = "mutation($input: PromoteInput!) { promote(input: $input) { changed } }"
CREATE = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }"


async def _seed(database_url: str) -> str:
    async with connected(database_url):
        for model in MODELS:
            for _ in range(2):
                await register_version(model=model, registration=Registration(), actor="setup")
        return (await create_token(name="ops", role=Role.ADMIN))[1]


def _create_webhook(url: str, token: str, receiver: Receiver) -> str:
    body = {"query": CREATE, "variables": {"input": {"url": receiver.url, "eventTypes": ["PROMOTED"]}}}
    response = httpx.post(f"{url}/graphql", json=body, headers={"authorization": f"Bearer {token}"}, timeout=30)
    return str(response.json()["data"]["createWebhook"]["secret"])


def _promote(urls: list[str], token: str, count: int, start: int = 0) -> list[float]:
    """``count`` promotions that each change something, spread over ``urls``; each one's latency in seconds."""
    latencies = []
    with httpx.Client(headers={"authorization": f"Bearer {token}"}, timeout=30) as client:
        for i in range(start, start + count):
            variables = {"input": {"model": MODELS[i % len(MODELS)], "version": 1 + (i // len(MODELS)) % 2}}
            began = time.monotonic()
            response = client.post(f"{urls[i % len(urls)]}/graphql", json={"query": PROMOTE, "variables": variables})
            latencies.append(time.monotonic() - began)
            assert response.json()["data"]["promote"]["changed"] is True, response.text
    return latencies


async def _owed(database_url: str) -> tuple[int, set[str]]:
    """PROMOTED events, and the webhook-ids the outbox owes."""
    async with connected(database_url):
        events = await AuditEvent.filter(action=AuditAction.PROMOTED).count()
        ids = {f"msg_{d.id}" for d in await WebhookDelivery.filter(event_type="PROMOTED")}
    return events, ids


async def _attempted(database_url: str, owed: int, *, times: int) -> bool:
    """Whether ``owed`` PROMOTED deliveries exist and each has been attempted at least ``times`` times."""
    async with connected(database_url):
        tried = await WebhookDelivery.filter(event_type="PROMOTED", attempts__gte=times).count()
    return tried >= owed


def _report(name: str, database_url: str, receiver: Receiver, secret: str) -> tuple[int, int, int]:
    events, owed = asyncio.run(_owed(database_url))
    received = receiver.snapshot()
    verified(received, secret)
    arrived = {r.message_id for r in received}
    lost = len(owed - arrived)
    print(
        f"\n{name}: events {events}, deliveries {len(owed)}, requests {len(received)}, "
        f"duplicates {duplicates(received)}, lost {lost}"
    )
    assert len(owed) == events
    return events, duplicates(received), lost


def test_a_receiver_down_for_a_while_gets_every_event_after_retries(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(_seed(database_url))
    receiver = Receiver()  # not started: connections are refused
    server = Instance(database_url, tmp_path / "a", env=ENV)
    try:
        server.start(migrate=True)
        secret = _create_webhook(server.url, token, receiver)
        _promote([server.url], token, 16)
        wait_until(lambda: asyncio.run(_attempted(database_url, 16, times=2)), "two refused attempts of each delivery")
        assert receiver.snapshot() == []
        receiver.start()
        wait_blocking(receiver, 16, timeout=60)
        events, _, lost = _report("receiver down then back", database_url, receiver, secret)
        assert events == 16 and lost == 0
    finally:
        receiver.stop()
        stop_all([server])


def test_sigkill_of_a_server_mid_delivery_loses_none(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(_seed(database_url))
    receiver = Receiver().start()
    receiver.delay = 0.3  # deliveries are in flight when the server dies
    victim, survivor = Instance(database_url, tmp_path / "a", env=ENV), Instance(database_url, tmp_path / "a", env=ENV)
    try:
        victim.start(migrate=True)
        secret = _create_webhook(victim.url, token, receiver)
        _promote([victim.url], token, 24)
        deadline = time.monotonic() + 30
        while not receiver.snapshot() and time.monotonic() < deadline:
            time.sleep(0.02)
        victim.kill()
        before = len({r.message_id for r in receiver.snapshot()})
        survivor.start()
        wait_blocking(receiver, 24, timeout=60)
        events, _, lost = _report(f"SIGKILL after {before} of 24 arrived", database_url, receiver, secret)
        assert events == 24 and lost == 0
    finally:
        receiver.stop()
        stop_all([victim, survivor])


@pytest.mark.parametrize("backend", ["postgres"])  # several instances share a database on PostgreSQL only
def test_two_instances_deliver_each_event_once(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(_seed(database_url))
    receiver = Receiver().start()
    instances = [Instance(database_url, tmp_path / "a", env=ENV) for _ in range(2)]
    try:
        start_all(instances)
        secret = _create_webhook(instances[0].url, token, receiver)
        _promote([i.url for i in instances], token, 40)
        wait_blocking(receiver, 40, timeout=60)
        time.sleep(1.0)  # time for a second, duplicate send to show up
        events, duplicated, lost = _report("two instances", database_url, receiver, secret)
        assert (events, duplicated, lost) == (40, 0, 0)
    finally:
        receiver.stop()
        stop_all(instances)


def test_a_slow_receiver_does_not_slow_promotions(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(_seed(database_url))
    receiver = Receiver().start()
    receiver.delay = 1.5  # slower than any promotion by far
    server = Instance(database_url, tmp_path / "a", env={**ENV, "MODELREG_WEBHOOK_TIMEOUT_SECONDS": "5"})
    try:
        server.start(migrate=True)
        secret = _create_webhook(server.url, token, receiver)
        latencies = _promote([server.url], token, 20)
        print(f"\nslow receiver: promotion latency max {max(latencies) * 1000:.0f} ms, total {sum(latencies):.2f} s")
        assert max(latencies) < 1.0
        wait_blocking(receiver, 20, timeout=60)
        _, _, lost = _report("slow receiver", database_url, receiver, secret)
        assert lost == 0
    finally:
        receiver.stop()
        stop_all([server])
