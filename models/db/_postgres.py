"""The asyncpg client: transactions that clean up when ``BEGIN`` fails, begin with their first locks, commit with
their last write and with what must follow the commit, in one round trip each, and connections returned to the
pool without a reset round trip.

**BEGIN failing.** Tortoise's pooled transaction context acquires a connection and binds it to the task before
sending ``BEGIN``; if ``BEGIN`` raises, the context's exit never runs. asyncpg returns a connection that *died* to
its pool by itself, but one that stays open (``BEGIN`` cancelled by a request timeout, or refused with the
connection still up) would never be released, and each would shrink the pool for good until requests waited
forever. The task also stays bound to the failed transaction, so anything it runs next uses the broken
connection. ``ReleasingTransactionContext`` unbinds and releases, then lets the error through
(``models.db.retry`` reports it).

**COMMIT and what follows it.** ``BEGIN``, ``COMMIT``, ``ROLLBACK`` and savepoints are sent here as SQL rather
than through asyncpg's ``Transaction`` object, so that a write transaction's ``COMMIT`` can carry the statement
that must run right after it (the generation's advance, ``models/db/generation.py``) in the same simple-protocol
message: ``COMMIT; SELECT nextval(...)``. PostgreSQL runs the two in order, the second only once the commit is
durable (``synchronous_commit`` stays on) and visible; if the commit fails the rest of the message is skipped
and the error is raised as before.

**BEGIN and the first locks.** Likewise a transaction's ``BEGIN`` can carry the statement that takes its first
locks (``write_transaction(begin_with=...)``: a promotion's ``SELECT ... FOR UPDATE``), in the same message:
``BEGIN; SELECT ...``. The simple protocol takes no parameters, so that statement's values are written into it
as literals (``models.db.literals.literal``), and its rows are not returned: it is sent for its locks. It is
logged as a statement like any other. If it fails (a lock timeout), the transaction ``BEGIN`` opened is rolled
back, the error is ``BEGIN``'s, and the transaction context releases the connection as above.

**The last write and COMMIT.** A write whose rows the caller does not need back (a promotion's one statement, its
ids allocated by the read before it: ``models/deployments/switch.py``) can travel in ``COMMIT``'s message too:
``EXECUTE modelreg_write_...(...); COMMIT; SELECT nextval(...)`` (``send_before_commit``). The statement is prepared
once per connection (``PREPARE``, a round trip the first time only): PostgreSQL then plans it as it plans the
driver's own prepared statements, not anew each time as it would a statement written out with its values. Its
values go in as ``EXECUTE``'s literal arguments (``models.db.literals``), which PostgreSQL converts to the
parameters' types. A prepared statement belongs to its session, which is why a pooler in transaction mode cannot
stand between modelreg and PostgreSQL (docs/operations.md, "Connection poolers"). If the write fails, the rest of
the message is skipped and the transaction is left failed: ``commit`` rolls it back and raises the write's error.
Anything else the transaction runs after ``send_before_commit`` (a statement, a savepoint) first sends the write on
its own, so statements still run in the order they were given.

**Releasing.** asyncpg resets a connection it takes back (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
RESET ALL``): one round trip per release, two per promotion. modelreg leaves no session state on a pooled
connection for it to undo: its advisory locks are transaction-scoped (``pg_advisory_xact_lock*``; the migration
lock, the one session lock, is taken on a connection of its own, ``models/db/migrate.py``), it never LISTENs,
SETs or opens a cursor outside a transaction on them, and its session settings are sent at connect time.
``tests/db/test_settings.py`` checks the code for those statements. asyncpg still rolls back a transaction left
open on a released connection, and still drops its listeners.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    ConnectionWrapper,
    NestedTransactionContext,
    TransactionalDBClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from models.db.literals import value_literal
from models.db.statements import StatementLog

_savepoints = itertools.count(1)
#: The statements ``send_before_commit`` has prepared on each connection (a session's prepared statements live as
#: long as it does; the pool never deallocates them: ``_no_session_state``), and those whose ``PREPARE`` was
#: interrupted, which may or may not exist.
_prepared: weakref.WeakKeyDictionary[asyncpg.Connection, set[str]] = weakref.WeakKeyDictionary()
_uncertain: weakref.WeakKeyDictionary[asyncpg.Connection, set[str]] = weakref.WeakKeyDictionary()
_PREPARED = "SELECT true FROM pg_prepared_statements WHERE name = $1"


class ReleasingTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            await pool.release(self.client._connection)
            raise
        return self.client


class PostgresTransaction(TransactionWrapper):
    """A transaction on one pooled connection, begun and ended with plain SQL (see the module's docstring)."""

    #: A statement sent in the same message as ``BEGIN``, after it (empty: none).
    with_begin: str = ""
    #: A statement sent in the same message as ``COMMIT``, after it (empty: none).
    after_commit: str = ""
    #: The write sent in the same message as ``COMMIT``, before it: its ``EXECUTE``, and the statement and values to
    #: log (None: none).
    _before_commit: tuple[str, str, list[Any]] | None = None

    def send_with_begin(self, statement: str) -> bool:
        """Send ``statement`` (no parameters; its rows are not read) in the same message as ``BEGIN``; False for a
        savepoint, which sends no ``BEGIN``."""
        self.with_begin = statement
        return True

    def send_after_commit(self, statement: str) -> bool:
        """Send ``statement`` with this transaction's ``COMMIT``; False for a savepoint, which does not commit."""
        self.after_commit = statement
        return True

    async def send_before_commit(self, sql: str, params: Sequence[Any]) -> bool:
        """Send the write ``sql`` (``$n`` placeholders) with ``params`` in the same message as ``COMMIT``, before it;
        its rows are not read. False for a savepoint, which does not commit: the caller runs it itself."""
        arguments = ", ".join(value_literal(value) for value in params)  # refuses a value it cannot write
        name = _statement_name(sql)
        async with self._lock:  # the transaction's connection runs one statement at a time
            await self._send_pending()  # one at a time, in order
            await self._prepare(name, sql)
        self._before_commit = (f"EXECUTE {name}({arguments})" if params else f"EXECUTE {name}", sql, list(params))
        return True

    async def _prepare(self, name: str, sql: str) -> None:
        """Prepare ``sql`` as ``name`` on this connection unless it is already.

        A ``PREPARE`` outlives its transaction (``ROLLBACK`` does not undo it), so one interrupted on its way (the
        request cancelled, the connection lost) may or may not have run: the name is then uncertain, and the
        next use asks the server (``pg_prepared_statements``) rather than fail on a duplicate for the
        connection's remaining life."""
        session = _session(self._connection)
        known = _prepared.setdefault(session, set())
        if name in known:
            return
        uncertain = _uncertain.setdefault(session, set())
        if name in uncertain:
            found = await self._connection.fetchval(_PREPARED, name)
            uncertain.discard(name)
            if found:
                known.add(name)
                return
        try:
            await self._connection.execute(f"PREPARE {name} AS {sql}")
        except asyncpg.PostgresError:
            raise  # refused by the server: nothing was prepared
        except BaseException:
            uncertain.add(name)
            raise
        known.add(name)

    def acquire_connection(self) -> ConnectionWrapper[asyncpg.Connection]:
        return _SendingPendingFirst(self._lock, self)

    async def _send_pending(self) -> None:
        """Send the write waiting for ``COMMIT`` now, on its own: a statement is about to follow it."""
        pending, self._before_commit = self._before_commit, None
        if pending is not None:
            execute, sql, params = pending
            self.log.debug("%s: %s", sql, params)
            await self._connection.execute(execute)

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(PostgresSavepoint(self))

    async def begin(self) -> None:
        if not self.with_begin:
            await self._connection.execute("BEGIN")
            return
        self.log.debug("%s: %s", self.with_begin, [])  # a statement of the transaction, counted as one
        try:
            await self._connection.execute(f"BEGIN; {self.with_begin}")
        except asyncpg.PostgresError:
            # BEGIN ran, so the connection holds a failed transaction: end it here, as the context's exit would
            # have, rather than leave it to the pool's reset (which logs an ERROR for it).
            with contextlib.suppress(Exception):
                await self._connection.execute("ROLLBACK")
            raise

    async def commit(self) -> None:
        self._check_open()
        self._finalized = True
        pending, self._before_commit = self._before_commit, None
        message = ["COMMIT", self.after_commit] if self.after_commit else ["COMMIT"]
        if pending is not None:
            execute, sql, params = pending
            self.log.debug("%s: %s", sql, params)  # a statement of the transaction, counted as one
            message.insert(0, execute)
        try:
            await self._connection.execute("; ".join(message))
        except asyncpg.PostgresError:
            # The write failed, so COMMIT was skipped and the transaction is still open, failed: end it here rather
            # than leave it to the pool (which logs an ERROR for it). A COMMIT that failed ended it already. The
            # error to report is the write's, whatever happens here.
            with contextlib.suppress(Exception):
                if self._connection.is_in_transaction():
                    await self._connection.execute("ROLLBACK")
            raise

    async def rollback(self) -> None:
        self._check_open()
        self._finalized = True
        self._before_commit = None  # never sent: nothing to undo
        await self._connection.execute("ROLLBACK")

    def _check_open(self) -> None:
        if self._finalized:
            raise TransactionManagementError("Transaction already finalised")


class PostgresSavepoint(PostgresTransaction):
    """A nested transaction: a savepoint of the enclosing one, on its connection."""

    def __init__(self, connection: PostgresTransaction) -> None:
        super().__init__(connection)
        self._name = f"modelreg_{next(_savepoints)}"
        self._enclosing = connection

    def send_with_begin(self, statement: str) -> bool:
        return False  # the enclosing transaction began already

    def send_after_commit(self, statement: str) -> bool:
        return False  # the enclosing transaction's COMMIT is the one that commits

    async def send_before_commit(self, sql: str, params: Sequence[Any]) -> bool:
        return False  # likewise

    async def savepoint(self) -> None:
        async with self._enclosing._lock:  # a write the enclosing transaction kept for its COMMIT comes first
            await self._enclosing._send_pending()
        await self._connection.execute(f"SAVEPOINT {self._name}")

    async def release_savepoint(self) -> None:
        self._check_open()
        self._finalized = True
        await self._connection.execute(f"RELEASE SAVEPOINT {self._name}")

    async def savepoint_rollback(self) -> None:
        self._check_open()
        self._finalized = True
        await self._connection.execute(f"ROLLBACK TO SAVEPOINT {self._name}")


class _SendingPendingFirst(ConnectionWrapper[asyncpg.Connection]):
    """The transaction's connection for its next statement, once a write kept for ``COMMIT`` has been sent."""

    __slots__ = ()

    async def __aenter__(self) -> asyncpg.Connection:
        connection = await super().__aenter__()
        client = self.client
        if isinstance(client, PostgresTransaction) and client._before_commit is not None:
            try:
                await client._send_pending()
            except BaseException:
                self._lock.release()
                raise
        return connection


@functools.lru_cache(maxsize=64)
def _statement_name(sql: str) -> str:
    """The name ``send_before_commit`` prepares ``sql`` under: the same text, the same name, on every connection."""
    return f"modelreg_write_{hashlib.sha256(sql.encode()).hexdigest()[:16]}"


def _session(connection: Any) -> asyncpg.Connection:
    """The connection itself behind the pool's proxy, which is made anew at each acquire: prepared statements
    belong to the session."""
    return getattr(connection, "_con", None) or connection


async def _no_session_state(connection: asyncpg.Connection) -> None:
    """Nothing to reset on a connection going back to the pool (see the module's docstring)."""


class PostgresClient(AsyncpgDBClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log = StatementLog(self.log)  # type: ignore[assignment]  # a logger's debug(), and a count

    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(PostgresTransaction(self), self._pool_init_lock)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_no_session_state, **kwargs)


client_class = PostgresClient


def get_client_class(db_info: dict[str, Any]) -> type[AsyncpgDBClient]:
    return PostgresClient
