"""ORM rows through raw statements that join or write several tables at once.

A raw statement (a windowed page, the promotion's read) often returns a row and the rows it refers to in one
round trip. ``columns`` selects a table's columns under a prefix (``"v.number"``); ``builder`` makes the function
that builds the Tortoise object back from those columns of each row, the way Tortoise's own executor does, except
that a value the driver does not give in its Python type (a date-time, JSON, an enum) is converted when it is first
read (``Converted``). ``insert`` is the other way: one row's INSERT, its values bound as Tortoise binds them, for a
statement that writes several rows in one round trip (``models/deployments/switch.py``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar

from tortoise import timezone
from tortoise.fields import DatetimeField, Field, JSONField
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

from models.db.connection import Row, Table, column_positions

M = TypeVar("M", bound=Model)


@cache  # call only once Tortoise is initialised: foreign key columns are added to the metadata then
def _column_names(table: type[Model]) -> tuple[str, ...]:
    return tuple(sorted(table._meta.db_fields))


def columns(table: type[Model], alias: str, prefix: str, only: Collection[str] | None = None) -> str:
    """``alias."col" AS "prefix.col"`` for every column of ``table``, comma-separated; with ``only``, for those of
    its columns alone (the primary key always), and the rows built from them are partial (``builder``)."""
    names = _column_names(table)
    if only is not None:
        names = tuple(name for name in names if name in only or name == table._meta.db_pk_column)
    return ", ".join(f'{alias}."{name}" AS "{prefix}.{name}"' for name in names)


def insert(table: type[Model], values: Mapping[str, Any], *, after: str | None = None) -> tuple[str, list[Any]]:
    """``INSERT INTO table (...) SELECT ?, ...`` of one row given by its field values (``model_id`` for a foreign
    key), and the values to bind, each converted by its field's ``to_db_value`` as Tortoise's own insert does. No
    default is filled in: name every column that has one. It returns nothing: ``written`` builds the row from the
    same values.

    ``after``: a data-modifying CTE of the same statement (PostgreSQL) whose rows must all be written before this
    one. A statement's CTEs run concurrently, in the order their rows are needed; this row is made from a count of
    that CTE's rows, so PostgreSQL finishes that CTE before it inserts the row.
    """
    meta = table._meta
    names = list(values)
    # Constant SQL: table and column names from the metadata, a CTE's name from the caller's code.
    into = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    source = f' FROM (SELECT COUNT(*) FROM "{after}") AS "{after}_first"' if after else ""  # noqa: S608
    sql = f'INSERT INTO "{meta.db_table}" ({into}) SELECT {", ".join("?" for _ in names)}{source}'
    return sql, [meta.fields_map[name].to_db_value(values[name], table) for name in names]


def written(table: type[M], values: Mapping[str, Any]) -> M:
    """The ``table`` row that ``insert`` wrote with ``values`` (its primary key included: allocated before), as
    reading it back would build it, for a write whose rows are not returned (``send_with_commit``). A column
    ``values`` does not name was written NULL (``insert`` fills in no default), and reads None.

    Built as ``builder`` builds a row read back (Tortoise's constructor validates each field again: a fifth of a
    promotion's Python time). On PostgreSQL a JSON field's objects come back with their keys in ``jsonb``'s order,
    so they do here too: the answer to the write reads the same as every later read of the row."""
    meta = table._meta
    postgres = meta.db.capabilities.dialect == "postgres"
    built = table.__new__(table)
    state = built.__dict__
    _stored(state, partial=False, custom_pk=meta.db_pk_column not in meta.generated_db_fields)
    for _, name, field in (*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields):
        value = values.get(name)
        state[name] = _in_jsonb_order(value) if postgres and isinstance(field, JSONField) else value
    return built


def _in_jsonb_order(value: Any) -> Any:
    """``value`` with every object's keys in the order ``jsonb`` stores them: shorter keys first, then by their
    UTF-8 bytes (PostgreSQL's ``lengthCompareJsonbString``)."""
    if isinstance(value, dict):
        ordered = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: _in_jsonb_order(value[key]) for key in ordered}
    if isinstance(value, list):
        return [_in_jsonb_order(item) for item in value]
    return value


def builder(table: type[M], found: Table, prefix: str) -> Callable[[Row], M]:
    """What builds the ``table`` row carried under ``prefix`` in each row of ``found``: a table every row has (the
    statement's FROM or an inner join)."""
    return _builder(table, found, prefix, optional=False)  # type: ignore[return-value]  # never None: it raises


def optional_builder(table: type[M], found: Table, prefix: str) -> Callable[[Row], M | None]:
    """What builds the ``table`` row carried under ``prefix`` in each row of ``found``, or gives None where an
    outer join found none."""
    return _builder(table, found, prefix, optional=True)


def _builder(table: type[M], found: Table, prefix: str, *, optional: bool) -> Callable[[Row], M | None]:
    """``_built_for``'s builder for the layout of ``found`` on the tables' backend."""
    dialect = table._meta.db.capabilities.dialect
    return _built_for(table, dialect, found.names, prefix, optional)  # type: ignore[return-value]  # generic through the cache


@functools.lru_cache(maxsize=512)
def _built_for(
    table: type[Model], dialect: str, names: tuple[str, ...], prefix: str, optional: bool
) -> Callable[[Row], Model | None]:
    """The builder for a statement layout: a promotion's read makes five and a page two or three, so finding
    their positions again for each execution cost more than building the one row. Per backend (``dialect``):
    which fields need converting differs between SQLite and PostgreSQL, and one process (the tests) may use both."""
    return _build_function(table, column_positions(names), prefix, optional=optional)


def _build_function(
    table: type[M], columns: Mapping[str, int], prefix: str, *, optional: bool
) -> Callable[[Row], M | None]:
    """It does what Tortoise's ``Model._init_from_db`` does for a full row (the same flags, the same conversion per
    field: none for the driver's native types, the field's type, or its ``to_python_value``, this last when the
    value is first read: ``Converted``), writing into the instance's ``__dict__`` directly: ``_init_from_db`` sets
    its four flags through ``Model.__setattr__`` (a ``hasattr`` and two dict lookups each) and needs the row copied
    into keyword arguments first. Each column's position is found once per statement, not once per row: a
    dashboard builds some 1,700 rows this way. The field lists come from the metadata, which depends on the backend
    the tables are bound to (``DB_NATIVE`` differs between SQLite and PostgreSQL).
    """
    meta = table._meta
    at = columns

    def position(column: str) -> int:
        return at[f"{prefix}.{column}"]

    def present(column: str) -> bool:
        return f"{prefix}.{column}" in at

    key = position(meta.db_pk_column)
    custom_pk = meta.db_pk_column not in meta.generated_db_fields
    native = [(position(column), name) for column, name, _ in meta.db_native_fields if present(column)]
    typed = [
        (position(column), name, field.field_type) for column, name, field in meta.db_default_fields if present(column)
    ]
    deferred: _Deferred = MappingProxyType(
        {name: (position(column), _reader(field)) for column, name, field in meta.db_complex_fields if present(column)}
    )
    # A statement that read some of the columns (``columns(..., only=...)``) builds partial rows, as Tortoise's
    # ``.only()`` does: a field it did not read is no attribute (reading it raises ``AttributeError``), and
    # ``save()`` refuses to write the row whole.
    partial = len(native) + len(typed) + len(deferred) < len(meta.db_fields)
    _convert_when_read(table, deferred)
    new = table.__new__

    def build(row: Row) -> M | None:
        if row[key] is None:
            if optional:
                return None
            raise LookupError(f"{table.__name__} missing from its own join")  # pragma: no cover - inner joins
        built = new(table)
        state = built.__dict__
        _stored(state, partial=partial, custom_pk=custom_pk)
        for at_column, name in native:
            state[name] = row[at_column]
        for at_column, name, kind in typed:
            value = row[at_column]
            state[name] = value if value is None else kind(value)
        state[_ROW] = row
        state[_DEFERRED] = deferred
        return built

    return build


def _stored(state: dict[str, Any], *, partial: bool, custom_pk: bool) -> None:
    """The flags Tortoise's ``Model._init_from_db`` sets on an instance of a stored row, set in its ``__dict__``."""
    state["_partial"] = partial
    state["_saved_in_db"] = True
    state["_custom_generated_pk"] = custom_pk
    state["_await_when_save"] = {}


def _reader(field: Field[Any]) -> Callable[[Any], Any]:
    """What converts ``field``'s column when it is first read: the field's ``to_python_value``, except for a
    date-time while Tortoise works in UTC, as modelreg configures it.

    Tortoise parses SQLite's text with the ``iso8601`` package and converts every value to its own
    ``ZoneInfo("UTC")`` (1.7 µs); ``datetime.fromisoformat`` reads the ``isoformat(" ")`` text Tortoise writes in
    0.13 µs, PostgreSQL's driver gives the value in ``datetime.UTC`` already, and a value in ``datetime.UTC``
    serializes fastest (``schema/scalars.py``). The same instant either way: aware date-times
    compare equal whatever their ``tzinfo``. Text ``fromisoformat`` refuses goes to Tortoise, as before.
    """
    convert = field.to_python_value
    if isinstance(field, CharEnumFieldInstance):
        # The member by its value in a dict, as ``enum_type(value)`` finds it after two Python calls (a dashboard
        # reads 600 versions' status); anything else (None, an unknown value) as Tortoise converts it.
        members: Mapping[Any, Any] = field.enum_type._value2member_map_

        def member(value: Any) -> Any:
            found = members.get(value) if type(value) is str else None
            return found if found is not None else convert(value)

        return member
    if not isinstance(field, DatetimeField) or not _tortoise_in_utc():
        return convert

    def read(value: Any) -> Any:
        if type(value) is datetime:  # PostgreSQL's driver gives them, in UTC already
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return convert(value)
        else:
            return convert(value)
        if parsed.tzinfo is None:  # Tortoise makes a naive value aware in its default time zone: UTC here
            return parsed.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)

    return read


def _tortoise_in_utc() -> bool:
    """Tortoise keeps date-times aware, in UTC (``models.db.connection``'s configuration)."""
    return timezone.get_use_tz() and timezone.get_default_timezone().utcoffset(None) == timedelta(0)


#: Where a built instance keeps its row and what to convert from it (names no Tortoise field can take: they
#: start with an underscore, which Tortoise's fields never do here).
_ROW, _DEFERRED = "_built_from_row", "_converted_when_read"
#: A field's name -> (its column's position in the row, what converts its value: ``_reader``).
_Deferred: TypeAlias = Mapping[str, tuple[int, Callable[[Any], Any]]]


class Converted:
    """A field whose value a built row converts when it is first read, not when the row is built.

    A dashboard builds some 1,700 rows and reads a fraction of their date-times and JSON: a page's versions
    carry their hyperparameters and feature names, a deployment history's versions are read for their number
    alone. Converting every value cost about a fifth of building the rows (docs/performance.md).

    A non-data descriptor on the model class: an instance's own value, once it has one, hides it, so the first
    read converts and stores the value where Tortoise keeps it (the instance's ``__dict__``), and every later
    read, write, ``save()`` or ``refresh_from_db()`` sees a plain attribute. Instances Tortoise builds itself
    have every value from the start and never reach it. A built instance keeps the driver's row until then, which
    ``copy.copy`` shares but ``copy.deepcopy`` and ``pickle`` refuse: nothing here copies or pickles rows.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Model | None, owner: type[Model] | None = None) -> Any:
        if instance is None:
            return self
        state = instance.__dict__
        try:
            at, convert = state[_DEFERRED][self.name]
        except KeyError:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self.name!r}") from None
        value = state[self.name] = convert(state[_ROW][at])
        return value


def is_null(instance: Model, name: str) -> bool:
    """Whether field ``name`` of ``instance`` is None, without converting a value it has not converted yet (a
    deployment is active while its ``retired_at`` is: 500 date-times of a dashboard parsed to be compared with
    None). Any instance, built here or by Tortoise."""
    state = instance.__dict__
    if name in state:
        return state[name] is None
    deferred = state.get(_DEFERRED)
    if deferred is not None and name in deferred:
        return state[_ROW][deferred[name][0]] is None  # a driver gives NULL as None, whatever the column's type
    return getattr(instance, name) is None


def _convert_when_read(table: type[Model], deferred: _Deferred) -> None:
    """Put a ``Converted`` on ``table`` for each of these fields that has none yet (Tortoise keeps no class
    attribute for a field: its metaclass takes them off the class)."""
    for name in deferred:
        found = inspect.getattr_static(table, name, None)  # a base class's attribute would be shadowed too
        if found is None:
            setattr(table, name, Converted(name))
        elif not isinstance(found, Converted):  # pragma: no cover - a model that shadows its own field
            raise TypeError(f"{table.__name__}.{name} is taken: its value cannot be converted when read")
