"""A WebSocket's operations admitted as HTTP requests are (``app/websocket.py``), and live streams that end when their
token stops working: against a real server, with the ``gql`` package's websockets transport and httpx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportClosed, TransportConnectionFailed, TransportQueryError

from models.db.connection import connected
from models.entities import RegisteredModel, Role
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token, revoke_token
from tests.audit.live import live_server, transport

ENV = {
    "MODELREG_EVENTS_POLL_SECONDS": "0.05",
    "MODELREG_TOKEN_CHECK_SECONDS": "0.2",
    "MODELREG_WEBHOOK_WORKER": "false",
}
DESCRIPTION = 'query { model(name: "churn") { description } }'
DESCRIBE = 'mutation($text: String!) { updateModel(input: {name: "churn", description: $text}) { model { name } } }'


async def _seed(database_url: str, *names: str) -> dict[str, str]:
    async with connected(database_url):
        await register_version(model="churn", registration=Registration(), actor="setup")
        return {name: (await create_token(name=name, role=Role.ADMIN))[1] for name in names}


async def _revoke(database_url: str, name: str) -> None:
    async with connected(database_url):
        await revoke_token(name=name, actor="security")


async def _description(database_url: str) -> str | None:
    async with connected(database_url):
        return (await RegisteredModel.get(name="churn")).description


@contextmanager
def _server(database_url: str, tmp_path: Path, **env: str) -> Iterator[str]:
    with live_server(database_url, tmp_path, {**ENV, **env}) as url:
        yield url


async def test_a_revoked_token_writes_nothing_over_a_websocket_opened_before(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url, "release")
    with _server(database_url, tmp_path) as url:
        async with Client(transport=transport(url, tokens["release"])) as session:
            await session.execute(GraphQLRequest(DESCRIBE, variable_values={"text": "before"}))
            await _revoke(database_url, "release")
            with pytest.raises((TransportClosed, TransportConnectionFailed)):  # closed with 4403
                await session.execute(GraphQLRequest(DESCRIBE, variable_values={"text": "after revoking"}))
    assert await _description(database_url) == "before"


async def test_each_operation_on_one_websocket_reads_afresh(database_url: str, tmp_path: Path) -> None:
    """The connection's loaders used to serve every operation: a second query saw the first one's rows."""
    tokens = await _seed(database_url, "reader")
    with _server(database_url, tmp_path) as url:
        async with Client(transport=transport(url, tokens["reader"])) as session:
            assert (await session.execute(gql(DESCRIPTION)))["model"]["description"] is None
            async with httpx.AsyncClient(base_url=url) as client:
                changed = await client.post(
                    "/graphql",
                    json={"query": DESCRIBE, "variables": {"text": "changed over HTTP"}},
                    headers={"authorization": f"Bearer {tokens['reader']}"},
                )
                assert "errors" not in changed.json()
            assert (await session.execute(gql(DESCRIPTION)))["model"]["description"] == "changed over HTTP"


async def test_a_websockets_operations_are_rate_limited(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url, "poller")
    env = {"MODELREG_RATE_LIMIT": "0.01", "MODELREG_RATE_BURST": "3"}
    with _server(database_url, tmp_path, **env) as url:
        async with Client(transport=transport(url, tokens["poller"])) as session:
            for _ in range(3):
                await session.execute(gql(DESCRIPTION))
            with pytest.raises(TransportQueryError) as refused:
                await session.execute(gql(DESCRIPTION))
            assert refused.value.errors is not None
            assert refused.value.errors[0]["extensions"]["code"] == "RATE_LIMITED"
            assert refused.value.errors[0]["extensions"]["retryAfter"] >= 1
        # The same bucket as HTTP's: the token's next request there is refused too.
        async with httpx.AsyncClient(base_url=url) as client:
            answer = await client.post(
                "/graphql", json={"query": DESCRIPTION}, headers={"authorization": f"Bearer {tokens['poller']}"}
            )
            assert answer.status_code == 429


async def test_a_running_subscription_ends_when_its_token_is_revoked(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url, "listener")
    with _server(database_url, tmp_path) as url:
        async with Client(transport=transport(url, tokens["listener"])) as session:

            async def listen() -> None:
                async for _ in session.subscribe(GraphQLRequest("subscription { auditEvents { id } }")):
                    pass

            listening = asyncio.create_task(listen())
            await asyncio.sleep(0.5)
            assert not listening.done()
            await _revoke(database_url, "listener")
            with pytest.raises(TransportQueryError) as ended:
                await asyncio.wait_for(listening, 10)
            assert ended.value.errors is not None
            assert ended.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_event_stream_ends_when_its_token_is_revoked(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url, "tail")
    with _server(database_url, tmp_path) as url:
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            headers = {"authorization": f"Bearer {tokens['tail']}"}
            async with client.stream("GET", "/api/events", headers=headers) as stream:
                assert stream.status_code == 200
                await _revoke(database_url, "tail")
                lines = [line async for line in stream.aiter_lines()]  # ends: the server closes the stream
            data = [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]
            assert "event: error" in lines
            assert json.loads(data[-1])["code"] == "UNAUTHENTICATED"
            refused = await client.get("/api/events", headers=headers)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith('Bearer realm="modelreg"')


async def test_the_legacy_graphql_ws_subprotocol_is_refused(database_url: str, tmp_path: Path) -> None:
    tokens = await _seed(database_url, "old-client")
    with _server(database_url, tmp_path) as url:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {tokens['old-client']}"}}
        async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-ws")]) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.send(json.dumps(init))
                await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406


async def test_a_websockets_errors_are_coded_and_a_bad_operation_frees_its_id(
    database_url: str, tmp_path: Path
) -> None:
    """Results streamed over a WebSocket went out before the error codes were added; an operation whose query was
    not a string failed while it was admitted, leaving its id taken and the client waiting."""
    tokens = await _seed(database_url, "coded")
    env = {"MODELREG_RATE_LIMIT": "100", "MODELREG_RATE_BURST": "100"}
    with _server(database_url, tmp_path, **env) as url:
        async with Client(transport=transport(url, tokens["coded"])) as session:
            with pytest.raises(TransportQueryError) as refused:
                await session.execute(gql('{ models(first: 1, after: "not a cursor") { totalCount } }'))
            assert refused.value.errors is not None
            assert refused.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
            limits = (await session.execute(gql("{ rateLimit { limit remaining } }")))["rateLimit"]
            assert limits["limit"] == 100 and limits["remaining"] is not None
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as socket:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {tokens['coded']}"}}
            await socket.send(json.dumps(init))
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
            for query in (None, "{ __typename }"):  # the same id again: free once the first has ended
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
                while (message := json.loads(await asyncio.wait_for(socket.recv(), 10)))["type"] == "next":
                    assert query is not None and message["payload"]["data"] == {"__typename": "Query"}
                assert message["type"] in ("complete", "error"), message
