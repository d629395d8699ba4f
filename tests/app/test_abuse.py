"""Limits that hold under abuse: the execution timeout (and the rollback it implies), and failures that reach
the client masked, with the request id and nothing internal.

Slowness and failures are injected through public hooks only: a Strawberry extension in a schema built with
``build_schema(extra_extensions=...)`` and served by ``create_app(settings, graphql_schema=...)``, a Tortoise
``post_save`` listener, or another database connection holding a lock, as a second process would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from tortoise.signals import Signals

from app.server import create_app
from app.settings import Settings
from models.db.connection import connection
from models.entities import AuditEvent, Role
from models.tokens.operations import create_token
from schema.build import build_schema
from tests.schema.test_limits import LEAKS
from tests.support.helpers import REGISTER, Api, register, row_counts

#: Short, so a test that waits for it stays quick; the injected stalls last far longer.
TIMEOUT = 0.5
STALL_SECONDS = 60


class Sabotage(SchemaExtension):
    """Test-only: ``model(name: "slow")`` stalls past any timeout, ``model(name: "explode")`` raises."""

    async def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        if info.field_name == "model" and kwargs.get("name") == "slow":
            await asyncio.sleep(STALL_SECONDS)
        if info.field_name == "model" and kwargs.get("name") == "explode":
            raise RuntimeError("SELECT secret_hash FROM api_token failed in /srv/modelreg/models/x.py line 42")
        result = _next(root, info, *args, **kwargs)
        # Any awaitable (a loader-backed relation returns a ``Later``, neither a coroutine nor a future).
        return await result if inspect.isawaitable(result) else result


SABOTAGED = build_schema(extra_extensions=[Sabotage])


@asynccontextmanager
async def serving(
    settings: Settings, *, graphql_schema: strawberry.Schema | None = None, raise_app_exceptions: bool = True
) -> AsyncIterator[Api]:
    """The real app built from ``settings`` (and schema), with a token per role, as an ``Api``."""
    application = create_app(settings, graphql_schema=graphql_schema)
    async with application.router.lifespan_context(application):
        tokens = {role.value: (await create_token(name=role.value, role=role))[1] for role in Role}
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield Api(client, tokens)


def quick(settings: Settings) -> Settings:
    return dataclasses.replace(settings, execution_timeout_seconds=TIMEOUT)


def assert_timed_out(body: dict[str, Any]) -> None:
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT", error
    assert f"within {TIMEOUT:g} s" in error["message"]


# --- the execution timeout -----------------------------------------------------------------------------------


async def test_a_slow_resolver_is_cut_off_and_the_server_keeps_serving(settings: Settings) -> None:
    async with serving(quick(settings), graphql_schema=SABOTAGED) as api:
        await register(api, "m")
        assert_timed_out(await api.post('{ model(name: "slow") { name } }', as_="reader"))
        assert await api.data('{ model(name: "m") { name } }', as_="reader") == {"model": {"name": "m"}}
        await register(api, "m")  # writes work too


_stalling = {"on": False}


async def _stall_audit_writes(*_: Any) -> None:
    """A ``post_save`` listener: runs inside the mutation's transaction, after its first rows are written."""
    if _stalling["on"]:
        await asyncio.sleep(STALL_SECONDS)


async def test_a_mutation_cut_off_mid_transaction_leaves_nothing_behind(settings: Settings) -> None:
    AuditEvent.register_listener(Signals.post_save, _stall_audit_writes)  # idempotent
    async with serving(quick(settings)) as api:
        await register(api, "kept")
        before = await row_counts()
        _stalling["on"] = True
        try:
            # Creates the model, writes MODEL_CREATED (and stalls there), then would write the version.
            body = await api.post(REGISTER, {"input": {"model": "half", "metrics": [{"name": "auc", "value": 1}]}})
        finally:
            _stalling["on"] = False
        assert_timed_out(body)
        assert await row_counts() == before, "the model and its audit event were rolled back"
        assert (await api.error('{ model(name: "half") { name } }'))["extensions"]["code"] == "NOT_FOUND"
        assert await register(api, "half") == [1], "the same mutation succeeds afterwards"


@asynccontextmanager
async def write_lock_held_elsewhere(database_url: str, backend: str) -> AsyncIterator[None]:
    """Another connection, as another process would, holds a lock that registerVersion needs, until the block ends.

    PostgreSQL: a table lock on audit_event, so the mutation blocks inside its transaction after creating the
    model. SQLite: the database's write lock, so the mutation blocks at ``BEGIN IMMEDIATE``.
    """
    if backend == "postgres":
        holder = await asyncpg.connect(database_url)
        try:
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute("LOCK TABLE audit_event IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                await transaction.rollback()
        finally:
            await holder.close()
        return
    other = sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_mutation_waiting_for_a_lock_is_cut_off_and_the_server_recovers(
    settings: Settings, database_url: str, backend: str
) -> None:
    async with serving(quick(settings)) as api:
        await register(api, "kept")
        before = await row_counts()
        async with write_lock_held_elsewhere(database_url, backend):
            assert_timed_out(await api.post(REGISTER, {"input": {"model": "blocked"}}))
        assert await row_counts() == before, "nothing of the cut-off mutation remains"
        assert await register(api, "blocked") == [1], "the server writes again once the lock is free"
        assert await register(api, "kept") == [2]


# --- masking -------------------------------------------------------------------------------------------------


async def test_an_injected_resolver_failure_is_masked(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    async with serving(settings, graphql_schema=SABOTAGED) as api:
        logger = logging.getLogger("modelreg.graphql")
        logger.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.ERROR, logger="modelreg.graphql"):
                response = await api.client.post(
                    "/graphql",
                    json={"query": '{ a: model(name: "explode") { name } b: viewer { name } }'},
                    headers={**api.headers("reader"), "X-Request-ID": "inject-1"},
                )
        finally:
            logger.removeHandler(caplog.handler)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"a": None, "b": {"name": "reader"}}, "the other root field still answers"
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "inject-1"}
    assert error["path"] == ["a"]
    assert "inject-1" in error["message"]
    assert LEAKS.search(json.dumps(error)) is None, error
    assert "secret_hash" not in response.text
    logged = [r for r in caplog.records if r.name == "modelreg.graphql" and r.exc_info]
    assert logged and "inject-1" in logged[0].getMessage(), "the operator gets the traceback under the request id"


async def test_an_exception_outside_graphql_is_a_json_500_with_the_request_id(
    settings: Settings, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(settings, raise_app_exceptions=False) as api:
        await connection().execute_script(
            "DROP TABLE api_token CASCADE" if backend == "postgres" else "DROP TABLE api_token"
        )
        logger = logging.getLogger("modelreg.http")
        logger.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.ERROR, logger="modelreg.http"):
                graphql = await api.client.post(
                    "/graphql",
                    json={"query": "{ viewer { name } }"},
                    headers={**api.headers("reader"), "X-Request-ID": "lost-1"},
                )
                artifact = await api.client.get(f"/api/artifacts/{'0' * 64}", headers=api.headers("reader"))
        finally:
            logger.removeHandler(caplog.handler)
        health = await api.client.get("/healthz")

    assert graphql.status_code == 500
    assert graphql.headers["x-request-id"] == "lost-1"
    assert graphql.json() == {
        "errors": [
            {
                "message": "Internal server error; quote request id lost-1 to the operator",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "lost-1"},
            }
        ]
    }
    assert artifact.status_code == 500
    assert artifact.json()["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert artifact.json()["error"]["requestId"] == artifact.headers["x-request-id"]
    for response in (graphql, artifact):
        assert LEAKS.search(response.text) is None, response.text
    assert any(r.exc_info and "lost-1" in r.getMessage() for r in caplog.records), "logged with its traceback"
    assert health.status_code == 200, "the server keeps serving"
