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

import schema.build
from app.settings import Settings
from models.entities import Role
from models.tokens.scopes import Principal
from schema.build import build_schema
from schema.context import Context
from schema.fast_fields import resolve_plainly
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
    # Root fields (RootField, permission classes), mutations, async resolvers: Strawberry's resolvers.
    kept = {"Query.models", "Query.model", "Mutation.promote", "Query.auditEvents"}
    assert not kept & replaced


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
