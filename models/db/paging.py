"""Keyset pagination: opaque cursors and the SQL that continues a page after one.

A cursor encodes the ordering it belongs to, the sort key and the row's unique tie-breaker, so a page
stays stable while rows are inserted (unlike offsets). Connections nested under a list of parents are
fetched for all parents in one statement: ``windowed`` runs it, each parent's page read alone as far as the page
goes (``form``: a lateral join per parent, or an ``IN`` list per parent of a JSON array), and returns a page per
parent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import orjson

from models.db.connection import Row, Table, connection, dialect, fetch, fetch_table, one_of
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

    def order_by(self, table: str = "") -> str:
        """The ORDER BY terms, on the columns of ``table`` (an alias and a dot) or unqualified."""
        parts = []
        for key in self.keys:
            column = f"{table}{key.column}"
            if key.nullable:
                parts.append(f"({column} IS NULL)")
            parts.append(f"{column} {'DESC' if key.descending else 'ASC'}")
        return ", ".join(parts)

    def after(self, values: Sequence[Any], table: str = "") -> tuple[str, list[Any]]:
        """SQL that is true for the rows that come after the row whose sort key is ``values`` (columns as in
        ``order_by``)."""
        terms: list[str] = []
        params: list[Any] = []
        equal: list[str] = []
        equal_params: list[Any] = []
        for key, value in zip(self.keys, values, strict=True):
            operator = "<" if key.descending else ">"
            column = f"{table}{key.column}"
            if value is None:
                step = None  # nothing sorts after a null within its key (nulls come last)
            elif key.nullable:
                step, step_params = f"({column} {operator} ? OR {column} IS NULL)", [value]
            else:
                step, step_params = f"{column} {operator} ?", [value]
            if step is not None:
                terms.append("(" + " AND ".join([*equal, step]) + ")")
                params.extend([*equal_params, *step_params])
            if value is None:
                equal.append(f"{column} IS NULL")
            else:
                equal.append(f"{column} = ?")
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


class RowCursor(Cursor):
    """A cursor whose sort values are read from the statement's row when it is encoded (``windowed``): converting
    a date-time sort key of each of a dashboard's 500 deployments cost more than reading them."""

    __slots__ = ("_keys", "_row")

    def __init__(self, ordering: Ordering, row: Row, keys: Sequence[tuple[int, bool]]) -> None:
        self._ordering, self._row, self._keys = ordering, row, keys

    def encoded(self) -> str:
        row = self._row
        values = [as_datetime(row[column]) if is_datetime else row[column] for column, is_datetime in self._keys]
        return encode_cursor(self._ordering, values)


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
        # In UTC, as the columns store them: SQLite compares the stored text with the bound value's, which a value
        # without an offset (a cursor written by hand) or in another one would not match.
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
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
    #: None when the read was asked not to count (``windowed``'s ``count``: no one selected the total).
    total: int | None = 0
    #: None when the read did not look past the page (``windowed``'s ``peek``: no one selected hasNextPage).
    has_next: bool | None = False
    has_previous: bool = False


@dataclass(frozen=True)
class Nested:
    """What a page per parent is read from: ``select`` (with ``params``) exposes ``id``, the parent's id in
    ``partition`` and the ordering's columns, without a condition on the parent (the statement adds it).
    ``joins`` (on ``ranked.id``) and ``rows`` add the full rows of only the page's nodes."""

    select: str
    params: list[Any]
    partition: str
    rows: str
    joins: str


def _after(ordering: Ordering, cursor: list[Any] | None, keyword: str, table: str) -> tuple[str, list[Any]]:
    """``keyword`` and the condition for the rows after the cursor, or nothing without a cursor."""
    if cursor is None:
        return "", []
    condition, params = ordering.after(cursor, table)
    return f"{keyword} {condition}", params


def _listed(
    of: Nested, ordering: Ordering, cursor: list[Any] | None, limit: int, parents: Sequence[int], count: bool
) -> tuple[str, list[Any]]:
    """SQLite: the parents as a JSON array (``json_each``), each one's page the ids that an index range read finds
    up to the page's end (a correlated ``IN`` list), then the full rows of those ids alone.

    Any number of parents in one statement, each read only as far as its page goes. A UNION ALL arm per parent
    read the same rows at some 30 µs of SQLite's own work per arm (a dashboard's 100 version pages: 1.95 against
    1.43 ms; its deployment histories, counted, 4.0 against 2.4) and allowed 500 arms; ranking every row of every
    parent sorts them all however short the pages. Each parent is counted once, in the materialized list of
    parents, not once per row of its page.
    """
    after_sql, after_params = _after(ordering, cursor, "AND", "base.")
    total = (
        f"(SELECT COUNT(*) FROM ({of.select}) counted WHERE counted.{of.partition} = listed.value)" if count else "NULL"
    )
    page = (
        f"SELECT base.id FROM ({of.select}) base WHERE base.{of.partition} = parent.id {after_sql} "
        f"ORDER BY {ordering.order_by('base.')} LIMIT {int(limit)}"
    )
    sql = (
        f"WITH parent AS MATERIALIZED (SELECT listed.key AS position, listed.value AS id, {total} AS total "
        "FROM json_each(?) listed) "
        f"SELECT ranked.*, parent.total AS total, {of.rows} FROM parent "
        f"JOIN ({of.select}) ranked ON ranked.id IN ({page}) {of.joins} "
        f"ORDER BY parent.position, {ordering.order_by('ranked.')}"
    )
    listed = orjson.dumps(list(parents)).decode()
    return sql, [*(of.params if count else []), listed, *of.params, *of.params, *after_params]


def _lateral(
    of: Nested, ordering: Ordering, cursor: list[Any] | None, limit: int, parents: Sequence[int], count: bool
) -> tuple[str, list[Any]]:
    """PostgreSQL: each parent's total and page by a lateral join, each page an index range read up to its end
    (1.3 ms against 4.4 to 6.2 for ranking a dashboard's 2,000 versions). The full rows are joined to the pages
    after their LIMIT: joined inside it, the planner may join every row of the table once per parent (a hash
    join over a sequential scan, 100 times: 8.6 ms for a dashboard's deployment history, against 2.3)."""
    page = f"SELECT base.* FROM ({of.select}) base WHERE base.{of.partition} = parent.id"
    after_sql, after_params = _after(ordering, cursor, "AND", "base.")
    counted = (
        f"CROSS JOIN LATERAL (SELECT COUNT(*) AS total FROM ({of.select}) base WHERE base.{of.partition} = parent.id) "
        "counted "
        if count
        else ""
    )
    sql = (
        f"SELECT ranked.*, {'counted.total' if count else 'NULL AS total'}, {of.rows} "
        f"FROM unnest(?::bigint[]) WITH ORDINALITY AS parent(id, position) {counted}"
        f"CROSS JOIN LATERAL ({page} {after_sql} ORDER BY {ordering.order_by('base.')} LIMIT {int(limit)}) ranked "
        f"{of.joins} ORDER BY parent.position, {ordering.order_by('ranked.')}"
    )
    return sql, [list(parents), *(of.params if count else []), *of.params, *after_params]


#: (what to read, its ordering, the cursor, the page size read, the parents, whether to count) -> SQL and parameters
Form: TypeAlias = Callable[[Nested, Ordering, "list[Any] | None", int, Sequence[int], bool], tuple[str, list[Any]]]


def form(backend: str) -> Form:
    """How pages for a list of parents are read on ``backend``: each parent's page read alone, only as far as it
    goes."""
    return _lateral if backend == "postgres" else _listed


async def windowed(
    of: Nested,
    ordering: Ordering,
    cursor: list[Any] | None,
    parent_ids: Sequence[int],
    first: int,
    *,
    build: Callable[[Table], Callable[[Row], T]],
    count: bool = True,
    peek: bool = True,
) -> dict[int, Page[T]]:
    """A page per parent in ``parent_ids``, in one statement. ``build`` makes, for the statement's columns, what
    builds each node from its row. ``count``: each page's ``total`` counted, else None (reading a page of a
    dashboard's 100 models without their totals: 2.2 against 2.5 ms on SQLite). ``peek``: one row more than the
    page read, to tell whether a next page exists, else ``has_next`` None (a dashboard's 100 version pages and 100
    deployment histories: 1,000 rows against 1,200)."""
    pages: dict[int, Page[T]] = {
        parent: Page(total=0 if count else None, has_next=False if peek else None, has_previous=cursor is not None)
        for parent in parent_ids
    }
    if not parent_ids:
        return pages
    parents = list(dict.fromkeys(parent_ids))
    conn = connection()
    # A page of none still reads a row, when there is one, to carry the total (``first: 0`` asks for a count).
    limit = first if not peek and first else first + 1
    sql, params = form(dialect(conn))(of, ordering, cursor, limit, parents, count)
    found = await fetch_table(conn, sql, params)
    if found.rows:
        at = found.columns
        parent, total, node = at[of.partition], at["total"], build(found)
        sort_keys = [(at[key.column], key.is_datetime) for key in ordering.keys]
        for row in found.rows:
            # Each parent's rows come in its page's order, one more than asked for when there is a next page.
            page = pages[row[parent]]
            if count:
                page.total = int(row[total])
            if len(page.edges) == first:
                if peek:
                    page.has_next = True
                continue
            page.edges.append((RowCursor(ordering, row, sort_keys), node(row)))
    if count and cursor is not None:
        # A page past the end of a parent's list has no rows to carry its total: count those apart.
        empty = [parent for parent, page in pages.items() if not page.edges and not page.has_next]
        if empty:
            of_empty, params = one_of(conn, of.partition, empty)
            counts = await fetch(
                conn,
                f"SELECT {of.partition}, COUNT(*) AS total FROM ({of.select}) base WHERE {of_empty} "
                f"GROUP BY {of.partition}",
                [*of.params, *params],
            )
            for found_count in counts:
                pages[found_count[of.partition]].total = int(found_count["total"])
    return pages


def as_datetime(value: datetime | str) -> datetime:
    # SQLite hands back the stored text; PostgreSQL a datetime.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
