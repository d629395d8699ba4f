"""SQLite's reads outside a transaction run on a read-only connection in the event loop's thread
(``models/db/_sqlite.py``, ``LoopReads``); writes, transactions and reads that would wait for a lock stay on
aiosqlite's connection."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from models.db._sqlite import LoopReads
from models.db.connection import CONNECTION, connection, fetch, fetch_table
from models.entities import RegisteredModel
from tests.support.helpers import StatementCounter

#: PostgreSQL's reads go through its pool.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


async def _models() -> int:
    return int((await fetch(connection(), "SELECT COUNT(*) AS n FROM model"))[0]["n"])


@sqlite_only
async def test_a_read_runs_in_the_loops_thread_and_is_counted_once(
    app: Starlette, statements: StatementCounter
) -> None:
    await _models()  # the read-only connection opens with the first read
    statements.reset()
    threads: list[int] = []
    raw = connection()._reads.connection  # type: ignore[attr-defined]

    def thread_of() -> int:
        threads.append(threading.get_ident())
        return 1

    raw.create_function("thread_of", 0, thread_of)
    found = await fetch_table(connection(), "SELECT thread_of() AS t")
    assert [tuple(row) for row in found.rows] == [(1,)]
    assert threads == [threading.get_ident()]
    assert statements.count == 1


@sqlite_only
async def test_a_read_neither_waits_for_nor_sees_a_transaction_in_progress(app: Starlette) -> None:
    before = await _models()
    written, finish = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        async with in_transaction(CONNECTION) as conn:
            await conn.execute_query(
                "INSERT INTO model (name, description, created_by, version_count, "
                "metric_directions, created_at, updated_at) VALUES ('held', '', 't', 0, '{}', "
                "'2026-12-07 00:00:00+00:00', '2026-12-07 00:00:00+00:00')"
            )
            written.set()
            await finish.wait()

    writer = asyncio.create_task(write())
    await written.wait()
    # aiosqlite's one connection is the transaction's until it ends; the read does not queue behind it.
    assert await asyncio.wait_for(_models(), timeout=5) == before
    finish.set()
    await writer
    assert await _models() == before + 1  # and a read that starts after the commit sees it


@sqlite_only
async def test_a_write_sent_as_a_read_goes_to_the_writer(app: Starlette, statements: StatementCounter) -> None:
    before = await RegisteredModel.all().count()
    statements.reset()
    await connection().execute_query(
        "WITH named AS (SELECT 'through-with' AS name) INSERT INTO model (name, description, created_by, "
        "version_count, metric_directions, created_at, updated_at) SELECT name, '', 't', 0, '{}', "
        "'2026-12-07 00:00:00+00:00', '2026-12-07 00:00:00+00:00' FROM named"
    )
    assert statements.count == 1  # refused by the read-only connection without a trace, run once by the writer
    assert await RegisteredModel.all().count() == before + 1
    assert await RegisteredModel.get(name="through-with")


async def test_a_read_that_would_wait_for_a_lock_is_handed_back(tmp_path: Path) -> None:
    """The read-only connection waits for no lock: a read that would is handed back (None), and the client runs it
    on aiosqlite's connection, which waits ``busy_timeout`` in its thread. In WAL mode a reader hardly ever waits,
    so this takes a database in rollback-journal mode, where a writer about to commit keeps readers out."""
    path = tmp_path / "journal.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    reads = LoopReads(str(path), {})
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO t VALUES (1)")
        assert await reads.rows("SELECT COUNT(*) AS n FROM t", None, mapped=False) is None
        holder.execute("COMMIT")
        found = await reads.rows("SELECT COUNT(*) AS n FROM t", None, mapped=False)
        assert found is not None and found.names == ("n",) and found.rows == [(1,)]
    finally:
        reads.close()
        holder.close()


@sqlite_only
async def test_a_long_read_gives_the_loop_turns(app: Starlette) -> None:
    turns = 0
    stop = asyncio.Event()

    async def tick() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    at_start = turns
    found = await fetch_table(
        connection(),
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000) "
        "SELECT i, printf('row %d', i) AS label FROM n",
    )
    stop.set()
    await ticker
    assert len(found.rows) == 400_000
    assert turns > at_start + 1  # rows come 256 at a time, and the read yields every few milliseconds
