"""Fields that cost what graphql-core's own default resolver costs: no Strawberry wrapper where it does nothing.

Strawberry gives every field of the schema a resolver of its own. For a field without a resolver it calls
``field.get_result``, which calls the configured default resolver, which reads the attribute: three Python calls
where one does. For a field *with* a resolver it builds an ``Info``, converts the (absent) arguments, runs the
(empty) chain of field extensions through ``functools.reduce`` and ``partial``, and only then calls the method.
A dashboard executes some 15,000 fields, most of them one or the other (docs/performance.md, "Field execution").

``resolve_plainly`` replaces, once, when the schema is built, the graphql-core resolver of every field where
that machinery has nothing to do:

- a field without a resolver and without field extensions: one ``getattr`` of its Python name (``Attribute``,
  which the execution also recognises: schema/field_plans.py);
- a synchronous method that takes ``self`` alone (``Node.id``): ``Derived``, the method called with the object,
  which the execution completes as a plain leaf too;
- a synchronous method resolver that takes ``self``, ``info`` and its GraphQL arguments, without field extensions
  (permission classes are field extensions): the method called with the source, an ``Info`` and the arguments
  under their Python names. Builtin scalar arguments pass as graphql-core coerced them, as Strawberry passes
  them; when an argument Strawberry converts (an input object, a list, an enum) is given, that call goes to
  Strawberry's resolver.

Every other field (``Maybe`` arguments, permission classes, extensions, async resolvers, root fields with
``RootField``) keeps Strawberry's resolver. The answers are the same: the same attribute or the same method,
called with the same values. ``tests/schema/test_fast_fields.py`` checks which fields are replaced, and
``tests/schema/test_execution.py`` that documents answer the same with and without.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

Resolver = Callable[..., Any]

#: The method resolvers ``_method`` made (``Attribute`` and ``Derived`` are told by their class): schema/levels.py
#: calls only these, whose answers are the method's own with no Strawberry machinery around them.
_DIRECT_METHODS: weakref.WeakSet[Resolver] = weakref.WeakSet()


def is_direct(resolver: Resolver) -> bool:
    """The resolver is one this module put in place of Strawberry's: it calls the field's attribute or method."""
    return type(resolver) is Attribute or type(resolver) is Derived or resolver in _DIRECT_METHODS


class Attribute:
    """The resolver of a plain field: one ``getattr``. A class, so the execution can tell it from any other
    resolver and read the attribute without calling it (``schema/field_plans.py``)."""

    __slots__ = ("python_name",)

    def __init__(self, python_name: str) -> None:
        self.python_name = python_name

    def __call__(self, source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, self.python_name)


class Derived:
    """The resolver of a field computed from its object alone: a synchronous ``(self)`` method without arguments
    or extensions (a global id). Called as ``method(source)``; like ``Attribute``, the execution recognises it and
    completes the field as a plain leaf (``schema/field_plans.py``). Such a method must be a pure function of the
    object: a leaf that falls back is computed again by graphql-core's path."""

    __slots__ = ("method",)

    def __init__(self, method: Callable[[Any], Any]) -> None:
        self.method = method

    def __call__(self, source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return self.method(source)


#: Argument types Strawberry hands to the resolver as graphql-core coerced them (``convert_argument`` returns a
#: builtin scalar's value unchanged, and None for any type but ``Maybe``).
_AS_IS = (int, str, float, bool)


def _as_is(argument: StrawberryArgument) -> bool | None:
    """True: the value passes unchanged; False: None passes unchanged, anything else needs Strawberry's conversion
    (an input type, an enum, a list); None: the argument always needs it (``Maybe`` wraps even None)."""
    argument_type = argument.type
    if isinstance(argument_type, StrawberryMaybe):
        return None
    if type(argument_type) is StrawberryOptional:
        argument_type = argument_type.of_type
    return argument_type in _AS_IS


def _method(field: StrawberryField, strawberrys: Resolver | None, names: NameConverter) -> Resolver | None:
    """A direct call of a ``(self, info, *arguments)`` method resolver, or None when it needs Strawberry's path.

    Arguments are passed under their Python names. Where an argument's value needs converting (an input object, a
    list, an enum), the call takes Strawberry's own resolver (``strawberrys``) instead, so the method receives
    exactly what Strawberry would give it; a missing or null value needs no conversion.
    """
    resolver = field.base_resolver
    if resolver is None or resolver.is_async:
        return None
    if resolver.self_parameter is None or resolver.parent_parameter or resolver.root_parameter:
        return None
    info_parameter = resolver.info_parameter
    parameters = list(resolver.signature.parameters)
    arguments = resolver.arguments
    if parameters == [resolver.self_parameter.name]:
        return Derived(resolver.wrapped_func)  # type: ignore[arg-type]  # a plain function here
    if info_parameter is None or parameters[:2] != [resolver.self_parameter.name, info_parameter.name]:
        return None
    if parameters[2:] != [argument.python_name for argument in arguments]:
        return None
    kinds = [_as_is(argument) for argument in arguments]
    if None in kinds or (strawberrys is None and not all(kinds)):
        return None
    python_names = {names.from_argument(argument): argument.python_name for argument in arguments}
    converted = [names.from_argument(argument) for argument, as_is in zip(arguments, kinds, strict=True) if not as_is]
    method: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]  # a plain function here

    if not arguments:

        def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
            return method(source, Info(_raw_info=info, _field=field))

        _DIRECT_METHODS.add(resolve)
        return resolve

    def resolve_with(source: Any, info: GraphQLResolveInfo[Any], /, **values: Any) -> Any:  # no name clashes
        for name in converted:
            if values.get(name) is not None:
                return strawberrys(source, info, **values)  # type: ignore[misc]  # only with converted arguments
        given = {python_names[name]: value for name, value in values.items()}
        return method(source, Info(_raw_info=info, _field=field), **given)

    _DIRECT_METHODS.add(resolve_with)
    return resolve_with


def plain_resolver(graphql_field: GraphQLField, names: NameConverter | None = None) -> Resolver | None:
    """The cheaper resolver of a field, or None when it must keep Strawberry's."""
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field.extensions or field.is_subscription:
        return None
    if field.base_resolver is None:
        return Attribute(field.python_name)
    return _method(field, graphql_field.resolve, names or NameConverter())


def resolve_plainly(schema: strawberry.Schema) -> list[str]:
    """Replace the resolvers of the schema's plain fields; returns them as ``Type.field``."""
    replaced = []
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, graphql_field in graphql_type.fields.items():
            resolver = plain_resolver(graphql_field, schema.config.name_converter)
            if resolver is not None:
                graphql_field.resolve = resolver
                replaced.append(f"{graphql_type.name}.{name}")
    return replaced
