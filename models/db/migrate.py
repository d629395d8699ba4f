"""Applying aerich migrations, safely when several processes start at once on one database."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from aerich import Command
from tortoise import Tortoise

from models.audit.chain import seal_legacy_events
from models.db.connection import PostgresOptions, is_sqlite, tortoise_config

MIGRATIONS = Path(__file__).parent.parent / "migrations"
#: Migrations may rewrite big tables: no statement or lock timeout (they run one at a time, under a lock).
_UNLIMITED = PostgresOptions(statement_timeout_ms=0, lock_timeout_ms=0)
#: Arbitrary constant naming modelreg's migration lock among PostgreSQL advisory locks.
_ADVISORY_LOCK_KEY = 0x6D6F64656C726567  # "modelreg"


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations and return the names of those applied."""
    async with _exclusive(database_url):
        command = Command(tortoise_config(database_url, _UNLIMITED), app="models", location=str(MIGRATIONS))
        try:
            await command.init()
            applied: list[str] = await command.upgrade(run_in_transaction=True)
            # Events older than the audit chain get their hashes here: SQL alone cannot compute them.
            await seal_legacy_events()
        finally:
            await Tortoise.close_connections()
    return applied


async def pending(database_url: str) -> list[str]:
    """Names of migrations not yet applied."""
    command = Command(tortoise_config(database_url), app="models", location=str(MIGRATIONS))
    try:
        await command.init()
        try:
            heads: list[str] = await command.heads()
        except Exception:  # no aerich table yet: everything is pending
            heads = list(await command.history())
    finally:
        await Tortoise.close_connections()
    return heads


@asynccontextmanager
async def _exclusive(database_url: str) -> AsyncIterator[None]:
    """Hold a lock that only one migrating process at a time can have, across processes."""
    if is_sqlite(database_url):
        file_path = tortoise_config(database_url)["connections"]["default"]["credentials"]["file_path"]
        lock_path = Path(f"{file_path}.migrate-lock")
        with lock_path.open("a") as handle:  # noqa: ASYNC230 - opening an empty lock file does not block
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
        try:
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    finally:
        await connection.close()
