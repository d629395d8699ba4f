"""ORM instances from raw statements that join several tables.

A raw statement (a windowed page, the promotion's read) often returns a row and the rows it refers to in one
round trip. ``columns`` selects a table's columns under a prefix (``"v.number"``); ``instance`` builds the
Tortoise object back from those columns the way Tortoise's own executor does, converting values per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


@cache  # call only once Tortoise is initialised: foreign key columns are added to the metadata then
def _column_names(table: type[Model]) -> tuple[str, ...]:
    return tuple(sorted(table._meta.db_fields))


@cache
def _prefixed(table: type[Model], prefix: str) -> dict[str, str]:
    """Each column's key in a joined row: ``{"number": "v.number", ...}`` (built once, not per row)."""
    return {name: f"{prefix}.{name}" for name in _column_names(table)}


def columns(table: type[Model], alias: str, prefix: str) -> str:
    """``alias."col" AS "prefix.col"`` for every column of ``table``, comma-separated."""
    return ", ".join(f'{alias}."{name}" AS "{prefix}.{name}"' for name in _column_names(table))


def instance(table: type[M], row: Mapping[str, Any], prefix: str) -> M | None:
    """The ``table`` row carried under ``prefix`` in ``row``; None when an outer join found none.

    What Tortoise's ``Model._init_from_db`` does for a full row (the same flags, the same conversion per field:
    none for the driver's native types, the field's type, or its ``to_python_value``), written into the
    instance's ``__dict__`` directly: ``_init_from_db`` sets its four flags through ``Model.__setattr__`` (a
    ``hasattr`` and two dict lookups each) and needs the row copied into keyword arguments first. A dashboard
    builds some 1,500 rows this way. The field lists are read from the metadata on every call, not cached: they
    depend on the backend the tables are bound to (``DB_NATIVE`` differs between SQLite and PostgreSQL).
    """
    keys = _prefixed(table, prefix)
    meta = table._meta
    if row[keys[meta.db_pk_column]] is None:
        return None
    built = table.__new__(table)
    state = built.__dict__
    state["_partial"] = False
    state["_saved_in_db"] = True
    state["_custom_generated_pk"] = meta.db_pk_column not in meta.generated_db_fields
    state["_await_when_save"] = {}
    for key, name, _ in meta.db_native_fields:
        state[name] = row[keys[key]]
    for key, name, field in meta.db_default_fields:
        value = row[keys[key]]
        state[name] = value if value is None else field.field_type(value)
    for key, name, field in meta.db_complex_fields:
        state[name] = field.to_python_value(row[keys[key]])
    return built
