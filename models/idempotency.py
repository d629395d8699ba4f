"""Idempotency keys: a retried mutation returns its first result and changes nothing.

The key is claimed by inserting its record inside the operation's own transaction. A concurrent request
with the same key blocks on the unique index (PostgreSQL) or on the write lock (SQLite) until the first
commits, then finds the record and replays it; if the first rolled back, the second proceeds. A failed
operation rolls its claim back with everything else, so only successes are replayed.

This holds across server processes and instances: the unique index and the locks are the database's.
Records older than ``RETENTION`` are deleted by ``purge_expired``, which the server runs periodically in
bounded batches (and a claim deletes an expired record of its own key before inserting).

Every idempotent operation goes through ``replay_or_run``: its result type says which ids to keep
(``stored``) and how to read the result back from them (``rebuilt``), so claiming, replaying and completing
are written here once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, Self, TypeVar

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.clock import now
from models.db.connection import CONNECTION
from models.entities import IdempotencyRecord
from models.errors import Conflict

#: How long a key is remembered: the contract asks for at least 24 hours (docs/api.md, "Idempotency keys").
RETENTION = timedelta(hours=24)


class Replayable(Protocol):
    """The result of an idempotent operation: kept as ids in its idempotency record, and read back from them."""

    def stored(self) -> dict[str, Any]:
        """The ids (JSON) that ``rebuilt`` needs to return this result again."""
        ...

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> Self:
        """The result again, read on ``conn`` from what ``stored`` returned when it was first produced."""
        ...


R = TypeVar("R", bound=Replayable)


@dataclass(frozen=True)
class Request:
    """What an idempotency key covers: a retry under the same key must repeat the operation and its arguments."""

    operation: str
    principal: str
    key: str | None
    #: The validated input. Like ``operation``, its keys go into the stored hash, so they keep the spelling they
    #: were stored with (``expectedCurrentVersion``): renaming one would refuse a retry of an earlier request.
    arguments: dict[str, Any]


async def replay_or_run(
    conn: BaseDBAsyncClient, request: Request, result: type[R], run: Callable[[], Awaitable[R]]
) -> R:
    """Run an operation once per idempotency key, inside its transaction ``conn``.

    Claims the request's key; when the key's first request already succeeded, returns its result rebuilt (a
    different operation or arguments is ``Conflict``) and runs nothing. Otherwise awaits ``run()``, the
    operation's checks and changes on ``conn``, and stores its result for later replays. Without a key it
    only runs.
    """
    claimed = await _claim(conn, request)
    if claimed.replay is not None:
        return await result.rebuilt(conn, claimed.replay)
    done = await run()
    await claimed.complete(conn, done.stored())
    return done


@dataclass
class _Claim:
    """The outcome of presenting a key: either a replay of a stored result, or the right to proceed."""

    record: IdempotencyRecord | None
    replay: dict[str, Any] | None = None

    async def complete(self, conn: BaseDBAsyncClient, result: dict[str, Any]) -> None:
        """Store the result to replay, in the operation's transaction."""
        if self.record is not None:
            self.record.result = result
            await self.record.save(using_db=conn, update_fields=["result"])


def request_hash(operation: str, arguments: dict[str, Any]) -> str:
    canonical = orjson.dumps({"operation": operation, "input": arguments}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def _claim(conn: BaseDBAsyncClient, request: Request) -> _Claim:
    """Claim the request's key, or return the stored result of the request that claimed it first."""
    principal, key, operation = request.principal, request.key, request.operation
    if key is None:
        return _Claim(record=None)
    digest = request_hash(operation, request.arguments)
    await (
        IdempotencyRecord.filter(principal=principal, key=key, created_at__lt=now() - RETENTION).using_db(conn).delete()
    )
    try:
        async with in_transaction(CONNECTION) as savepoint:  # nested: a SAVEPOINT, so a duplicate rolls back alone
            record = await IdempotencyRecord.create(
                principal=principal,
                key=key,
                operation=operation,
                request_hash=digest,
                result={},
                created_at=now(),
                using_db=savepoint,
            )
        return _Claim(record=record)
    except IntegrityError:
        existing = await IdempotencyRecord.get(principal=principal, key=key, using_db=conn)
    if existing.request_hash != digest:
        raise Conflict(
            f"idempotencyKey {key!r} was already used for a different {existing.operation} request; "
            "use a new key for a new request"
        )
    return _Claim(record=None, replay=existing.result)


async def purge_expired(*, limit: int) -> int:
    """Delete up to ``limit`` records older than ``RETENTION``, oldest first; return how many were deleted.

    Bounded so one sweep never holds SQLite's write lock (or a long PostgreSQL transaction) for long;
    the caller sweeps again later for the rest. Safe to run from every server process at once.
    """
    expired = (
        await IdempotencyRecord.filter(created_at__lt=now() - RETENTION)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not expired:
        return 0
    return int(await IdempotencyRecord.filter(id__in=list(expired)).delete())
