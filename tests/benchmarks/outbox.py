"""What the webhook outbox costs a promotion, A/B in one run (docs/performance.md, "The outbox's cost").

Every audit event owes a delivery to each enabled webhook that wants it, inserted by the database itself: an
``AFTER INSERT`` trigger on ``audit_event`` (models/migrations/models/10_20261206161000_webhook_outbox_trigger.py),
so the application sends no statement for it. Two comparisons, each in rounds that alternate the arms (A B, B A,
A B, ...) so that whatever else the machine does falls on both alike:

- **over HTTP, same server**: no webhook wants the event (the five are disabled: the trigger runs and inserts
  nothing) against five enabled webhooks that want every event (each promotion inserts five delivery rows). The
  server runs with its delivery worker off (``MODELREG_WEBHOOK_WORKER=false``), so this measures writing the
  deliveries, not sending them (``tests/benchmarks/webhook_delivery.py`` measures sending).
- **in process, same database**: with the five webhooks enabled, the outbox as it is against no outbox at all:
  for its B arm the benchmark removes the trigger (on SQLite it drops it and re-creates it from its stored SQL
  after; on PostgreSQL ``ALTER TABLE audit_event DISABLE TRIGGER``, then ``ENABLE``), so an event inserts nothing
  else. Each arm's delivery rows are counted, so an arm that did not get the outbox it asked for fails the run. A
  benchmark may do this to price a layer; the tests never do (they run the layers as they are).

The ratio judged is the typical rate of promotions with the outbox's work over without it: sequential promotions
have 1 / median latency as their typical rate, so it is the median latency of all the rounds of the arm without
over that of the arm with (every latency of an arm pooled). The rounds are many and short (``ROUNDS`` of 20
promotions), so that load which comes and goes on a shared machine falls on both arms alike; a few long rounds
left one arm a burst of it (ratios from 0.85 to 0.98 between runs of the same code). Beside it are the arms'
total throughputs divided (``ratio_of_totals``), which those bursts move more. The target is 0.9 or more.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from models.entities import AuditAction
from models.webhooks.operations import create_webhook
from tests.benchmarks import workloads
from tests.benchmarks.database import Raw
from tests.benchmarks.inprocess import InProcess
from tests.benchmarks.processes import serve, wait_ready

#: Webhooks in the B arm over HTTP (and in both arms in process), each wanting every event.
WEBHOOKS = 5
#: Rounds per arm; each round sends ``requests`` promotions one after the other.
ROUNDS = 30
SERVER_ENV = {"MODELREG_RESPONSE_CACHE": "off", "MODELREG_WEBHOOK_WORKER": "false"}
#: The webhook outbox: the trigger on audit_event that inserts each event's deliveries (its migration, 10).
TRIGGER = "audit_event_webhook_outbox"


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
        for round_number in range(ROUNDS):
            for arm in _order(round_number):
                await _enable(raw, arm == "on")
                arms[arm].append(await bench.load(promotions.factory(1), 1, requests, latencies=True))
        result["http"] = _compare(arms, lambda run: run["requests"] / run["throughput_per_s"])
    finally:
        bench.server = main_server
        server.stop()
    await _enable(raw, True)
    await promotions.refresh(raw)
    timed: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    factory = promotions.factory(1)
    counter = iter(range(10**9))
    for round_number in range(ROUNDS):
        for arm in _order(round_number):
            before = await _deliveries(raw)
            async with _outbox(raw, present=arm == "on"):
                timed[arm].append(await _in_process(inproc, factory, counter, requests))
            written, expected = await _deliveries(raw) - before, requests * WEBHOOKS if arm == "on" else 0
            if written != expected:
                raise RuntimeError(f"the {arm} arm wrote {written} deliveries, not {expected}")
    result["in_process"] = _compare(timed, lambda run: run["seconds"])
    result["deliveries_written"] = await _deliveries(raw)
    await _remove_webhooks(raw)
    return result


def _order(round_number: int) -> tuple[str, str]:
    """A then B, then B then A (A B B A A B ...): a load that rises or falls during the run favours neither arm."""
    return ("off", "on") if round_number % 2 == 0 else ("on", "off")


async def _create_webhooks() -> None:
    """Five webhooks wanting every event, through the real operation (in this process, on the same database)."""
    every = [action.value for action in AuditAction]
    for number in range(WEBHOOKS):
        await create_webhook(
            url=f"https://hooks.example.com/bench-{number}", event_types=every, scope=None, actor="bench"
        )


async def _enable(raw: Raw, enabled: bool) -> None:
    await raw.execute("UPDATE webhook SET enabled = ?", [enabled])


async def _remove_webhooks(raw: Raw) -> None:
    """The five webhooks and every delivery and attempt written for them, deleted (children first: the raw SQLite
    connection does not enforce the cascades). The main server runs with its delivery worker on, as ``modelreg
    serve`` does by default, and was still working through these thousands of deliveries (to disabled webhooks,
    one transaction each) during the steps after this one: on PostgreSQL, 3,072 were pending some 40 s later, when
    monitoring was timed, and the worker took 1.8 s of CPU during that run (docs/performance.md, "Recording a
    window")."""
    for table in ("webhook_attempt", "webhook_delivery", "webhook"):
        await raw.execute(f"DELETE FROM {table}")


async def _deliveries(raw: Raw) -> int:
    return int((await raw.fetch("SELECT COUNT(*) FROM webhook_delivery"))[0][0])


@asynccontextmanager
async def _outbox(raw: Raw, *, present: bool) -> AsyncIterator[None]:
    """The outbox as it is, or (``present=False``) its trigger removed for the block and put back after it.

    Between rounds, with no promotion in flight: on PostgreSQL, DISABLE TRIGGER waits for a lock that excludes
    writes to audit_event; on SQLite, the app's connection prepares its statements again after the schema change."""
    if present:
        yield
        return
    if raw.backend == "sqlite":
        [(created,)] = await raw.fetch("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [TRIGGER])
        await raw.execute(f'DROP TRIGGER "{TRIGGER}"')
        try:
            yield
        finally:
            await raw.execute(str(created))
        return
    await raw.execute(f'ALTER TABLE audit_event DISABLE TRIGGER "{TRIGGER}"')
    try:
        yield
    finally:
        await raw.execute(f'ALTER TABLE audit_event ENABLE TRIGGER "{TRIGGER}"')


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
        "latencies": latencies,
        "median_ms": round(statistics.median(latencies) * 1000, 3),
        "throughput_per_s": round(requests / seconds, 1),
        "cpu_ms_per_op": round((time.process_time() - cpu) / requests * 1000, 3),
    }


def _compare(arms: dict[str, list[dict[str, Any]]], seconds: Any) -> dict[str, Any]:
    """Each arm over all its rounds (requests / total time, median of every latency), and on / off."""
    summary: dict[str, Any] = {}
    for arm, runs in arms.items():
        requests = sum(run["requests"] for run in runs)
        cpu_key = "server_cpu_ms_per_op" if "server_cpu_ms_per_op" in runs[0] else "cpu_ms_per_op"
        summary[arm] = {
            "requests": requests,
            "throughput_per_s": round(requests / sum(seconds(run) for run in runs), 1),
            "median_ms": round(statistics.median(latency for run in runs for latency in run["latencies"]) * 1000, 3),
            cpu_key: round(statistics.fmean(run[cpu_key] for run in runs), 3),
            "rounds_throughput_per_s": [run["throughput_per_s"] for run in runs],
            "rounds_median_ms": [run["median_ms"] for run in runs],
        }
    summary["ratio"] = round(summary["off"]["median_ms"] / summary["on"]["median_ms"], 3)
    summary["ratio_of_totals"] = round(summary["on"]["throughput_per_s"] / summary["off"]["throughput_per_s"], 3)
    return summary


def text(entry: dict[str, Any]) -> str:
    http, inproc = entry["http"], entry["in_process"]
    ratios = f"x{http['ratio']} (throughput x{http['ratio_of_totals']})"
    in_process = f"x{inproc['ratio']} (throughput x{inproc['ratio_of_totals']})"
    return (
        f"   outbox, {ROUNDS} rounds of each arm: over HTTP, median {http['on']['median_ms']} ms with "
        f"{entry['webhooks']} webhooks wanting every event vs {http['off']['median_ms']} ms with none, {ratios}; "
        f"in process, {inproc['on']['median_ms']} ms with the outbox vs {inproc['off']['median_ms']} ms without it, "
        f"{in_process}"
    )
