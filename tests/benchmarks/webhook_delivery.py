"""Webhook delivery throughput to a local receiver: ``python -m tests.benchmarks.webhook_delivery
[--backend sqlite|postgres] [--events 500]``.

A fresh database gets one webhook pointing at a loopback receiver that answers 204 at once, then ``--events``
promotions (so the outbox holds that many deliveries), then one delivery worker (the one every server process
runs, with its default 16 requests at once) sends them all. Prints deliveries per second from the first claim
to the last DELIVERED. The receiver is Python's threaded ``http.server``, so it, not the worker, may be the
limit; the figure is a floor for one worker process.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path

from models.db.connection import connected
from models.db.migrate import migrate
from models.deployments.operations import promote
from models.entities import DeliveryStatus, WebhookDelivery
from models.registry.operations import Registration, register_version
from models.webhooks import policy
from models.webhooks.delivery import Worker
from models.webhooks.destinations import AllowList
from models.webhooks.operations import create_webhook
from tests.benchmarks.database import create_database, drop_database
from tests.support.receiver import Receiver


async def measure(backend: str, events: int) -> float:
    url = await create_database(backend, "webhook_delivery", Path(tempfile.gettempdir()) / "modelreg-bench")
    receiver = Receiver()
    receiver.status = 204
    receiver.start()
    current = dataclasses.replace(policy.DeliveryPolicy(), allow=AllowList.parse(["127.0.0.1"]), poll_seconds=0.01)
    policy.configure(current)
    try:
        await migrate(url)
        async with connected(url):
            for _ in range(2):
                await register_version(model="bench", registration=Registration(), actor="bench")
            await create_webhook(url=receiver.url, event_types=["PROMOTED"], scope=None, actor="bench")
            for i in range(events):
                await promote(model="bench", version=1 + i % 2, actor="bench")
            worker = asyncio.create_task(Worker(current).run())
            started = time.perf_counter()
            while await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count() < events:
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - started
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    finally:
        receiver.stop()
        await drop_database(url)
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    rate = asyncio.run(measure(args.backend, args.events))
    print(f"{args.backend}: {args.events} deliveries at {rate:.0f}/s (one worker, loopback receiver)")


if __name__ == "__main__":
    main()
