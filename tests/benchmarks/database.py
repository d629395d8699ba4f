"""Benchmark databases: creating and dropping them, and one raw driver connection to each.

The raw connection (aiosqlite or asyncpg, the drivers the server itself uses, without Tortoise) is what the
fixture generator writes through and what the floors read through. SQL is written with ``?`` placeholders
and renumbered for PostgreSQL, as ``models.db.connection.fetch`` does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from tortoise.contrib.sqlite.regex import install_regexp_functions

from models.db._sqlite import LoopReads

#: The PostgreSQL server benchmarks create their databases on (its `test` database is only used to connect).
POSTGRES_URL = os.environ.get(
    "MODELREG_BENCH_POSTGRES_URL",
    os.environ.get("MODELREG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
)
#: Every benchmark database on PostgreSQL starts with this, so leftovers are easy to find and drop.
PREFIX = "modelreg_bench_"
_PLACEHOLDER = re.compile(r"\?")


def sqlite_path(database_url: str) -> Path | None:
    """The file of a ``sqlite://`` URL, or None for PostgreSQL."""
    if not database_url.startswith("sqlite://"):
        return None
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0])


def backend_of(database_url: str) -> str:
    return "sqlite" if sqlite_path(database_url) is not None else "postgres"


def postgres_url(database: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"


async def create_database(backend: str, name: str, folder: Path) -> str:
    """A new, empty database named ``name`` (a file in ``folder`` on SQLite); returns its URL."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.sqlite3"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return f"sqlite://{path}"
    database = PREFIX + name
    await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
    return postgres_url(database)


async def drop_database(database_url: str) -> None:
    path = sqlite_path(database_url)
    if path is not None:
        for item in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.migrate-lock")):
            item.unlink(missing_ok=True)
        return
    database = database_url.rsplit("/", 1)[1]
    if not database.startswith(PREFIX):
        raise ValueError(f"refusing to drop {database!r}: benchmark databases start with {PREFIX!r}")
    await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def database_size(database_url: str) -> int:
    """Bytes on disk (SQLite: the file and its WAL; PostgreSQL: pg_database_size)."""
    path = sqlite_path(database_url)
    if path is not None:
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    raw = await Raw.open(database_url)
    try:
        return int((await raw.fetch("SELECT pg_database_size(current_database())"))[0][0])
    finally:
        await raw.close()


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


class Raw:
    """One connection through the server's own driver, without the ORM."""

    def __init__(
        self,
        *,
        sqlite: aiosqlite.Connection | None = None,
        reads: LoopReads | None = None,
        postgres: asyncpg.Connection | None = None,
    ):
        self.sqlite = sqlite
        #: SQLite's reads outside a transaction, made as the server makes them: in the loop's thread.
        self.reads = reads
        self.postgres = postgres
        self.backend = "sqlite" if sqlite is not None else "postgres"

    @classmethod
    async def open(cls, database_url: str, *, pragmas: dict[str, Any] | None = None) -> Raw:
        path = sqlite_path(database_url)
        if path is None:
            return cls(postgres=await asyncpg.connect(database_url, timeout=10))
        connection = await aiosqlite.connect(path, isolation_level=None)
        # The webhook outbox's trigger on audit_event calls REGEXP: without the server's function (models/db/_sqlite.py)
        # no event could be inserted, by the fixture generator or anyone (migration 10's docstring).
        await install_regexp_functions(connection)
        for name, value in (pragmas or {}).items():
            await connection.execute(f"PRAGMA {name}={value}")
        return cls(sqlite=connection, reads=LoopReads(str(path), pragmas or {}))

    def sql(self, text: str) -> str:
        if self.backend == "sqlite":
            return text
        counter = iter(range(1, text.count("?") + 1))
        return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", text)

    async def fetch(self, text: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        if self.sqlite is not None:
            if self.reads is not None and not self.sqlite.in_transaction:
                read = await self.reads.rows(text, list(params), mapped=False)
                if read is not None:
                    return read.rows
            return list(await self.sqlite.execute_fetchall(text, list(params)))
        assert self.postgres is not None
        return list(await self.postgres.fetch(self.sql(text), *params))

    async def execute(self, text: str, params: Sequence[Any] = ()) -> None:
        if self.sqlite is not None:
            await self.sqlite.execute(text, list(params))
            return
        assert self.postgres is not None
        await self.postgres.execute(self.sql(text), *params)

    async def close(self) -> None:
        if self.reads is not None:
            self.reads.close()
        if self.sqlite is not None:
            await self.sqlite.close()
        if self.postgres is not None:
            await self.postgres.close()
