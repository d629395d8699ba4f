"""The response cache measured (docs/performance.md, "Response cache"): a second ``modelreg serve`` with the cache
on (the main one runs with it off, so the other workloads measure execution) and metrics on, in the same run.

- the dashboard answered from the cache, 1 and 4 clients;
- the dashboard revalidated with ``If-None-Match`` (304, no body);
- promotions, sequential, against the uncached server's, in short rounds alternating between the two servers
  (A B, B A, ...; every latency of an arm pooled, as the outbox benchmark does): a write also advances the
  generation, and must stay within 10%. Compared with the uncached server's own promotion workload, measured
  minutes earlier, the ratio moved between 0.64 and 1.17 from run to run with the host's speed;
- a dashboard client polling while another client promotes, and the hit rate ``/metrics`` reports over it.
"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.benchmarks import workloads
from tests.benchmarks.database import Raw
from tests.benchmarks.loadclient import HttpError, request_bytes
from tests.benchmarks.processes import HOST, serve, wait_ready

#: As the main server (no delivery worker: run.py), with the response cache and metrics on.
CACHED_SERVER_ENV = {"MODELREG_METRICS": "on", "MODELREG_WEBHOOK_WORKER": "false"}
#: Promotion rounds per server, and promotions per round.
PROMOTE_ROUNDS = 20
PROMOTIONS_PER_ROUND = 15


def _not_modified(status: int, body: bytes) -> None:
    if status != 304 or body:
        raise HttpError(f"expected 304 without a body, got {status}: {body[:300]!r}")


def _cache_counts(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    counts = {"hit": 0.0, "miss": 0.0, "not_modified": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "modelreg_response_cache_requests_total":
                counts[sample.labels["result"]] += sample.value
    return counts


async def measure(
    bench: Any,
    raw: Raw,
    tokens: workloads.Tokens,
    promotions: workloads.Promotions,
    *,
    database_url: str,
    artifact_root: Path,
    log: Path,
) -> dict[str, Any]:
    """``bench`` is run.Bench (not imported: run imports this module); its server is swapped for the cached one."""
    server = serve(database_url, artifact_root, log, env=CACHED_SERVER_ENV)
    result: dict[str, Any] = {}
    uncached_server = bench.server
    try:
        await wait_ready(server)
        bench.server = server
        url = f"http://{HOST}:{server.port}"
        dashboard = workloads.dashboard(tokens)
        result["dashboard"] = {"1": await bench.load(dashboard, 1, 200), "4": await bench.load(dashboard, 4, 400)}
        first = httpx.post(
            f"{url}/graphql",
            json={"query": workloads.DASHBOARD, "variables": {}},
            headers={"authorization": f"Bearer {tokens.reader}"},
            timeout=30,
        )
        revalidate = request_bytes(
            "POST",
            "/graphql",
            first.request.content,
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tokens.reader}",
                "If-None-Match": first.headers["etag"],
            },
        )
        result["dashboard_304"] = {"1": await bench.load(workloads.constant(revalidate), 1, 200, check=_not_modified)}
        await promotions.refresh(raw)
        servers = {"uncached": uncached_server, "cached": server}
        latencies: dict[str, list[float]] = {"uncached": [], "cached": []}
        for round_number in range(PROMOTE_ROUNDS):
            order = ("uncached", "cached") if round_number % 2 == 0 else ("cached", "uncached")
            for arm in order:
                bench.server = servers[arm]
                run = await bench.load(promotions.factory(1), 1, PROMOTIONS_PER_ROUND, latencies=True)
                latencies[arm].extend(run["latencies"])
        bench.server = server
        medians = {arm: statistics.median(found) * 1000 for arm, found in latencies.items()}
        result["promote"] = {
            arm: {"requests": len(latencies[arm]), "median_ms": round(median, 3)} for arm, median in medians.items()
        }
        # Sequential promotions: 1 / median latency is the typical rate; cached over uncached.
        result["promote_vs_uncached"] = round(medians["uncached"] / medians["cached"], 3)
        before = _cache_counts(url)
        await promotions.refresh(raw)
        polling, writing = await asyncio.gather(
            bench.load(dashboard, 1, 300), bench.load(promotions.factory(1), 1, 100)
        )
        after = _cache_counts(url)
        hits, misses = after["hit"] - before["hit"], after["miss"] - before["miss"]
        result["dashboard_while_promoting"] = {"1": polling, "promote": writing}
        result["hit_rate_while_promoting"] = round(hits / (hits + misses), 3) if hits + misses else None
        result["cache_counts"] = after
    finally:
        bench.server = uncached_server
        server.stop()
    return result
