"""The 10,000-version dashboard: 100 models x 100 versions with their metrics, tags and deployment histories.

    .venv/bin/python -m tests.benchmarks.big_dashboard [--database-url URL] [--json]

Runs the real ASGI app in this process (middleware, authentication, GraphQL, loaders, SQL, the JSON encoding; no
network, as the monitoring benchmark does) on a new registry generated at 100 x 100, tuned as ``modelreg serve``
tunes its process (its garbage collector; uvloop, which uvicorn runs when installed), response cache off.
``DOCUMENT`` reads every version of every model. The default node limit refuses it (it is priced at the most each
list may hold: 500 metrics and 100 tags per version, docs/api.md, "Limits"), so it is measured three ways, each the
median of ``RUNS``:

- **one request** with the limit raised (``MODELREG_MAX_NODES``, as an operator who wants it would);
- **in pages of 10 models**, one after the other, with the limit raised the same way;
- **in pages the default limit allows** (the most models per page it admits, found by asking): what a client of a
  server with default settings does.

``make bench`` runs it on each backend, in a process of its own; the target is 600 ms (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import uvloop

from app.server import tune_garbage_collector
from app.settings import ServerTuning
from models.db.migrate import migrate
from models.entities import Role
from models.tokens.operations import create_token
from tests.benchmarks import fixture
from tests.benchmarks.inprocess import InProcess, running_app

MODELS = 100
VERSIONS = 100
RUNS = 5
#: The node limit raised so that one request may read every version (``MODELREG_MAX_NODES``).
RAISED_MAX_NODES = 10**9
DOCUMENT = """
query BigDashboard($first: Int!, $after: String) {
  models(first: $first, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes {
      name
      versions(first: 100) { nodes { number status createdAt metrics { name value } tags { key value } } }
      deploymentHistory(first: 100) { nodes { environment active deployedAt version { number } } }
    }
  }
}
"""


def _request(token: str, variables: dict[str, Any]) -> bytes:
    body = orjson.dumps({"query": DOCUMENT, "operationName": "BigDashboard", "variables": variables})
    head = (
        "POST /graphql HTTP/1.1\r\nhost: registry\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {token}\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read(app: InProcess, token: str, per_page: int) -> tuple[float, int, int]:
    """Every model's page read in pages of ``per_page`` models: seconds, requests, versions read.

    The seconds are the requests' own, from the first byte sent to the last received. This client's reading of
    each answer (``orjson.loads`` of 5 MB for the whole dashboard: about 40 ms) is not counted, as no client over
    HTTP would count it in the server's latency; the requests follow one another, so what the server does after
    answering (freeing the request's rows) is counted in the next one's time.
    """
    seconds, requests, versions, after = 0.0, 0, 0, None
    while True:
        began = time.perf_counter()
        status, body = await app.request(_request(token, {"first": per_page, "after": after}))
        seconds += time.perf_counter() - began
        requests += 1
        answer = orjson.loads(body)
        if status != 200 or "errors" in answer:
            raise RuntimeError(f"the big dashboard failed ({status}): {body[:300]!r}")
        models = answer["data"]["models"]
        versions += sum(len(model["versions"]["nodes"]) for model in models["nodes"])
        if not models["pageInfo"]["hasNextPage"]:
            return seconds, requests, versions
        after = models["pageInfo"]["endCursor"]


async def _largest_page(app: InProcess, token: str) -> int:
    """The most models per page the default node limit admits for ``DOCUMENT`` (past it: QUERY_TOO_COMPLEX)."""
    for per_page in range(MODELS, 0, -1):
        status, body = await app.request(_request(token, {"first": per_page}))
        if status == 200 and b'"errors"' not in body:
            return per_page
    raise RuntimeError("the default node limit admits no page of the big dashboard")


async def run(database_url: str, artifacts: Path) -> dict[str, Any]:
    await migrate(database_url)
    generated = await fixture.generate(database_url, models=MODELS, versions=VERSIONS)
    tune_garbage_collector(ServerTuning().gc_threshold)
    result: dict[str, Any] = {"models": MODELS, "versions": VERSIONS, "fixture_rows": generated.rows}
    async with running_app(database_url, artifacts, max_nodes=RAISED_MAX_NODES) as app:
        _, token = await create_token(name="bench-big", role=Role.READER)
        await _read(app, token, MODELS)  # warm: first-request caches of the schema, Tortoise and the app
        for name, per_page in (("one_request", MODELS), ("pages_of_10", 10)):
            runs = [await _read(app, token, per_page) for _ in range(RUNS)]
            result[name] = _summary(runs)
    async with running_app(database_url, artifacts) as app:
        per_page = await _largest_page(app, token)
        runs = [await _read(app, token, per_page) for _ in range(RUNS)]
        result["pages_within_the_default_limit"] = {"models_per_page": per_page, **_summary(runs)}
    return result


def _summary(runs: list[tuple[float, int, int]]) -> dict[str, Any]:
    seconds = [run[0] for run in runs]
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "requests": runs[0][1],
        "versions": runs[0][2],
    }


def text(result: dict[str, Any]) -> str:
    one, pages, limited = result["one_request"], result["pages_of_10"], result["pages_within_the_default_limit"]
    return (
        f"   10,000-version dashboard ({one['versions']:,} versions, in process): one request (limit raised) "
        f"{one['median_ms']} ms; 10 pages of 10 models {pages['median_ms']} ms; "
        f"{limited['requests']} pages of {limited['models_per_page']} (default limit) {limited['median_ms']} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite://{Path(folder) / 'big.sqlite3'}"
        result = uvloop.run(run(url, Path(folder) / "artifacts"))  # the loop `modelreg serve` runs (uvicorn's pick)
    print(json.dumps(result) if args.json else text(result))


if __name__ == "__main__":
    main()
