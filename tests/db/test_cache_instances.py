"""The response cache's guarantee across processes, on both backends: once a mutation has been answered by any
process, no query that starts afterwards on any process gets an answer from before it.

PostgreSQL: two ``modelreg serve`` instances on one database. SQLite: one ``modelreg serve --workers 2``, every
request on a new connection so the kernel hands requests to either worker. Each round writes on one and reads
on the other at once, after that reader has cached the previous answer; then several writers at once, each on
its own model, each checking its own change on the other side. ``MODELREG_STALE_ROUNDS`` sets the rounds.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.instances import Instance, seed, start_all, stop_all

ROUNDS = int(os.environ.get("MODELREG_STALE_ROUNDS", "1000"))
WRITERS = ["alpha", "beta", "gamma", "delta"]
WRITER_ROUNDS = max(ROUNDS // 10, 10)
UPDATE = "mutation($input: UpdateModelInput!) { updateModel(input: $input) { model { description } } }"
READ = "query Watch { models(first: 10) { edges { node { name description } } } }"


@dataclass
class Tally:
    reads: int = 0
    stale: list[str] = field(default_factory=list)
    cache: Counter[str] = field(default_factory=Counter)


def _client(url: str, token: str, *, fresh_connections: bool) -> httpx.AsyncClient:
    limits = httpx.Limits(max_keepalive_connections=0) if fresh_connections else httpx.Limits()
    return httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {token}"}, limits=limits, timeout=30)


async def _write(client: httpx.AsyncClient, model: str, description: str) -> None:
    answer = await client.post(
        "/graphql", json={"query": UPDATE, "variables": {"input": {"name": model, "description": description}}}
    )
    body = answer.json()
    assert answer.status_code == 200 and "errors" not in body, body
    assert body["data"]["updateModel"]["model"]["description"] == description


async def _read(client: httpx.AsyncClient, tally: Tally) -> dict[str, str]:
    answer = await client.post("/graphql", json={"query": READ})
    body = answer.json()
    assert answer.status_code == 200 and "errors" not in body, body
    tally.reads += 1
    tally.cache[answer.headers.get("x-cache", "none")] += 1
    return {edge["node"]["name"]: edge["node"]["description"] for edge in body["data"]["models"]["edges"]}


async def _alternating(clients: list[httpx.AsyncClient], tally: Tally) -> None:
    for round_ in range(ROUNDS):
        writer, reader = clients[round_ % 2], clients[(round_ + 1) % 2]
        for _ in range(2):  # the reader has the answer before the write cached now (the second read is a hit)
            before = await _read(reader, tally)
        if round_ and before["alpha"] != f"round {round_ - 1}":
            tally.stale.append(f"before round {round_}: read {before['alpha']!r}")
        await _write(writer, "alpha", f"round {round_}")
        seen = (await _read(reader, tally))["alpha"]
        if seen != f"round {round_}":
            tally.stale.append(f"round {round_}: read {seen!r}")


async def _concurrent(clients: list[httpx.AsyncClient], tally: Tally) -> None:
    async def writer(index: int, model: str) -> None:
        for round_ in range(WRITER_ROUNDS):
            await _write(clients[(index + round_) % 2], model, f"{model} {round_}")
            seen = (await _read(clients[(index + round_ + 1) % 2], tally))[model]
            if seen != f"{model} {round_}":
                tally.stale.append(f"{model} round {round_}: read {seen!r}")

    await asyncio.gather(*(writer(index, model) for index, model in enumerate(WRITERS)))


async def _run(urls: list[str], token: str, *, fresh_connections: bool) -> tuple[Tally, Tally]:
    clients = [_client(url, token, fresh_connections=fresh_connections) for url in urls]
    try:
        alternating, concurrent = Tally(), Tally()
        await _alternating(clients, alternating)
        await _concurrent(clients, concurrent)
        return alternating, concurrent
    finally:
        for client in clients:
            await client.aclose()


def test_no_process_answers_from_before_a_write_another_answered(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    token = asyncio.run(seed(database_url, WRITERS, 1, token_name="writer"))
    if backend == "postgres":
        instances = [Instance(database_url, tmp_path / "artifacts") for _ in range(2)]
        urls = [instance.url for instance in instances]
    else:
        instances = [Instance(database_url, tmp_path / "artifacts", args=["--workers", "2"])]
        urls = [instances[0].url] * 2
    try:
        start_all(instances, migrate_first=False)
        alternating, concurrent = asyncio.run(_run(urls, token, fresh_connections=backend == "sqlite"))
    finally:
        stop_all(instances)
    print(
        f"\n{backend}: {ROUNDS} alternating rounds, {alternating.reads} reads {dict(alternating.cache)}, "
        f"{len(alternating.stale)} stale; {len(WRITERS)} concurrent writers x {WRITER_ROUNDS} rounds, "
        f"{concurrent.reads} reads {dict(concurrent.cache)}, {len(concurrent.stale)} stale"
    )
    assert alternating.stale == [] and concurrent.stale == []
    # The test can fail: the readers did answer from their caches between writes.
    assert alternating.cache["hit"] > 0
