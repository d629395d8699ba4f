"""A query's root field completed level by level, without graphql-core's per-field machinery; or, whenever
anything is unusual, by graphql-core as before.

graphql-core completes a value field by field, depth first: every field gets a ``Path`` and an info object, every
object ``complete_value``'s walk through its type's wrappers, and every field whose resolver returns an awaitable
(a relation waiting for its loader) a coroutine of its own, gathered with its siblings' in tasks: some 2,400
awaited fields and 1,200 tasks in a dashboard, whose loads all come back in a handful of rounds anyway
(``schema/loaders.py``).

Here a root field's selection is first planned once per request (``plan``): for each object type reached, the
steps that fill its answer, in the response's key order: a plain leaf (``schema/field_plans.py``), ``__typename``,
or a field whose resolver the schema made direct (``schema/fast_fields.py``: an attribute or a method called with
the source, an info and the arguments, no Strawberry wrapper, no permission class) with its arguments coerced once
and the shape of what it returns (a leaf, a list, an object type that checks its values by class). A document
with anything else below the root (an interface or union, ``@defer``, a field with a permission class or an
extension, an argument that does not coerce) is not planned: it takes graphql-core's path throughout.

Each object type's completion is compiled into one function for the selection (``Compiled``): plain attributes
of plain scalar types (a metric's ``name`` and ``value``) read and checked inline, the other fields' work unrolled.

``complete`` then fills the answer: each object's steps run in turn, each list's items are queued, and a
relation whose loader has not answered yet leaves a place in its parent, filled when the loader's round
answers (one callback per loader dispatch, however many fields wait on its keys: ``Pending.batch``; one wake-up
of one coroutine per round). The work is the same, the rounds of loads are the same (everything a level queues is
queued before the coroutine waits), and it pauses for the execution's pacer between items, as graphql-core's lists
do (``schema/execution.py``): it reads the clock after each loaded value it converts, and otherwise every
``_ITEMS_PER_CLOCK`` items.

Only plain success is handled here. When a resolver or a conversion raises, a loader fails, a non-null field is
None, a value is of a type no plain completion knows, or anything else graphql-core would turn into an error,
the answer built so far is dropped and graphql-core completes the root field's value from the start, producing
exactly its errors, paths and nulls. That is safe because only queries are completed here (nothing is written),
and cheap: the loaders' caches hold what was loaded, so the second pass reads no row twice.
``tests/schema/test_execution.py`` compares whole answers with and without this path.
"""

from __future__ import annotations

import asyncio
import functools
import keyword
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeAlias

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from schema import fast_fields, field_plans
from schema.loaders import Later, Pending


class Unusual(Exception):
    """A value or a field this path does not complete the way graphql-core would: graphql-core completes it."""


class Executor(Protocol):
    """What planning needs of the execution context (``YieldingExecutionContext``)."""

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Any: ...

    def build_resolve_info(
        self, field_def: Any, field_nodes: list[FieldNode], parent_type: GraphQLObjectType, path: Path
    ) -> GraphQLResolveInfo[Any]: ...

    variable_values: Any
    hide_suggestions: bool


class Shape(Protocol):
    def complete(self, work: Completion, value: Any, container: Any, key: Any) -> None: ...


def _null(nullable: bool, container: Any, key: Any) -> None:
    """A None where the type allows one; ``Unusual`` where it does not (graphql-core reports the error)."""
    if not nullable:
        raise Unusual
    container[key] = None


class LeafShape:
    """A scalar or an enum."""

    __slots__ = ("_as_is", "_coerce", "_nullable", "_plain")

    def __init__(self, leaf_type: Any, nullable: bool) -> None:
        self._coerce, self._plain, self._as_is = field_plans.leaf_coercion(leaf_type)
        self._nullable = nullable

    def complete(self, work: Completion, value: Any, container: Any, key: Any) -> None:
        if type(value) is self._as_is:  # what the coercion would return unchanged
            container[key] = value
            return
        if value is None:
            _null(self._nullable, container, key)
            return
        if type(value) not in self._plain:
            work.defer(self, value, container, key)
            return
        coerced = self._coerce(value)
        if coerced is None or coerced is Undefined:
            raise Unusual
        container[key] = coerced


#: A list of objects of plain attributes this long or shorter is completed at once, not item by item through the
#: queue (a version's metrics and tags): it takes a few µs, and the queue cost as much again per item.
_INLINE_ITEMS = 32


class ListShape:
    """A list: its items are queued, so a long list is completed between the execution's pauses."""

    __slots__ = ("_item", "_nullable")

    def __init__(self, item: Shape, nullable: bool) -> None:
        self._item, self._nullable = item, nullable

    def complete(self, work: Completion, value: Any, container: Any, key: Any) -> None:
        if value is None:
            _null(self._nullable, container, key)
            return
        if type(value) is not list:  # graphql-core accepts any iterable but a string; ours are lists
            work.defer(self, value, container, key)
            return
        item = self._item
        every = item.every if type(item) is Compiled and len(value) <= _INLINE_ITEMS else None
        if every is not None:
            answers = every(value)
            if answers is not None:
                container[key] = answers
                return
        completed: list[Any] = [None] * len(value)
        container[key] = completed
        if every is not None:  # an item the checks do not pass: each item its own completion
            complete = item.complete
            for index, element in enumerate(value):
                complete(work, element, completed, index)
            return
        queue = work.queue
        for index, element in enumerate(value):
            queue.append((item, element, completed, index))


class ObjectShape:
    """An object type whose values are checked by class only (``field_plans.object_type_of``)."""

    __slots__ = ("_is_type_of", "_nullable", "_steps", "loaded")

    def __init__(self, object_type: GraphQLObjectType, nullable: bool, steps: list[Planned]) -> None:
        self._is_type_of = object_type.is_type_of
        self._nullable = nullable
        self._steps = steps
        #: What completes the value once its loader has answered: this, or its ``Compiled`` form.
        self.loaded: Shape = self

    def complete(self, work: Completion, value: Any, container: Any, key: Any) -> None:
        if value is None:
            _null(self._nullable, container, key)
            return
        if type(value) is Later:
            work.defer(self.loaded, value, container, key)
            return
        if self._is_type_of is not None and not self._is_type_of(value, None):  # type: ignore[arg-type]
            raise Unusual  # Strawberry's is_type_of is a class check that ignores the info
        completed: dict[str, Any] = {}
        container[key] = completed
        fallback = field_plans.FALLBACK
        for response_key, leaf, step in self._steps:
            # A plain leaf is completed here, without a call of its own (most of a document's fields are
            # leaves); a long list or an odd value, and every other field, take the field's step.
            if leaf is not None:
                answer = leaf.complete(value)
                if answer is not fallback:
                    completed[response_key] = answer
                    continue
            step(work, value, completed)


Step: TypeAlias = Callable[["Completion", Any, dict[str, Any]], None]
#: A field of an object: its response key, its completer if it is a plain leaf, and its step.
Planned: TypeAlias = tuple[str, "field_plans.Completer | None", Step]


def _typename_step(key: str, name: str) -> Step:
    def step(work: Completion, source: Any, completed: dict[str, Any]) -> None:
        completed[key] = name

    return step


def _resolve_step(
    key: str, resolve: Callable[..., Any], info: GraphQLResolveInfo[Any], args: dict[str, Any], shape: Shape
) -> Step:
    complete = shape.complete
    call = fast_fields.bound(resolve, info, args)
    if call is not None:  # a method: called with the source alone, its Info and arguments bound once

        def step_bound(work: Completion, source: Any, completed: dict[str, Any]) -> None:
            complete(work, call(source), completed, key)

        return step_bound
    if not args:

        def step(work: Completion, source: Any, completed: dict[str, Any]) -> None:
            complete(work, resolve(source, info), completed, key)

        return step

    def step_with(work: Completion, source: Any, completed: dict[str, Any]) -> None:
        complete(work, resolve(source, info, **args), completed, key)

    return step_with


class Planner:
    """Plans one root field's value (``shape``): None when anything below it needs graphql-core's path."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def shape(self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path) -> Shape | None:
        nullable = not isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if is_leaf_type(named):
            return LeafShape(named, nullable)
        if isinstance(named, GraphQLList):
            item = self.shape(named.of_type, field_details_list, path.add_key(0, None))
            return ListShape(item, nullable) if item is not None else None
        object_type = field_plans.object_type_of(named)
        if object_type is None:
            return None  # an interface, a union, or a type whose is_type_of does more than a class check
        steps = self._steps(object_type, field_details_list, path)  # the document's depth bounds the recursion
        if steps is None:
            return None
        shape = ObjectShape(object_type, nullable, steps)
        made = compiled(shape, object_type, steps)
        if made is None:
            return shape
        shape.loaded = made  # a relation's value, once loaded, takes the compiled completion too
        return made

    def _steps(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, path: Path
    ) -> list[Planned] | None:
        grouped_field_set, new_defer_usages, *_ = self._executor.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        steps: list[Planned] = []
        for key, details in grouped_field_set.items():
            planned = self._step(object_type, key, details, path)
            if planned is None:
                return None
            steps.append(planned)
        return steps

    def _step(self, parent: GraphQLObjectType, key: str, details: FieldDetailsList, path: Path) -> Planned | None:
        node = details[0].node
        collected = field_plans.COLLECTION_DIRECTIVES
        if any(d.name.value not in collected for item in details for d in item.node.directives or ()):
            return None
        name = node.name.value
        if name == "__typename":
            return key, None, _typename_step(key, parent.name)
        field = parent.fields.get(name)
        if field is None or field.resolve is None or not fast_fields.is_direct(field.resolve):
            return None
        field_path = Path(path, key, parent.name)
        shape = self.shape(field.type, details, field_path)
        if shape is None:
            return None
        executor = self._executor
        try:
            args = (
                get_argument_values(
                    field,
                    node,
                    executor.variable_values,
                    details[0].fragment_variable_values,
                    executor.hide_suggestions,
                )
                if field.args or node.arguments
                else {}
            )
        except GraphQLError:
            return None  # graphql-core reports it, on its path
        info = executor.build_resolve_info(field, [item.node for item in details], parent, field_path)
        completer = field_plans.completer(field) if not args else None
        return key, completer, _resolve_step(key, field.resolve, info, args, shape)


class Compiled:
    """An object type's completion written as one function for its selection, in place of ``ObjectShape``'s loop.

    When every selected field is a plain attribute answered unchanged (a metric's ``name`` and ``value``; or a
    ``Derived`` method's value, such as a deployment's ``environment``, read by calling the method bound to the
    function), the values are read and checked inline and the answer built as one dict; any value the checks do not pass
    takes the ``ObjectShape``'s own completion. Measured alone, 0.17 against 0.60 µs per metric; a dashboard
    completes some 3,600 such objects, the 10,000-version dashboard 110,000.

    Otherwise each field gets the statements the loop would run for it, unrolled: such a plain attribute read and
    checked inline, another plain leaf its completer, anything else its step, each falling back to the field's
    step as the loop does. The same work in the same order, without the loop's unpacking and calls per field
    (a dashboard's models, versions and deployments: some 2,000 objects and 4,400 leaves).
    """

    __slots__ = ("complete", "every")

    def __init__(
        self,
        complete: Callable[[Completion, Any, Any, Any], None],
        every: Callable[[list[Any]], list[Any] | None] | None,
    ) -> None:
        self.complete = complete
        #: When every field is a plain attribute (completing one queues nothing and loads nothing): the answers to
        #: a list of such objects, built in one loop, or None when an item does not pass the checks (``ListShape``
        #: completes a short list at once, with this or item by item).
        self.every = every


#: At most this many fields are compiled into one function (a larger selection keeps the general completion).
MAX_COMPILED_FIELDS = 16


def compiled(shape: ObjectShape, object_type: GraphQLObjectType, steps: list[Planned]) -> Compiled | None:
    """``shape`` compiled (see ``Compiled``), or None for a selection that is empty or too large.

    Only names read from the schema are written into the source (checked to be identifiers); the response keys,
    which the document chooses (aliases), and the fields' completers, methods and steps are bound as values, never
    written.
    """
    if not steps or len(steps) > MAX_COMPILED_FIELDS:
        return None
    inline = [_inline(leaf, index) for index, (_, leaf, _) in enumerate(steps)]
    guard = "value is not None and type(value) is not Later"
    origin = _origin(object_type)
    if object_type.is_type_of is not None:
        # An object of the type's own class, not cast to another (``strawberry.cast``), is of the type: Strawberry's
        # is_type_of answers True for it, after a getattr and an isinstance (some 1,800 objects in a dashboard).
        exact = "type(value) is origin and cast not in value.__dict__ or " if origin is not None else ""
        guard += f" and ({exact}is_type_of(value, None))"
    lines = ["def complete(work, value, container, key):", f"    if {guard}:"]
    plain = [found for found in inline if found is not None]
    leaves_only = len(plain) == len(steps)
    if leaves_only:
        reads = [f"        v{index} = {read}" for index, (read, _) in enumerate(plain)]
        checks = " and ".join(check for _, check in plain)
        answer = ", ".join(f"k{index}: v{index}" for index in range(len(steps)))
        lines += [*reads, f"        if {checks}:", f"            container[key] = {{{answer}}}", "            return"]
        lines += ["    general(work, value, container, key)"]
        # The same reads and checks for each item of a list, without a call per item (a dashboard's 4,300 metrics
        # and tags): None at the first item that does not pass them.
        lines += [
            "def every(values):",
            "    answers = []",
            "    append = answers.append",
            "    for value in values:",
            f"        if not ({guard}):",
            "            return None",
            *reads,
            f"        if not ({checks}):",
            "            return None",
            f"        append({{{answer}}})",
            "    return answers",
        ]
    else:
        lines += ["        completed = {}", "        container[key] = completed"]
        for index, ((_, leaf, _), found) in enumerate(zip(steps, inline, strict=True)):
            lines += _unrolled(index, leaf, found)
        lines += ["        return", "    general(work, value, container, key)"]
    bound: dict[str, Any] = {"is_type_of": object_type.is_type_of, "general": shape.complete, "origin": origin}
    for index, (response_key, leaf, step) in enumerate(steps):
        bound.update({f"k{index}": response_key, f"l{index}": leaf, f"s{index}": step})
        if isinstance(leaf, field_plans.Leaf) and leaf.method is not None:
            bound[f"m{index}"] = leaf.method
    made, every = _factory("\n".join(lines), object_type.name, tuple(bound))(**bound)
    return Compiled(made, every if leaves_only else None)


def _origin(object_type: GraphQLObjectType) -> type | None:
    """The Strawberry class of ``object_type`` when its instances keep their attributes in a ``__dict__``."""
    definition = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) and origin.__dictoffset__ != 0 else None


@functools.lru_cache(maxsize=512)
def _factory(source: str, name: str, parameters: tuple[str, ...]) -> Callable[..., Any]:
    """A function that makes ``source``'s ``complete`` (and ``every``, when it defines one) with ``parameters``
    bound: compiled once per source (a
    request plans its selection anew, but the same document gives the same source)."""
    indented = "\n".join(f"    {line}" for line in source.splitlines())
    made = f"def make({', '.join(parameters)}):\n    every = None\n{indented}\n    return complete, every"
    namespace: dict[str, Any] = {"Later": Later, "fallback": field_plans.FALLBACK, "cast": TYPE_CAST_ATTRIBUTE}
    exec(compile(made, f"<compiled {name}>", "exec"), namespace)  # noqa: S102 - see ``compiled``
    return namespace["make"]  # type: ignore[no-any-return]


def _inline(leaf: field_plans.Completer | None, index: int) -> tuple[str, str] | None:
    """For field ``index``, a plain leaf: the source that reads its value from ``value`` (the attribute, or a call
    of the method bound as ``m{index}``) and the source of its check that ``v{index}`` is answered unchanged; None
    for any other field."""
    if not isinstance(leaf, field_plans.Leaf):
        return None
    if leaf.attribute is not None:
        if not leaf.attribute.isidentifier() or keyword.iskeyword(leaf.attribute):
            return None
        read = f"value.{leaf.attribute}"
    elif leaf.method is not None:
        read = f"m{index}(value)"
    else:
        return None
    check = field_plans.compiled_leaf_check(leaf, f"v{index}")
    return (read, check) if check is not None else None


def _unrolled(index: int, leaf: field_plans.Completer | None, inline: tuple[str, str] | None) -> list[str]:
    """The statements ``ObjectShape.complete``'s loop runs for field ``index``, written out."""
    step = f"        s{index}(work, value, completed)"
    if inline is not None:
        read, check = inline
        return [
            f"        v{index} = {read}",
            f"        if {check}:",
            f"            completed[k{index}] = v{index}",
            "        else:",
            f"    {step}",
        ]
    if leaf is not None:
        return [
            f"        a{index} = l{index}.complete(value)",
            f"        if a{index} is not fallback:",
            f"            completed[k{index}] = a{index}",
            "        else:",
            f"    {step}",
        ]
    return [step]


class _Converted:
    """A loaded value still to convert (``then``'s function: rows to Strawberry objects), then to complete."""

    __slots__ = ("_convert", "_shape")

    def __init__(self, convert: Callable[[Any], Any], shape: Shape) -> None:
        self._convert, self._shape = convert, shape

    def complete(self, work: Completion, value: Any, container: Any, key: Any) -> None:
        self._shape.complete(work, self._convert(value), container, key)


#: Queued items completed between two readings of the clock: reading it cost about a tenth of an item, and the
#: 10,000-version dashboard queues some 140,000. A few dozen items take a few tens of µs, well within a slice;
#: a loaded value's conversion (``_Converted``: a page of rows, hundreds of metrics) is followed by a reading.
_ITEMS_PER_CLOCK = 32

#: A field waiting for its loader: how to convert the loaded value, and where it goes.
_Waiting: TypeAlias = tuple[asyncio.Future[Any], Callable[[Any], Any], Shape, Any, Any]


class Completion:
    """One root field's value being completed: the queue of list items, and the fields waiting for loads."""

    __slots__ = ("_batches", "_outstanding", "_pacer", "_ready", "_wake", "queue")

    def __init__(self, pacer: Any) -> None:
        self.queue: deque[tuple[Shape, Any, Any, Any]] = deque()
        self._ready: list[_Waiting] = []
        #: The fields waiting on each loader dispatch (``Pending.batch``) that has not answered yet.
        self._batches: dict[asyncio.Future[None], list[_Waiting]] = {}
        self._outstanding = 0
        self._wake: asyncio.Future[None] | None = None
        self._pacer = pacer

    def defer(self, shape: Shape, value: Any, container: Any, key: Any) -> None:
        """Complete a relation's value once its loader has answered (at once if it has): ``Unusual`` for any value
        that is not a relation's (``schema.loaders.Later``)."""
        if type(value) is not Later:
            raise Unusual
        pending = value.pending
        if pending.done():
            shape.complete(self, value.convert(pending.result()), container, key)
            return
        container[key] = None  # its place among its siblings, in the response's order
        self._outstanding += 1
        waiting = (pending, value.convert, shape, container, key)
        batch = pending.batch if type(pending) is Pending else None
        if batch is None:  # not a loader's: told on its own
            pending.add_done_callback(partial(self._arrived_one, waiting))
            return
        # One callback per dispatch, not per key: its keys all have their values once ``batch`` is done.
        of_batch = self._batches.get(batch)
        if of_batch is None:
            of_batch = self._batches[batch] = []
            batch.add_done_callback(self._arrived)
        of_batch.append(waiting)

    def _arrived(self, batch: asyncio.Future[None]) -> None:
        # Runs when the loader's dispatch has set its keys' values, before the batcher resumes from that round:
        # waking the completion here lets it queue the next level's loads in time for the next round.
        self._ready.extend(self._batches.pop(batch))
        self._wake_up()

    def _arrived_one(self, waiting: _Waiting, _: asyncio.Future[Any]) -> None:
        self._ready.append(waiting)
        self._wake_up()

    def _wake_up(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def run(self, shape: Shape, value: Any) -> Any:
        answer: list[Any] = [None]
        shape.complete(self, value, answer, 0)
        pacer, holding = self._pacer, False
        clock = time.perf_counter
        try:
            while True:
                queue = self.queue
                while queue:
                    # ``pacer.due()``, without a call per item (a dashboard queues some 7,000)
                    if pacer is not None and clock() >= pacer.pause_at:
                        turn = pacer.turn()  # taken before the current one is passed on: the round keeps waiting
                        if holding:
                            pacer.pass_on()
                        holding = True
                        await turn
                    for _ in range(min(len(queue), _ITEMS_PER_CLOCK)):
                        item_shape, item, container, key = queue.popleft()
                        item_shape.complete(self, item, container, key)
                        if type(item_shape) is _Converted:
                            break  # a whole loaded value (a page of rows): the clock is read again after each
                if not self._outstanding:
                    return answer[0]
                if holding:  # nothing queued: let the loaders' round go
                    pacer.pass_on()
                    holding = False
                if not self._ready:
                    self._wake = asyncio.get_running_loop().create_future()
                    await self._wake
                ready, self._ready = self._ready, []
                self._outstanding -= len(ready)
                for pending, convert, waiting_shape, container, key in ready:
                    # Converted in the queue, not here: a round can bring thousands of rows, and the pacer's
                    # pauses come between queued items.
                    queue.append((_Converted(convert, waiting_shape), pending.result(), container, key))
        finally:
            if holding:
                pacer.pass_on()
