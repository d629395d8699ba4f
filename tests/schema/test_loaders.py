"""The loaders' scheduler (schema/loaders.py): a round of loads waits for every root field's own statements, and
resolvers below the root queue their loads synchronously, so a document's statement count does not depend on
I/O timing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLInt, GraphQLObjectType
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import StrawberryObjectDefinition

from app.settings import Settings
from models.errors import InvalidInput
from models.registry.reads import ModelQuery, list_models
from schema.build import Query, schema
from schema.context import Context, Info
from schema.levels import Completion, LeafShape, ListShape
from schema.loaders import Batcher, Later, Loader, Pending, RootField, batched_roots
from schema.scalars import SCALARS
from schema.types import Model
from tests.schema.test_sql_counts import RUNS, _count, _name, _seed, uncached
from tests.support.helpers import Api, StatementCounter

ROOT_TYPES = ("Query", "Mutation", "Subscription")  # subscriptions are root fields too


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The response cache off: these count the statements of executing documents."""
    return uncached(settings)


def test_every_root_query_field_counts_as_running() -> None:
    """No root query field can forget to hold rounds back while it runs its own statement (and none counts twice,
    which would keep it running while it waits on a load)."""
    query = schema.get_type_by_name("Query")
    assert isinstance(query, StrawberryObjectDefinition)
    assert query.fields
    wrapped = {field.name: sum(isinstance(ext, RootField) for ext in field.extensions) for field in query.fields}
    assert {name: count for name, count in wrapped.items() if count != 1} == {}
    batched_roots(Query)  # again: still one each
    assert all(sum(isinstance(ext, RootField) for ext in field.extensions) == 1 for field in query.fields)


def test_resolvers_below_the_root_are_not_coroutines() -> None:
    """A coroutine resolver starts a step after its parent completes, so a load it queues could miss the round the
    batcher starts meanwhile; resolvers below the root return ``then(...)`` instead."""
    coroutines = []
    for name, graphql_type in schema._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or name in ROOT_TYPES or name.startswith("__"):
            continue
        definition = schema.get_type_by_name(name)
        assert isinstance(definition, StrawberryObjectDefinition), name
        coroutines += [f"{name}.{field.name}" for field in definition.fields if field.is_async]
    assert not coroutines, f"coroutine resolvers below the root: {coroutines}"


#: Root fields that run statements of their own (environments, models, auditEvents) beside root fields that load
#: (environmentProtection, node, model), their rows wanting the same loaders one level down.
MIXED = """
query Mixed($id: ID!, $name: String!) {
  environments { name activeDeploymentCount }
  environmentProtection(environment: "production") { rules }
  node(id: $id) { ... on Model { name tags { key } production { version { number metrics { name } } } } }
  model(name: $name) { tags { key } production { version { number metrics { name } } } }
  models(first: 10) { nodes { name tags { key } production { version { number metrics { name } } } } }
  auditEvents(first: 10) { nodes { model { name tags { key } } version { number metrics { name } } } }
}"""
#: Token; the root fields' own statements: environments (deployments per environment, then every protection), the
#: models page, the audit events (count, page); then the models by id (for node and the events alike), by name, the
#: versions by id (for the events), the active deployments with their versions; then the leaves together: the
#: production rules, model tags, versions' metrics.
MIXED_STATEMENTS = 13


async def test_root_fields_that_run_statements_and_root_fields_that_load_share_rounds(
    api: Api, statements: StatementCounter
) -> None:
    await _seed(0, 4)
    model_id = (await api.data("{ models(first: 1) { nodes { id } } }"))["models"]["nodes"][0]["id"]
    count, data, sql = await _count(api, statements, MIXED, {"id": model_id, "name": _name(3)})
    assert data["node"]["name"] == _name(0)
    assert len(data["models"]["nodes"]) == 4
    assert {node["model"]["name"] for node in data["auditEvents"]["nodes"]} <= {_name(index) for index in range(4)}
    assert count == MIXED_STATEMENTS, "\n".join(sql)


#: Long enough for the other root field's two rounds to finish first, without the scheduler's wait.
SLOW_SECONDS = 0.3


@strawberry.type
class _Roots:
    @strawberry.field
    async def model(self, info: Info, name: str) -> Model | None:
        row = await info.context.loaders.model_by_name.load(name)
        return Model.of(row) if row else None

    @strawberry.field
    async def slow_models(self) -> list[Model]:
        await asyncio.sleep(SLOW_SECONDS)  # as a slow statement would
        page = await list_models(query=ModelQuery(), first=10, after=None)
        return [Model.of(row) for _, row in page.edges]


@batched_roots
@strawberry.type
class _BatchedRoots(_Roots):
    pass


SLOW = """{ model(name: "model-000") { tags { key } } slowModels { name tags { key } } }"""


async def _statements_of(roots: type, statements: StatementCounter) -> int:
    local = strawberry.Schema(query=roots, config=StrawberryConfig(scalar_map=SCALARS))
    counts = []
    for _ in range(RUNS):
        statements.reset()
        result = await local.execute(
            SLOW, context_value=Context(principal=None, request_id="loaders", allow_anonymous_read=True)
        )
        assert result.errors is None, result.errors
        data: dict[str, Any] = result.data or {}
        assert [node["name"] for node in data["slowModels"]] == [_name(index) for index in range(3)]
        counts.append(statements.count)
    assert len(set(counts)) == 1, counts
    return counts[0]


async def test_rounds_wait_for_a_root_fields_own_statement(app: object, statements: StatementCounter) -> None:
    """With ``RootField`` the tags of every model go out in one statement; without it, the tags of the model found
    by name go out before the slow field's models arrive, and theirs in a statement of their own."""
    await _seed(0, 3)
    # The models page; the model by name; the tags of all four (the one by name is among them).
    assert await _statements_of(_BatchedRoots, statements) == 3
    assert await _statements_of(_Roots, statements) == 4


async def test_keys_of_one_dispatch_share_a_batch_done_after_all_their_values() -> None:
    """``Pending.batch``: whoever waits on many keys is told once per dispatch (schema/levels.py), so the batch must
    not be done before the last key of its dispatch has its value, and a key queued during a dispatch belongs to
    the next one."""
    dispatched: list[list[int]] = []
    release = asyncio.Event()
    later: list[Pending[int]] = []

    async def fetch(keys: list[int]) -> list[int]:
        dispatched.append(keys)
        if len(dispatched) == 1:
            later.append(cast(Pending[int], loader.load(99)))  # queued while the first dispatch runs
            await release.wait()
        return [key * 10 for key in keys]

    loader: Loader[int, int] = Loader(Batcher(), fetch)
    first = [cast(Pending[int], loader.load(key)) for key in (1, 2, 3)]
    assert all(type(pending) is Pending for pending in first)
    batch = first[0].batch
    assert all(pending.batch is batch for pending in first)
    seen: list[list[int]] = []
    batch.add_done_callback(lambda _: seen.append([pending.result() for pending in first]))
    await asyncio.sleep(0.01)
    assert dispatched == [[1, 2, 3]] and not batch.done()
    assert later[0].batch is not batch
    release.set()
    await asyncio.wait_for(later[0], 1)
    assert seen == [[10, 20, 30]]  # every value was set when the batch's callback ran
    assert dispatched == [[1, 2, 3], [99]] and later[0].batch.done()


async def test_keys_queued_after_the_batchers_task_ended_are_still_dispatched() -> None:
    """A loader tells its batcher of a dispatch once, at its first key; should the batcher's task end before that
    dispatch (cancelled, say), the next key starts it again, as every key used to."""
    dispatched: list[list[int]] = []

    async def fetch(keys: list[int]) -> list[int]:
        dispatched.append(keys)
        return [key * 10 for key in keys]

    batcher = Batcher()
    loader: Loader[int, int] = Loader(batcher, fetch)
    first = loader.load(1)
    assert batcher.running
    task = batcher._task
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not batcher.running and not first.done()
    second = loader.load(2)  # the same dispatch's batch, so only the batcher's state tells it to start again
    assert batcher.running
    assert await asyncio.wait_for(asyncio.gather(first, second), 1) == [10, 20]
    assert dispatched == [[1, 2]]


async def test_a_failed_dispatch_still_completes_its_batch() -> None:
    async def fetch(keys: list[int]) -> list[int]:
        raise RuntimeError("the database is gone")

    loader: Loader[int, int] = Loader(Batcher(), fetch)
    pending = cast(Pending[int], loader.load(1))
    await asyncio.wait_for(pending.batch, 1)
    assert isinstance(pending.exception(), RuntimeError)


async def test_keys_of_a_failed_dispatch_that_nobody_awaits_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """One key's error ends the request; the other keys of its dispatch are never awaited, and asyncio would log
    each as "exception was never retrieved" once collected. Whoever does await a key still gets the error."""

    async def fetch(keys: list[int]) -> list[int]:
        raise InvalidInput("after", "not a cursor of this list")

    loader: Loader[int, int] = Loader(Batcher(), fetch)
    awaited, *others = [loader.load(key) for key in (1, 2, 3)]
    with pytest.raises(InvalidInput, match="not a cursor"):
        await asyncio.wait_for(awaited, 1)
    assert all(isinstance(pending.exception(), InvalidInput) for pending in others)
    unawaited = [loader.load(key) for key in (4, 5)]
    await asyncio.wait_for(cast(Pending[int], unawaited[0]).batch, 1)
    loader.clear()
    del awaited, others, unawaited
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert [record.getMessage() for record in caplog.records] == []


async def test_a_bad_cursor_under_many_parents_is_one_error_and_logs_nothing(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("a", "b", "c"):
        await api.data(f'mutation {{ createModel(input: {{name: "{name}"}}) {{ model {{ name }} }} }}')
    with caplog.at_level(logging.WARNING):
        for field in ("versions", "deploymentHistory", "auditEvents"):
            error = await api.error(f'{{ models {{ nodes {{ {field}(after: "garbage") {{ totalCount }} }} }} }}')
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, field
        gc.collect()
    assert [record.getMessage() for record in caplog.records] == []


async def test_a_level_waiting_on_loads_is_woken_once_per_dispatch() -> None:
    """The completion (schema/levels.py) registers one callback on a dispatch's batch for all the fields waiting on
    its keys, not one per key, and completes each field with its own key's value."""
    calls = 0

    async def fetch(keys: list[int]) -> list[list[int]]:
        nonlocal calls
        calls += 1
        return [[key, key + 1] for key in keys]

    loader: Loader[int, list[int]] = Loader(Batcher(), fetch)
    completion = Completion(None)
    answer: list[Any] = [None] * 200
    items = ListShape(LeafShape(GraphQLInt, nullable=False), nullable=False)
    for index in range(200):
        completion.defer(items, Later(loader.load(index), list), answer, index)
    assert len(completion._batches) == 1
    (batch,) = completion._batches
    assert len(batch._callbacks or ()) == 1
    await completion.run(LeafShape(GraphQLInt, nullable=False), 0)
    assert calls == 1 and answer == [[index, index + 1] for index in range(200)]
