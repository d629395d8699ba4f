"""What a GraphQL operation may cost, computed from its document before anything runs (docs/security.md).

The count is GitHub's: every connection contributes its ``first`` (or the default page size) times the product
of the ``first``s above it, and every plain list its cap (``LIST_CAPS``) times the same product, so the number
is the most objects and list items the operation could return, whatever the data. Fragments are expanded,
``@skip``/``@include`` and variables applied, aliases counted one by one; a field selected twice under one
response key runs once and is counted once, as graphql-core merges it. Where the type is abstract
(``node(id:)``) the costliest of the possible types counts.

``CostLimit`` refuses an operation over the node limit with ``QUERY_TOO_COMPLEX`` after validation and before
execution, so no SQL runs; the rate limit charges ``Cost.points`` (``app/middleware/rate_limit.py``).

The walk is memoised per (type, selection), so fragments that spread each other many times over cost time
linear in the document's size, not in the number of expansions.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import orjson
from graphql import (
    BooleanValueNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from models import validation
from models.entities import AuditAction
from models.environments.rules import MAX_RULES
from models.monitoring import limits as monitoring
from models.registry import comparison, statistics
from models.tokens.scopes import MAX_SCOPE_ENTRIES
from models.webhooks.operations import MAX_WEBHOOKS
from models.webhooks.reads import MAX_ATTEMPTS_SHOWN
from schema.codes import ErrorCode
from schema.cost_limit import DEFAULT_MAX_NODES

#: A connection's page when ``first`` is not given, and the most it returns (``models.validation.page_size``).
DEFAULT_PAGE = validation.DEFAULT_PAGE_SIZE
MAX_PAGE = validation.MAX_PAGE_SIZE
#: Rate-limit points: a query costs the list fetches a REST client would need, over 100, at least 1 (GitHub's
#: rule); a mutation a fixed price, for its write locks and audit event.
REQUESTS_PER_POINT = 100
MUTATION_POINTS = 5


@dataclass(frozen=True)
class Width:
    """A list whose size is ``times`` the number of versions the enclosing ``compareVersions`` compares."""

    times: int


#: The most items each plain list field of the schema can hold, as ``"Type.field"``: the one place where a list
#: gets its bound. Each is enforced where the list is written (``models/validation.py`` and the domains' rule
#: parsers) or, for lists that grow with history, where it is read. ``tests/schema/test_cost.py`` fails on a list
#: field of the schema missing here: a new domain adds its lists to this table (connections need no entry).
LIST_CAPS: dict[str, int | Width] = {
    "Model.tags": validation.MAX_TAGS,
    "Model.metricDirections": validation.MAX_METRICS,
    "Model.activeDeployments": validation.MAX_ACTIVE_ENVIRONMENTS,
    "Version.tags": validation.MAX_TAGS,
    "Version.metrics": validation.MAX_METRICS,
    "Version.featureNames": validation.MAX_FEATURES,
    "Version.deployments": validation.MAX_VERSION_DEPLOYMENTS_SHOWN,
    "Version.activeEnvironments": validation.MAX_ACTIVE_ENVIRONMENTS,
    "Query.environments": validation.MAX_ENVIRONMENTS_LISTED,
    "EnvironmentProtection.metricRules": MAX_RULES,
    "EnvironmentProtection.tagRules": MAX_RULES,
    "EnvironmentProtection.priorEnvironments": MAX_RULES,
    "EnvironmentProtection.rules": 3 * MAX_RULES + 1,  # each rule as a phrase, and the role
    "Principal.modelPatterns": MAX_SCOPE_ENTRIES,
    "Principal.environments": MAX_SCOPE_ENTRIES,
    "RegistryStatistics.averageProductionMetrics": statistics.MAX_AVERAGED_METRICS,
    "VersionComparison.rows": Width(1),
    "VersionComparison.metricNames": comparison.MAX_COMPARED_METRICS,
    "VersionComparisonRow.values": comparison.MAX_COMPARED_METRICS,
    "VersionComparisonRow.deltasFromProduction": comparison.MAX_COMPARED_METRICS,
    # Monitoring (models/monitoring/limits.py): a counts list has a bin per edge and one more, or a count per
    # category and "other".
    "ReferenceProfile.features": monitoring.MAX_PROFILE_FEATURES,
    "FeatureProfile.counts": max(monitoring.MAX_BINS, monitoring.MAX_CATEGORIES + 1),
    "FeatureProfile.edges": monitoring.MAX_BINS - 1,
    "FeatureProfile.categories": monitoring.MAX_CATEGORIES,
    "FeatureProfile.quantiles": monitoring.MAX_QUANTILES,
    "MonitoringWindow.features": monitoring.MAX_PROFILE_FEATURES,
    "MonitoringWindow.performance": monitoring.MAX_WINDOW_METRICS,
    "FeatureDrift.counts": max(monitoring.MAX_BINS, monitoring.MAX_CATEGORIES + 1),
    "Deployment.performance": monitoring.MAX_WINDOW_METRICS,
    "Deployment.featureTrend": monitoring.MAX_TREND_FEATURES,
    "FeatureTrend.points": monitoring.MAX_TREND_WINDOWS,
    # A window's drift and performance verdict changes and the request its policy opened; labels: the last two.
    "RecordWindowPayload.auditEvents": 3,
    "AddWindowLabelsPayload.auditEvents": 2,
    # Webhooks (models/webhooks/): the registry keeps at most MAX_WEBHOOKS; filters are checked like scopes.
    "Query.webhooks": MAX_WEBHOOKS,
    "Webhook.eventTypes": len(AuditAction),
    "Webhook.modelPatterns": MAX_SCOPE_ENTRIES,
    "Webhook.environments": MAX_SCOPE_ENTRIES,
    "WebhookDelivery.attempts": MAX_ATTEMPTS_SHOWN,
}


def _compared_versions(arguments: Mapping[str, object]) -> int:
    numbers, limit = arguments.get("numbers"), arguments.get("limit")
    if isinstance(numbers, list) and numbers:
        return len(numbers)
    return limit if isinstance(limit, int) and 0 < limit <= comparison.MAX_LIMIT else comparison.DEFAULT_LIMIT


#: Fields whose arguments size the ``Width`` lists below them.
WIDTHS: dict[str, Callable[[Mapping[str, object]], int]] = {"Query.compareVersions": _compared_versions}


@dataclass(frozen=True)
class Cost:
    """The worst case of one operation."""

    #: ``query``, ``mutation`` or ``subscription``.
    operation_type: str
    #: Objects and list items the operation can return at most.
    nodes: int
    #: List fetches a REST client would make for the same data (one per list per parent).
    requests: int
    #: The field that alone accounts for the most nodes, as a response path (``models.nodes.versions``), and its count.
    costliest_path: str
    costliest_nodes: int
    #: The operation selects ``rateLimit(dryRun: true)``: it is priced, not run.
    dry_run: bool = False

    @property
    def points(self) -> int:
        """What the rate limit charges (a dry run: would charge): GitHub's rule, requests / 100 rounded, at least
        1; a mutation a fixed price."""
        if self.operation_type == "mutation":
            return MUTATION_POINTS
        return max(1, round(self.requests / REQUESTS_PER_POINT))

    def over(self, max_nodes: int) -> GraphQLError | None:
        """The ``QUERY_TOO_COMPLEX`` error when the operation may return more than ``max_nodes``, else None."""
        if self.nodes <= max_nodes:
            return None
        message = (
            f"this {self.operation_type} may return up to {self.nodes:,} nodes, over the limit of {max_nodes:,}; "
            f"the costliest field is {self.costliest_path} ({self.costliest_nodes:,}): ask for smaller pages "
            "(first), fewer nested lists, or page through with after"
        )
        extensions = {
            "code": ErrorCode.QUERY_TOO_COMPLEX,
            "nodeCount": self.nodes,
            "maxNodes": max_nodes,
            "costliestPath": self.costliest_path,
        }
        return GraphQLError(message, extensions=extensions)


@dataclass(frozen=True)
class Allowance:
    """The caller's rate-limit bucket after this request was charged (set by the HTTP layer)."""

    #: Points the bucket holds when full.
    limit: int
    #: Points left, rounded down.
    remaining: int
    #: When the bucket is full again, as a Unix time in whole seconds.
    reset_at: int


@dataclass(frozen=True)
class _Subtotal:
    """The cost below one parent object: nodes, list fetches, and the costliest field (its path and count)."""

    nodes: int = 0
    requests: int = 0
    worst: tuple[str, ...] = ()
    worst_nodes: int = 0


_EMPTY = _Subtotal()


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variables: Mapping[str, object] | None = None,
    operation_name: str | None = None,
) -> Cost | None:
    """The worst case of the operation ``operation_name`` selects (or the only one); None when none is selected.

    Tolerates a document that validation will refuse (unknown fields count nothing), so the HTTP layer can
    price a request before it is validated. Remembered (``_Remembered``): a document priced before with the
    same values of the variables its walk read is not walked again.
    """
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [node for node in operations if node.name is not None and node.name.value == operation_name]
    if len(operations) != 1:
        return None
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    values = _with_defaults(operation, variables or {})
    key = _remembered_key(document, operation_name)
    if key is not None:
        remembered = _REMEMBERED.get(key)
        known = remembered.cost(schema, values) if remembered is not None else None
        if known is not None:
            _REMEMBERED.move_to_end(key)
            return known
    walk = _Walk(schema, document, _Variables(values))
    total = walk.selection(root, (operation.selection_set.selections,), 0)
    path = ".".join(total.worst) or "-"
    cost = Cost(operation.operation.value, total.nodes, total.requests, path, total.worst_nodes, walk.dry_run)
    if key is not None:
        _remember(key, schema, walk.variables.read, cost)
    return cost


#: Documents whose costs are remembered, least recently used first, and the most walks remembered per document
#: (one per set of values of the variables it reads: a page size, a dry run). Only documents of up to
#: ``_REMEMBERED_CHARS`` characters are, with values of up to ``_REMEMBERED_VALUE_BYTES``, so the memo holds at
#: most some 16 MB (``schema/document.py`` caches their parse the same way).
_REMEMBERED_DOCUMENTS = 256
_COSTS_PER_DOCUMENT = 16
_REMEMBERED_CHARS = 16 * 1024


@dataclass
class _Remembered:
    """The costs of one document's operation, each with the variables its walk read and their values (JSON).

    Same text, operation and values of those variables: the same walk, so the same cost. A variable the walk did
    not read (a mutation's input, a filter) cannot change the count.
    """

    schema: GraphQLSchema
    costs: list[tuple[tuple[tuple[str, bytes], ...], Cost]]

    def cost(self, schema: GraphQLSchema, values: Mapping[str, object]) -> Cost | None:
        if schema is not self.schema:
            return None
        encoded: dict[str, bytes | None] = {}
        for read, cost in self.costs:
            for name, known in read:
                if name not in encoded:
                    encoded[name] = _encoded(values.get(name))
                if encoded[name] != known:
                    break
            else:
                return cost
        return None


_REMEMBERED: OrderedDict[tuple[str, str | None], _Remembered] = OrderedDict()


def _remembered_key(document: DocumentNode, operation_name: str | None) -> tuple[str, str | None] | None:
    """The document's text and the operation; None for a document with no source (built, not parsed) or a long one."""
    source = document.loc.source.body if document.loc is not None else None
    if source is None or len(source) > _REMEMBERED_CHARS:
        return None
    return source, operation_name


def _remember(key: tuple[str, str | None], schema: GraphQLSchema, read: Mapping[str, object], cost: Cost) -> None:
    encoded: list[tuple[str, bytes]] = []
    for name, value in read.items():
        as_json = _encoded(value)
        if as_json is None:
            return  # a long value, or one JSON does not hold as it is: walked every time
        encoded.append((name, as_json))
    remembered = _REMEMBERED.get(key)
    if remembered is None or remembered.schema is not schema:
        remembered = _REMEMBERED[key] = _Remembered(schema, [])
    remembered.costs = [*remembered.costs[-(_COSTS_PER_DOCUMENT - 1) :], (tuple(encoded), cost)]
    _REMEMBERED.move_to_end(key)
    while len(_REMEMBERED) > _REMEMBERED_DOCUMENTS:
        _REMEMBERED.popitem(last=False)


#: The longest encoded value remembered: a count reads page sizes, flags and lists of version numbers, and a walk
#: that read anything longer (a value validation will refuse, say) is not remembered, so no request's variables
#: can fill the memo.
_REMEMBERED_VALUE_BYTES = 256
_SCALARS = (bool, int, float, str)


def _encoded(value: object) -> bytes | None:
    """A variable's value as JSON, which tells ``1`` from ``true`` and ``1.0``; None for anything but a scalar, a
    null or a list of those (a tuple would encode as a list and cost as something else), or a long value."""
    if not _plain(value) and not (type(value) is list and all(_plain(item) for item in value)):
        return None
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # an int beyond 64 bits
        return None
    return encoded if len(encoded) <= _REMEMBERED_VALUE_BYTES else None


def _plain(value: object) -> bool:
    return value is None or type(value) in _SCALARS


def _with_defaults(operation: OperationDefinitionNode, variables: Mapping[str, object]) -> dict[str, object]:
    """The request's variables, with the operation's defaults for those it did not give."""
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = _literal(definition.default_value, _Variables({}))
    return values


class _Variables:
    """The operation's variables, noting each one the walk reads: the cost depends on those alone."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = values
        self.read: dict[str, object] = {}

    def get(self, name: str) -> object:
        value = self.values.get(name)
        self.read[name] = value
        return value


class _Arguments(Mapping[str, object]):
    """A field's arguments, each read (and its variables noted) only when the count asks for it: ``first``,
    ``dryRun``, the ``WIDTHS``' arguments. Reading every argument would note a mutation's input as read."""

    def __init__(self, node: FieldNode, variables: _Variables) -> None:
        self.nodes = {argument.name.value: argument.value for argument in node.arguments or ()}
        self.variables = variables

    def __getitem__(self, name: str) -> object:
        return _literal(self.nodes[name], self.variables)

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: _Variables) -> None:
        self.schema = schema
        self.fragments = {
            node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)
        }
        self.variables = variables
        self.memo: dict[tuple[str, tuple[int, ...], int, int], _Subtotal] = {}
        self.dry_run = False
        self.root = schema.query_type

    def selection(
        self, parent: GraphQLObjectType, selections: Sequence[Sequence[SelectionNode]], width: int, page: int = 0
    ) -> _Subtotal:
        """The cost below one object of type ``parent`` that the selection sets ``selections`` (merged) ask of.

        ``width`` sizes the ``Width`` lists; ``page`` is the size of a connection's ``edges`` and ``nodes``.
        """
        fields = self._collect(parent, selections)
        key = (parent.name, tuple(id(node) for nodes in fields.values() for node in nodes), width, page)
        known = self.memo.get(key)
        if known is not None:
            return known
        self.memo[key] = _EMPTY  # a cycle (refused by validation anyway) counts nothing
        nodes = requests = worst_nodes = 0
        worst: tuple[str, ...] = ()
        for response_key, field_nodes in fields.items():
            below = self._field(parent, response_key, field_nodes, width, page)
            nodes += below.nodes
            requests += below.requests
            if below.worst_nodes > worst_nodes:
                worst, worst_nodes = below.worst, below.worst_nodes
        total = _Subtotal(nodes, requests, worst, worst_nodes)
        self.memo[key] = total
        return total

    def _field(
        self, parent: GraphQLObjectType, response_key: str, nodes: list[FieldNode], width: int, page: int
    ) -> _Subtotal:
        name = nodes[0].name.value
        definition = parent.fields.get(name)
        if definition is None:  # __typename, introspection, or a field validation will refuse
            return _EMPTY
        arguments = self._arguments(nodes[0])
        if parent is self.root and name == "rateLimit" and arguments.get("dryRun") is True:
            self.dry_run = True
        qualified = f"{parent.name}.{name}"
        if qualified in WIDTHS:
            width = WIDTHS[qualified](arguments)
        item_type, is_list = _unwrap(definition.type)
        # size: objects per parent the children are walked for; counted: nodes this field adds per parent.
        size, counted, child_page = 1, 0, 0
        if _is_connection(item_type, definition.args):
            first = arguments.get("first")
            counted = child_page = max(0, min(first, MAX_PAGE)) if isinstance(first, int) else DEFAULT_PAGE
        elif parent.name.endswith("Connection") and name in ("edges", "nodes"):
            size = page  # the connection's page, counted once by the field that returned the connection
        elif is_list:
            cap = LIST_CAPS.get(qualified, 0)
            size = counted = cap.times * width if isinstance(cap, Width) else cap
        children = tuple(node.selection_set.selections for node in nodes if node.selection_set is not None)
        below = _EMPTY
        if children:
            below = max(
                (self.selection(kind, children, width, child_page) for kind in self._possible_types(item_type)),
                key=lambda subtotal: subtotal.nodes,
                default=_EMPTY,
            )
        fetches = 1 if counted else 0
        worst: tuple[str, ...] = (response_key,)
        worst_nodes = counted
        if size * below.worst_nodes > worst_nodes:
            worst, worst_nodes = (response_key, *below.worst), size * below.worst_nodes
        return _Subtotal(counted + size * below.nodes, fetches + size * below.requests, worst, worst_nodes)

    def _arguments(self, node: FieldNode) -> Mapping[str, object]:
        return _Arguments(node, self.variables)

    def _possible_types(self, item_type: GraphQLOutputType) -> Sequence[GraphQLObjectType]:
        if isinstance(item_type, GraphQLObjectType):
            return (item_type,)
        if isinstance(item_type, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.get_possible_types(item_type)
        return ()

    def _collect(
        self, parent: GraphQLObjectType, selections: Sequence[Sequence[SelectionNode]]
    ) -> dict[str, list[FieldNode]]:
        """The fields selected on ``parent``, grouped by response key, as graphql-core groups them to execute.

        A fragment spread twice here adds the same fields twice, which merge: it is expanded once (so
        fragments spreading each other twice over cannot make the walk exponential, and a cycle ends).
        """
        fields: dict[str, list[FieldNode]] = {}
        expanded: set[str] = set()
        for selection_set in selections:
            for node in self._expand(parent, selection_set, expanded):
                fields.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
        return fields

    def _expand(
        self, parent: GraphQLObjectType, selections: Sequence[SelectionNode], expanded: set[str]
    ) -> Iterator[FieldNode]:
        for node in selections:
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or self._applies(node.type_condition.name.value, parent):
                    yield from self._expand(parent, node.selection_set.selections, expanded)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in expanded:
                    continue
                expanded.add(name)
                if self._applies(fragment.type_condition.name.value, parent):
                    yield from self._expand(parent, fragment.selection_set.selections, expanded)

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        condition_type = self.schema.get_type(condition)
        if condition_type is parent:
            return True
        if isinstance(condition_type, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(condition_type, parent)
        return False

    def _included(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next(
                (_literal(arg.value, self.variables) for arg in directive.arguments or () if arg.name.value == "if"),
                None,
            )
            # A condition that cannot be read (validation will refuse it) keeps the field: the count stays a bound.
            if (name == "skip" and condition is True) or (name == "include" and condition is False):
                return False
        return True


def _literal(value: ValueNode, variables: _Variables) -> object:
    """The few literal shapes the count depends on: integers, booleans, lists; anything else is None."""
    if isinstance(value, VariableNode):
        return variables.get(value.name.value)
    if isinstance(value, IntValueNode):
        try:
            return int(value.value)
        except ValueError:
            return None
    if isinstance(value, BooleanValueNode):
        return value.value
    if isinstance(value, ListValueNode):
        return [_literal(item, variables) for item in value.values]
    return None


def _unwrap(output: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    """The named type inside ``output`` and whether a list wraps it."""
    is_list = False
    while isinstance(output, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(output, GraphQLList)
        output = output.of_type
    return output, is_list


def _is_connection(item_type: GraphQLOutputType, arguments: Mapping[str, object]) -> bool:
    return isinstance(item_type, GraphQLObjectType) and item_type.name.endswith("Connection") and "first" in arguments


class CostLimit(SchemaExtension):
    """Refuse an operation that may return more than ``context.max_nodes`` nodes, after validation and before
    execution (no SQL runs), with ``QUERY_TOO_COMPLEX``; run only the ``rateLimit`` fields of a dry run.

    The HTTP layer has usually priced the request already (``context.cost``, which the rate limit charged);
    a ``schema.execute`` call is priced here.
    """

    def on_execute(self) -> Iterator[None]:
        execution_context = self.execution_context
        document, context = execution_context.graphql_document, execution_context.context
        cost = getattr(context, "cost", None)
        if cost is None and document is not None:
            graphql_schema = execution_context.schema._schema
            cost = operation_cost(
                graphql_schema,
                document,
                variables=execution_context.variables,
                operation_name=execution_context.operation_name,
            )
            if hasattr(context, "cost"):
                context.cost = cost
        if cost is not None and document is not None:
            error = cost.over(getattr(context, "max_nodes", DEFAULT_MAX_NODES))
            if cost.dry_run:
                execution_context.graphql_document = _only_rate_limit(document, execution_context.operation_name)
            elif error is not None:
                execution_context.result = ExecutionResult(data=None, errors=[error])
        yield


def _only_rate_limit(document: DocumentNode, operation_name: str | None) -> DocumentNode:
    """``document`` with the selected operation's root fields narrowed to ``rateLimit``: a dry run runs nothing else."""
    definitions = []
    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode) and (
            operation_name is None or (node.name is not None and node.name.value == operation_name)
        ):
            kept = tuple(
                selection
                for selection in node.selection_set.selections
                if isinstance(selection, FieldNode) and selection.name.value == "rateLimit"
            )
            node = OperationDefinitionNode(
                operation=node.operation,
                name=node.name,
                variable_definitions=node.variable_definitions,
                directives=node.directives,
                selection_set=SelectionSetNode(selections=kept),
            )
        definitions.append(node)
    return DocumentNode(definitions=tuple(definitions))
