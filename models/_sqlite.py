"""A SQLite client whose transactions take the write lock at ``BEGIN``.

Tortoise opens a deferred ``BEGIN``, so a transaction that reads before it writes can lose the write
lock to another process and fail with SQLITE_BUSY, and ``select_for_update()`` is silently dropped on
SQLite (STACK_NOTES.md). Every transaction in modelreg changes state, so ``BEGIN IMMEDIATE`` serialises
writers across processes from their first statement, waiting up to ``busy_timeout`` for the lock.
Reads outside transactions are unaffected (WAL lets them run beside a writer).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
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


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient
