"""Recording a monitoring window of 100 features x 20 bins, timed through the whole app (docs/monitoring.md, "Cost").

    .venv/bin/python -m tests.benchmarks.monitoring [--database-url URL] [--windows 50]

Runs the real ASGI app in this process (middleware, authentication, GraphQL, the operation; no network) on a fresh
SQLite file unless a database URL is given (an empty database: the registry is migrated and seeded here), and prints
the median and 95th percentile of ``recordWindow`` (target: median under 20 ms), then of reading the newest 30
windows of 100 features with their verdicts. ``--json`` prints them as one JSON object: ``make bench`` runs it so
on each backend, in a process of its own.

The process is tuned as ``modelreg serve`` tunes its own (``tune_garbage_collector``; uvloop, which uvicorn runs
when installed), and only the request is timed: each window's counts are drawn and its body encoded before the
clock starts. Beside the wall-clock times it reports the CPU time of this process per ``recordWindow``
(``record_cpu``: the app, its SQLite thread, the in-process client; not PostgreSQL's): on a shared machine, wall
time well above it means the process waited for a core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
import uvloop

from app.server import create_app, tune_garbage_collector
from app.settings import Settings
from models.clock import now, shifted
from models.db.migrate import migrate
from models.entities import Role
from models.tokens.operations import create_token
from tests.monitoring.test_costs import _seed, _window

RECORD = "mutation($input: RecordWindowInput!) { recordWindow(input: $input) { window { status } } }"
#: The newest 30 windows with every feature's statistics (not their counts, which price over the node limit).
READ = """{ model(name: "bench") { production { windows(first: 30) { nodes { key status driftingFeatures
  features { feature status psi jensenShannon wasserstein } } } } } }"""
READS = 20


@dataclass
class Timings:
    """Seconds per request: ``record`` and ``reads`` by the clock, ``record_cpu`` of this process's CPU."""

    record: list[float] = field(default_factory=list)
    record_cpu: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)


async def run(database_url: str, windows: int, artifacts: Path) -> Timings:
    await migrate(database_url)
    # No response cache: the reads below would be answered from it after the first.
    settings = Settings(
        database_url=database_url, artifact_root=artifacts, rate_limit_per_second=0, response_cache=False
    )
    app = create_app(settings)
    # As modelreg serve runs the app (app/server.py, worker_app): the collector tuned after the app is built.
    tune_garbage_collector(settings.tuning.gc_threshold)
    timings = Timings()
    async with app.router.lifespan_context(app):
        _, secret = await create_token(name="bench", role=Role.WRITER)
        # Deployed hours ago, so that every window (an hour each) has ended: none may end in the future.
        back = timedelta(hours=windows + 1)
        with shifted(-back):
            profile = await _seed("bench", features=100, bins=20, windows=0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            headers = {"Authorization": f"Bearer {secret}"}
            posting = {**headers, "Content-Type": "application/json"}
            start = now() - back
            for index in range(windows):
                counts = _window(profile, index)
                begin = start + timedelta(hours=index)
                variables = {
                    "input": {
                        "model": "bench",
                        "start": begin.isoformat(),
                        "end": (begin + timedelta(hours=1)).isoformat(),
                        "rowCount": counts.row_count,
                        "features": [{"name": f.name, "counts": list(f.counts)} for f in counts.features],
                        "predictions": {"counts": list(counts.predictions.counts)},
                    }
                }
                body = orjson.dumps({"query": RECORD, "variables": variables})
                started, cpu = time.perf_counter(), time.process_time()
                response = await client.post("/graphql", content=body, headers=posting)
                timings.record.append(time.perf_counter() - started)
                timings.record_cpu.append(time.process_time() - cpu)
                assert response.status_code == 200 and "errors" not in response.json(), response.text
            for _ in range(READS):
                started = time.perf_counter()
                response = await client.post("/graphql", json={"query": READ}, headers=headers)
                timings.reads.append(time.perf_counter() - started)
                assert response.status_code == 200 and "errors" not in response.json(), response.text
    return timings


def _summary(timings: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in timings)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        timings = uvloop.run(run(url, args.windows, Path(folder) / "artifacts"))  # the loop `modelreg serve` runs
    record, cpu, read = _summary(timings.record), _summary(timings.record_cpu), _summary(timings.reads)
    if args.json:
        found = {"windows": len(timings.record), "record": record, "record_cpu": cpu, "read_30_windows": read}
        print(json.dumps(found))
        return
    print(
        f"recordWindow, 100 features x 20 bins, {len(timings.record)} windows: median {record['median_ms']} ms "
        f"(CPU {cpu['median_ms']} ms), p95 {record['p95_ms']} ms; reading 30 windows of 100 features: median "
        f"{read['median_ms']} ms"
    )


if __name__ == "__main__":
    main()
