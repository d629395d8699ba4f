"""The schema: each domain's query and mutation mixins composed into ``Query`` and ``Mutation``, with the
types, limits and error handling wired once, at import.

Validation rules are created here, once, and reused by every request: building them per request (as
extension factories such as ``lambda: QueryDepthLimiter(...)`` do) defeats the validation cache, which is
keyed by the rule classes (measured with Strawberry's cache: ~740 against ~8,900 requests/s;
docs/architecture.md, "Limits").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from schema.audit import AuditQueries
from schema.cost import CostLimit
from schema.deployments import DeploymentMutations
from schema.document import ParsedOnce
from schema.environments import EnvironmentMutations, EnvironmentQueries
from schema.errors import ErrorCodes, log_unexpected
from schema.execution import PausedCollector, YieldingExecutionContext, synchronous
from schema.fast_fields import resolve_plainly
from schema.input_text import InputText
from schema.loaders import batched_roots
from schema.monitoring import MonitoringMutations, MonitoringQueries
from schema.node import NodeQueries
from schema.rate_limit import RateLimitQueries
from schema.registry import RegistryMutations, RegistryQueries
from schema.scalars import SCALARS
from schema.subscriptions import Subscription
from schema.tokens import TokenQueries
from schema.types import AuditEvent, Deployment, Model, Version
from schema.webhooks import WebhookMutations, WebhookQueries

#: docs/api.md, "Limits".
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5_000

_LIMIT_RULES = (max_depth_rule(MAX_DEPTH, should_ignore=None), max_aliases_rule(MAX_ALIASES))


# The SDL lists a root type's fields in the order of its bases. Every field counts as running for the loaders
# while it resolves, so a round of loads waits for a field's own statements (schema/loaders.py, Batcher).
@batched_roots
@strawberry.type
class Query(
    EnvironmentQueries,
    NodeQueries,
    RegistryQueries,
    AuditQueries,
    TokenQueries,
    MonitoringQueries,
    WebhookQueries,
    RateLimitQueries,
):
    """Every root query, one mixin per domain."""


@strawberry.type
class Mutation(EnvironmentMutations, RegistryMutations, DeploymentMutations, MonitoringMutations, WebhookMutations):
    """Every root mutation, one mixin per domain; each takes one ``input`` and returns one payload."""


class RegistrySchema(strawberry.Schema):
    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        # Synchronous execution (introspection, tests) cannot pause for an event loop (schema/execution.py).
        token = synchronous.set(True)
        try:
            return super().execute_sync(*args, **kwargs)
        finally:
            synchronous.reset(token)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Domain errors are answers, not incidents: only unexpected exceptions are logged, with their traceback.
        request_id = getattr(getattr(execution_context, "context", None), "request_id", "-")
        log_unexpected(errors, request_id)


def build_schema(*, introspection: bool = True, extra_extensions: Sequence[Any] = ()) -> strawberry.Schema:
    """The registry's schema. ``introspection=False`` refuses ``__schema`` and ``__type`` (``__typename`` stays);
    ``extra_extensions`` run after the built-in ones (a deployment's tracing, say)."""
    rules = (*_LIMIT_RULES, *(() if introspection else (NoSchemaIntrospectionCustomRule,)))
    extensions: list[Any] = [
        # The document the HTTP layer parsed, else a cached parse; validated once per text (schema/document.py).
        lambda: ParsedOnce(max_tokens=MAX_TOKENS, rules=rules),
        InputText,  # after validation, before execution: refuses control characters in any string sent
        CostLimit,  # after validation, before execution: refuses what may return too many nodes
        PausedCollector,  # no cyclic garbage collection pauses while operations execute (schema/execution.py)
        ErrorCodes,
        *extra_extensions,
    ]
    built = RegistrySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Model, Version, Deployment, AuditEvent],
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=YieldingExecutionContext,  # pauses for the event loop in large results
    )
    resolve_plainly(built)  # plain fields cost a getattr, not Strawberry's wrappers (schema/fast_fields.py)
    return built


schema = build_schema()
