"""Applying aerich migrations, safely when several processes start at once on one database."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aerich import Command
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

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


async def missing_registry(database_url: str) -> str | None:
    """Why ``database_url`` holds no registry (naming the database it looked for), or None when it holds one.

    A registry is a database with modelreg's migrations table. Nothing is created while looking: commands that
    are not meant to create a registry (everything but migrate, demo and serve) refuse instead of starting an
    empty one by accident.
    """
    if is_sqlite(database_url):
        file_path = expand_db_url(database_url)["credentials"]["file_path"]  # tortoise_config makes its folder
        path = Path(file_path).resolve()  # noqa: ASYNC240 - a stat of one local file, once per command
        if not path.is_file() or path.stat().st_size == 0:
            return f"no registry at {path} (no such database file)"
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as database:
            found = database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'aerich'").fetchone()
        return None if found else f"no registry at {path} (the file holds no modelreg tables)"
    connection = await asyncpg.connect(database_url, timeout=PostgresOptions().connect_timeout_seconds)
    try:
        found = await connection.fetchval("SELECT to_regclass('aerich') IS NOT NULL")
    finally:
        await connection.close()
    return (
        None if found else f"no registry in {_without_password(database_url)} (the database holds no modelreg tables)"
    )


def _without_password(database_url: str) -> str:
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}{port}"))


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
