"""``send_with_commit`` (``models/db/connection.py``, ``models/db/_postgres.py``): on PostgreSQL a transaction's last
write travels in ``COMMIT``'s own message, as ``EXECUTE`` of a statement prepared once per connection with its
values as literals (``models.db.literals.value_literal``); a promotion sends its write that way
(``models/deployments/switch.py``) and answers with rows built from the values written (``models.db.rows.written``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest

from models.db.connection import connected, connection, fetch, send_with_commit, write_transaction
from models.db.literals import value_literal
from models.deployments.operations import promote
from models.entities import AuditEvent, Deployment
from models.errors import Conflict, InvalidInput
from tests.schema.test_sql_counts import _name, _seed

postgres_only = pytest.mark.parametrize("backend", ["postgres"])  # SQLite's statements cost no round trip

_INSERT = "INSERT INTO environment (name, description, created_at, created_by) VALUES (?, ?, ?, ?)"


def _environment(name: str) -> list[object]:
    return [name, "made by a test", datetime.now(UTC), "test"]


async def _environments(name: str) -> int:
    return int((await fetch(connection(), "SELECT count(*) AS n FROM environment WHERE name = ?", [name]))[0]["n"])


@postgres_only
@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**62,
        "it's a back\\slash",
        "é ✓ 𝄞",
        '{"a": [1, "two"]}',
        "with a\nnewline and a 'quote'",
        datetime(2026, 12, 7, 15, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 7, 16, 30, tzinfo=timezone(timedelta(hours=1, minutes=30))),
    ],
)
async def test_a_value_literal_reads_back_as_the_bound_value(database_url: str, value: object) -> None:
    """As an argument of ``EXECUTE`` each literal becomes the value the driver would have bound."""
    raw = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    kind = {bool: "boolean", int: "bigint", str: "text", datetime: "timestamptz"}.get(type(value), "text")
    try:
        await raw.execute(f"PREPARE probe({kind}) AS SELECT $1")
        got = await raw.fetchval(f"EXECUTE probe({value_literal(value)})")
    finally:
        await raw.close()
    assert got == value


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (datetime(2026, 12, 7), ValueError),  # naive
        (1.5, TypeError),
        (b"{}", TypeError),
        (object(), TypeError),
        ("a\x00b", ValueError),
        ("lone \ud800 surrogate", ValueError),
    ],
)
def test_a_value_without_a_faithful_literal_is_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        value_literal(value)


@postgres_only
async def test_the_write_commits_with_the_transaction(app: object) -> None:
    async with write_transaction() as conn:
        assert await send_with_commit(conn, _INSERT, _environment("with-commit"))
    assert await _environments("with-commit") == 1


@postgres_only
async def test_a_statement_after_the_write_sees_it(app: object) -> None:
    """Whatever the transaction runs next sends the kept write first: statements run in the order given."""
    async with write_transaction() as conn:
        assert await send_with_commit(conn, _INSERT, _environment("seen-later"))
        found = await fetch(conn, "SELECT count(*) AS n FROM environment WHERE name = ?", ["seen-later"])
        assert found[0]["n"] == 1
        async with write_transaction() as inner:  # a savepoint sends it first too, and cannot keep one itself
            assert not await send_with_commit(inner, _INSERT, _environment("in-savepoint"))
    assert await _environments("seen-later") == 1


@postgres_only
async def test_a_refused_change_sends_nothing(app: object) -> None:
    with pytest.raises(Conflict):
        async with write_transaction() as conn:
            assert await send_with_commit(conn, _INSERT, _environment("never"))
            raise Conflict("changed my mind")
    assert await _environments("never") == 0


@postgres_only
async def test_a_failing_write_rolls_back_the_whole_transaction_and_frees_the_connection(
    app: object, caplog: pytest.LogCaptureFixture
) -> None:
    """The write's error is raised by the commit; the transaction's earlier statements are undone with it, no ERROR
    is logged (asyncpg logs one resetting a connection left in a failed transaction) and the connection goes back
    to the pool."""
    for attempt in range(20):  # more than the pool holds: a leaked connection would make this wait forever
        with pytest.raises(asyncpg.UniqueViolationError):
            async with write_transaction() as conn:
                await fetch(conn, _INSERT, _environment(f"earlier-{attempt}"))
                assert await send_with_commit(conn, _INSERT, _environment("production"))  # exists: refused
        assert await _environments(f"earlier-{attempt}") == 0
    await asyncio.sleep(0.05)  # the pool's release runs in a task of its own
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    async with write_transaction() as conn:
        assert await send_with_commit(conn, _INSERT, _environment("afterwards"))
    assert await _environments("afterwards") == 1


async def test_a_promotion_answers_the_rows_it_wrote(app: object) -> None:
    """The deployment and audit event a promotion answers with are the rows a later read builds, field by field,
    with the details' keys in the same order (PostgreSQL returns ``jsonb`` objects in an order of its own)."""
    await _seed(0, 2)
    await promote(model=_name(0), version=1, actor="admin", reason="first")
    done = await promote(model=_name(0), version=2, actor="admin", reason="second", request_id="req-1")
    assert done.event is not None
    for answered, table in ((done.deployment, Deployment), (done.event, AuditEvent)):
        stored = await table.get(id=answered.id)
        assert set(table._meta.fields_db_projection) >= {"id", "model_id"}
        for field in table._meta.fields_db_projection:
            assert getattr(answered, field) == getattr(stored, field), field
    assert list(done.event.details) == list((await AuditEvent.get(id=done.event.id)).details)


@postgres_only
async def test_a_prepare_cut_short_does_not_break_the_connection(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PREPARE`` outlives a rolled-back transaction. A request cancelled (its timeout) while the first promotion's
    ``PREPARE`` is on its way may leave the statement prepared on the server and not known to be; the promotions
    that follow on that connection ask the server instead of failing on a duplicate name for its remaining life.

    The cancellation is injected at the driver: asyncpg's ``execute`` cancels the calling task as it sends the
    ``PREPARE``, as a request timeout firing at that moment would."""
    async with connected(database_url):
        await _seed(0, 1)
    async with connected(database_url + "?minsize=1&maxsize=1"):  # a new connection, reused by every promotion
        sent = asyncpg.connection.Connection.execute
        cut: list[str] = []

        async def execute(self: asyncpg.Connection, query: str, *args: object, **kwargs: object) -> str:
            if not cut and query.startswith("PREPARE modelreg_write_"):
                cut.append(query)
                task = asyncio.current_task()
                assert task is not None
                asyncio.get_running_loop().call_soon(task.cancel)
            status: str = await sent(self, query, *args, **kwargs)
            return status

        monkeypatch.setattr(asyncpg.connection.Connection, "execute", execute)
        with pytest.raises(asyncio.CancelledError):
            await asyncio.ensure_future(promote(model=_name(0), version=1, actor="admin"))
        assert cut
        for number in (2, 3, 4):
            done = await promote(model=_name(0), version=number, actor="admin")
            assert done.changed and done.version is not None and done.version.number == number


@postgres_only
async def test_a_write_without_parameters(app: object) -> None:
    async with write_transaction() as conn:
        constant = "INSERT INTO environment (name, created_at, created_by) VALUES ('constant', now(), 'test')"
        assert await send_with_commit(conn, constant, [])
    assert await _environments("constant") == 1


async def test_a_lone_surrogate_is_refused_as_input(app: object) -> None:
    """JSON and GraphQL refuse one at the door; an in-process caller (the CLI, a script) is told which input is
    wrong, before any statement, and nothing changes."""
    await _seed(0, 1)
    before = await promote(model=_name(0), version=1, actor="admin")
    with pytest.raises(InvalidInput) as refused:
        await promote(model=_name(0), version=2, actor="admin", reason="bad \ud800 text")
    assert refused.value.field == "reason"
    after = await promote(model=_name(0), version=1, actor="admin")  # unchanged, and the connection still works
    assert not after.changed and after.deployment.id == before.deployment.id
