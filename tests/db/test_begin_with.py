"""``write_transaction(begin_with=...)`` (``models/db/connection.py``, ``models/db/_postgres.py``): on PostgreSQL
the statement that takes a transaction's first locks travels in ``BEGIN``'s own message, with its values written
as literals (``literal``); a promotion sends its locks that way (``models/deployments/state.py``)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from models.db.connection import connection, dialect, fetch, write_transaction
from models.db.literals import literal
from models.deployments.operations import promote
from models.deployments.state import promotion_locks
from tests.schema.test_sql_counts import _name, _seed
from tests.support.helpers import StatementCounter

postgres_only = pytest.mark.parametrize("backend", ["postgres"])  # SQLite sends nothing with BEGIN IMMEDIATE

AWKWARD = ["plain", "it's", "back\\slash", "\\'", "''", "tail\\", "é ✓ 𝄞", "$$", "E'x'", ""]


@postgres_only
@pytest.mark.parametrize("standard_conforming_strings", ["on", "off"])
async def test_literal_reads_back_as_the_same_string(database_url: str, standard_conforming_strings: str) -> None:
    """An escape string means the same whatever ``standard_conforming_strings`` says."""
    raw = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await raw.execute(f"SET standard_conforming_strings = {standard_conforming_strings}")
        for value in AWKWARD:
            assert await raw.fetchval(f"SELECT {literal(value)}") == value
    finally:
        await raw.close()


def test_literal_refuses_a_nul_character() -> None:
    with pytest.raises(ValueError, match="NUL"):
        literal("a\x00b")


async def _locked_elsewhere(database_url: str, model: str) -> bool:
    """Whether another connection finds the model's row locked (``FOR UPDATE NOWAIT`` refused)."""
    other = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM model WHERE name = $1 FOR UPDATE NOWAIT", model)
        return False
    except asyncpg.LockNotAvailableError:
        return True
    finally:
        await other.close()


async def test_a_promotion_on_sqlite_sends_no_lock_statement(app: object) -> None:
    """``BEGIN IMMEDIATE`` holds the database's write lock already (``models/db/_sqlite.py``)."""
    if dialect(connection()) == "sqlite":
        assert promotion_locks(model=_name(0), environment="production") == ""
    else:
        assert "FOR UPDATE" in promotion_locks(model=_name(0), environment="production")


@postgres_only
async def test_the_locks_are_held_from_the_start_of_the_block(app: object, database_url: str) -> None:
    """The model's row is locked as the block starts, before it sends anything, and only until it ends. In an
    enclosing transaction the statement runs as the block's first."""
    await _seed(0, 1)
    model = _name(0)
    locks = promotion_locks(model=model, environment="production")
    async with write_transaction(begin_with=locks):
        assert await _locked_elsewhere(database_url, model)
    assert not await _locked_elsewhere(database_url, model)
    async with write_transaction(), write_transaction(begin_with=locks) as inner:
        assert await _locked_elsewhere(database_url, model)
        assert (await fetch(inner, "SELECT name FROM model WHERE name = ?", [model]))[0]["name"] == model
    assert not await _locked_elsewhere(database_url, model)


@postgres_only
async def test_a_failing_lock_statement_rolls_back_and_frees_the_connection(
    app: object, caplog: pytest.LogCaptureFixture
) -> None:
    """An error in BEGIN's message (here a statement PostgreSQL refuses) is raised, the transaction BEGIN opened is
    rolled back (asyncpg would log an ERROR resetting a connection still in it), and the pooled connection goes
    back: the next transaction works."""
    await _seed(0, 1)
    for _ in range(20):  # more than the pool holds: a leaked connection would make this wait forever
        with pytest.raises(asyncpg.UndefinedTableError):
            async with write_transaction(begin_with="SELECT 1 FROM no_such_table FOR UPDATE"):
                pass
    await asyncio.sleep(0.05)  # the pool's release runs in a task of its own
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    async with write_transaction(begin_with=promotion_locks(model=_name(0), environment="production")) as conn:
        assert (await fetch(conn, "SELECT count(*) AS n FROM model"))[0]["n"] >= 1


@postgres_only
async def test_a_keyed_promotion_claims_its_key_before_it_locks(app: object, statements: StatementCounter) -> None:
    """With an idempotency key the key is claimed first, as every keyed operation does (one order for all), and the
    locks follow as a statement of their own; a replay takes no lock."""
    await _seed(0, 1)
    statements.reset()
    await promote(model=_name(0), version=1, actor="admin", idempotency_key="release-1")
    claim = next(index for index, sql in enumerate(statements.sql) if "idempotency_record" in sql and "INSERT" in sql)
    lock = next(index for index, sql in enumerate(statements.sql) if "FOR UPDATE" in sql)
    assert claim < lock, "\n".join(statements.sql)
    statements.reset()
    await promote(model=_name(0), version=1, actor="admin", idempotency_key="release-1")
    assert not [sql for sql in statements.sql if "FOR UPDATE" in sql], "\n".join(statements.sql)
