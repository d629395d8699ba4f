"""Live audit events against a real server: the ``auditEvents`` subscription over graphql-transport-ws with the
``gql`` package's websockets transport (a client nobody here wrote), and the same events as server-sent events."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError

from models.db.connection import connected
from models.deployments.operations import promote
from models.entities import Role
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from tests.audit.live import live_server, transport
from tests.support.server import serving

SUBSCRIBE = """subscription($filter: AuditEventStreamFilter, $after: ID) {
  auditEvents(filter: $filter, after: $after) { id action modelName environment version { number } } }"""
ENV = {
    "MODELREG_EVENTS_POLL_SECONDS": "0.05",
    "MODELREG_SUBSCRIPTIONS_PER_CONNECTION": "2",
    "MODELREG_STREAMS_PER_TOKEN": "2",
    "MODELREG_WEBHOOK_WORKER": "false",
}


async def _seed(database_url: str) -> dict[str, str]:
    async with connected(database_url):
        for model in ("churn", "fraud"):
            for _ in range(3):
                await register_version(model=model, registration=Registration(), actor="setup")
        admin = (await create_token(name="ops", role=Role.ADMIN))[1]
        scoped = (await create_token(name="churn-reader", role=Role.READER, model_patterns=["churn"]))[1]
    return {"admin": admin, "scoped": scoped}


@contextmanager
def _server(database_url: str, tmp_path: Path) -> Iterator[str]:
    with live_server(database_url, tmp_path, ENV) as url:
        yield url


async def _promote_later(database_url: str, *steps: tuple[str, int, str]) -> None:
    await asyncio.sleep(0.5)  # the subscriptions are listening by then
    async with connected(database_url):
        for model, version, environment in steps:
            await promote(model=model, version=version, actor="release", environment=environment)


async def _take(events: AsyncIterator[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    taken = []
    async for result in events:
        taken.append(result["auditEvents"])
        if len(taken) == count:
            break
    return taken


async def test_a_subscription_receives_filtered_scoped_events_and_resumes(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url)
    steps = [
        ("fraud", 1, "production"),
        ("churn", 1, "staging"),
        ("churn", 2, "production"),
        ("churn", 3, "production"),
    ]
    with _server(database_url, tmp_path) as url:
        async with Client(transport=transport(url, tokens["scoped"])) as session:
            writer = asyncio.create_task(_promote_later(database_url, *steps))
            variables = {"filter": {"environment": "production", "actions": ["PROMOTED"]}}
            got = await asyncio.wait_for(
                _take(session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=variables)), 2), 20
            )
            await writer
        assert [(e["modelName"], e["version"]["number"]) for e in got] == [("churn", 2), ("churn", 3)]
        # Resuming after the first: the second again, and nothing of fraud's (out of the token's scope).
        async with Client(transport=transport(url, tokens["scoped"])) as session:
            resumed = session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={**variables, "after": got[0]["id"]}))
            assert [e["id"] for e in await asyncio.wait_for(_take(resumed, 1), 20)] == [got[1]["id"]]


async def test_bad_tokens_and_too_many_streams_are_refused(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url)
    with _server(database_url, tmp_path) as url:
        with pytest.raises(Exception):  # noqa: B017 - the server closes the socket with 4403; gql's error type varies
            async with Client(transport=transport(url, "mreg_not-a-token")) as session:
                await session.execute(gql("subscription { auditEvents { id } }"))
        async with (
            Client(transport=transport(url, tokens["admin"])),
            Client(transport=transport(url, tokens["admin"])),
            httpx.AsyncClient(base_url=url) as client,
        ):
            third = await client.get("/api/events", headers={"authorization": f"Bearer {tokens['admin']}"})
            assert third.status_code == 429 and third.json()["error"]["code"] == "RATE_LIMITED"
        async with Client(transport=transport(url, tokens["admin"])) as session:
            with pytest.raises(TransportQueryError):
                await session.execute(gql('subscription { auditEvents(filter: {model: "no spaces"}) { id } }'))


async def test_server_sent_events_stream_and_resume_with_last_event_id(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url)
    headers = {"authorization": f"Bearer {tokens['admin']}"}
    with _server(database_url, tmp_path) as url:
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            assert (await client.get("/api/events")).status_code == 401
            assert (await client.get("/api/events?action=NOPE", headers=headers)).status_code == 400
            writer = asyncio.create_task(_promote_later(database_url, ("churn", 1, "staging"), ("fraud", 2, "staging")))
            received: list[tuple[str, dict[str, Any]]] = []
            async with client.stream("GET", "/api/events?environment=staging", headers=headers) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                event_id = ""
                async for line in response.aiter_lines():
                    if line.startswith("id: "):
                        event_id = line[4:]
                    elif line.startswith("data: "):
                        received.append((event_id, json.loads(line[6:])))
                        if len(received) == 2:
                            break
            await writer
            assert [(e["model"], e["action"]) for _, e in received] == [("churn", "PROMOTED"), ("fraud", "PROMOTED")]
            resume = {**headers, "last-event-id": received[0][0]}
            async with client.stream("GET", "/api/events?environment=staging", headers=resume) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        assert json.loads(line[6:])["id"] == int(received[1][0])
                        break


async def test_an_open_event_stream_does_not_hold_the_shutdown(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url)
    with serving(database_url, "--artifact-root", str(tmp_path / "a"), env=ENV) as served:
        process = served.process
        async with httpx.AsyncClient(base_url=served.url, timeout=20) as client:
            headers = {"authorization": f"Bearer {tokens['admin']}"}
            async with client.stream("GET", "/api/events", headers=headers) as response:
                lines = response.aiter_lines()
                assert (await anext(lines)).startswith(": modelreg")
                began = time.monotonic()
                process.send_signal(signal.SIGTERM)
                async for _ in lines:  # the server ends the stream instead of waiting out its 30 s grace
                    pass
                await asyncio.to_thread(process.wait, 20)
        assert time.monotonic() - began < 10
