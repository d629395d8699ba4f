"""A SQLite client whose transactions take the write lock at ``BEGIN``.

Tortoise opens a deferred ``BEGIN``, so a transaction that reads before it writes can lose the write
lock to another process and fail with SQLITE_BUSY, and ``select_for_update()`` is silently dropped on
SQLite (STACK_NOTES.md). Every transaction in modelreg changes state, so ``BEGIN IMMEDIATE`` serialises
writers across processes from their first statement, waiting up to ``busy_timeout`` for the lock.
Reads outside transactions are unaffected (WAL lets them run beside a writer).

When ``BEGIN IMMEDIATE`` fails (another process held the lock past ``busy_timeout``), Tortoise's context
would keep its connection lock and leave the failed transaction bound to the task, so every later
statement of the process would hang or misbehave; ``ImmediateTransactionContext`` undoes both.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
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
            self._trxlock.release()
            raise
        return self.connection  # type: ignore[no-any-return]


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient
