"""The connection settings chosen for speed (docs/performance.md, "SQLite settings") are the ones in force, and
nothing relies on what they leave out."""

from __future__ import annotations

import re

from models.db.connection import connected, connection
from tests.support.server import REPO


async def _pragmas(database_url: str) -> dict[str, object]:
    async with connected(database_url):
        found = {}
        for name in ("journal_mode", "synchronous", "cache_size", "mmap_size", "foreign_keys"):
            found[name] = next(iter((await connection().execute_query_dict(f"PRAGMA {name}"))[0].values()))
        return found


async def test_connection_settings(database_url: str, backend: str) -> None:
    if backend == "postgres":
        # Only SQLite's durability is relaxed (to WAL + NORMAL); PostgreSQL keeps a flush per commit.
        async with connected(database_url):
            rows = await connection().execute_query_dict("SHOW synchronous_commit")
        assert rows[0]["synchronous_commit"] == "on"
        return
    assert await _pragmas(database_url) == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "cache_size": -32_768,
        "mmap_size": 0,
        "foreign_keys": 1,
    }
    # An operator who wants a flush per commit says so in the URL.
    assert (await _pragmas(f"{database_url}?synchronous=FULL"))["synchronous"] == 2


#: Statements that leave state on a PostgreSQL session beyond its transaction.
_SESSION_STATE = re.compile(
    r"(?i:pg_advisory_lock|pg_try_advisory_lock|set_config\(|with hold|\.add_listener\()|\bLISTEN\b|[\"']SET [a-z_]"
)


def test_nothing_leaves_session_state_on_pooled_connections() -> None:
    """models/db/_postgres.py returns connections to the pool without asyncpg's reset round trip (``RESET ALL``,
    ``UNLISTEN *``, ``pg_advisory_unlock_all()``, ``CLOSE ALL``). That is right while no code leaves session state
    on a pooled connection; the migration lock, the one session-level lock, is taken on a connection of its own."""
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for folder in ("app", "models", "schema")
        for path in sorted((REPO / folder).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _SESSION_STATE.search(line)
    ]
    assert found == [
        'models/db/migrate.py:106: await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)'
    ]
