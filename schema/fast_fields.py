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

- an asynchronous method guarded by permission classes alone, whose arguments are builtin scalars or flat input
  objects of builtin scalars (``promote(input: PromoteInput!)``): ``_guarded``'s resolver, which converts the
  input objects from a plan made once (``FlatInput``), checks the permissions as Strawberry's
  ``PermissionExtension`` does, and calls the method. Strawberry converted such an input with some 11
  ``convert_argument`` calls, resolving each field's annotation again, and wrapped the call in its extension
  chain: about a tenth of a promotion's time outside the database. A permission that answers anything but
  ``True`` (ours raise their errors) hands the call to Strawberry's resolver, which decides (and checks every
  permission again) as it always has. Like the direct methods above, it passes a plain ``Info``: the schema sets
  no ``info_class`` and no field exception handlers.

Every other field (``Maybe`` arguments, other field extensions, async resolvers without permissions, root query
fields with ``RootField``) keeps Strawberry's resolver. The answers are the same: the same attribute or the same
method, called with the same values. ``tests/schema/test_fast_fields.py`` checks which fields are replaced, and
``tests/schema/test_execution.py`` that documents answer the same with and without.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Mapping
from dataclasses import MISSING
from functools import partial
from typing import Any, NamedTuple

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, StrawberryType, has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver
from strawberry.types.info import Info

Resolver = Callable[..., Any]


class _MethodCall(NamedTuple):
    """What a method resolver made by ``_method`` calls, for ``bound``."""

    method: Callable[..., Any]
    field: StrawberryField
    #: The name of the method's ``info`` parameter.
    info_name: str
    #: GraphQL argument name -> Python parameter name.
    python_names: Mapping[str, str]
    #: The arguments Strawberry converts (input objects, lists, enums) when they are given.
    converted: tuple[str, ...]


#: The method resolvers ``_method`` made (``Attribute`` and ``Derived`` are told by their class): schema/levels.py
#: calls only these, whose answers are the method's own with no Strawberry machinery around them.
_DIRECT_METHODS: weakref.WeakKeyDictionary[Resolver, _MethodCall] = weakref.WeakKeyDictionary()


def is_direct(resolver: Resolver) -> bool:
    """The resolver is one this module put in place of Strawberry's: it calls the field's attribute or method."""
    return type(resolver) is Attribute or type(resolver) is Derived or resolver in _DIRECT_METHODS


def bound(resolver: Resolver, info: GraphQLResolveInfo[Any], args: Mapping[str, Any]) -> Callable[[Any], Any] | None:
    """``resolver(source, info, **args)`` of a method resolver ``_method`` made, as a function of the source alone:
    the ``Info`` built and the arguments named once, for every object a planned field is completed for
    (schema/levels.py plans each field once per request and calls it for each of its objects: a dashboard's 2,000
    relation fields each built an ``Info`` of their own). None for any other resolver, and when an argument
    Strawberry converts is given (the resolver hands that call to Strawberry's path)."""
    call = _DIRECT_METHODS.get(resolver) if resolver in _DIRECT_METHODS else None  # ``in``: any resolver
    if call is None or any(args.get(name) is not None for name in call.converted):
        return None
    given = {call.python_names[name]: value for name, value in args.items()}
    given[call.info_name] = Info(_raw_info=info, _field=call.field)
    return partial(call.method, **given)


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


def _self_info_arguments(resolver: StrawberryResolver[Any]) -> bool:
    """The resolver's parameters are ``self``, ``info`` and its GraphQL arguments, in that order (no parent or root)."""
    if resolver.self_parameter is None or resolver.info_parameter is None:
        return False
    if resolver.parent_parameter or resolver.root_parameter:
        return False
    expected = [resolver.self_parameter.name, resolver.info_parameter.name]
    return list(resolver.signature.parameters) == expected + [argument.python_name for argument in resolver.arguments]


def _method(field: StrawberryField, strawberrys: Resolver | None, names: NameConverter) -> Resolver | None:
    """A direct call of a ``(self, info, *arguments)`` method resolver, or None when it needs Strawberry's path.

    Arguments are passed under their Python names. Where an argument's value needs converting (an input object, a
    list, an enum), the call takes Strawberry's own resolver (``strawberrys``) instead, so the method receives
    exactly what Strawberry would give it; a missing or null value needs no conversion.
    """
    resolver = field.base_resolver
    if resolver is None or resolver.is_async:
        return None
    owner, parameters = resolver.self_parameter, list(resolver.signature.parameters)
    if owner is not None and not (resolver.parent_parameter or resolver.root_parameter) and parameters == [owner.name]:
        return Derived(resolver.wrapped_func)  # type: ignore[arg-type]  # a plain function here
    if not _self_info_arguments(resolver):
        return None
    arguments = resolver.arguments
    kinds = [_as_is(argument) for argument in arguments]
    if None in kinds or (strawberrys is None and not all(kinds)):
        return None
    python_names = {names.from_argument(argument): argument.python_name for argument in arguments}
    converted = [names.from_argument(argument) for argument, as_is in zip(arguments, kinds, strict=True) if not as_is]
    method: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]  # a plain function here
    info_name = resolver.info_parameter.name  # type: ignore[union-attr]  # checked by _self_info_arguments

    if not arguments:

        def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
            return method(source, Info(_raw_info=info, _field=field))

        _DIRECT_METHODS[resolve] = _MethodCall(method, field, info_name, python_names, ())
        return resolve

    def resolve_with(source: Any, info: GraphQLResolveInfo[Any], /, **values: Any) -> Any:  # no name clashes
        for name in converted:
            if values.get(name) is not None:
                return strawberrys(source, info, **values)  # type: ignore[misc]  # only with converted arguments
        given = {python_names[name]: value for name, value in values.items()}
        return method(source, Info(_raw_info=info, _field=field), **given)

    _DIRECT_METHODS[resolve_with] = _MethodCall(method, field, info_name, python_names, tuple(converted))
    return resolve_with


class FlatInput:
    """Converts a flat input object (every field a builtin scalar, nullable or not) as Strawberry's
    ``convert_argument`` does: the dataclass built from the fields given, a field without a default None when absent,
    each value as graphql-core coerced it."""

    __slots__ = ("cls", "implicit", "names")

    def __init__(self, cls: type, implicit: dict[str, None], names: tuple[tuple[str, str], ...]) -> None:
        self.cls = cls
        self.implicit = implicit
        #: (GraphQL name, Python name) of every field.
        self.names = names

    def __call__(self, value: Mapping[str, Any] | None) -> Any:
        if value is None:
            return None
        given = dict(self.implicit)
        for graphql_name, python_name in self.names:
            if graphql_name in value:
                given[python_name] = value[graphql_name]
        return self.cls(**given)

    @classmethod
    def of(cls, argument_type: StrawberryType | type, names: NameConverter) -> FlatInput | None:
        """The converter of an input type, or None when it is not flat or builds its own value (``from_input``)."""
        if type(argument_type) is StrawberryOptional:
            argument_type = argument_type.of_type
        if not has_object_definition(argument_type):
            return None
        definition = argument_type.__strawberry_definition__
        if not definition.is_input or definition.from_input is not None or definition.is_graphql_generic:
            return None
        for field in definition.fields:
            field_type = field.resolve_type(type_definition=definition)
            if isinstance(field_type, StrawberryMaybe):
                return None
            if type(field_type) is StrawberryOptional:
                field_type = field_type.of_type
            if field_type not in _AS_IS:
                return None
        implicit = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }
        pairs = tuple((names.from_field(field), field.python_name) for field in definition.fields)
        return cls(argument_type, implicit, pairs)


def _guarded(field: StrawberryField, strawberrys: Resolver | None, names: NameConverter) -> Resolver | None:
    """A direct call of an async ``(self, info, *arguments)`` method whose one extension is Strawberry's
    ``PermissionExtension`` (raising, not failing silently), or None when it needs Strawberry's path."""
    resolver = field.base_resolver
    if resolver is None or not resolver.is_async or strawberrys is None:
        return None
    if len(field.extensions) != 1 or type(field.extensions[0]) is not PermissionExtension:
        return None
    extension = field.extensions[0]
    if extension.fail_silently or not _self_info_arguments(resolver):
        return None
    arguments = resolver.arguments
    converters: dict[str, tuple[str, FlatInput | None]] = {}
    for argument in arguments:
        as_is = _as_is(argument)
        converter = None if as_is else FlatInput.of(argument.type, names)
        if as_is is None or (not as_is and converter is None):
            return None
        converters[names.from_argument(argument)] = (argument.python_name, converter)
    permissions: list[BasePermission] = list(extension.permissions)
    method: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]  # a plain function here
    fallback = strawberrys

    async def resolve(source: Any, info: GraphQLResolveInfo[Any], /, **values: Any) -> Any:
        given = {}
        for name, value in values.items():
            python_name, converter = converters[name]
            given[python_name] = value if converter is None else converter(value)
        strawberry_info: Info[Any, Any] = Info(_raw_info=info, _field=field)
        for permission in permissions:
            allowed = permission.has_permission(source, strawberry_info, **given)
            if inspect.isawaitable(allowed):
                allowed = await allowed
            if allowed is not True:  # refused (or not a bool): Strawberry's own path answers, as it always did
                return await fallback(source, info, **values)
        return await method(source, strawberry_info, **given)

    return resolve  # not in _DIRECT_METHODS: it returns an awaitable, which schema/levels.py does not complete


def plain_resolver(graphql_field: GraphQLField, names: NameConverter | None = None) -> Resolver | None:
    """The cheaper resolver of a field, or None when it must keep Strawberry's."""
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field.is_subscription:
        return None
    if field.extensions:
        return _guarded(field, graphql_field.resolve, names or NameConverter())
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
