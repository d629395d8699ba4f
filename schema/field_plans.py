"""Plain leaf fields completed without graphql-core's per-field machinery, or not at all when unsure.

graphql-core executes every field the same way: a ``Path``, a ``GraphQLResolveInfo`` (Strawberry's, which also
carries the operation's extensions), the resolver, an awaitable check, then ``complete_value`` walking the type's
wrappers (non-null, list, leaf, abstract, object) before it calls the scalar's or enum's ``coerce_output_value``.
Most of a dashboard's fields are an attribute of a Strawberry object whose type is a scalar or an enum
(``Model.name``, ``Metric.value``, ``Version.status``): for those, all that work decides nothing.

``plan(parent_type, grouped_field_set)`` says, per response key, whether the field is such a plain leaf: its
resolver is ``schema.fast_fields.Attribute`` (a ``getattr`` of its Python name, nothing else) or
``schema.fast_fields.Derived`` (a method of the object alone, such as ``Node.id``), it takes no
arguments, carries no directive but ``@skip``/``@include`` (already applied when the fields were collected), and its
type is a leaf, a non-null leaf, or a list of (non-null) leaves. ``Leaf.complete`` then computes what graphql-core
would: ``coerce_output_value(getattr(source, name))`` (or of the method's value), item by item for a list.

It answers ``FALLBACK`` whenever the outcome is anything but a plain value: the attribute raises, is None where the
type is non-null, is of a type that could be awaitable or an exception (only the exact types in ``PLAIN`` and the
enum's own class pass), coercion raises or gives None, or a list is long enough for the execution's pacer to
matter (``MAX_ITEMS``). The caller then runs graphql-core's ``execute_field`` for that one field, which reads the
attribute again and produces the error, its path and its masking exactly as before. Reading an attribute twice is
harmless: these are dataclass fields of Strawberry types, set when the object was built, or pure functions of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, Final, TypeAlias

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.type.scalars import serialize_boolean, serialize_float, serialize_id, serialize_int, serialize_string

from schema.fast_fields import Attribute, Derived

#: ``complete`` could not tell: run graphql-core's ``execute_field`` for the field.
FALLBACK: Final = object()
#: Types whose instances are never awaitable and never exceptions (exact types: a subclass may be either).
PLAIN: Final = frozenset({str, int, float, bool, dict, list, tuple, datetime, date, Decimal})
#: A longer list of leaves takes graphql-core's path, which completes lists a slice at a time (schema/execution.py).
MAX_ITEMS = 256
#: Directives that act when fields are collected, and leave nothing to do at execution.
COLLECTION_DIRECTIVES = frozenset({"skip", "include"})
#: How a plain leaf's value is read from its object: ``attrgetter`` of an ``Attribute``, a ``Derived``'s method.
Reader: TypeAlias = Callable[[Any], Any]


class Leaf:
    """A plain attribute whose GraphQL type is a scalar or enum, nullable or not."""

    __slots__ = ("_as_is", "_coerce", "_plain", "_read", "attribute", "method", "nullable", "output")

    def __init__(
        self,
        read: Reader,
        coercion: Coercion,
        nullable: bool,
        attribute: str | None = None,
        method: Reader | None = None,
    ) -> None:
        self._read, self.nullable = read, nullable
        self._coerce, self._plain, self._as_is = coercion
        #: The Python attribute it reads, when it reads one (an ``Attribute`` resolver), else the method of the
        #: object it calls (a ``Derived`` one), and what a value of its type is answered as: the one Python type
        #: whose plain values its coercion returns unchanged, or None (``compiled_leaf_check``).
        self.attribute = attribute
        self.method = method
        self.output: type | None = _UNCHANGED.get(coercion[0])

    def complete(self, source: Any) -> Any:
        value = self._read(source)
        if type(value) is self._as_is:  # what the coercion would return unchanged
            return value
        if value is None:
            return None if self.nullable else FALLBACK
        if type(value) not in self._plain:
            return FALLBACK
        coerced = self._coerce(value)
        return FALLBACK if coerced is None or coerced is Undefined else coerced


class LeafList:
    """A plain attribute whose GraphQL type is a list of scalars or enums (either nullable or not)."""

    __slots__ = ("_as_is", "_coerce", "_items_nullable", "_nullable", "_plain", "_read")

    def __init__(self, read: Reader, coercion: Coercion, nullable: bool, items_nullable: bool) -> None:
        self._read, self._nullable, self._items_nullable = read, nullable, items_nullable
        self._coerce, self._plain, self._as_is = coercion

    def complete(self, source: Any) -> Any:
        values = self._read(source)
        if values is None:
            return None if self._nullable else FALLBACK
        if type(values) is not list or len(values) > MAX_ITEMS:
            return FALLBACK
        coerce, plain, as_is = self._coerce, self._plain, self._as_is
        completed: list[Any] = []
        for value in values:
            if type(value) is as_is:
                completed.append(value)
                continue
            if value is None:
                if not self._items_nullable:
                    return FALLBACK
                completed.append(None)
                continue
            if type(value) not in plain:
                return FALLBACK
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                return FALLBACK
            completed.append(coerced)
        return completed


Completer: TypeAlias = Leaf | LeafList
#: Per response key of a grouped field set: its name, its field details, and its completer if it is a plain leaf.
Plan: TypeAlias = list[tuple[str, FieldDetailsList, Completer | None]]

_completers: dict[int, tuple[GraphQLField, Completer | None]] = {}


def _memoized(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's coercion remembered per value: Strawberry's scans the enum's values on every call. Only results
    are remembered; a value it refuses is refused again (and an unhashable one raises, so the field falls back)."""
    known: dict[Any, Any] = {}

    def coerce_known(value: Any) -> Any:
        try:
            return known[value]
        except KeyError:
            coerced = known[value] = coerce(value)
            return coerced

    return coerce_known


#: Coercions of graphql-core's scalars that return a plain value of this Python type unchanged: a ``str`` for String
#: and ID, a finite ``float`` for Float, an ``int`` within 32 bits for Int, a ``bool`` for Boolean.
_UNCHANGED: dict[Callable[[Any], Any], type] = {
    serialize_string: str,
    serialize_id: str,
    serialize_float: float,
    serialize_int: int,
    serialize_boolean: bool,
}
#: The condition under which a value ``{v}`` of each of those types is returned unchanged, as Python source.
_UNCHANGED_WHEN = {
    str: "type({v}) is str",
    float: "type({v}) is float and {v} - {v} == 0.0",  # false for infinities and NaN, which Float refuses
    int: "type({v}) is int and -2147483648 <= {v} <= 2147483647",
    bool: "type({v}) is bool",
}


def compiled_leaf_check(leaf: Leaf, variable: str) -> str | None:
    """Python source that is true when ``variable``, the leaf's attribute's value, is answered unchanged (None where
    the type allows it); None when the leaf's values are not of that kind (enums, date-times, JSON)."""
    if leaf.output is None:
        return None
    check = _UNCHANGED_WHEN[leaf.output].format(v=variable)
    return f"({variable} is None or {check})" if leaf.nullable else f"({check})"


#: How a scalar or enum is coerced for the response: the coercion, the types of value it takes plainly, and the
#: one type whose values it returns unchanged (graphql-core's String and ID: an exact ``str``), or None.
Coercion: TypeAlias = tuple[Callable[[Any], Any], frozenset[type], type | None]


def leaf_coercion(leaf_type: GraphQLOutputType) -> Coercion:
    """How a value of a scalar or enum type is coerced for the response (see ``Coercion``)."""
    if isinstance(leaf_type, GraphQLEnumType):
        wrapped = getattr(leaf_type, "wrapped_cls", None)  # Strawberry's enums: values are members of this class
        plain = PLAIN | {wrapped} if isinstance(wrapped, type) else PLAIN
        return _memoized(leaf_type.coerce_output_value), plain, None
    coerce = leaf_type.coerce_output_value  # type: ignore[union-attr]  # a scalar: is_leaf_type checked
    # Only a string is returned unchanged for every value of its type; floats and ints also need their range checked.
    return coerce, PLAIN, str if _UNCHANGED.get(coerce) is str else None


def completer(field: GraphQLField) -> Completer | None:
    """The completer of a plain leaf field of the schema, or None; computed once per field."""
    known = _completers.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    found = _classify(field)
    _completers[id(field)] = (field, found)
    return found


def _classify(field: GraphQLField) -> Completer | None:
    resolve = field.resolve
    if field.args:
        return None
    attribute = method = None
    if isinstance(resolve, Attribute):
        read: Reader = attrgetter(resolve.python_name)
        attribute = resolve.python_name
    elif isinstance(resolve, Derived):
        read = method = resolve.method
    else:
        return None
    field_type, nullable = field.type, True
    if isinstance(field_type, GraphQLNonNull):
        field_type, nullable = field_type.of_type, False
    if is_leaf_type(field_type):
        return Leaf(read, leaf_coercion(field_type), nullable, attribute, method)
    if isinstance(field_type, GraphQLList):
        item_type, items_nullable = field_type.of_type, True
        if isinstance(item_type, GraphQLNonNull):
            item_type, items_nullable = item_type.of_type, False
        if is_leaf_type(item_type):
            return LeafList(read, leaf_coercion(item_type), nullable, items_nullable)
    return None


def _plain_node(node: FieldNode) -> bool:
    directives = node.directives or ()
    return not node.arguments and all(directive.name.value in COLLECTION_DIRECTIVES for directive in directives)


def plan(parent_type: GraphQLObjectType, grouped_field_set: Mapping[str, FieldDetailsList]) -> Plan:
    """Each response key of the set with its completer, if the field is a plain leaf (see the module)."""
    planned: Plan = []
    for response_name, field_details_list in grouped_field_set.items():
        found = None
        if all(_plain_node(details.node) for details in field_details_list):
            field = parent_type.fields.get(field_details_list[0].node.name.value)  # None: __typename and the like
            found = completer(field) if field is not None else None
        planned.append((response_name, field_details_list, found))
    return planned


_objects: dict[int, tuple[GraphQLOutputType, GraphQLObjectType | None]] = {}


def _checks_only_its_class(is_type_of: Callable[..., Any] | None) -> bool:
    """No ``is_type_of``, or the one Strawberry writes for a type with interfaces: a class check that ignores the
    info and has no side effect, which ``complete_value`` may then call directly."""
    return is_type_of is None or is_type_of.__qualname__.endswith("_get_is_type_of.<locals>.is_type_of")


def object_type_of(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type of a field or list item typed ``T`` or ``T!``, T an object type; None for every other type."""
    known = _objects.get(id(return_type))
    if known is not None and known[0] is return_type:
        return known[1]
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    found = named if isinstance(named, GraphQLObjectType) and _checks_only_its_class(named.is_type_of) else None
    _objects[id(return_type)] = (return_type, found)
    return found
