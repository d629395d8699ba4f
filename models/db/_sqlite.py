"""A SQLite client whose transactions take the write lock at ``BEGIN``.

Tortoise opens a deferred ``BEGIN``, so a transaction that reads before it writes can lose the write
lock to another process and fail with SQLITE_BUSY, and ``select_for_update()`` is silently dropped on
SQLite (docs/architecture.md, "Transactions and locking"). Every transaction in modelreg changes state, so
``BEGIN IMMEDIATE`` serialises writers across processes from their first statement, waiting up to
``busy_timeout`` for the lock. Reads outside transactions are unaffected (WAL lets them run beside a writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

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
        if not rows:
            return []
        names = rows[0].keys()
        if len(set(names)) != len(names):
            return [dict(row) for row in rows]
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


class ImmediateSqliteClient(LinearDictRows, SqliteClientWithRegexpSupport):
    """Also installs ``REGEXP`` (Python's ``re``), which token scopes filter model names with, and which the webhook
    outbox's trigger on ``audit_event`` calls: without it no audit event could be inserted (migration 10)."""

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient
