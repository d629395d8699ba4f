"""Recording a monitoring window of 100 features x 20 bins, timed through the whole app (docs/monitoring.md, "Cost").

    .venv/bin/python -m tests.benchmarks.monitoring [--database-url URL] [--windows 50]

Runs the real ASGI app in this process (middleware, authentication, GraphQL, the operation; no network) on a fresh
SQLite file unless a database URL is given, and prints the median and 95th percentile of ``recordWindow``. Not part
of ``make bench``: a helper for checking the target (median under 20 ms) by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from app.server import create_app
from app.settings import Settings
from models.clock import now
from models.db.migrate import migrate
from models.entities import Role
from models.tokens.operations import create_token
from tests.monitoring.test_costs import _seed, _window

RECORD = "mutation($input: RecordWindowInput!) { recordWindow(input: $input) { window { status } } }"


async def run(database_url: str, windows: int, artifacts: Path) -> list[float]:
    await migrate(database_url)
    app = create_app(Settings(database_url=database_url, artifact_root=artifacts, rate_limit_per_second=0))
    async with app.router.lifespan_context(app):
        _, secret = await create_token(name="bench", role=Role.WRITER)
        profile = await _seed("bench", features=100, bins=20, windows=0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            headers = {"Authorization": f"Bearer {secret}"}
            start = now()
            timings = []
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
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": RECORD, "variables": variables}, headers=headers
                )
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200 and "errors" not in response.json(), response.text
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--windows", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        timings = asyncio.run(run(url, args.windows, Path(folder) / "artifacts"))
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(
        f"recordWindow, 100 features x 20 bins, {len(ms)} windows: "
        f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"
    )


if __name__ == "__main__":
    main()
