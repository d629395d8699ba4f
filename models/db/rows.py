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


def columns(table: type[Model], alias: str, prefix: str) -> str:
    """``alias."col" AS "prefix.col"`` for every column of ``table``, comma-separated."""
    return ", ".join(f'{alias}."{name}" AS "{prefix}.{name}"' for name in _column_names(table))


def instance(table: type[M], row: Mapping[str, Any], prefix: str) -> M | None:
    """The ``table`` row carried under ``prefix`` in ``row``; None when an outer join found none."""
    values = {name: row[f"{prefix}.{name}"] for name in _column_names(table)}
    if values[table._meta.db_pk_column] is None:
        return None
    # Tortoise's executor builds rows with this classmethod too; it applies each field's to_python_value.
    return table._init_from_db(**values)
