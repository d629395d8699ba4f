"""What the webhook outbox costs a promotion, A/B in one run (docs/performance.md, "The outbox's cost").

Every audit event owes a delivery to each enabled webhook that wants it, inserted by one ``INSERT ... SELECT``
before the event's transaction commits (models/webhooks/outbox.py). Two comparisons, each in rounds that
alternate the arms (A, B, A, B, ...) so that whatever else the machine does falls on both alike:

- **over HTTP, same server**: no webhook wants the event (the five are disabled: the statement runs and inserts
  nothing) against five enabled webhooks that want every event (each promotion inserts five delivery rows). The
  server runs with its delivery worker off (``MODELREG_WEBHOOK_WORKER=false``), so this measures writing the
  deliveries, not sending them (``tests/benchmarks/webhook_delivery.py`` measures sending).
- **in process, same database**: with the five webhooks enabled, the outbox as it is against no outbox at all:
  for its B arm the benchmark replaces ``enqueue`` in ``models.audit.record`` with a function that does nothing,
  so no before-commit step is added and the statement is never sent. A benchmark may do this to price a layer;
  the tests never do (they run the layers as they are).

The ratios reported are promotions per second with the outbox's work over without it; the target is 0.9 or more.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from models.audit import record as audit_record
from models.entities import AuditAction, AuditEvent
from models.webhooks.operations import create_webhook
from tests.benchmarks import workloads
from tests.benchmarks.database import Raw
from tests.benchmarks.inprocess import InProcess
from tests.benchmarks.processes import serve, wait_ready

#: Webhooks in the B arm over HTTP (and in both arms in process), each wanting every event.
WEBHOOKS = 5
#: Rounds per arm; each round sends ``requests`` promotions one after the other.
ROUNDS = 6
SERVER_ENV = {"MODELREG_RESPONSE_CACHE": "off", "MODELREG_WEBHOOK_WORKER": "false"}


async def measure(
    bench: Any,
    raw: Raw,
    inproc: InProcess,
    promotions: workloads.Promotions,
    *,
    database_url: str,
    artifact_root: Path,
    log: Path,
    requests: int,
) -> dict[str, Any]:
    """``bench`` is run.Bench (not imported: run imports this module); its server is swapped for this one."""
    await _create_webhooks()
    result: dict[str, Any] = {"webhooks": WEBHOOKS, "rounds": ROUNDS, "requests_per_round": requests}
    server = serve(database_url, artifact_root, log, env=SERVER_ENV)
    main_server = bench.server
    try:
        await wait_ready(server)
        bench.server = server
        await promotions.refresh(raw)
        arms: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        for _ in range(ROUNDS):
            for arm in ("off", "on"):
                await _enable(raw, arm == "on")
                arms[arm].append(await bench.load(promotions.factory(1), 1, requests))
        result["http"] = _compare(arms, lambda run: run["requests"] / run["throughput_per_s"])
    finally:
        bench.server = main_server
        server.stop()
    await _enable(raw, True)
    await promotions.refresh(raw)
    timed: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    factory = promotions.factory(1)
    counter = iter(range(10**9))
    for _ in range(ROUNDS):
        for arm in ("off", "on"):
            with _outbox(present=arm == "on"):
                timed[arm].append(await _in_process(inproc, factory, counter, requests))
    result["in_process"] = _compare(timed, lambda run: run["seconds"])
    result["deliveries_written"] = int((await raw.fetch("SELECT COUNT(*) FROM webhook_delivery"))[0][0])
    await _enable(raw, False)
    return result


async def _create_webhooks() -> None:
    """Five webhooks wanting every event, through the real operation (in this process, on the same database)."""
    every = [action.value for action in AuditAction]
    for number in range(WEBHOOKS):
        await create_webhook(
            url=f"https://hooks.example.com/bench-{number}", event_types=every, scope=None, actor="bench"
        )


async def _enable(raw: Raw, enabled: bool) -> None:
    await raw.execute("UPDATE webhook SET enabled = ?", [enabled])


async def _nothing(conn: Any, event: AuditEvent) -> None:
    """The B arm's ``enqueue``: no delivery is owed, no before-commit step is added."""


#: The name ``models/audit/record.py`` calls the outbox by (it imports ``enqueue`` from models/webhooks/outbox.py).
_ENQUEUE = "enqueue"


@contextmanager
def _outbox(*, present: bool) -> Iterator[None]:
    """The outbox as it is, or (``present=False``) replaced for the block by ``_nothing`` where audit events call it."""
    original = getattr(audit_record, _ENQUEUE)
    if not present:
        setattr(audit_record, _ENQUEUE, _nothing)
    try:
        yield
    finally:
        setattr(audit_record, _ENQUEUE, original)


async def _in_process(inproc: InProcess, factory: Any, counter: Iterator[int], requests: int) -> dict[str, Any]:
    latencies = []
    cpu = time.process_time()
    began = time.perf_counter()
    for _ in range(requests):
        sent = time.perf_counter()
        status, body = await inproc.request(factory(0, next(counter)))
        latencies.append(time.perf_counter() - sent)
        if status != 200 or b'"errors":' in body:
            raise RuntimeError(f"promotion failed ({status}): {body[:300]!r}")
    seconds = time.perf_counter() - began
    return {
        "requests": requests,
        "seconds": seconds,
        "median_ms": round(statistics.median(latencies) * 1000, 3),
        "throughput_per_s": round(requests / seconds, 1),
        "cpu_ms_per_op": round((time.process_time() - cpu) / requests * 1000, 3),
    }


def _compare(arms: dict[str, list[dict[str, Any]]], seconds: Any) -> dict[str, Any]:
    """Each arm over all its rounds (requests / total time, median of the rounds' medians), and on / off."""
    summary: dict[str, Any] = {}
    for arm, runs in arms.items():
        requests = sum(run["requests"] for run in runs)
        cpu_key = "server_cpu_ms_per_op" if "server_cpu_ms_per_op" in runs[0] else "cpu_ms_per_op"
        summary[arm] = {
            "requests": requests,
            "throughput_per_s": round(requests / sum(seconds(run) for run in runs), 1),
            "median_ms": round(statistics.median(run["median_ms"] for run in runs), 3),
            cpu_key: round(statistics.median(run[cpu_key] for run in runs), 3),
            "rounds_throughput_per_s": [run["throughput_per_s"] for run in runs],
        }
    summary["ratio"] = round(summary["on"]["throughput_per_s"] / summary["off"]["throughput_per_s"], 3)
    return summary


def text(entry: dict[str, Any]) -> str:
    http, inproc = entry["http"], entry["in_process"]
    return (
        f"   outbox: over HTTP {http['on']['throughput_per_s']}/s with {entry['webhooks']} webhooks wanting every "
        f"event vs {http['off']['throughput_per_s']}/s with none (x{http['ratio']}); in process "
        f"{inproc['on']['throughput_per_s']}/s with the outbox vs {inproc['off']['throughput_per_s']}/s without it "
        f"(x{inproc['ratio']}); {ROUNDS} rounds of each, interleaved"
    )
