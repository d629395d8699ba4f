"""The cyclic garbage collector is off while operations execute and back on a turn of the loop after the last one
ends (``PausedCollector``, schema/execution.py): never left off, however executions overlap or loops end."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Iterator

import pytest

from models.entities import Role
from models.tokens.scopes import Principal
from schema.build import schema
from schema.context import Context
from schema.execution import PausedCollector

READER = Principal(name="reader", role=Role.READER)


def _context() -> Context:
    return Context(principal=READER, request_id="test", allow_anonymous_read=False, max_nodes=10_000)


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on and leaves it as it found it."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        (gc.enable if was_enabled else gc.disable)()


def _begin() -> Iterator[None]:
    execution = PausedCollector().on_execute()
    next(execution)
    return execution


def _end(execution: Iterator[None]) -> None:
    with contextlib.suppress(StopIteration):
        next(execution)


async def test_an_execution_turns_it_back_on_a_turn_of_the_loop_after_it_ends(app: object) -> None:
    result = await schema.execute("{ __typename }", context_value=_context())
    assert result.errors is None and result.data == {"__typename": "Query"}
    # Its result is still alive here: a collection now would walk all of it.
    assert not gc.isenabled()
    await asyncio.sleep(0)
    assert gc.isenabled()


async def test_an_execution_that_begins_before_that_turn_keeps_it_off_until_it_ends() -> None:
    first = _begin()
    assert not gc.isenabled()
    _end(first)
    second = _begin()
    await asyncio.sleep(0)  # the first one's turn comes while the second executes
    assert not gc.isenabled()
    _end(second)
    await asyncio.sleep(0)
    assert gc.isenabled()


def test_a_loop_that_ends_before_its_turn_does_not_leave_it_off() -> None:
    async def execute_and_leave() -> None:
        _end(_begin())
        asyncio.get_running_loop().stop()  # this turn is the loop's last

    loop = asyncio.new_event_loop()
    loop.run_until_complete(execute_and_leave())
    loop.close()
    assert not gc.isenabled()

    async def execute_again() -> None:
        _end(_begin())
        await asyncio.sleep(0)

    asyncio.run(execute_again())
    assert gc.isenabled()


def test_outside_a_loop_it_is_back_on_as_the_execution_ends() -> None:
    _end(_begin())
    assert gc.isenabled()


async def test_it_stays_off_after_executions_when_it_was_off_before() -> None:
    gc.disable()
    _end(_begin())
    await asyncio.sleep(0)
    assert not gc.isenabled()
