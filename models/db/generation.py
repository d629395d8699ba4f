"""The registry's generation: a number that every committed write advances, read cheaply before a query runs.

The response cache (``app/response_cache.py``) keys every answer by the generation read when the query started,
so an answer computed before a write is never served after it. The guarantee: once a write's transaction has
committed and ``write_transaction()`` has returned (so before any mutation is answered), every process that
reads the generation reads a value no answer computed before that commit was stored under.

- **PostgreSQL**: the sequence ``registry_generation`` (migration 9), advanced with ``nextval`` *after* the
  commit and read as its ``last_value``. A write transaction sends the ``nextval`` in the same message as its
  ``COMMIT`` (``COMMIT; SELECT nextval(...)``, ``models/db/_postgres.py``): PostgreSQL runs it once the commit
  is durable and visible, and the write saves a round trip and a pooled connection. Sequences are not
  transactional, so advancing inside the transaction would let a query read the new value and the old rows
  (and cache the old answer under the new value). Advanced after the commit, a reader that sees the new value
  started after the commit, and READ COMMITTED shows it the write. ``nextval`` takes no lock that writers of
  different models would queue on.
- **SQLite**: ``PRAGMA data_version``, which changes whenever *another* connection (another process: one
  connection per process) commits, together with a counter of this process's own commits, advanced after
  each, and a serial number of the connection (the pragma's value means nothing across connections).

Neither statement goes through Tortoise's query methods: they are bookkeeping of the cache, not reads or
writes of the registry, and the statement budgets (``tests/schema/test_sql_counts.py``) count the latter.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db._postgres import PostgresTransaction

#: The PostgreSQL sequence (created by migration 9) and its two statements.
_READ = "SELECT last_value FROM registry_generation"
_ADVANCE = "SELECT nextval('registry_generation')"

_own_commits = 0
_serials: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_next_serial = itertools.count(1)


async def current(client: BaseDBAsyncClient) -> str:
    """The generation now, as an opaque string (equal strings: no write committed in between)."""
    if client.capabilities.dialect == "postgres":
        async with client.acquire_connection() as raw:
            return f"pg:{await raw.fetchval(_READ)}"
    async with client.acquire_connection() as raw:
        async with raw.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        serial = _serials.get(raw)
        if serial is None:
            serial = _serials[raw] = next(_next_serial)
    return f"sqlite:{serial}:{row[0]}:{_own_commits}"


def advance_with_commit(transaction: BaseDBAsyncClient) -> bool:
    """Have ``transaction``'s own COMMIT advance the generation, right after committing, in the same round trip.

    False when it cannot (SQLite; a savepoint): then the caller advances after the transaction ends."""
    return isinstance(transaction, PostgresTransaction) and transaction.send_after_commit(_ADVANCE)


async def advance(client: BaseDBAsyncClient) -> None:
    """Called after a write transaction ended (committed, or its outcome unknown)."""
    global _own_commits
    if client.capabilities.dialect == "postgres":
        async with client.acquire_connection() as raw:
            await raw.fetchval(_ADVANCE)
    else:
        _own_commits += 1
