"""Plain fields run without Strawberry's per-field wrappers (``schema/fast_fields.py``), with the same answers, and
a wide document costs about what graphql-core alone costs to execute it."""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import build_schema as graphql_schema
from graphql import execute, parse
from strawberry.permission import BasePermission
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument

import schema.build
from app.settings import Settings
from models.entities import Role
from models.tokens.scopes import Principal
from schema.build import build_schema
from schema.context import Context
from schema.fast_fields import FlatInput, resolve_plainly
from tests.benchmarks.fields import WIDE, _by_response_key, count_fields
from tests.schema.test_sql_counts import _seed, uncached

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()
READER = Principal(name="reader", role=Role.READER)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return uncached(settings)


def test_plain_fields_and_synchronous_methods_are_replaced_and_nothing_else() -> None:
    replaced = set(resolve_plainly(build_schema()))
    # Attributes, and synchronous methods taking (self, info, arguments...): relations through loaders. A method
    # whose argument needs converting (an input object, a list) still calls Strawberry's resolver when it is given.
    assert {"Model.name", "Tag.key", "Metric.value", "Version.number", "Version.metrics", "Model.tags"} <= replaced
    assert {"Model.production", "Deployment.version", "Version.activeEnvironments"} <= replaced
    assert {"Model.versions", "Model.deploymentHistory", "Version.metric", "Deployment.featureTrend"} <= replaced
    # Mutations guarded by permission classes alone, with flat inputs of builtin scalars.
    assert {"Mutation.promote", "Mutation.demote", "Mutation.rollback", "Mutation.archiveVersion"} <= replaced
    # Root query fields (RootField), inputs with lists or nested inputs, async resolvers: Strawberry's resolvers.
    kept = {"Query.models", "Query.model", "Query.auditEvents", "Mutation.registerVersion", "Mutation.createModel"}
    assert not kept & replaced


def _guarded_inputs() -> list[tuple[str, Any]]:
    """The input types of every mutation that is replaced, by mutation."""
    built = build_schema()
    replaced = set(resolve_plainly(built))
    mutation = built._schema.mutation_type
    assert mutation is not None
    found = []
    for name, graphql_field in mutation.fields.items():
        if f"Mutation.{name}" in replaced:
            field = graphql_field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            found += [(name, argument.type) for argument in field.arguments]
    return found


def test_flat_inputs_convert_as_strawberry_converts_them() -> None:
    """Each replaced mutation's input, with every field given, null or absent in turn, converts to what Strawberry's
    ``convert_argument`` gives (the dataclasses compare by their fields)."""
    inputs = _guarded_inputs()
    assert {name for name, _ in inputs} >= {"promote", "demote", "rollback"}
    config, registry = schema.build.schema.config, schema.build.schema.schema_converter.scalar_registry
    for name, argument_type in inputs:
        converter = FlatInput.of(argument_type, config.name_converter)
        assert converter is not None, name
        full = {graphql_name: _sample(graphql_name) for graphql_name, _ in converter.names}
        nulls = [{**full, key: None} for key in full]
        absent = [{other: value for other, value in full.items() if other != key} for key in full]
        for value in [full, {}, *nulls, *absent]:
            assert converter(value) == convert_argument(value, argument_type, registry, config), (name, value)


def _sample(graphql_name: str) -> object:
    return 3 if graphql_name in {"version", "expectedCurrentVersion", "number"} else f"{graphql_name}-value"


_ran: list[str] = []


class _Refuse(BasePermission):
    message = "refused here"
    error_extensions = {"code": "FORBIDDEN"}  # Strawberry's own attribute

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.input
class _Flat:
    name: str
    count: int | None = None


@strawberry.type
class _Mutation:
    @strawberry.mutation(permission_classes=[_Refuse])  # type: ignore[untyped-decorator]  # in Strawberry's stubs
    async def change(self, info: strawberry.Info, input: _Flat) -> str:
        _ran.append(input.name)
        return input.name


@strawberry.type
class _Query:
    ok: bool = True


async def test_a_permission_that_refuses_without_raising_answers_as_strawberry_does() -> None:
    """A permission answering False (ours raise their own errors) hands the call to Strawberry's resolver: its
    message and code, and the method never runs."""
    for replace in (False, True):
        built = strawberry.Schema(query=_Query, mutation=_Mutation)
        if replace:
            assert "Mutation.change" in resolve_plainly(built)
        result = await built.execute('mutation { change(input: {name: "x"}) }')
        assert result.errors is not None and result.errors[0].message == "refused here", replace
        assert result.errors[0].extensions == {"code": "FORBIDDEN"}
    assert _ran == []


def _without_replacement(monkeypatch: pytest.MonkeyPatch) -> strawberry.Schema:
    """The registry's schema with Strawberry's own resolvers everywhere."""
    monkeypatch.setattr(schema.build, "resolve_plainly", lambda built: [])
    return build_schema()


def _context() -> Context:
    # The wide document asks for every list at its cap (10,000 feature names per version): these tests measure
    # execution, not the node limit, which tests/schema/test_cost.py covers.
    return Context(principal=READER, request_id="test", allow_anonymous_read=False, max_nodes=10**9)


async def test_answers_are_the_same_without_the_replacement(app: object, monkeypatch: pytest.MonkeyPatch) -> None:
    await _seed(0, 3)
    strawberrys = _without_replacement(monkeypatch)
    for document in (DASHBOARD, WIDE):
        fast = await schema.build.schema.execute(document, context_value=_context())
        slow = await strawberrys.execute(document, context_value=_context())
        assert fast.errors is None and slow.errors is None
        assert fast.data == slow.data


def _calls(profile: cProfile.Profile) -> int:
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


async def _profiled(registry: strawberry.Schema) -> tuple[int, dict[str, Any]]:
    await registry.execute(WIDE, context_value=_context())  # warm caches (parse, validation)
    profile = cProfile.Profile()
    profile.enable()
    result = await registry.execute(WIDE, context_value=_context())
    profile.disable()
    assert result.errors is None and result.data is not None
    return _calls(profile), result.data


async def test_a_wide_document_costs_at_most_half_of_graphql_core_alone(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Function calls, not time, so the comparison holds on a busy machine. Executing the wide document (SQL and
    loaders included) takes at most half the calls of graphql-core executing it over plain dicts with a one-line
    resolver; Strawberry's own resolvers take two more calls per plain field."""
    await _seed(0, 6)
    calls, data = await _profiled(schema.build.schema)
    wrapped, _ = await _profiled(_without_replacement(monkeypatch))
    floor_schema, parsed = graphql_schema(str(schema.build.schema)), parse(WIDE)
    floor_profile = cProfile.Profile()
    floor_profile.enable()
    floor = execute(floor_schema, parsed, root_value=data, field_resolver=_by_response_key)
    floor_profile.disable()
    fields = count_fields(data)
    assert not getattr(floor, "errors", None) and fields > 300
    # Plain leaves skip graphql-core's per-field machinery too (schema/field_plans.py): half its calls, or fewer.
    assert 2 * calls <= _calls(floor_profile), (calls, _calls(floor_profile))
    assert wrapped - calls >= 1.5 * fields, (wrapped, calls, fields)
