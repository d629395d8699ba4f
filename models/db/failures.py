"""Transient database failures: what kind each one is, and the domain error a user sees for it.

Several server processes on one database meet each other's locks. PostgreSQL reports a lock wait longer
than ``lock_timeout``, a deadlock or a serialization failure; SQLite reports "database is locked" when
another process held the write lock past ``busy_timeout``. Each of these rolled the transaction back, so
running the operation again from the start is safe and usually succeeds (``models.db.retry`` does that). A
unique-constraint violation from a race (two requests creating one model) is retried too: the next attempt
sees the winner's row and answers as if it had come second.

What is still failing after the last attempt, and any failure to reach the database at all, becomes a
``DomainError`` with a message a user can act on, never a raw driver error: ``Unavailable`` (code
``SERVICE_UNAVAILABLE``) or, for a race that keeps losing, ``Conflict``. Reads are not retried; their
driver errors are translated by ``translate`` where they are reported (``schema/errors.py``, ``app/server.py``).
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from enum import Enum

import asyncpg
from tortoise.exceptions import DBConnectionError

from models.errors import Conflict, DomainError, Unavailable


class Failure(Enum):
    #: Lost a lock or serialization race; the transaction was rolled back; retrying is safe.
    CONTENTION = "contention"
    #: A unique constraint refused a write because a concurrent transaction inserted the same key first.
    RACE = "race"
    #: The database cannot be reached (down, restarting, refusing connections, connection lost).
    UNREACHABLE = "unreachable"
    #: A statement ran past ``statement_timeout`` and was cancelled by the server.
    TIMEOUT = "timeout"


#: PostgreSQL SQLSTATEs that mean "rolled back because of a concurrent transaction".
_CONTENTION_STATES = frozenset({"40001", "40P01", "55P03"})  # serialization_failure, deadlock, lock_not_available
#: PostgreSQL SQLSTATEs (besides class 08, connection exceptions) that mean "the server is not serving".
_UNREACHABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300", "25006"})
_NETWORK_ERRNOS = frozenset({errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT})
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
#: SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (extended result codes).
_SQLITE_UNIQUE = frozenset({2067, 1555})


def classify(error: BaseException) -> Failure | None:
    """What kind of transient database failure ``error`` is, if it is one (looking through wrapped causes)."""
    for cause in _causes(error):
        if isinstance(cause, DomainError):
            return None
        state = getattr(cause, "sqlstate", None)
        if isinstance(cause, asyncpg.PostgresError) and isinstance(state, str):
            if state in _CONTENTION_STATES:
                return Failure.CONTENTION
            if state == "57014":  # query_canceled: statement_timeout
                return Failure.TIMEOUT
            if state.startswith("08") or state in _UNREACHABLE_STATES:
                return Failure.UNREACHABLE
            if state == "23505":  # unique_violation; other integrity errors are bugs, not races
                return Failure.RACE
        if isinstance(cause, sqlite3.IntegrityError) and getattr(cause, "sqlite_errorcode", 0) in _SQLITE_UNIQUE:
            return Failure.RACE
        if isinstance(cause, sqlite3.OperationalError):
            code = getattr(cause, "sqlite_errorcode", 0) & 0xFF
            if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in str(cause):
                return Failure.CONTENTION
        if _unreachable(cause):
            return Failure.UNREACHABLE
    return None


def translate(error: BaseException) -> DomainError | None:
    """The domain error to report for a transient database failure, or None for anything else."""
    kind = classify(error)
    if kind is None:
        return None
    return domain_error(kind, attempts=1)


def domain_error(kind: Failure, *, attempts: int) -> DomainError:
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    if kind is Failure.RACE:
        return Conflict(
            f"a concurrent request changed the same records{tried}; nothing was changed by this one; "
            "re-read the registry and retry"
        )
    if kind is Failure.CONTENTION:
        return Unavailable(
            f"the registry is busy: concurrent changes held the database locks{tried}; nothing was changed; "
            "retry shortly"
        )
    if kind is Failure.TIMEOUT:
        return Unavailable("the database did not finish the request within the statement timeout; retry shortly")
    return Unavailable(
        "the registry's database is unavailable; retry shortly (a mutation sent with an idempotencyKey "
        "can be retried safely: it is applied at most once)"
    )


def _unreachable(cause: BaseException) -> bool:
    if isinstance(cause, DBConnectionError | ConnectionError | socket.gaierror):
        return True  # refused, reset, broken pipe, unknown host
    if isinstance(cause, OSError) and cause.errno in _NETWORK_ERRNOS:
        return True
    if isinstance(cause, asyncpg.InterfaceError) and "closed" in str(cause):
        return True  # "connection is closed", "pool is closed": the connection died under the request
    if isinstance(cause, asyncpg.InternalClientError):
        return True  # seen when a connection is cut while a statement starts ("cannot switch to state ...")
    # A connect that timed out (a database host that does not answer): only when asyncpg raised it, so a
    # timeout from anywhere else is not mistaken for an outage.
    return isinstance(cause, TimeoutError) and _raised_in(cause, "asyncpg")


def _raised_in(error: BaseException, package: str) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        if str(traceback.tb_frame.f_globals.get("__name__", "")).startswith(package):
            return True
        traceback = traceback.tb_next
    return False


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps: the ``__cause__`` chain (``raise ... from``) and exceptions passed as
    arguments (Tortoise wraps driver errors as ``OperationalError(driver_error)``). ``__context__`` is not
    followed: an unrelated bug raised while handling a database error must stay an unexpected error."""
    seen: list[BaseException] = []
    pending = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        if current.__cause__ is not None:
            pending.append(current.__cause__)
    return seen
