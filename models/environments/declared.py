"""Declared environments: every environment a deployment, a protection rule or a token names must be declared.

A typo in an environment (``prodution``) used to create it silently; now it is ``InvalidInput`` with the
nearest declared names as a suggestion. ``staging`` and ``production`` are declared by the migration that
introduced declarations, together with every environment a database already used (deployments and
protection), so existing registries keep working; an admin declares more (``modelreg environments create``,
the ``createEnvironment`` mutation).

On PostgreSQL the check takes a ``FOR SHARE`` lock on the environment's row until the caller commits, and
removing an environment locks the row ``FOR UPDATE`` before looking for uses: a removal waits for promotions
already past their check, and a promotion waits for a removal in progress (then finds it undeclared). SQLite's
``BEGIN IMMEDIATE`` serialises every writer anyway.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db.connection import dialect, fetch
from models.errors import InvalidInput

#: Declared in every registry by the migration that introduced declarations (and so in every new one).
DEFAULT_ENVIRONMENTS = ("staging", "production")


async def require_declared(conn: BaseDBAsyncClient, environments: Iterable[tuple[str, str]]) -> None:
    """Raise ``InvalidInput`` naming the field of the first of ``(environment, field)`` that is not declared.

    One statement (and one more to suggest names on failure); on PostgreSQL it share-locks the rows found.
    """
    wanted = dict(environments)  # environment -> field; the first field wins for a name given twice
    if not wanted:
        return
    names = list(wanted)
    lock = " FOR SHARE" if dialect(conn) == "postgres" else ""
    sql = f"SELECT name FROM environment WHERE name IN ({', '.join('?' for _ in names)}){lock}"  # noqa: S608
    found = {row["name"] for row in await fetch(conn, sql, names)}
    for name, field in wanted.items():
        if name not in found:
            raise await undeclared(conn, name, field)


async def undeclared(conn: BaseDBAsyncClient, environment: str, field: str) -> InvalidInput:
    """The error for naming an environment that is not declared, with the nearest declared names."""
    declared = [row["name"] for row in await fetch(conn, "SELECT name FROM environment ORDER BY name")]
    return undeclared_error(environment, declared, field)


def undeclared_error(environment: str, declared: list[str], field: str) -> InvalidInput:
    close = difflib.get_close_matches(environment, declared, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}? " if close else ""
    known = ", ".join(declared) if declared else "none"
    return InvalidInput(
        field,
        f"{environment!r} is not a declared environment; {hint}declared: {known}. An admin declares one with "
        f"'modelreg environments create {environment}' (or the createEnvironment mutation)",
    )
