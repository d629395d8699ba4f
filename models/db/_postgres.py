"""An asyncpg client whose transactions clean up when ``BEGIN`` itself fails or is cancelled.

Tortoise's pooled transaction context acquires a connection and binds it to the task before sending
``BEGIN``; if ``BEGIN`` raises, the context's exit never runs. asyncpg returns a connection that *died* to
its pool by itself, but one that stays open (``BEGIN`` cancelled by a request timeout, or refused with the
connection still up) would never be released, and each would shrink the pool for good until requests
waited forever. The task also stays bound to the failed transaction, so anything it runs next uses the
broken connection. This context unbinds and releases, then lets the error through (``models.db.retry``
reports it).
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


class ReleasingTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            await pool.release(self.client._connection)
            raise
        return self.client


class PostgresClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(TransactionWrapper(self), self._pool_init_lock)


client_class = PostgresClient


def get_client_class(db_info: dict[str, Any]) -> type[AsyncpgDBClient]:
    return PostgresClient
