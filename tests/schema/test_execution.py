"""Plain leaves and loaded objects complete without graphql-core's per-field machinery (``schema/field_plans.py``,
``YieldingExecutionContext``), and every answer, error, path and masking is what graphql-core's own path gives."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, cast

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig

import schema.build
from app.settings import Settings
from models.entities import AuditEvent, Deployment, ModelVersion, RegisteredModel, Role
from models.tokens.scopes import Principal
from schema import field_plans, levels, pacing
from schema.context import Context
from schema.execution import YieldingExecutionContext
from schema.fast_fields import resolve_plainly
from schema.relay import parse_global_id
from schema.scalars import SCALARS
from tests.benchmarks.fields import WIDE
from tests.schema.test_sql_counts import _seed, uncached

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()
READER = Principal(name="reader", role=Role.READER)
#: A reader limited to one model asks for another: FORBIDDEN on that (nullable) field, the rest answered.
SCOPED = Principal(name="scoped", role=Role.READER, model_patterns=("model-000",))
MIXED = """
query Mixed {
  models(first: 2) { nodes { name versionCount versions(first: 2) { nodes { number status createdAt } } } }
  other: model(name: "model-001") { name }
  __typename
}
"""

#: Arguments a method resolver receives as given (first, environment, name) and ones Strawberry converts (an input
#: object, an enum inside it), given and omitted.
ARGUMENTS = """
query Arguments {
  models(first: 3) {
    nodes {
      versions(first: 2, filter: {status: READY}, orderBy: {field: METRIC, direction: DESC, metric: "f1"}) {
        nodes { number metric(name: "f1") auc: metric(name: "roc_auc") }
      }
      newest: versions(first: 1) { nodes { number } }
      deploymentHistory(environment: "production", first: 2) { totalCount nodes { version { number } } }
      deployment(environment: "staging") { environment }
      version(number: 2) { number }
    }
  }
}
"""

#: An error below the root field (an environment name that cannot be one), for every model.
NESTED_ERROR = """
query Nested {
  models(first: 2) { nodes { name deploymentHistory(environment: "no such!", first: 1) { totalCount } } }
  again: models(first: 2) { nodes { name versions(first: 1) { totalCount } } }
}
"""

#: Every kind of object the dashboard builds, with its global id (computed only when selected: ``fast_fields.Derived``).
IDS = """
query Ids {
  models(first: 3) {
    nodes {
      id
      production { id version { id } }
      versions(first: 2) { nodes { id model { id } } }
      deploymentHistory(first: 2) { nodes { id } }
      auditEvents(first: 1) { nodes { id } }
    }
  }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return uncached(settings)


def _context(principal: Principal | None = READER) -> Context:
    return Context(principal=principal, request_id="test", allow_anonymous_read=False, max_nodes=10**9)


def _whole(result: Any) -> tuple[Any, Any, Any]:
    """Everything a client sees: data, each error as it is sent (message, locations, path, extensions)."""
    errors = [error.formatted for error in result.errors] if result.errors else None
    return result.data, errors, result.extensions


async def _both(
    registry: strawberry.Schema,
    document: str,
    make_context: Any,
    monkeypatch: pytest.MonkeyPatch,
    strawberrys: strawberry.Schema | None = None,
) -> tuple[Any, Any]:
    """The document's result with the shortcuts, and with graphql-core's path throughout (and Strawberry's own
    resolvers, when ``strawberrys`` is the same schema built without ``resolve_plainly``)."""
    fast = await registry.execute(document, context_value=make_context())
    monkeypatch.setattr(YieldingExecutionContext, "plain_leaves", False)
    try:
        slow = await (strawberrys or registry).execute(document, context_value=make_context())
    finally:
        monkeypatch.setattr(YieldingExecutionContext, "plain_leaves", True)
    return _whole(fast), _whole(slow)


def _without_direct_resolvers(monkeypatch: pytest.MonkeyPatch) -> strawberry.Schema:
    with monkeypatch.context() as patched:
        patched.setattr(schema.build, "resolve_plainly", lambda built: [])
        return schema.build.build_schema()


async def test_documents_answer_the_same_with_and_without_the_shortcuts(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(0, 3)
    strawberrys = _without_direct_resolvers(monkeypatch)
    results = {}
    documents = (
        (DASHBOARD, READER), (WIDE, READER), (MIXED, SCOPED), (ARGUMENTS, READER), (IDS, READER), (NESTED_ERROR, READER)
    )  # fmt: skip
    for document, principal in documents:
        registry = schema.build.schema
        fast, slow = await _both(registry, document, lambda p=principal: _context(p), monkeypatch, strawberrys)
        assert fast == slow
        results[document] = fast
    assert all(results[document][1] is None for document in (DASHBOARD, WIDE, ARGUMENTS, IDS))
    data, errors, _ = results[MIXED]  # the refused field is an error with its path, the rest is answered
    assert errors and errors[0]["path"] == ["other"] and errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert data["models"]["nodes"][0]["versions"]["nodes"][0]["status"] == "READY"
    data, errors, _ = results[NESTED_ERROR]  # an error below the root: graphql-core's path, error and nulls included
    assert errors and errors[0]["path"] == ["models", "nodes", 0, "deploymentHistory"], errors
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_global_ids_are_those_of_the_rows(app: object) -> None:
    await _seed(0, 3)
    result = await schema.build.schema.execute(IDS, context_value=_context())
    assert result.errors is None and result.data is not None
    seen = 0
    for node in result.data["models"]["nodes"]:
        model = await RegisteredModel.get(id=_pk(node["id"], "Model"))
        production = await Deployment.get(model_id=model.id, environment="production", retired_at=None)
        assert _pk(node["production"]["id"], "Deployment") == production.id
        assert _pk(node["production"]["version"]["id"], "Version") == production.version_id
        for version in node["versions"]["nodes"]:
            assert (await ModelVersion.get(id=_pk(version["id"], "Version"))).model_id == model.id
            assert version["model"]["id"] == node["id"]
        for deployment in node["deploymentHistory"]["nodes"]:
            assert (await Deployment.get(id=_pk(deployment["id"], "Deployment"))).model_id == model.id
        assert (await AuditEvent.get(id=_pk(node["auditEvents"]["nodes"][0]["id"], "AuditEvent"))).model_id == model.id
        seen += 1
    assert seen == 3


def _pk(global_id: str, type_name: str) -> int:
    found_type, pk = parse_global_id(global_id)
    assert found_type == type_name
    return pk


def _executed_fields(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """``Type.field`` of every field that goes through graphql-core's ``execute_field`` (the instrument calls it)."""
    seen: Counter[str] = Counter()
    execute_field = YieldingExecutionContext.execute_field

    def counted(self: YieldingExecutionContext, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        seen[f"{parent_type.name}.{details[0].node.name.value}"] += 1
        return execute_field(self, parent_type, source, details, *rest)

    monkeypatch.setattr(YieldingExecutionContext, "execute_field", counted)
    return seen


async def test_below_the_root_no_field_of_the_dashboard_takes_execute_field(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(0, 3)
    seen = _executed_fields(monkeypatch)
    result = await schema.build.schema.execute(DASHBOARD, context_value=_context())
    assert result.errors is None
    # Level by level (schema/levels.py): graphql-core executes the root fields, and nothing below them.
    assert set(seen) == {"Query.models", "Query.registryStatistics"}, seen
    seen.clear()
    monkeypatch.setattr(YieldingExecutionContext, "by_levels", False)
    result = await schema.build.schema.execute(DASHBOARD, context_value=_context())
    assert result.errors is None
    leaves = {"Model.name", "Model.versionCount", "Metric.name", "Metric.value", "Tag.key", "Version.number"}
    leaves |= {"Version.status", "Version.createdAt", "Deployment.deployedAt", "Deployment.active"}
    assert not leaves & set(seen), seen
    # Without levels, relations (loaders) and connections' lists take graphql-core's path; plain leaves do not.
    assert {"Model.tags", "Version.metrics", "Deployment.version", "VersionConnection.nodes", "Query.models"} <= set(
        seen
    )
    seen.clear()
    monkeypatch.setattr(YieldingExecutionContext, "plain_leaves", False)
    await schema.build.schema.execute(DASHBOARD, context_value=_context())
    assert leaves <= set(seen)


# A schema of its own, for what the registry's data never holds: a non-null field that is None, a value a scalar
# or an enum refuses, an exception or an awaitable as an attribute's value, a long list, a None in a non-null list.


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Thing:
    name: str
    nickname: str | None
    colour: Colour
    at: datetime
    count: int
    labels: list[str]
    maybe: list[str | None] | None
    data: JSON


def _good() -> Thing:
    return Thing(
        name="a", nickname=None, colour=Colour.RED, at=datetime(2026, 1, 2, tzinfo=UTC), count=1, labels=["x"],
        maybe=[None, "y"], data=cast(JSON, {"k": [1, 2]}),
    )  # fmt: skip


def _things() -> list[Thing | None]:
    later = asyncio.get_running_loop().create_future()
    later.set_result(7)
    good = _good()
    odd: list[dict[str, Any]] = [
        {"name": None},  # non-null: an error, and the item is null
        {"colour": "purple"},  # not a member of the enum
        {"count": "many"},  # Int refuses it
        {"count": ValueError("boom")},  # an exception as a value is raised as the field's error
        {"count": later},  # an awaitable is awaited
        {"labels": [f"l{index}" for index in range(field_plans.MAX_ITEMS + 1)]},  # long: graphql-core's path
        {"labels": ["a", None]},  # None in a non-null list
        {"nickname": 12, "maybe": None, "colour": Colour.BLUE},  # String accepts an int; a null list
    ]
    return [good, *(dataclasses.replace(good, **changes) for changes in odd)]


@strawberry.type
class ToyQuery:
    @strawberry.field
    def things(self, only: int | None = None) -> list[Thing | None]:
        found = _things()
        return found if only is None else [found[only]]

    @strawberry.field
    def many(self, count: int) -> list[Thing]:
        return [_good() for _ in range(count)]

    @strawberry.field
    def thing(self) -> Thing:
        return dataclasses.replace(_good(), name=None)  # type: ignore[arg-type]  # non-null root: the whole answer is null


def _toy() -> strawberry.Schema:
    toy = strawberry.Schema(
        query=ToyQuery, config=StrawberryConfig(scalar_map=SCALARS), execution_context_class=YieldingExecutionContext
    )
    resolve_plainly(toy)
    return toy


def _recording_compiled(monkeypatch: pytest.MonkeyPatch) -> list[levels.Compiled | None]:
    """What ``levels.compiled`` makes from now on, in a list: which selections were compiled."""
    made: list[levels.Compiled | None] = []
    real = levels.compiled

    def recording(*args: Any) -> levels.Compiled | None:
        made.append(real(*args))
        return made[-1]

    monkeypatch.setattr(levels, "compiled", recording)
    return made


TOY = "{ things { name nickname colour at count labels maybe data } alias: things { n: name c: colour } }"


async def test_odd_values_answer_as_graphql_core_answers_them(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = _toy()
    assert "Thing.name" in resolve_plainly(toy)
    for document in ("{ things { count } thing { colour } }", "{ thing { name count } }"):
        fast, slow = await _both(toy, document, lambda: None, monkeypatch)
        assert fast == slow, document
    data, errors, _ = fast  # a non-null root field's null takes the whole answer
    assert data is None and errors and errors[0]["path"] == ["thing", "name"]
    fast, slow = await _both(toy, TOY, lambda: None, monkeypatch)
    assert fast == slow
    data, errors, _ = fast
    assert data["things"][0] == {
        "name": "a", "nickname": None, "colour": "RED", "at": "2026-01-02T00:00:00+00:00", "count": 1,
        "labels": ["x"], "maybe": [None, "y"], "data": {"k": [1, 2]},
    }  # fmt: skip
    assert [error["path"] for error in errors] == [
        ["things", 1, "name"], ["things", 2, "colour"], ["things", 3, "count"], ["things", 4, "count"],
        ["things", 7, "labels", 1], ["alias", 1, "n"], ["alias", 2, "c"],
    ]  # fmt: skip
    assert data["things"][5]["count"] == 7 and len(data["things"][6]["labels"]) == field_plans.MAX_ITEMS + 1
    assert data["things"][8]["nickname"] == "12" and data["things"][8]["maybe"] is None
    # One value at a time: an error anywhere in a root field has graphql-core complete all of it, so only a
    # document without one shows what the compiled completion of this mixed selection (``levels.Compiled``, each
    # field's work unrolled, its fallbacks included) answers itself.
    made = _recording_compiled(monkeypatch)
    for only in range(len(data["things"])):
        alone = f"{{ things(only: {only}) {{ name nickname colour at count labels maybe data }} }}"
        fast, slow = await _both(toy, alone, lambda: None, monkeypatch)
        assert fast == slow, only
    assert any(isinstance(shape, levels.Compiled) for shape in made)


# Objects whose fields are all plain scalars are completed by a function compiled for their selection
# (schema/levels.py, ``Compiled``): every value its inline checks do not pass must answer as graphql-core answers it.


@strawberry.type
class Reading:
    name: str
    note: str | None
    value: float
    count: int
    flag: bool


def _readings() -> list[Reading | None]:
    good = Reading(name="a", note=None, value=0.5, count=3, flag=True)
    odd: list[dict[str, Any]] = [
        {"note": "noted"},
        {"value": float("inf")},  # Float refuses infinities and NaN
        {"value": float("nan")},
        {"value": 2},  # an int for a Float: coerced to 2.0
        {"count": 2**31},  # beyond 32 bits: Int refuses it
        {"count": -(2**31)},  # the least Int: answered as it is
        {"count": True},  # a bool for an Int: coerced to 1
        {"count": 2.0},  # a whole float for an Int: coerced to 2
        {"name": None},  # non-null: an error, and the item is null
        {"name": 7},  # String accepts an int
        {"flag": 0},  # Boolean accepts a number
    ]
    return [good, None, *(dataclasses.replace(good, **changes) for changes in odd)]


@strawberry.type
class ReadingQuery:
    @strawberry.field
    def readings(self, only: int | None = None) -> list[Reading | None]:
        found = _readings()
        return found if only is None else [found[only]]


async def test_compiled_objects_answer_as_graphql_core_answers_them(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = strawberry.Schema(
        query=ReadingQuery,
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=YieldingExecutionContext,
    )
    resolve_plainly(toy)
    made = _recording_compiled(monkeypatch)
    # Aliases are the document's: bound as values in the compiled function, whatever they are.
    document = "{ readings { name note value count flag } again: readings { class: value def: name } }"
    fast, slow = await _both(toy, document, lambda: None, monkeypatch)
    assert fast == slow
    assert sum(isinstance(shape, levels.Compiled) for shape in made) >= 2  # both selections
    # Of plain attributes only, so a list as short as this one is completed at once rather than item by item.
    assert all(shape.every is not None for shape in made if shape is not None)
    assert len(_readings()) <= levels._INLINE_ITEMS
    data, errors, _ = fast
    assert data["readings"][0] == {"name": "a", "note": None, "value": 0.5, "count": 3, "flag": True}
    assert data["again"][0] == {"class": 0.5, "def": "a"}
    assert data["readings"][1] is None and data["readings"][7]["count"] == -(2**31)
    assert [error["path"] for error in errors] == [
        ["readings", 3, "value"], ["readings", 4, "value"], ["readings", 6, "count"], ["readings", 10, "name"],
        ["again", 3, "class"], ["again", 4, "class"], ["again", 10, "def"],
    ]  # fmt: skip
    # One value at a time: an error anywhere in a root field has graphql-core complete all of it, so only a
    # document without one shows what the compiled function itself answers.
    for only in range(len(_readings())):
        alone = f"{{ readings(only: {only}) {{ name note value count flag }} }}"
        fast, slow = await _both(toy, alone, lambda: None, monkeypatch)
        assert fast == slow, only


async def test_a_long_answer_completed_level_by_level_pauses_between_items(monkeypatch: pytest.MonkeyPatch) -> None:
    document = "{ many(count: 500) { name colour at labels } }"
    toy, ticks, done = _toy(), 0, asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0)
            ticks += 1

    # Every slice over at once: the completion hands the loop back whenever it reads the clock, which it does
    # every ``_ITEMS_PER_CLOCK`` items, and still completes some items per turn (graphql-core's path needs a slice
    # long enough for one).
    with monkeypatch.context() as patched:
        patched.setattr(pacing, "SLICE_SECONDS", 0.0)
        ticker = asyncio.create_task(tick())
        paused = await toy.execute(document)
        done.set()
        await ticker
    assert paused.errors is None and paused.data is not None
    assert ticks >= 500 // levels._ITEMS_PER_CLOCK, ticks
    monkeypatch.setattr(YieldingExecutionContext, "by_levels", False)
    whole = await toy.execute(document)
    assert whole.errors is None and paused.data == whole.data and len(whole.data["many"]) == 500
