"""Connecting to the registry's database: Tortoise configuration, transactions and raw SQL helpers."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias, cast

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.db import generation
from models.db._postgres import PostgresTransaction
from models.db._sqlite import ImmediateSqliteClient
from models.errors import DomainError

CONNECTION = "default"
MODEL_MODULES = ["models.entities", "aerich.models"]
#: Milliseconds a SQLite writer waits for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: PRAGMAs of every SQLite connection, measured and explained in docs/performance.md ("SQLite settings").
#: A query parameter of the database URL overrides each one, e.g. ``sqlite://./var/db.sqlite3?synchronous=FULL``.
SQLITE_PRAGMAS: dict[str, str | int] = {
    # Readers run beside the writer, and a commit appends to the log instead of rewriting pages.
    "journal_mode": "WAL",
    # In WAL mode: no fsync per commit, only at checkpoints. A commit survives the process being killed (its
    # pages are in the log, written before COMMIT returns); an OS crash or power cut can undo the last few
    # commits but never corrupts the database. Saves ~0.4 ms of each write (a fifth of a promotion).
    "synchronous": "NORMAL",
    # 32 MiB page cache (default 2 MiB) for the one connection a server keeps: the upper levels of the indexes
    # of a million-version registry stay in memory (COUNT(*) over them: 6 ms -> 2 ms).
    "cache_size": -32_768,
    # No memory map: it measured no faster than the page cache here, and mapped pages count as the server's RSS.
    "mmap_size": 0,
}


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite:")


@dataclass(frozen=True)
class PostgresOptions:
    """Connection settings for PostgreSQL (docs/operations.md, "Configuration"). Parameters given in the URL
    (``?minsize=2&maxsize=20``) take precedence over these."""

    #: Connections each server process keeps open at least / at most.
    pool_min_size: int = 1
    pool_max_size: int = 10
    #: Server-side limit per statement; a statement past it is cancelled (SERVICE_UNAVAILABLE to the user).
    statement_timeout_ms: int = 30_000
    #: How long a statement waits for a row lock before failing (the write is then retried).
    lock_timeout_ms: int = 5_000
    #: How long opening a connection may take, so a database host that does not answer fails fast.
    connect_timeout_seconds: float = 5.0


def tortoise_config(database_url: str, postgres: PostgresOptions | None = None) -> dict[str, Any]:
    """The Tortoise configuration for a ``sqlite://`` or ``postgres://`` URL."""
    connection = expand_db_url(database_url)
    if connection["engine"] == "tortoise.backends.sqlite":
        connection["engine"] = "models.db._sqlite"
        credentials = connection["credentials"]
        credentials.setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
        for pragma, value in SQLITE_PRAGMAS.items():
            credentials.setdefault(pragma, value)
        path = credentials["file_path"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    elif connection["engine"] == "tortoise.backends.asyncpg":
        connection["engine"] = "models.db._postgres"
        options = postgres or PostgresOptions()
        credentials = connection["credentials"]
        credentials.setdefault("minsize", options.pool_min_size)
        credentials.setdefault("maxsize", options.pool_max_size)
        credentials.setdefault("timeout", options.connect_timeout_seconds)  # asyncpg's connect timeout
        # Sent with every new connection, so each session runs with these limits (PostgreSQL GUCs).
        settings = credentials.setdefault("server_settings", {})
        settings.setdefault("statement_timeout", str(options.statement_timeout_ms))
        settings.setdefault("lock_timeout", str(options.lock_timeout_ms))
    else:
        raise ValueError("database URL must start with sqlite:// or postgres://")
    return {
        "connections": {CONNECTION: connection},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": CONNECTION}},
        "use_tz": True,
        "timezone": "UTC",
    }


@asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[None]:
    """Tortoise initialised for the duration of the block, for commands and tests (the server uses its lifespan)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def connection() -> BaseDBAsyncClient:
    return get_connection(CONNECTION)


def dialect(conn: BaseDBAsyncClient | None = None) -> str:
    """``sqlite`` or ``postgres``."""
    return str((conn or connection()).capabilities.dialect)


@asynccontextmanager
async def write_transaction(*, begin_with: str = "") -> AsyncIterator[BaseDBAsyncClient]:
    """One transaction for a state change and its audit event.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (see ``models/db/_sqlite.py``); on
    PostgreSQL the operation takes row locks (``SELECT ... FOR UPDATE``) on what it changes. When the block
    ends without an exception, it commits.

    ``begin_with`` (PostgreSQL only): a statement without parameters (values as ``models.db.literals.literal``)
    that takes the transaction's first locks, sent in ``BEGIN``'s own message (``models/db/_postgres.py``): the
    locks cost no round trip of their own. Inside an enclosing transaction it runs as the block's first statement.
    Its last write can likewise travel with ``COMMIT`` (``send_with_commit``).

    After the transaction commits the registry's generation advances (``models/db/generation.py``; on
    PostgreSQL in the COMMIT's own round trip), before the caller can answer anyone, so no cached answer from
    before the write is served after it. A domain error (a refused change) rolled everything back and advances
    nothing; any other failure may have happened after the commit (a lost COMMIT acknowledgement), so it
    advances too.
    """
    advanced = False
    try:
        context = in_transaction(CONNECTION)
        # PostgreSQL's contexts hold their transaction as ``client`` (SQLite's has none to send anything with).
        transaction, carried = getattr(context, "client", None), False
        if begin_with and isinstance(transaction, PostgresTransaction):
            carried = transaction.send_with_begin(begin_with)  # False for a savepoint
        async with context as conn:
            if begin_with and not carried:
                await conn.execute_script(begin_with)
            yield conn
            # On PostgreSQL the COMMIT itself advances it, in the same round trip (models/db/generation.py).
            advanced = generation.advance_with_commit(conn)
    except DomainError:
        raise
    except BaseException:
        with contextlib.suppress(Exception):  # the database is failing already; that error is the one to report
            await generation.advance(connection())
        raise
    if not advanced:
        await generation.advance(connection())


_PLACEHOLDER = re.compile(r"\?")


async def send_with_commit(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any]) -> bool:
    """Have the transaction ``conn`` send the write ``sql`` (``?`` placeholders) in the same message as its
    ``COMMIT`` (PostgreSQL, ``models/db/_postgres.py``): a write whose rows nobody reads, the transaction's last.
    Its errors are raised by the commit, at the end of ``write_transaction``'s block.

    False when it cannot (SQLite, where a statement costs no round trip; a savepoint): run it yourself."""
    if not isinstance(conn, PostgresTransaction):
        return False
    return await conn.send_before_commit(_numbered(conn, sql, len(params)), params)


def placeholders(values: Sequence[object]) -> str:
    """``?, ?, ?``: one placeholder per value, for SQLite's ``IN (...)`` (``one_of``)."""
    return ", ".join("?" for _ in values)


def one_of(conn: BaseDBAsyncClient, column: str, values: Sequence[object]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``, as a condition and its parameters for a statement run by ``fetch`` or
    ``fetch_table``.

    On PostgreSQL ``column = ANY(?)`` with the values as one array: the statement's text is the same whatever
    their number, so the driver prepares it once per connection and PostgreSQL plans a single parameter, not one
    per value (10,000 version ids' metrics and tags: 98 against 151 ms with ``IN`` and a placeholder each). On
    SQLite, which has no arrays, ``column IN (?, ?, ...)``.
    """
    if dialect(conn) == "postgres":
        return f"{column} = ANY(?)", [list(values)]
    return f"{column} IN ({placeholders(values)})", list(values)


def _numbered(conn: BaseDBAsyncClient, sql: str, count: int) -> str:
    """``sql`` with PostgreSQL's ``$1, $2, ...`` for its ``?`` placeholders on PostgreSQL; as it is on SQLite."""
    if dialect(conn) != "postgres":
        return sql
    return _dollar_numbered(sql, count)


@functools.lru_cache(maxsize=1024)
def _dollar_numbered(sql: str, count: int) -> str:
    # Remembered: the same few texts run on every request, and the substitution showed in a promotion's profile.
    counter = iter(range(1, count + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


async def fetch(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a read written with ``?`` placeholders on either backend: a dict per row."""
    return list(await conn.execute_query_dict(_numbered(conn, sql, len(params)), list(params)))


#: A row as the driver returns it (``sqlite3.Row``, ``asyncpg.Record``): read by position.
Row: TypeAlias = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Table:
    """A read's rows as the driver returns them, and each column's position (the first, if two share a name)."""

    columns: Mapping[str, int]
    rows: Sequence[Row]
    #: The columns' names in order: the statement's layout, by which ``models.db.rows`` remembers its builders.
    names: tuple[str, ...] = ()


async def fetch_table(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> Table:
    """Run a read (a SELECT or a WITH) written with ``?`` placeholders on either backend, for rows read by position.

    What the wide reads use (pages, rows built into ORM instances): no dict is built per row. A dashboard reads
    some 5,000 rows of up to 40 columns, and the dicts cost about a tenth of its time.
    """
    if isinstance(conn, ImmediateSqliteClient):  # outside a transaction: plain tuples, from the loop's connection
        read = await conn.read_table(sql, list(params))
        if read is not None:
            return Table(column_positions(read.names), read.rows, read.names)
    _, found = await conn.execute_query(_numbered(conn, sql, len(params)), list(params))
    # Tortoise declares dicts; both drivers' rows are sequences that also have keys() (sqlite3.Row, asyncpg.Record).
    rows = cast(Sequence[Any], found)
    names: tuple[str, ...] = tuple(rows[0].keys()) if rows else ()
    return Table(column_positions(names), rows, names)


@functools.lru_cache(maxsize=256)
def column_positions(names: tuple[str, ...]) -> Mapping[str, int]:
    """Each name's position in a statement's layout (the first, if two share a name): the same statement's every
    execution reads the same layout, so it is worked out once (read-only)."""
    return MappingProxyType({name: index for index, name in reversed(list(enumerate(names)))})


def stored_time(conn: BaseDBAsyncClient, value: datetime) -> datetime | str:
    """A timestamp bound to raw SQL as Tortoise stores it: text on SQLite (compared as text), a value on PostgreSQL."""
    return value if dialect(conn) == "postgres" else value.isoformat(" ")
