"""A SQLite client whose transactions take the write lock at ``BEGIN``, and whose reads run on the event loop.

Tortoise opens a deferred ``BEGIN``, so a transaction that reads before it writes can lose the write
lock to another process and fail with SQLITE_BUSY, and ``select_for_update()`` is silently dropped on
SQLite (docs/architecture.md, "Transactions and locking"). Every transaction in modelreg changes state, so
``BEGIN IMMEDIATE`` serialises writers across processes from their first statement, waiting up to
``busy_timeout`` for the lock. Reads outside transactions are unaffected (WAL lets them run beside a writer).

Reads outside a transaction do not go to aiosqlite's thread: they run on a second, read-only connection, in the
event loop's own thread (``LoopReads``). See that class for why, and for how the loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteClientWithRegexpSupport,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from models.db.statements import StatementLog

#: Clean-ups of failed BEGINs still running (a reference keeps each task alive until it is done).
_cleanups: set[asyncio.Task[None]] = set()


class LinearDictRows(SqliteClient):
    """Rows as dicts in time linear in their width.

    Tortoise builds each dict with ``dict(row)`` over a ``sqlite3.Row``, which looks every key up by name, and
    ``sqlite3.Row`` finds a name by comparing it with each column's in turn: quadratic in the columns (1,700 rows
    of 35 columns: 31 ms, against 5 ms with the names read once). The wide reads take rows by position
    (``connection.fetch_table``); this keeps ``fetch()`` and Tortoise's own dict reads linear too. A statement that
    returns two columns of one name keeps the first, as ``dict(row)`` does.
    """

    @translate_exceptions
    async def execute_query_dict(self, query: str, values: list[Any] | None = None) -> list[dict[str, Any]]:
        query = query.replace("\x00", "'||CHAR(0)||'")
        async with self.acquire_connection() as connection:
            self.log.debug("%s: %s", query, values)
            rows = await connection.execute_fetchall(query, values)
        return _dicts(tuple(rows[0].keys()), rows) if rows else []


def _dicts(names: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """A dict per row; of two columns of one name, the first (as ``dict(row)`` of a ``sqlite3.Row`` keeps it)."""
    if len(set(names)) != len(names):
        first = {name: at for at, name in reversed(list(enumerate(names)))}
        return [{name: row[at] for name, at in first.items()} for row in rows]
    return [dict(zip(names, row, strict=True)) for row in rows]


class ImmediateTransactionWrapper(LinearDictRows, SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            # Tortoise commits here first, a round trip to the database thread that does nothing when no
            # transaction is open (always, in autocommit mode). One left open by a failed commit is rolled back:
            # its writes belonged to an operation that failed.
            if self._connection.in_transaction:
                await self._connection.rollback()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's SQLite transaction context, except that a BEGIN that fails gives the connection back.

    Tortoise takes the connection lock and then begins; when BEGIN IMMEDIATE fails (SQLITE_BUSY after
    ``busy_timeout``) or the task is cancelled while it waits (the server's execution timeout),
    ``__aexit__`` never runs and the lock was never released: every later query in the process hung.
    """

    async def __aenter__(self) -> TransactionalDBClient:
        client: TransactionalDBClient = self.connection
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            # A cancelled BEGIN goes on in aiosqlite's thread and may still open a transaction: roll it back
            # before the lock goes to anyone else. In the background, so a cancelled request answers at once.
            cleanup = asyncio.ensure_future(self._abandon())
            _cleanups.add(cleanup)
            cleanup.add_done_callback(_cleanups.discard)
            raise
        return client

    async def _abandon(self) -> None:
        try:
            raw = self.connection._connection
            if raw is not None:
                with contextlib.suppress(Exception):  # nothing to roll back, or the connection is closing
                    await raw.rollback()
        finally:
            self._trxlock.release()


#: A statement that reads (a write disguised as one is refused by the read-only connection, and goes to the writer).
_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
#: Rows fetched between two looks at the clock.
_ROWS_PER_LOOK = 256
#: The longest a read holds the event loop between two turns of it (the first row apart, see ``LoopReads``).
READ_SLICE_SECONDS = 0.005
#: What the read-only connection refuses, which the writer's connection then runs: a write, and a read that would
#: have to wait for a lock (rare in WAL mode: while a crashed writer's log is recovered, say).
_FOR_THE_WRITER = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY}


def _regexp(pattern: str | None, text: str | None) -> bool:
    """SQLite's ``REGEXP`` on the read-only connection, as Tortoise installs it on its own
    (``tortoise.contrib.sqlite.regex``, where the function is local to the coroutine that installs it)."""
    if not pattern or not text:
        return False
    return re.search(pattern, text) is not None


def _match(pattern: str, text: str) -> bool:
    """SQLite's ``MATCH``, Tortoise's case-insensitive ``REGEXP``."""
    return re.search(pattern, text, re.IGNORECASE) is not None


class Read(NamedTuple):
    """A read's column names (in order) and its rows."""

    names: tuple[str, ...]
    rows: list[Any]


class LoopReads:
    """Reads outside transactions, run on a read-only connection of their own in the event loop's thread.

    aiosqlite runs every statement in its thread, which builds each row's Python objects holding the GIL (SQLite's
    module gives the GIL up around each row's step and takes it back). Measured in process with the server's
    collector settings, a dashboard's wall time was the sum of the two threads' CPU (some 14 ms in the database
    thread, 28 in the loop's): nothing overlapped, and each statement paid the hand-offs between threads, to the
    thread and back, and of the GIL row by row. In the loop's thread the same statements cost less: the reference
    dashboard x0.93 over HTTP (x0.88 to x0.91 in process), the 10,000-version dashboard x0.97
    (docs/performance.md, "SQLite's reads in the event loop's thread").

    The loop must still come round: rows are fetched 256 at a time, and once a read has held the loop for
    ``READ_SLICE_SECONDS`` it yields a turn. A statement's first row is computed in one go (a ``COUNT`` over a
    million versions: 2 to 6 ms). A second connection also means reads no longer queue behind a transaction of
    this process (aiosqlite's one connection is locked for the whole of one), and never see one uncommitted. A
    new read sees every commit made before it starts, by this process or another (WAL), so the response cache's
    generation (``models/db/generation.py``) keeps its guarantee.
    """

    def __init__(self, path: str, pragmas: Mapping[str, Any]) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("cache_size", "mmap_size"):
            if pragma in pragmas:
                self.connection.execute(f"PRAGMA {pragma}={int(pragmas[pragma])}")
        self.connection.execute("PRAGMA query_only=1")
        self.connection.execute("PRAGMA busy_timeout=0")  # a read that would wait goes to the writer's thread
        self.connection.create_function("regexp", 2, _regexp, deterministic=True)
        self.connection.create_function("match", 2, _match, deterministic=True)

    async def rows(self, query: str, values: list[Any] | None, *, mapped: bool) -> Read | None:
        """The statement's columns and rows; None when this connection refuses it (a write; a lock to wait for).

        ``mapped``: rows as ``sqlite3.Row`` (what Tortoise's executor reads, by name); else plain tuples, which
        cost a third less to make (0.45 µs a row, measured on 110,000) for reads by position
        (``models.db.connection.fetch_table``)."""
        if not _READ.match(query):
            return None
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row if mapped else None
        try:
            try:
                cursor.execute(query, values or ())
            except sqlite3.OperationalError as refused:
                if refused.sqlite_errorcode & 0xFF in _FOR_THE_WRITER:
                    return None
                raise
            names = tuple(column[0] for column in cursor.description or ())
            found: list[Any] = []
            began = time.perf_counter()
            while True:
                rows = cursor.fetchmany(_ROWS_PER_LOOK)
                found += rows
                if len(rows) < _ROWS_PER_LOOK:
                    return Read(names, found)
                if time.perf_counter() - began >= READ_SLICE_SECONDS:
                    await asyncio.sleep(0)
                    began = time.perf_counter()
        finally:
            cursor.close()  # a cancelled read leaves no statement open (and no snapshot held)

    def close(self) -> None:
        self.connection.close()


class ImmediateSqliteClient(LinearDictRows, SqliteClientWithRegexpSupport):
    """Also installs ``REGEXP`` (Python's ``re``), which token scopes filter model names with, and which the webhook
    outbox's trigger on ``audit_event`` calls: without it no audit event could be inserted (migration 10).

    Reads outside transactions go to ``LoopReads`` (an in-memory database has no second connection: there they
    stay on aiosqlite's). A transaction's statements, and every write, go to aiosqlite's connection."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self.log = StatementLog(self.log)  # type: ignore[assignment]  # a logger's debug(), and a count
        self._reads: LoopReads | None = None

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self._reads is None and self.filename != ":memory:":
            self._reads = LoopReads(self.filename, self.pragmas)

    async def close(self) -> None:
        if self._reads is not None:
            self._reads.close()
            self._reads = None
        await super().close()

    @translate_exceptions
    async def execute_query(self, query: str, values: list[Any] | None = None) -> tuple[int, Sequence[Any]]:
        read = await self._read(query, values, mapped=True)
        if read is None:
            return cast(tuple[int, Sequence[Any]], await super().execute_query(query, values))
        return len(read.rows), read.rows

    @translate_exceptions
    async def execute_query_dict(self, query: str, values: list[Any] | None = None) -> list[dict[str, Any]]:
        read = await self._read(query, values, mapped=False)
        if read is None:
            return cast(list[dict[str, Any]], await super().execute_query_dict(query, values))
        return _dicts(read.names, read.rows)

    @translate_exceptions
    async def read_table(self, query: str, values: list[Any]) -> Read | None:
        """A read's rows as plain tuples, with its column names; None when it goes to aiosqlite's connection
        (``execute_query`` then)."""
        return await self._read(query, values, mapped=False)

    async def _read(self, query: str, values: list[Any] | None, *, mapped: bool) -> Read | None:
        if self._connection is None:
            async with self.acquire_connection():  # Tortoise opens its connection (and ours) under its lock
                pass
        if self._reads is None:  # an in-memory database: no second connection to it
            return None
        query = query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise's own methods do
        read = await self._reads.rows(query, values, mapped=mapped)
        if read is not None:
            self.log.debug("%s: %s", query, values)  # what Tortoise logs for each statement (the tests count them)
        return read

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient
