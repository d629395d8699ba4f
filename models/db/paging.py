"""Keyset pagination: opaque cursors and the SQL that continues a page after one.

A cursor encodes the ordering it belongs to, the sort key and the row's unique tie-breaker, so a page
stays stable while rows are inserted (unlike offsets). Connections nested under a list of parents are
fetched for all parents in one statement with window functions (``ROW_NUMBER`` per parent): ``windowed``
runs such a statement and returns a page per parent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import orjson

from models.db.connection import Row, Table, connection, fetch, fetch_table, placeholders
from models.errors import InvalidInput

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Key:
    """One column of an ordering. ``nullable`` columns sort their nulls last in either direction."""

    column: str
    descending: bool
    nullable: bool = False
    #: What the column holds, which is what a cursor's value for it must be: a 64-bit integer, a finite
    #: number, text, or an ISO date-time.
    kind: Literal["int", "number", "text", "datetime"] = "int"

    @property
    def is_datetime(self) -> bool:
        return self.kind == "datetime"


@dataclass(frozen=True)
class Ordering:
    """A total order: the last key must be unique within a partition."""

    name: str
    keys: tuple[Key, ...]

    def order_by(self) -> str:
        parts = []
        for key in self.keys:
            if key.nullable:
                parts.append(f"({key.column} IS NULL)")
            parts.append(f"{key.column} {'DESC' if key.descending else 'ASC'}")
        return ", ".join(parts)

    def after(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL that is true for the rows that come after the row whose sort key is ``values``."""
        terms: list[str] = []
        params: list[Any] = []
        equal: list[str] = []
        equal_params: list[Any] = []
        for key, value in zip(self.keys, values, strict=True):
            operator = "<" if key.descending else ">"
            if value is None:
                step = None  # nothing sorts after a null within its key (nulls come last)
            elif key.nullable:
                step, step_params = f"({key.column} {operator} ? OR {key.column} IS NULL)", [value]
            else:
                step, step_params = f"{key.column} {operator} ?", [value]
            if step is not None:
                terms.append("(" + " AND ".join([*equal, step]) + ")")
                params.extend([*equal_params, *step_params])
            if value is None:
                equal.append(f"{key.column} IS NULL")
            else:
                equal.append(f"{key.column} = ?")
                equal_params.append(value)
        return ("(" + " OR ".join(terms) + ")" if terms else "1 = 0"), params


def encode_cursor(ordering: Ordering, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = orjson.dumps([ordering.name, plain])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Cursor:
    """A row's place in an ordering, encoded only when asked for: most pages are read for their nodes alone (a
    dashboard's 1,100 rows, none of whose cursors it selects)."""

    __slots__ = ("_ordering", "_values")

    def __init__(self, ordering: Ordering, values: Sequence[Any]) -> None:
        self._ordering, self._values = ordering, values

    def encoded(self) -> str:
        return encode_cursor(self._ordering, self._values)


#: Longer cursors are refused unread: the server's own are well under 300 characters.
MAX_CURSOR_CHARS = 1_000
_INT64 = range(-(2**63), 2**63)


def decode_cursor(ordering: Ordering, cursor: str | None, field: str = "after") -> list[Any] | None:
    """The sort values ``cursor`` holds; ``InvalidInput`` unless it is a cursor of ``ordering`` whose every value
    has its key's kind (a string where an id goes would reach the database as a type error)."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, values = orjson.loads(raw)
        if name != ordering.name or not isinstance(values, list) or len(values) != len(ordering.keys):
            raise ValueError
        return [_sort_value(key, value) for key, value in zip(ordering.keys, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise InvalidInput(
            field, "not a cursor of this list and ordering; use an endCursor from the same query"
        ) from error


def _sort_value(key: Key, value: Any) -> Any:
    if value is None:
        if not key.nullable:
            raise ValueError
        return None
    if key.kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if key.kind == "int" and isinstance(value, int) and not isinstance(value, bool) and value in _INT64:
        return value
    if key.kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if key.kind == "text" and isinstance(value, str) and len(value) <= MAX_CURSOR_CHARS:
        return value
    raise ValueError


@dataclass
class Page(Generic[T]):
    """One page of a connection: nodes with their cursors, and the size of the whole filtered set."""

    edges: list[tuple[Cursor, T]] = field(default_factory=list)
    total: int = 0
    has_next: bool = False
    has_previous: bool = False


def windowed_sql(
    *,
    select: str,
    partition: str,
    ordering: Ordering,
    after_sql: str | None,
    limit: int,
    rows: str = "",
    joins: str = "",
) -> str:
    """Wrap ``select`` (which must expose the ordering's columns, ``id`` and ``partition``) to return, per
    partition, the first ``limit`` rows after the cursor, each with ``rn`` and ``total``: the size of its whole
    set. ``joins`` (on ``ranked.id``) and ``rows`` add the full rows of only those, in the same statement."""
    counted = f"SELECT base.*, COUNT(*) OVER (PARTITION BY base.{partition}) AS total FROM ({select}) base"
    after = f"WHERE {after_sql}" if after_sql else ""
    ranked = (
        f"SELECT counted.*, ROW_NUMBER() OVER (PARTITION BY counted.{partition} ORDER BY {ordering.order_by()}) AS rn "
        f"FROM ({counted}) counted {after}"
    )
    extra = f", {rows}" if rows else ""
    return (
        f"SELECT ranked.*{extra} FROM ({ranked}) ranked {joins} "
        f"WHERE ranked.rn <= {int(limit)} ORDER BY ranked.{partition}, ranked.rn"
    )


async def windowed(
    select: str,
    params: list[Any],
    ordering: Ordering,
    cursor: list[Any] | None,
    parent_ids: Sequence[int],
    first: int,
    *,
    rows: str,
    joins: str,
    build: Callable[[Table], Callable[[Row], T]],
    partition: str = "model_id",
) -> dict[int, Page[T]]:
    """A page per parent in ``parent_ids`` from one statement (``windowed_sql``). ``build`` makes, for the
    statement's columns, what builds each node from its row. ``partition`` is the column of ``select`` that holds
    the parent's id."""
    pages: dict[int, Page[T]] = {parent: Page(has_previous=cursor is not None) for parent in parent_ids}
    if not parent_ids:
        return pages
    after_sql, after_params = ordering.after(cursor) if cursor is not None else (None, [])
    sql = windowed_sql(
        select=select,
        partition=partition,
        ordering=ordering,
        after_sql=after_sql,
        limit=first + 1,
        rows=rows,
        joins=joins,
    )
    conn = connection()
    found = await fetch_table(conn, sql, [*params, *after_params])
    if found.rows:
        at = found.columns
        parent, total, rank, node = at[partition], at["total"], at["rn"], build(found)
        sort_keys = [(at[key.column], key.is_datetime) for key in ordering.keys]
        for row in found.rows:
            page = pages[row[parent]]
            page.total = int(row[total])
            if row[rank] > first:
                page.has_next = True
            else:
                values = [as_datetime(row[column]) if is_datetime else row[column] for column, is_datetime in sort_keys]
                page.edges.append((Cursor(ordering, values), node(row)))
    if cursor is not None:
        # A page past the end of a parent's list has no rows to carry its total: count those apart.
        empty = [parent for parent, page in pages.items() if not page.edges and not page.has_next]
        if empty:
            counts = await fetch(
                conn,
                f"SELECT {partition}, COUNT(*) AS total FROM ({select}) base WHERE {partition} IN "
                f"({placeholders(empty)}) GROUP BY {partition}",
                [*params, *empty],
            )
            for count in counts:
                pages[count[partition]].total = int(count["total"])
    return pages


def required(row: R | None) -> R:
    if row is None:  # pragma: no cover - an inner join returned no row
        raise LookupError("row missing from its own join")
    return row


def as_datetime(value: datetime | str) -> datetime:
    # SQLite hands back the stored text; PostgreSQL a datetime.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
