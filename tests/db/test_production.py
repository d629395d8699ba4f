"""Running the registry in production (docs/operations.md): settings, lock retries, idempotency key purging,
graceful shutdown and several worker processes, on SQLite and PostgreSQL.

Locks are held by the test itself (a second SQLite connection in ``BEGIN IMMEDIATE``, or a PostgreSQL
``SELECT ... FOR UPDATE``), with a short busy or lock timeout on the server's side, so a write meets a
real lock failure from the driver and the server's retry is what the test observes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import cast

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from app.cli import main
from app.server import create_app
from app.settings import ServerTuning, Settings
from models.clock import now
from models.db import failures, retry
from models.db.connection import PostgresOptions, connection, dialect, fetch, tortoise_config, write_transaction
from models.deployments.operations import promote
from models.entities import AuditAction, AuditEvent, Deployment, IdempotencyRecord, RegisteredModel, Role
from models.errors import Conflict, InvalidInput, Unavailable
from models.idempotency import RETENTION, purge_expired
from models.registry.operations import Registration, create_model, register_version
from models.tokens.operations import create_token
from tests.support.instances import Instance, accounting, ledger, plan, run_all, seed

PROMOTE = 'mutation { promote(input: {model: "locked", version: 1}) { changed auditEvent { action } } }'


# --- Settings ---------------------------------------------------------------------------------------------


def test_tuning_settings_come_from_the_environment_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODELREG_WORKERS", "MODELREG_DB_POOL_MAX_SIZE", "MODELREG_DB_LOCK_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    default = Settings.from_env().tuning
    assert default == ServerTuning()
    assert (default.workers, default.postgres.pool_max_size, default.postgres.lock_timeout_ms) == (1, 10, 5_000)

    monkeypatch.setenv("MODELREG_WORKERS", "3")
    monkeypatch.setenv("MODELREG_DB_POOL_MAX_SIZE", "25")
    monkeypatch.setenv("MODELREG_DB_STATEMENT_TIMEOUT_MS", "1500")
    monkeypatch.setenv("MODELREG_DB_LOCK_TIMEOUT_MS", "250")
    monkeypatch.setenv("MODELREG_DB_WRITE_ATTEMPTS", "2")
    tuning = Settings.from_env().tuning
    assert (tuning.workers, tuning.write_attempts, tuning.retry_policy.attempts) == (3, 2, 2)
    assert Settings.from_env(workers=2).tuning.workers == 2  # the flag wins over the environment
    connection_config = tortoise_config("postgres://u@db.example:5432/registry", tuning.postgres)["connections"]
    credentials = connection_config["default"]["credentials"]
    assert (credentials["minsize"], credentials["maxsize"]) == (1, 25)
    assert credentials["server_settings"] == {"statement_timeout": "1500", "lock_timeout": "250"}
    # A parameter in the URL takes precedence over the setting.
    from_url = tortoise_config("postgres://u@db.example:5432/registry?maxsize=4", tuning.postgres)["connections"]
    assert int(from_url["default"]["credentials"]["maxsize"]) == 4


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MODELREG_WORKERS", "0", "MODELREG_WORKERS: must be at least 1, got '0'"),
        ("MODELREG_DB_LOCK_TIMEOUT_MS", "soon", "MODELREG_DB_LOCK_TIMEOUT_MS: must be a whole number, got 'soon'"),
        ("MODELREG_DB_POOL_MIN_SIZE", "50", "MODELREG_DB_POOL_MIN_SIZE: must not exceed MODELREG_DB_POOL_MAX_SIZE"),
        ("MODELREG_SHUTDOWN_TIMEOUT_SECONDS", "-1", "MODELREG_SHUTDOWN_TIMEOUT_SECONDS: must be at least 0, got '-1'"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env()
    assert refused.value.message == message
    # The same through the command line: one line on stderr, exit code 2 (usage: README, "Exit codes"), nothing served.
    assert main(["serve", "--no-migrate"]) == 2
    assert capsys.readouterr().err == f"modelreg: {message}\n"


def test_serve_refuses_fewer_than_one_worker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0", "--no-migrate"]) == 2
    assert capsys.readouterr().err == "modelreg: --workers: must be at least 1, got 0\n"


# --- Database sessions and retries ----------------------------------------------------------------------


async def test_database_sessions_get_the_configured_limits(database_url: str) -> None:
    options = PostgresOptions(statement_timeout_ms=200, lock_timeout_ms=70)
    await Tortoise.init(config=tortoise_config(database_url, options), _enable_global_fallback=True)
    try:
        conn = connection()
        if dialect(conn) == "sqlite":
            # SQLite has no statement or lock timeout; a writer waits for another process's lock this long.
            (row,) = await fetch(conn, "PRAGMA busy_timeout")
            assert next(iter(row.values())) == 10_000
            return
        assert (await fetch(conn, "SHOW statement_timeout"))[0]["statement_timeout"] == "200ms"
        assert (await fetch(conn, "SHOW lock_timeout"))[0]["lock_timeout"] == "70ms"
        with pytest.raises(Exception) as cancelled:
            await conn.execute_query("SELECT pg_sleep(5)")
        translated = failures.translate(cancelled.value)
        assert isinstance(translated, Unavailable), cancelled.value
        assert translated.message == (
            "the database did not finish the request within the statement timeout; retry shortly"
        )
    finally:
        await Tortoise.close_connections()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    async def wait_for(self, text: str, timeout: float = 30) -> None:
        for _ in range(int(timeout / 0.01)):
            if any(text in message for message in self.messages):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no log record with {text!r}; got {self.messages}")


@pytest.fixture
def retry_log() -> Iterator[_Records]:
    records = _Records()
    logger = logging.getLogger("modelreg.db")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(records)
    yield records
    logger.removeHandler(records)
    logger.setLevel(previous)


@asynccontextmanager
async def _write_lock(database_url: str, model: str) -> AsyncIterator[None]:
    """Hold, from a connection of the test's own, the lock a write on ``model`` needs."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite://").split("?")[0], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock on the whole database
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    holder_pg = await asyncpg.connect(database_url)
    try:
        async with holder_pg.transaction():
            await holder_pg.execute("SELECT 1 FROM model WHERE name = $1 FOR UPDATE", model)
            yield
    finally:
        await holder_pg.close()


@asynccontextmanager
async def _default_retries_afterwards() -> AsyncIterator[None]:
    """The retry policy is process-wide: put the default back for the tests that follow."""
    try:
        yield
    finally:
        retry.configure(retry.RetryPolicy())


@asynccontextmanager
async def _client(database_url: str, tmp_path: Path, *, attempts: int) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a 50 ms lock (PostgreSQL) or busy (SQLite) timeout, and a deployer's client, warmed up."""
    url = f"{database_url}?busy_timeout=50" if database_url.startswith("sqlite") else database_url
    # A pool of two, so a connection that was not given back would soon leave none.
    tuning = ServerTuning(write_attempts=attempts, postgres=PostgresOptions(lock_timeout_ms=50, pool_max_size=2))
    app = create_app(Settings(database_url=url, artifact_root=tmp_path / "artifacts", tuning=tuning))
    async with app.router.lifespan_context(app), _default_retries_afterwards():
        await register_version(model="locked", registration=Registration(), actor="setup")
        _, secret = await create_token(name="deployer", role=Role.DEPLOYER)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {secret}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://registry", headers=headers) as client:
            # Authenticate once now: the token's first use is recorded with a write, which the lock would block.
            assert (await client.post("/graphql", json={"query": "{ viewer { name } }"})).status_code == 200
            yield client


async def _promotions() -> tuple[int, int]:
    return await Deployment.all().count(), await AuditEvent.filter(action=AuditAction.PROMOTED).count()


async def test_a_write_that_cannot_get_its_lock_fails_cleanly_after_the_retries(
    database_url: str, tmp_path: Path, retry_log: _Records
) -> None:
    async with _client(database_url, tmp_path, attempts=3) as client:
        async with _write_lock(database_url, "locked"):
            response = await client.post("/graphql", json={"query": PROMOTE})
        assert response.status_code == 200
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
        assert error["message"] == (
            "the registry is busy: concurrent changes held the database locks after 3 attempts; nothing was "
            "changed; retry shortly"
        )
        assert sum("attempt" in message for message in retry_log.messages) == 2  # two retries, then give up
        assert await _promotions() == (0, 0)
        # Once the lock is gone the same request goes through, once.
        response = await client.post("/graphql", json={"query": PROMOTE})
        assert response.json() == {"data": {"promote": {"changed": True, "auditEvent": {"action": "PROMOTED"}}}}
        assert await _promotions() == (1, 1)


async def test_a_write_retried_after_a_lock_failure_succeeds_once(
    database_url: str, tmp_path: Path, retry_log: _Records
) -> None:
    async with _client(database_url, tmp_path, attempts=1000) as client:
        async with _write_lock(database_url, "locked"):
            pending = asyncio.create_task(client.post("/graphql", json={"query": PROMOTE}))
            await retry_log.wait_for("promote: contention")  # it failed on the lock and is being retried
        response = await pending
        assert response.json() == {"data": {"promote": {"changed": True, "auditEvent": {"action": "PROMOTED"}}}}
        assert await _promotions() == (1, 1)


async def _cut_connections(database_url: str) -> None:
    """End every other session of the database from the server's side, as a restart or a proxy would."""
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def test_a_write_whose_begin_fails_leaves_the_process_healthy(database_url: str, tmp_path: Path) -> None:
    """A transaction that fails at its very first statement lets go of what it took, so later writes work.

    On SQLite a failed BEGIN IMMEDIATE used to keep the process-wide connection lock and leave the task bound
    to the failed transaction (every later write of the process failed). On PostgreSQL the pooled connections
    are cut while this event loop is blocked, so BEGIN is the first statement to meet a dead connection.
    Called without HTTP so that nothing else (authentication) uses the connection first."""

    async def attempt() -> str:
        try:
            await promote(model="locked", version=1, actor="ops")
        except Unavailable:
            return "unavailable"
        return "ok"

    async with _client(database_url, tmp_path, attempts=1):
        for _ in range(3):
            if database_url.startswith("sqlite"):
                async with _write_lock(database_url, "locked"):  # BEGIN IMMEDIATE fails: database is locked
                    assert await attempt() == "unavailable"
            else:
                # End the pooled connections from another thread while this event loop is blocked, so their
                # end is not noticed before the next BEGIN is sent on one of them.
                cutter = threading.Thread(target=lambda: asyncio.run(_cut_connections(database_url)))
                cutter.start()
                cutter.join()
                time.sleep(0.2)
            # Each dead pooled connection fails one write at most (the pool holds two); then all succeed.
            answers = [await asyncio.wait_for(attempt(), timeout=30) for _ in range(6)]
            assert answers[2:] == ["ok"] * 4, answers


async def test_a_write_that_keeps_losing_a_unique_race_is_a_conflict(app: Starlette) -> None:
    """A unique violation from a concurrent insert is retried (the next attempt sees the winner's row); one
    that persists becomes CONFLICT, never INTERNAL_SERVER_ERROR."""
    retry.configure(retry.RetryPolicy(attempts=3, base_delay=0.001))
    await create_model(name="taken", actor="first")
    attempts = 0

    @retry.retried
    async def insert_taken() -> None:
        nonlocal attempts
        attempts += 1
        async with write_transaction() as conn:
            stamp = now()
            await RegisteredModel.create(
                name="taken", created_at=stamp, created_by="second", updated_at=stamp, using_db=conn
            )

    try:
        with pytest.raises(Conflict) as refused:
            await insert_taken()
    finally:
        retry.configure(retry.RetryPolicy())
    assert attempts == 3
    assert refused.value.message.startswith("a concurrent request changed the same records after 3 attempts")
    assert await RegisteredModel.filter(name="taken").count() == 1

    # Any other integrity error is a bug, not a race: not retried, and left to be masked as unexpected.
    @retry.retried
    async def insert_without_creator() -> None:
        nonlocal attempts
        attempts += 1
        async with write_transaction() as conn:
            await conn.execute_query(
                "INSERT INTO model (name, created_at, updated_at, version_count) VALUES ('nameless', ?, ?, 0)"
                if dialect(conn) == "sqlite"
                else "INSERT INTO model (name, created_at, updated_at, version_count) VALUES ('nameless', $1, $2, 0)",
                [now(), now()],
            )

    attempts = 0
    with pytest.raises(IntegrityError):
        await insert_without_creator()
    assert attempts == 1


# --- Idempotency keys --------------------------------------------------------------------------------------


async def _old_and_new_keys(old: int, new: int) -> None:
    expired = now() - RETENTION - timedelta(minutes=5)
    for number in range(old + new):
        await IdempotencyRecord.create(
            principal="bot",
            key=f"key-{number}",
            operation="promote",
            request_hash="0" * 64,
            result={},
            created_at=expired if number < old else now(),
        )


async def test_expired_idempotency_keys_are_purged_in_bounded_batches(app: Starlette) -> None:
    await _old_and_new_keys(old=7, new=3)
    assert [await purge_expired(limit=3) for _ in range(4)] == [3, 3, 1, 0]
    # Tortoise types values_list() as tuples even with flat=True.
    keys = cast("list[str]", await IdempotencyRecord.all().values_list("key", flat=True))
    assert sorted(keys) == ["key-7", "key-8", "key-9"]


async def test_the_server_purges_expired_keys_in_the_background(database_url: str, tmp_path: Path) -> None:
    tuning = ServerTuning(idempotency_purge_interval_seconds=0.05, idempotency_purge_batch=2)
    app = create_app(Settings(database_url=database_url, artifact_root=tmp_path / "a", tuning=tuning))
    async with app.router.lifespan_context(app):
        await _old_and_new_keys(old=5, new=2)
        for _ in range(3000):
            if await IdempotencyRecord.all().count() == 2:
                break
            await asyncio.sleep(0.01)
        keys = cast("list[str]", await IdempotencyRecord.all().values_list("key", flat=True))
        assert sorted(keys) == ["key-5", "key-6"]


# --- Processes: SIGTERM and --workers ----------------------------------------------------------------------


@contextmanager
def _held_lock(database_url: str, model: str) -> Iterator[None]:
    """``_write_lock`` for synchronous tests."""
    loop = asyncio.new_event_loop()
    lock = _write_lock(database_url, model)
    try:
        loop.run_until_complete(lock.__aenter__())
        yield
    finally:
        loop.run_until_complete(lock.__aexit__(None, None, None))
        loop.close()


def test_sigterm_lets_the_request_in_flight_finish(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(seed(database_url, ["locked"], 1))
    url = f"{database_url}?busy_timeout=50" if database_url.startswith("sqlite") else database_url
    env = {"MODELREG_DB_LOCK_TIMEOUT_MS": "50", "MODELREG_DB_WRITE_ATTEMPTS": "1000"}
    instance = Instance(url, tmp_path / "artifacts", env=env)
    answers: list[httpx.Response] = []
    auth = {"Authorization": f"Bearer {token}"}
    try:
        instance.start()
        with httpx.Client(base_url=instance.url, headers=auth, timeout=60) as client:
            assert client.post("/graphql", json={"query": "{ viewer { name } }"}).status_code == 200
            sender = threading.Thread(target=lambda: answers.append(client.post("/graphql", json={"query": PROMOTE})))
            with _held_lock(database_url, "locked"):
                sender.start()
                instance.wait_for_log("promote: contention")  # the promote is in the server, waiting for the lock
                assert instance.process is not None
                instance.process.send_signal(signal.SIGTERM)
                instance.wait_for_log("Shutting down")
                with pytest.raises(httpx.ConnectError):  # no new connections once shutdown began
                    httpx.get(f"{instance.url}/healthz", timeout=5)
            sender.join(timeout=60)
        # uvicorn re-raises the SIGTERM it handled once it has shut down, so the exit status says SIGTERM.
        assert instance.wait_exit() == -signal.SIGTERM
    finally:
        if instance.alive():
            instance.kill()
    assert "Application shutdown complete." in instance.log_text()
    assert [answer.status_code for answer in answers] == [200]
    assert answers[0].json() == {"data": {"promote": {"changed": True, "auditEvent": {"action": "PROMOTED"}}}}
    book = asyncio.run(ledger(database_url))
    assert (len(book.deployments), len(book.events), book.violations) == (1, 1, [])


def test_serve_with_two_workers_shares_one_database(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(seed(database_url, ["w0", "w1"], 5))
    instance = Instance(database_url, tmp_path / "artifacts", args=["--workers", "2"])
    try:
        instance.start()
        outcomes = asyncio.run(run_all([instance.url], token, plan(120, 2, models=["w0", "w1"]), 16))
    finally:
        code = instance.stop()
    logs = instance.log_text()
    assert code == 0, logs
    assert logs.count("Started server process") == 2, logs
    assert logs.count("Finished server process") == 2, logs  # SIGTERM reached both workers, which finished
    assert "database is locked" not in logs
    failures = [o for o in outcomes if o.status not in ("ok", "conflict")]
    assert not failures, [f"{o.operation.kind}: {o.status} {o.detail}" for o in failures[:5]]
    book = asyncio.run(ledger(database_url))
    assert book.violations == []
    assert accounting(outcomes, book) == []
