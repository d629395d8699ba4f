"""Relay plumbing: the Node interface, opaque global ids, and generic connections built from pages."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry
from tortoise.models import Model as TortoiseModel

from models.db.paging import Cursor, Page
from models.errors import InvalidInput

NOT_A_GLOBAL_ID = (
    "not a modelreg global id; use the id of a Model, Version, Deployment, AuditEvent, MonitoringWindow or "
    "RetrainingRequest"
)

T = TypeVar("T")
R = TypeVar("R")


@strawberry.interface(description="Relay global object identification: every persisted entity has an opaque global id.")
class Node:
    #: The row the object wraps: its primary key is in the global id, with the type's name.
    row: strawberry.Private[TortoiseModel]

    # Computed when selected, not when the object is built: a dashboard builds some 1,800 models, versions and
    # deployments and selects none of their ids. A method of ``self`` alone, so it is completed as a plain leaf
    # all the same (schema/fast_fields.py, ``Derived``).
    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id(type(self).__name__, self.row.pk)


def global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("="))


#: The number after ``Type:`` as the server writes it: canonical ASCII digits (no sign, spaces, underscores,
#: leading zeros or other scripts' digits, all of which ``int()`` would accept), and within 64 bits.
_KEY = re.compile(r"(?:0|[1-9][0-9]{0,18})")
_MAX_KEY = 2**63 - 1
_MAX_GLOBAL_ID_CHARS = 200


def parse_global_id(value: str, field: str = "id") -> tuple[str, int]:
    """``(type name, primary key)`` of a global id; ``InvalidInput`` for anything the server could not have made."""
    try:
        if len(value) > _MAX_GLOBAL_ID_CHARS or not value.isascii():
            raise ValueError
        type_name, _, pk = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(":")
        if not _KEY.fullmatch(pk) or int(pk) > _MAX_KEY:
            raise ValueError
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(field, NOT_A_GLOBAL_ID) from None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """A page of nodes. Its edges and page info are made only when selected, and each cursor encoded only then: a
    dashboard reads 1,100 nodes through connections and selects none of their cursors. Every field is a method
    of ``self`` alone (``Derived``, completed like a plain field: schema/fast_fields.py), which also keeps them in
    the published schema's order (Strawberry lists a type's methods after its attributes)."""

    _nodes: strawberry.Private[list[T]]
    _cursors: strawberry.Private[list[Cursor]]
    #: None when the page was read without counting, which only a document that does not select it asks for.
    _total: strawberry.Private[int | None]
    #: None when the page was read without looking past it, which only a document not selecting pageInfo asks for.
    _has_next: strawberry.Private[bool | None]
    _has_previous: strawberry.Private[bool]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [
            Edge(cursor=cursor.encoded(), node=node) for cursor, node in zip(self._cursors, self._nodes, strict=True)
        ]

    @strawberry.field
    def nodes(self) -> list[T]:
        return self._nodes

    @strawberry.field
    def page_info(self) -> PageInfo:
        cursors = self._cursors
        if self._has_next is None:  # pragma: no cover - a read that did not peek for a document selecting it
            raise RuntimeError("this page was read without looking past it")
        return PageInfo(
            has_next_page=self._has_next,
            has_previous_page=self._has_previous,
            start_cursor=cursors[0].encoded() if cursors else None,
            end_cursor=cursors[-1].encoded() if cursors else None,
        )

    @strawberry.field
    def total_count(self) -> int:
        if self._total is None:  # pragma: no cover - a read that skipped the count for a document selecting it
            raise RuntimeError("this page was read without its total")
        return self._total


def connection(page: Page[R], convert: Callable[[R], T]) -> Connection[T]:
    return Connection(
        _nodes=[convert(row) for _, row in page.edges],
        _cursors=[cursor for cursor, _ in page.edges],
        _total=page.total,
        _has_next=page.has_next,
        _has_previous=page.has_previous,
    )
