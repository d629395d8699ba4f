"""What one executed GraphQL field costs, in process (docs/performance.md, "Field execution").

Each document runs through the registry's schema (``schema.execute``: loaders, SQL and all, no HTTP), and the
same document runs again through graphql-core alone, on a schema built from the same SDL, over the answer's own
data as plain dicts with a one-line resolver (the floor: what graphql-core costs to execute and complete the
same fields with no framework around them). Executed fields are counted in the answer: every key of every
object, list items' fields included. Both are timed in the same run, so their ratio and difference are
comparable even on a busy machine; the difference per field is what Strawberry, modelreg's resolvers, the
loaders and the SQL add.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo, build_schema, execute, parse

from models.tokens.scopes import Principal
from schema.build import schema
from schema.context import Context

#: A wide document: a hundred models with every scalar field of a model and of its five newest versions.
WIDE = """
query Wide {
  models(first: 100) {
    totalCount
    nodes {
      id name description createdAt createdBy updatedAt versionCount
      versions(first: 5) {
        totalCount
        nodes { id number status description hyperparameters featureNames modelType framework datasetVersion
                trainingDurationSeconds createdAt createdBy }
      }
    }
  }
}
"""


def count_fields(value: object) -> int:
    """Executed fields in an answer's ``data``: one per key of every object, however deep."""
    if isinstance(value, dict):
        return len(value) + sum(count_fields(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_fields(item) for item in value)
    return 0


def _by_response_key(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
    # The answer's dicts are keyed by response name (an alias, when there is one), not by field name.
    return source[info.path.key]


async def measure(document: str, principal: Principal, *, repetitions: int) -> dict[str, Any]:
    """Median milliseconds and microseconds per field of ``document``: the registry's, and the floor's."""

    async def registry() -> dict[str, Any]:
        # Every list at its cap prices the wide document over the node limit; this measures execution only.
        context = Context(principal=principal, request_id="bench-fields", allow_anonymous_read=False, max_nodes=10**9)
        result = await schema.execute(document, context_value=context)
        if result.errors:
            raise RuntimeError(f"the document failed: {result.errors}")
        assert result.data is not None
        return result.data

    data = await registry()
    fields = count_fields(data)
    floor_schema = build_schema(str(schema))
    parsed = parse(document)

    def floor() -> None:
        result = execute(floor_schema, parsed, root_value=data, field_resolver=_by_response_key)
        if asyncio.iscoroutine(result) or result.errors:  # type: ignore[union-attr]
            raise RuntimeError(f"the floor failed: {getattr(result, 'errors', result)}")

    registry_ms = [await _timed_async(registry) for _ in range(repetitions)]
    floor_ms = [_timed(floor) for _ in range(repetitions)]
    median, floor_median = statistics.median(registry_ms), statistics.median(floor_ms)
    return {
        "fields": fields,
        "median_ms": round(median, 2),
        "us_per_field": round(median * 1000 / fields, 2),
        "graphql_core_floor_ms": round(floor_median, 2),
        "graphql_core_us_per_field": round(floor_median * 1000 / fields, 2),
        "ratio_to_graphql_core": round(median / floor_median, 2) if floor_median else 0.0,
        "extra_us_per_field": round((median - floor_median) * 1000 / fields, 2),
    }


async def _timed_async(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


def _timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000
