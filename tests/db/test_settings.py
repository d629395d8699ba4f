"""The connection settings chosen for speed (docs/performance.md, "SQLite settings") are the ones in force."""

from __future__ import annotations

from models.db.connection import connected, connection


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
